//! evcxr 0.22.0's compile cache, as its wrapper reads and writes it
//! (`evcxr/src/module/cache.rs` at tag v0.22.0:
//! <https://github.com/evcxr/evcxr/blob/v0.22.0/evcxr/src/module/cache.rs>):
//! * the cache is `$XDG_CACHE_HOME/evcxr` (an absolute XDG_CACHE_HOME; else `$HOME/.cache/evcxr`),
//!   the `dirs` crate's cache directory that evcxr asks for;
//! * an invocation is cached when it has `--out-dir` and no `-C incremental=…` (cargo compiles path
//!   crates incrementally; registry crates, the ones worth caching, never);
//! * its key is std's `DefaultHasher` fed each argument as a `str`, after every occurrence of the
//!   build dir's target directory (`EVCXR_TARGET_DIR`) is replaced by `<target_dir>`, so build dirs
//!   slot-0 and slot-1 share entries; the entry is the directory `<cache>/<key>`;
//! * an entry holds the files rustc reported as artifacts, `meta` (the key's inputs, one per line),
//!   `hits` (a counter, "0" when stored) and `stderr` (the artifact notices), which evcxr reads to
//!   tell a hit: it copies the files into `--out-dir` and reports the notices instead of compiling.
//!
//! evcxr also writes the path of the `ctx` crate's shared object on a hit; `ctx` is the build dir's
//! own crate, compiled incrementally, so it is never cached and that step has no part here.
//! This writes an entry into a temporary directory renamed into place, so a wrapper killed halfway
//! leaves no entry that evcxr would take for a hit.

use crate::artifact::{Artifact, read_artifacts};
use std::ffi::OsString;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

/// The environment variable holding the build dir's target directory (evcxr's `TARGET_DIR_ENV`).
pub const TARGET_DIR_ENV: &str = "EVCXR_TARGET_DIR";

/// A cacheable rustc invocation: where its entry lives and where rustc writes its outputs.
#[derive(Debug)]
pub struct Invocation {
    entry: PathBuf,
    out_dir: PathBuf,
    meta: String,
}

impl Invocation {
    /// `Ok(None)` when evcxr would not cache this invocation (or cannot: an argument that is not
    /// UTF-8); an error when the environment does not say where the cache and target dir are.
    pub fn classify(args: &[OsString]) -> Result<Option<Invocation>, String> {
        let Some(args) = args
            .iter()
            .map(|a| a.to_str())
            .collect::<Option<Vec<&str>>>()
        else {
            return Ok(None);
        };
        let Some(out_dir) = out_dir(&args) else {
            return Ok(None);
        };
        if is_incremental(&args) {
            return Ok(None);
        }
        let target_dir = std::env::var(TARGET_DIR_ENV).map_err(|_| {
            format!("{TARGET_DIR_ENV} is not set: it must name the build dir's target directory")
        })?;
        let cache = cache_dir().ok_or("neither XDG_CACHE_HOME (absolute) nor HOME is set")?;
        Ok(Some(Invocation {
            entry: cache.join(key(&args, &target_dir).to_string()),
            out_dir: PathBuf::from(out_dir),
            meta: key_inputs(&args, &target_dir)
                .map(|input| input + "\n")
                .collect(),
        }))
    }

    /// On a hit, puts the cached outputs where rustc would have written them, reports their
    /// artifact notices on stderr (cargo reads them there) and returns true.
    pub fn restore(&self) -> io::Result<bool> {
        let Ok(notices) = std::fs::read_to_string(self.entry.join("stderr")) else {
            return Ok(false);
        };
        let mut restored = Vec::new();
        for mut artifact in read_artifacts(&notices) {
            let Some(name) = artifact.path.file_name().map(|n| n.to_owned()) else {
                continue;
            };
            let output = self.out_dir.join(&name);
            std::fs::copy(self.entry.join(&name), &output)?;
            artifact.path = output;
            restored.push(artifact);
        }
        let hits_file = self.entry.join("hits");
        let hits: u64 = std::fs::read_to_string(&hits_file)
            .ok()
            .and_then(|h| h.trim().parse().ok())
            .unwrap_or(0);
        std::fs::write(&hits_file, (hits + 1).to_string())?;
        for artifact in &restored {
            eprintln!("{artifact}");
        }
        Ok(true)
    }

