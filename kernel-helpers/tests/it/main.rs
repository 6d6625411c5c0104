//! kernel-helpers' integration tests, one binary with a module per subject:
//! - `standin`: the helpers against an in-process `sagemaker-offline` in eu-west-1 (regions,
//!   settings on a rehearsed notebook instance, throttling, credential sources, the workshop's
//!   steps at tiny scale);
//! - `json11_signing`: the JSON 1.1 client's SigV4 and error mapping against a one-shot server.
//!
//! The binary has its own harness (`harness = false` in Cargo.toml, the tests listed with
//! [libtest-mimic](https://docs.rs/libtest-mimic), which takes the usual filters and flags) because
//! the helpers read their settings from the process environment: each `standin` phase runs in a
//! child process, this binary started again with the phase's name in `STANDIN_TEST_PHASE`, and
//! that child must run its phase and nothing else — which libtest's own harness cannot be told.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a test failure

mod json11_signing;
mod standin;

use libtest_mimic::{Arguments, Trial};

fn main() -> std::process::ExitCode {
    if standin::child_phase().is_some() {
        return std::process::ExitCode::SUCCESS;
    }
    let mut trials = standin::trials();
    trials.extend(json11_signing::trials());
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

/// A test made of an async function, run on a current-thread runtime of its own (what
/// `#[tokio::test]` does).
pub fn in_runtime<F, Fut>(name: &str, test: F) -> Trial
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    Trial::test(name, move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test());
        Ok(())
    })
}
