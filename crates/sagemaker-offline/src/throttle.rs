//! Injected throttling, for testing clients' retries (`serve --inject-throttling RATE`,
//! `SAGEMAKER_OFFLINE_THROTTLE`; `--throttle-seed`, `SAGEMAKER_OFFLINE_THROTTLE_SEED`).
//!
//! AWS throttles any call at any time, and a client that does not retry fails then. Here a
//! fraction `rate` of the signed requests (S3, SageMaker, Logs, the runtime, STS — never the
//! health probe) is refused before it is looked at, each in its protocol's throttling shape:
//!
//! | protocol | status | code |
//! |---|---|---|
//! | S3 (XML) | 503 | `SlowDown` ("Please reduce your request rate.") |
//! | JSON 1.1 (SageMaker, Logs) and REST-JSON (runtime) | 400 | `ThrottlingException` ("Rate exceeded") |
//! | Query (STS) | 400 | `Throttling` ("Rate exceeded") |
//!
//! All of these codes are in the throttling list of AWS's "standard" retry mode (botocore
//! `retries/standard.py`, smithy-rs `aws-runtime` retries), so a client with standard retries
//! repeats the call after a backoff. Which requests are refused is deterministic: the n-th request
//! the server receives is refused when a hash of (seed, n) falls below `rate`, so a single-threaded
//! client sees the same sequence on every run with the same seed.

use std::sync::atomic::{AtomicU64, Ordering};

/// The throttling settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleConfig {
    /// Fraction of requests refused, 0.0 (none) to 1.0 (all).
    pub rate: f64,
    /// Seed of the sequence of refusals.
    pub seed: u64,
}

/// Decides which requests are refused.
#[derive(Debug)]
pub struct Throttle {
    config: ThrottleConfig,
    counter: AtomicU64,
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit input.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Throttle {
    /// A throttle refusing `config.rate` of the requests.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            counter: AtomicU64::new(0),
        }
    }

    /// Whether the next request is refused.
    pub fn hit(&self) -> bool {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let rate = self.config.rate.clamp(0.0, 1.0);
        let draw = mix(self.config.seed ^ mix(n)) as f64 / (u64::MAX as f64 + 1.0);
        draw < rate
    }
}

/// Parses a rate for the command line: a number from 0 to 1.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{s} is not a fraction between 0 and 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_kept_and_the_sequence_repeats() {
        let run = |rate, seed| {
            let t = Throttle::new(ThrottleConfig { rate, seed });
            (0..10_000).map(|_| t.hit()).collect::<Vec<_>>()
        };
        let a = run(0.3, 7);
        assert_eq!(a, run(0.3, 7), "same seed, same refusals");
        assert_ne!(a, run(0.3, 8), "another seed, other refusals");
        let hits = a.iter().filter(|h| **h).count();
        assert!((2_700..3_300).contains(&hits), "{hits} of 10,000 at 0.3");
        assert!(run(0.0, 1).iter().all(|h| !h));
        assert!(run(1.0, 1).iter().all(|h| *h));
    }

    #[test]
    fn rates_are_fractions() {
        assert_eq!(parse_rate("0.25"), Ok(0.25));
        assert_eq!(parse_rate("1"), Ok(1.0));
        assert!(parse_rate("1.5").is_err());
        assert!(parse_rate("-0.1").is_err());
        assert!(parse_rate("lots").is_err());
    }
}
