//! The wrapper under a real cargo: a build in one build dir fills the cache, and the same build in
//! another build dir (evcxr's slot-1 beside slot-0) is served from it. The crates are local with
//! incremental compilation off, so cargo compiles them the way it compiles registry crates (the
//! ones evcxr caches) without needing the network.

use std::path::{Path, PathBuf};
use std::process::Command;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A build dir like evcxr's: crate `ctx` depending on a path crate `leaf` (outside the build dir,
/// as kernel_helpers is), not incremental.
fn build_dir(root: &Path, name: &str, leaf: &Path) -> PathBuf {
    let dir = root.join(name);
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"ctx\"\nversion = \"1.0.0\"\nedition = \"2024\"\n\n\
             [profile.dev]\nincremental = false\n\n\
             [dependencies]\nleaf = {{ path = \"{}\" }}\n",
            leaf.display()
        ),
    );
    write(
        &dir.join("src/lib.rs"),
        "pub fn twice(x: u32) -> u32 { leaf::double(x) }\n",
    );
    dir
}

fn cargo_build(dir: &Path, cache_home: &Path) -> std::process::Output {
    let output = Command::new(env!("CARGO"))
        .args(["build", "--message-format=json"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", "target")
        .env("RUSTC_WRAPPER", env!("CARGO_BIN_EXE_evcxr-cache-wrapper"))
        .env("EVCXR_TARGET_DIR", dir.join("target"))
        .env("XDG_CACHE_HOME", cache_home)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    found.sort();
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_second_build_dir_is_served_from_the_cache() {
    let root = tempfile::tempdir().expect("tempdir");
    let cache_home = root.path().join("cache");
    let leaf = root.path().join("leaf");
    write(
        &leaf.join("Cargo.toml"),
        "[package]\nname = \"leaf\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(
        &leaf.join("src/lib.rs"),
        "pub fn double(x: u32) -> u32 { x * 2 }\n",
    );

    let slot0 = build_dir(root.path(), "slot-0", &leaf);
    cargo_build(&slot0, &cache_home);
    let cache = cache_home.join("evcxr");
    let stored = entries(&cache);
    // One entry per compiled crate (leaf, ctx), no staging directories left behind.
    assert_eq!(stored.len(), 2, "{stored:?}");
    for entry in &stored {
        let name = entry.file_name().expect("name").to_string_lossy();
        assert!(name.parse::<u64>().is_ok(), "entry {name} is not a key");
        assert_eq!(read(&entry.join("hits")), "0");
        let meta = read(&entry.join("meta"));
        assert!(meta.contains("<target_dir>/debug/deps"), "{meta}");
        assert!(
            !meta.contains(&slot0.join("target").display().to_string()),
            "{meta}"
        );
        let notices = read(&entry.join("stderr"));
        assert!(notices.contains("\"emit\":\"link\""), "{notices}");
        for line in notices.lines() {
            let path = line
                .split("\"artifact\":\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("artifact path");
            let file = Path::new(path).file_name().expect("file name");
            assert!(
                entry.join(file).is_file(),
                "{} lacks {file:?}",
                entry.display()
            );
        }
    }

    // The same crate in another build dir: every crate comes from the cache.
    let slot1 = build_dir(root.path(), "slot-1", &leaf);
    let output = cargo_build(&slot1, &cache_home);
    assert_eq!(entries(&cache), stored);
    for entry in &stored {
        assert_eq!(read(&entry.join("hits")), "1", "{}", entry.display());
    }
    let messages = String::from_utf8_lossy(&output.stdout);
    let ctx_rlib = messages
        .lines()
        .filter(|l| {
            l.contains("\"reason\":\"compiler-artifact\"") && l.contains("\"name\":\"ctx\"")
        })
        .find_map(|l| l.split("\"filenames\":[\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("cargo reported ctx's rlib");
    assert!(
        Path::new(ctx_rlib).starts_with(slot1.join("target")),
        "{ctx_rlib}"
    );
    assert!(Path::new(ctx_rlib).is_file());
}

#[test]
fn without_the_target_dir_it_says_what_is_missing() {
    let output = Command::new(env!("CARGO_BIN_EXE_evcxr-cache-wrapper"))
        .args([
            "rustc",
            "--crate-name",
            "x",
            "--out-dir",
            "/nonexistent",
            "x.rs",
        ])
        .env_remove("EVCXR_TARGET_DIR")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("EVCXR_TARGET_DIR is not set"), "{stderr}");
}

#[test]
fn probes_pass_straight_to_rustc() {
    let output = Command::new(env!("CARGO_BIN_EXE_evcxr-cache-wrapper"))
        .args(["rustc", "-vV"])
        .env_remove("EVCXR_TARGET_DIR")
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("host: "));
}
