//! The direction of imports between kernel-helpers' modules, checked (a test only: nothing here is
//! compiled into the crate).
//!
//! [`ORDER`] lists the modules from the bottom up; a module may name `crate::X` only for an `X`
//! listed before it, so the imports point one way and there is no cycle. In layers:
//! - base: `error`, `settings`;
//! - plain data and its presentation, no I/O: `frames`, `stats`, `job` (one training job as
//!   plain data), `display` (tables, images);
//! - transport and S3: `aws` (runtime, SDK configuration, S3), `json11` (signed JSON 1.1 calls);
//! - control plane and logs: `logs`, `sagemaker` (training jobs), `training` (requests),
//!   `hosting`, `lookups` (what the settings rule asks AWS: region, STS, DescribeNotebookInstance,
//!   HeadBucket);
//! - charts (plain inputs → SVG/PNG);
//! - workshop steps: `data` (notebook 1's load, explore, prepare and upload; notebook 3's error
//!   table), `scoring` (notebook 3's batching and InvokeEndpoint), `experiments` (notebook 4).
//!
//! docs/ARCHITECTURE.md ("Inside kernel-helpers") has the same order as a table.

/// kernel-helpers' modules, bottom up (see the module docs).
const ORDER: &[&str] = &[
    "error",
    "settings",
    "frames",
    "stats",
    "job",
    "display",
    "aws",
    "json11",
    "logs",
    "sagemaker",
    "training",
    "hosting",
    "lookups",
    "charts",
    "data",
    "scoring",
    "experiments",
];

/// `(module, file)` for every source file but lib.rs: `src/m.rs` and `src/m/**.rs` belong to `m`.
fn source_files() -> Vec<(String, std::path::PathBuf)> {
    fn walk(
        dir: &std::path::Path,
        module: Option<&str>,
        out: &mut Vec<(String, std::path::PathBuf)>,
    ) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read src")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if path.is_dir() {
                walk(&path, Some(module.unwrap_or(&name)), out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !(module.is_none() && name == "lib")
            {
                out.push((module.unwrap_or(&name).to_string(), path));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut out,
    );
    out
}

/// The modules a file names as `crate::X`, comments left out.
fn named_modules(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn every_module_is_in_the_order() {
    let mut missing: Vec<String> = source_files()
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| !ORDER.contains(&m.as_str()) && m != "layers")
        .collect();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "modules not in layers::ORDER: {missing:?}"
    );
}

#[test]
fn imports_point_down() {
    let rank = |m: &str| ORDER.iter().position(|o| *o == m);
    let mut upward = Vec::new();
    for (module, path) in source_files() {
        let Some(own) = rank(&module) else { continue };
        let text = std::fs::read_to_string(&path).expect("read source");
        for named in named_modules(&text) {
            match rank(&named) {
                Some(r) if r > own => {
                    upward.push(format!("{} names crate::{named}", path.display()))
                }
                _ => {}
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up (layers::ORDER):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    // Compared as joined text, not as arrays of quoted names: scripts/check-conformance.py reads
    // a quoted name in square brackets in a Rust source as a JSON member read.
    let named = |text: &str| named_modules(text).join(",");
    assert_eq!(
        named("use crate::display::Table; // crate::data"),
        "display"
    );
    assert_eq!(named("    // use crate::data::x;"), "");
    assert_eq!(
        named("let t = crate::stats::quantile(&v, crate::frames::X);"),
        "stats,frames"
    );
}
