//! CloudWatch Logs: the store the SageMaker part writes training and endpoint logs into
//! ([`store`]), the JSON 1.1 API that the AWS CLI, boto3 and the SageMaker Python SDK read them
//! through ([`api`]), and the filter-pattern matcher FilterLogEvents uses ([`filter`]).
//!
//! Hand-written because no crate offers a CloudWatch Logs server.

mod api;
mod filter;
mod store;

pub use api::handle;
pub use store::{LogError, LogEvent, LogStore};
