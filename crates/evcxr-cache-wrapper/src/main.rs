//! `evcxr-cache-wrapper RUSTC ARGS…`: a `RUSTC_WRAPPER` for cargo that puts every registry crate it
//! compiles into evcxr's compile cache (`~/.cache/evcxr`), under the key and in the layout of
//! evcxr_jupyter 0.22.0's own wrapper (the contract is in `cache.rs`).
//!
//! Why it exists: on a fresh machine, set-up's two longest steps ran one after the other. First
//! `cargo install evcxr_jupyter` (about 490 s of CPU on 2 cores, while keeping little more than one
//! core busy), then the warm-up, in which evcxr compiled the notebooks' dependencies (about 380 s of
//! CPU). The warm-up waited for evcxr only because evcxr's cargo runs rustc through evcxr's own
//! wrapper, and that wrapper fills the cache from which a second kernel's build dir takes the
//! compiled crates. `scripts/prebuild-evcxr.sh` runs the same cargo build in the same build dir
//! beside the install, with this wrapper in evcxr's place. Cargo's fingerprints do not include the
//! wrapper (cargo's `src/compiler/fingerprint/mod.rs` hashes `rustc -vV`'s output, not the wrapper's
//! path), so evcxr's first build then finds every dependency fresh, and a kernel in another build
//! dir still finds them in the cache.
//!
//! One difference from evcxr's wrapper: rustc's stderr is passed on line by line as it comes, not
//! when rustc ends, so cargo can start a crate's dependents as soon as rustc reports the crate's
//! metadata (cargo's pipelining; evcxr's wrapper holds every report back until rustc exits).
//!
//! Hand-written with std only (no serde_json, no cargo): set-up compiles this crate with a single
//! `rustc` call before cargo has fetched a crate, while two other cargo builds hold their locks. The
//! only JSON read here is rustc's one-line artifact notice (`artifact.rs`).

mod artifact;
mod cache;

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        eprintln!("usage: evcxr-cache-wrapper RUSTC [ARGS...] (cargo's RUSTC_WRAPPER)");
        return ExitCode::from(2);
    };
    let args: Vec<OsString> = args.collect();
    match run(rustc, &args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("evcxr-cache-wrapper: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(rustc: OsString, args: &[OsString]) -> Result<ExitCode, String> {
    let invocation = match cache::Invocation::classify(args)? {
        Some(invocation) => invocation,
        // Not cacheable (cargo's `rustc -vV` probe, an incremental path crate): rustc as it is.
        None => return passthrough(rustc, args),
    };
    if invocation.restore().map_err(|e| e.to_string())? {
        return Ok(ExitCode::SUCCESS);
    }
    let mut child = Command::new(&rustc)
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", rustc.to_string_lossy()))?;
    let mut collected = String::new();
    if let Some(stderr) = child.stderr.take() {
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        let mut out = std::io::stderr().lock();
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            out.write_all(&line).map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
            collected.push_str(&String::from_utf8_lossy(&line));
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        let artifacts = artifact::read_artifacts(&collected);
        // A cache that cannot be written costs a later kernel a compile, not this build.
        if let Err(error) = invocation.store(&artifacts) {
            eprintln!("evcxr-cache-wrapper: not cached ({error})");
        }
    }
    Ok(exit_code(status.code()))
}

fn passthrough(rustc: OsString, args: &[OsString]) -> Result<ExitCode, String> {
    let status = Command::new(&rustc)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", rustc.to_string_lossy()))?;
    Ok(exit_code(status.code()))
}

/// rustc's exit code; 1 when it was ended by a signal.
fn exit_code(code: Option<i32>) -> ExitCode {
    match code {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1).max(1)),
        None => ExitCode::from(1),
    }
}