    /// Stores the outputs of a successful rustc run as a cache entry (an entry already there is
    /// kept).
    pub fn store(&self, artifacts: &[Artifact]) -> io::Result<()> {
        let parent = self.entry.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let name = self
            .entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = self.write_entry(&staging, artifacts).and_then(|()| {
            match std::fs::rename(&staging, &self.entry) {
                // Another build stored the same invocation first: keep its entry.
                Err(_) if self.entry.join("stderr").is_file() => Ok(()),
                other => other,
            }
        });
        if staging.exists() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result
    }

    fn write_entry(&self, dir: &Path, artifacts: &[Artifact]) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut notices = String::new();
        for artifact in artifacts {
            let Some(name) = artifact.path.file_name() else {
                continue;
            };
            std::fs::copy(self.out_dir.join(name), dir.join(name))?;
            notices.push_str(&format!("{artifact}\n"));
        }
        std::fs::write(dir.join("meta"), &self.meta)?;
        std::fs::write(dir.join("hits"), "0")?;
        std::fs::write(dir.join("stderr"), notices)
    }
}

/// evcxr's cache directory, as the `dirs` crate finds it on Linux.
fn cache_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache"))
    })?;
    Some(base.join("evcxr"))
}

/// The value after `--out-dir`.
fn out_dir<'a>(args: &[&'a str]) -> Option<&'a str> {
    let mut it = args.iter();
    let mut found = None;
    while let Some(arg) = it.next() {
        if *arg == "--out-dir" {
            found = it.next().copied();
        }
    }
    found
}

/// `-C incremental=…` as two arguments, the way cargo passes it (and the only way evcxr looks for).
fn is_incremental(args: &[&str]) -> bool {
    args.windows(2)
        .any(|pair| pair[0] == "-C" && pair[1].starts_with("incremental="))
}

/// The arguments as evcxr hashes them: the target directory replaced by `<target_dir>`.
fn key_inputs<'a>(args: &'a [&'a str], target_dir: &'a str) -> impl Iterator<Item = String> + 'a {
    args.iter().map(move |arg| {
        if arg.contains(target_dir) {
            arg.replace(target_dir, "<target_dir>")
        } else {
            (*arg).to_owned()
        }
    })
}

/// evcxr's cache key.
pub fn key(args: &[&str], target_dir: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    for input in key_inputs(args, target_dir) {
        input.as_str().hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rustc command line of evcxr's own cache test (evcxr/src/module/cache.rs at v0.22.0,
    /// MIT OR Apache-2.0), one argument per line.
    const SAMPLE: &str = include_str!("evcxr-0.22.0-sample-args.txt");

    fn sample() -> Vec<&'static str> {
        SAMPLE.lines().collect()
    }

    #[test]
    fn key_is_evcxrs() {
        // The value evcxr's test_hash pins for these arguments and this target directory.
        assert_eq!(key(&sample(), "/tmp/.tmpAGPAC4"), 12456302748188275193);
    }

    #[test]
    fn key_ignores_the_build_dir_but_not_the_crate() {
        let base = key(&sample(), "/tmp/.tmpAGPAC4");
        let moved: Vec<String> = sample()
            .iter()
            .map(|a| a.replace("tmpAGPAC4", "tmp12345"))
            .collect();
        let moved: Vec<&str> = moved.iter().map(String::as_str).collect();
        assert_eq!(key(&moved, "/tmp/.tmp12345"), base);
        let renamed: Vec<String> = sample()
            .iter()
            .map(|a| a.replace("memchr=", "mem_chr="))
            .collect();
        let renamed: Vec<&str> = renamed.iter().map(String::as_str).collect();
        assert_ne!(key(&renamed, "/tmp/.tmpAGPAC4"), base);
    }

    #[test]
    fn only_non_incremental_invocations_with_an_out_dir_are_cached() {
        let args = sample();
        assert_eq!(
            out_dir(&args),
            Some("/tmp/.tmpAGPAC4/target/x86_64-unknown-linux-gnu/debug/deps")
        );
        assert!(!is_incremental(&args));
        assert!(is_incremental(&[
            "-C",
            "incremental=/t/inc",
            "--out-dir",
            "/o"
        ]));
        // `-Cincremental=` in one argument is not how cargo passes it, and evcxr does not look
        // for it either.
        assert!(!is_incremental(&["-Cincremental=/t/inc"]));
        assert_eq!(out_dir(&["-vV"]), None);
    }
}
