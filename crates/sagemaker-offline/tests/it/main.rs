//! The integration tests of `sagemaker-offline`, one binary (one link of aws-sdk-s3 and the
//! server) with one module per subject:
//! - `s3`       — S3 through aws-sdk-s3: uploads, multipart, listing, refused keys and signatures.
//! - `logs`     — the CloudWatch Logs JSON API through the listener, persistence across a restart.
//! - `auth`     — SigV4 refusals and routing at the listener, in AWS's error shapes.
//! - `cli`      — the binary's commands: `serve` readiness line, `env`, `seed-gdelt`, SIGTERM.
//! - `crash`    — `kill -9` of the real binary during training and an upload, then a restart.
//! - `workshop` — the workshop path: upload, train replicated and sharded, host, invoke, delete.
//! - `control_plane` — SageMaker's refusals, stop / MaxRuntime, hosting failures and rollback.
//! - `storage`  — the object store under races, `kill -9` loops, multipart errors, odd keys.
//! - `regions`  — bucket regions and S3's 301, the JSON services' one region, injected throttling,
//!   STS GetCallerIdentity.
//!
//! `common` holds the shared helpers: an in-process server, SDK clients, a raw HTTP/1.1 client
//! with SigV4 signing by the `aws-sigv4` crate.

mod auth;
mod cli;
mod common;
mod control_plane;
mod crash;
mod logs;
mod record;
mod regions;
mod s3;
mod storage;
mod workshop;
