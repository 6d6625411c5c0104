//! sagemaker-offline: a local stand-in for S3, SageMaker training and hosting, the SageMaker
//! runtime and CloudWatch Logs, on one loopback listener, used unchanged by the AWS CLI, boto3 and
//! aws-sdk-rust.
//!
//! What each module holds:
//! - `server`    — the listener, the router that tells S3, SageMaker, Logs and the runtime apart,
//!   and [`start`] / [`RunningServer`] for tests and the binary.
//! - `sigv4`     — the SigV4 verifier of the JSON and runtime requests (S3 verifies in s3s).
//! - `s3`        — S3: the [`s3::ObjectStore`] trait (what the S3 front end, seeding, training input
//!   and artifacts and model loading read and write objects through), its disk and in-memory
//!   stores, and the S3 front end over s3s.
//! - `seed`      — the public GDELT bucket's seeded year files.
//! - `logs`      — CloudWatch Logs: the [`logs::LogStore`] and its JSON 1.1 API.
//! - `sagemaker` — the control plane (training jobs, models, endpoint configs, endpoints) and the
//!   runtime (InvokeEndpoint).
//! - `regions`   — buckets' regions (S3's 301 `PermanentRedirect`) and the one region the JSON
//!   services answer for.
//! - `throttle`  — injected throttling (`--inject-throttling`), for clients' retry tests.
//! - `record`    — the opt-in recorder of every JSON-protocol and runtime call (`--record`), for
//!   the conformance check against AWS's service models.
//! - `sts`       — STS `GetCallerIdentity` (Query protocol).
//! - `api_error` — the JSON 1.1 / REST-JSON error responses in AWS's shapes.
//! - `wire`      — reading a JSON 1.1 body into its operation's typed request (`sagemaker-api`);
//!   what does not fit is a `SerializationException` naming the member.
//! - `ctx`       — [`ctx::Ctx`]: what every part shares (region, account, state dir, the stores).
//! - `config`    — the account id and the default port and region.
//! - `keys`      — the access key pair and the record of the running instance.
//! - `cli`       — the binary's commands (`serve`, `env`, `seed-gdelt`).

pub mod api_error;
pub mod cli;
pub mod config;
pub mod ctx;
pub mod keys;
pub mod logs;
pub mod record;
pub mod regions;
pub mod s3;
pub mod sagemaker;
pub mod seed;
pub mod server;
pub mod sigv4;
pub mod sts;
pub mod throttle;
mod wire;

pub use server::{RunningServer, ServerConfig, Shutdown, StartError, start};
