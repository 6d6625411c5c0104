//! SageMaker control plane and runtime (contract skeleton).
//!
//! The router calls [`SageMaker::handle`] for `X-Amz-Target: SageMaker.<Op>` requests (after SigV4
//! passed) and [`SageMaker::invoke_endpoint`] for `POST /endpoints/{name}/invocations`.

use crate::api_error::JsonError;
use crate::ctx::Ctx;

/// The SageMaker part of the stand-in.
#[derive(Debug, Clone)]
pub struct SageMaker {
    ctx: Ctx,
}

impl SageMaker {
    /// Loads persisted jobs/models/endpoints from `ctx.sagemaker_dir()`; resumes what needs it.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
    /// One JSON 1.1 operation: `op` is the part after `SageMaker.`; `body` the JSON request.
    /// Ok = the JSON response body.
    pub async fn handle(&self, op: &str, body: &[u8]) -> Result<serde_json::Value, JsonError> {
        let _ = (op, body, &self.ctx);
        todo!()
    }
    /// InvokeEndpoint; returns a complete HTTP response (success or runtime error shape with
    /// `x-amzn-ErrorType`).
    pub async fn invoke_endpoint(
        &self,
        endpoint: &str,
        headers: &http::HeaderMap,
        body: bytes::Bytes,
    ) -> http::Response<axum::body::Body> {
        let _ = (endpoint, headers, body);
        todo!()
    }
}
