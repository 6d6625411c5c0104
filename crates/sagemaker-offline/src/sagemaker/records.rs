//! Persistence of the control-plane records: one JSON file per resource under
//! `ctx.sagemaker_dir()/<kind>/<lower-cased name>.json`, written atomically (temporary file in the
//! same directory, fsync, rename) so a crash never leaves half a record behind.
//!
//! Lower-cased names are safe file names: every SageMaker name pattern allows only
//! `[a-zA-Z0-9-]`, and the service treats names case-insensitively (ARNs are lower-cased).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The record kinds, used as directory names.
pub(crate) const JOBS: &str = "training-jobs";
pub(crate) const MODELS: &str = "models";
pub(crate) const CONFIGS: &str = "endpoint-configs";
pub(crate) const ENDPOINTS: &str = "endpoints";

/// A directory of JSON records.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    root: PathBuf,
}

impl Records {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, kind: &str, key: &str) -> PathBuf {
        self.root.join(kind).join(format!("{key}.json"))
    }

    /// Writes `value` as the record `kind/key`, atomically.
    pub(crate) fn save<T: Serialize>(
        &self,
        kind: &str,
        key: &str,
        value: &T,
    ) -> std::io::Result<()> {
        let dir = self.root.join(kind);
        std::fs::create_dir_all(&dir)?;
        let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
        let tmp = dir.join(format!(".{key}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, self.path(kind, key))
    }

    /// Removes the record `kind/key` (absent is fine).
    pub(crate) fn remove(&self, kind: &str, key: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(kind, key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every record of `kind`; unreadable files are reported, not fatal.
    pub(crate) fn load_all<T: DeserializeOwned>(
        &self,
        kind: &str,
    ) -> (Vec<(String, T)>, Vec<String>) {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        let dir = self.root.join(kind);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return (out, problems);
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let Some(key) = record_key(&p) else { continue };
            match std::fs::read(&p)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<T>(&b).map_err(|e| e.to_string()))
            {
                Ok(v) => out.push((key, v)),
                Err(e) => problems.push(format!("{}: {e}", p.display())),
            }
        }
        (out, problems)
    }
}

fn record_key(p: &Path) -> Option<String> {
    let name = p.file_name()?.to_str()?;
    if name.starts_with('.') {
        return None;
    }
    name.strip_suffix(".json").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_remove_roundtrip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Records::new(dir.path().join("sm"));
        s.save(MODELS, "m-1", &serde_json::json!({"a": 1}))
            .expect("save");
        s.save(MODELS, "m-2", &serde_json::json!({"a": 2}))
            .expect("save");
        // A stray temporary file (crash mid-write) is ignored; a corrupt record is reported.
        std::fs::write(dir.path().join("sm").join(MODELS).join(".m-3.x.tmp"), b"{").expect("write");
        std::fs::write(dir.path().join("sm").join(MODELS).join("bad.json"), b"{").expect("write");
        let (all, problems) = s.load_all::<serde_json::Value>(MODELS);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0, "m-1");
        assert_eq!(all[1].1["a"], 2);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("bad.json"));
        s.remove(MODELS, "m-1").expect("remove");
        s.remove(MODELS, "m-1").expect("remove twice");
        assert_eq!(s.load_all::<serde_json::Value>(MODELS).0.len(), 1);
    }
}
