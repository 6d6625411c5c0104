//! The `kit` binary as the scripts use it: the jobs file under concurrent writers, and
//! `replicated.sh` / `sharded.sh` run with a recording stand-in for the AWS CLI, their flags
//! checked against the canonical request (offline, and on the AWS target with the look-ups the
//! settings rule asks for).

mod jobs_file;
mod scripts;

use std::path::PathBuf;

/// The built `kit` binary.
pub fn kit_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kit"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}
