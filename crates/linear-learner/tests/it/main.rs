//! linear-learner's integration tests, one binary: does it learn (`learning`: closed-form
//! regression, separable classifiers, FullyReplicated vs ShardedByS3Key, determinism), and does
//! it serve (`serve`: the inference formats and job-level client errors). `common` holds the
//! synthetic data files, jobs and log collector both use.

#![allow(dead_code)] // `common` serves two modules; each uses part of it.

mod common;
mod learning;
mod serve;
