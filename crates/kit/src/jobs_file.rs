//! The jobs file (`out/jobs.json`): which training jobs the workshop compares and the hosting
//! names recorded for them, shared by `replicated.sh`/`sharded.sh`/`deploy.sh`/`cleanup.sh`
//! (through `kit jobs set|get`) and the notebooks (through kernel-helpers).
//!
//! ```json
//! {"replicated": "DEMO-linear-replicated-…", "sharded": "DEMO-linear-sharded-…",
//!  "models": {"replicated": "distributed-replicated", …}, "endpoint_configs": {…}, "endpoints": {…}}
//! ```
//!
//! Every writer goes through [`update`]: an exclusive lock on `<file>.lock` (`flock`, held for the
//! whole read-modify-write), the file read, changed, written to a temporary file in the same
//! directory and renamed over the old one. Two scripts started together (the workshop starts both
//! jobs at once) therefore never lose each other's keys, and a reader never sees half a file.
//! Writers merge: setting the job names keeps the hosting names another writer recorded.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// What can go wrong with the jobs file (the message names the file).
#[derive(Debug, thiserror::Error)]
pub enum JobsFileError {
    /// Reading, locking or writing failed.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a JSON object.
    #[error("{path}: not a JSON object ({detail}); remove it or fix it")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        detail: String,
    },
    /// A key path runs through a value that is not an object.
    #[error("{path}: '{key}' cannot be set: '{at}' holds a value that is not an object")]
    NotAnObject {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// The part that is not an object.
        at: String,
    },
}

fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> JobsFileError {
    let path = path.to_path_buf();
    move |source| JobsFileError::Io { path, what, source }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Reads the file as a JSON object (a missing or empty file is `{}`), without locking: writers
/// replace the file by one rename, so a reader sees the old or the new file, never a mix.
pub fn read(path: &Path) -> Result<Map<String, Value>, JobsFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(io(path, "reading")(e)),
    };
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(JobsFileError::Invalid {
            path: path.into(),
            detail: "the top level is not an object".into(),
        }),
        Err(e) => Err(JobsFileError::Invalid {
            path: path.into(),
            detail: e.to_string(),
        }),
    }
}

/// The string at a dotted key (`sharded`, `endpoints.sharded`), if any.
pub fn get(path: &Path, key: &str) -> Result<Option<String>, JobsFileError> {
    let m = read(path)?;
    let mut node = m.get(key.split('.').next().unwrap_or(""));
    for part in key.split('.').skip(1) {
        node = node.and_then(|n| n.get(part));
    }
    Ok(node.and_then(Value::as_str).map(str::to_string))
}

/// Locked read-modify-write: `change` gets the current object and may edit it; the result is
/// written atomically while the lock is held.
pub fn update<R>(
    path: &Path,
    change: impl FnOnce(&mut Map<String, Value>) -> Result<R, JobsFileError>,
) -> Result<R, JobsFileError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir, "creating the directory"))?;
    let lock_file = lock_path(path);
    let lock: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&lock_file)
        .map_err(io(&lock_file, "opening the lock file"))?;
    lock.lock().map_err(io(&lock_file, "locking"))?;
    let mut m = read(path)?;
    let out = change(&mut m)?;
    let mut text = serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default();
    text.push('\n');
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("jobs.json"),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path, "writing")(e));
    }
    drop(lock); // unlocks
    Ok(out)
}

/// Sets dotted keys to strings, creating intermediate objects, under the lock.
pub fn set(path: &Path, pairs: &[(&str, &str)]) -> Result<(), JobsFileError> {
    update(path, |m| {
        for (key, value) in pairs {
            let parts: Vec<&str> = key.split('.').collect();
            let (last, parents) = parts.split_last().unwrap_or((&"", &[]));
            let mut node = &mut *m;
            for (i, p) in parents.iter().enumerate() {
                let entry = node
                    .entry(p.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                node = entry
                    .as_object_mut()
                    .ok_or_else(|| JobsFileError::NotAnObject {
                        path: path.into(),
                        key: key.to_string(),
                        at: parts[..=i].join("."),
                    })?;
            }
            node.insert(last.to_string(), Value::String(value.to_string()));
        }
        Ok(())
    })
}

/// The two jobs being compared, if both are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jobs {
    /// The FullyReplicated job.
    pub replicated: String,
    /// The ShardedByS3Key job.
    pub sharded: String,
}

/// Reads the two job names; the error says which one is missing.
pub fn jobs(path: &Path) -> Result<Result<Jobs, String>, JobsFileError> {
    let r = get(path, "replicated")?.filter(|s| !s.is_empty());
    let s = get(path, "sharded")?.filter(|s| !s.is_empty());
    Ok(match (r, s) {
        (Some(replicated), Some(sharded)) => Ok(Jobs {
            replicated,
            sharded,
        }),
        (None, _) => Err(format!("{}: no \"replicated\" job name", path.display())),
        (_, None) => Err(format!("{}: no \"sharded\" job name", path.display())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_merges_and_get_reads_dotted_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/jobs.json");
        assert_eq!(get(&p, "sharded").unwrap(), None);
        set(&p, &[("replicated", "r1"), ("sharded", "s1")]).unwrap();
        set(
            &p,
            &[
                ("models.sharded", "distributed-sharded"),
                ("endpoints.sharded", "e"),
            ],
        )
        .unwrap();
        // Rewriting the job names keeps the hosting names (the old Rust writer dropped them).
        set(&p, &[("replicated", "r2"), ("sharded", "s2")]).unwrap();
        assert_eq!(
            get(&p, "models.sharded").unwrap().as_deref(),
            Some("distributed-sharded")
        );
        assert_eq!(get(&p, "endpoints.sharded").unwrap().as_deref(), Some("e"));
        assert_eq!(
            jobs(&p).unwrap().unwrap(),
            Jobs {
                replicated: "r2".into(),
                sharded: "s2".into()
            }
        );
        assert_eq!(
            get(&p, "models").unwrap(),
            None,
            "an object is not a string"
        );
        let e = set(&p, &[("replicated.x", "y")]).unwrap_err().to_string();
        assert!(e.contains("replicated"), "{e}");
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("jobs.json");
        std::fs::write(&p, "{oops").unwrap();
        let e = set(&p, &[("a", "b")]).unwrap_err().to_string();
        assert!(e.contains("jobs.json") && e.contains("remove it"), "{e}");
        std::fs::write(&p, "[1]").unwrap();
        assert!(get(&p, "a").is_err());
        std::fs::write(&p, "{\"replicated\": \"r\"}").unwrap();
        assert!(jobs(&p).unwrap().unwrap_err().contains("sharded"));
    }
}
