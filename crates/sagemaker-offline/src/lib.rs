//! sagemaker-offline: a local stand-in for S3, SageMaker training and hosting, the SageMaker
//! runtime and CloudWatch Logs, on one loopback listener, used unchanged by the AWS CLI, boto3 and
//! aws-sdk-rust.
//!
//! Module ownership (contract between the parts):
//! - `ctx`       — [`ctx::Ctx`]: shared state handed to every part (region, account, state dir,
//!   object store, log store). Owned by the server core.
//! - `objects`   — [`objects::ObjectStore`]: direct access to the S3 objects that s3s-fs stores,
//!   for training input/output and model loading. Owned by the server core.
//! - `logs`      — [`logs::LogStore`] + the CloudWatch Logs JSON API. Owned by the server core.
//! - `sigv4`, `server`, `s3`, `cli` — authentication, routing, S3 wiring, binary. Server core.
//! - `api_error` — JSON 1.1 / REST-JSON error responses in AWS's shapes. Server core.
//! - `sagemaker` — control plane (training jobs, models, endpoint configs, endpoints) and the
//!   runtime (InvokeEndpoint). Owned by the SageMaker part.

pub mod api_error;
pub mod cli;
pub mod ctx;
pub mod keys;
pub mod logs;
pub mod objects;
pub mod s3;
pub mod sagemaker;
pub mod seed;
pub mod server;
pub mod sigv4;

pub use server::{RunningServer, ServerConfig, Shutdown, StartError, start};
