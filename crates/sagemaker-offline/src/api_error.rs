//! AWS error shapes for the JSON services (SageMaker control plane, CloudWatch Logs) and the
//! SageMaker runtime (REST-JSON).
//!
//! One body shape serves both protocols: `{"__type": code, "message": msg}` plus the
//! `x-amzn-ErrorType` header (which REST-JSON clients read first; botocore and smithy-rs strip any
//! `prefix#` / `:suffix` in either place) and `x-amzn-RequestId` (botocore's
//! `ResponseMetadata.RequestId`). S3 errors are XML and come from s3s, not from here.

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode};
use sagemaker_api::{ErrorBody, ErrorCode};

/// Content type of AWS JSON 1.1 responses.
pub const JSON_11: &str = "application/x-amz-json-1.1";

/// An error answer of a JSON 1.1 service (SageMaker control plane, CloudWatch Logs).
#[derive(Debug, Clone)]
pub struct JsonError {
    /// HTTP status (400 for client errors).
    pub status: u16,
    /// Error code, e.g. `ValidationException`.
    pub code: String,
    /// Message.
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    /// An error with one of the codes AWS's JSON services send, at that code's HTTP status.
    pub fn of(code: &ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code: code.as_str().to_string(),
            message: message.into(),
        }
    }
    /// A 400 `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::of(&ErrorCode::ValidationException, message)
    }
    /// Any 400 error with a code.
    pub fn client(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code: code.into(),
            message: message.into(),
        }
    }
    /// Any error with a status and code.
    pub fn with_status(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
    /// A 500 `InternalFailure` (clients retry these; use only for real server faults such as I/O).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::of(&ErrorCode::InternalFailure, message)
    }
    /// The JSON body `{"__type": code, "message": msg}`, as sagemaker-api's [`ErrorBody`].
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            kind: self.code.clone(),
            message: Some(self.message.clone()),
            message_pascal: None,
        }
    }
    /// The complete HTTP response (JSON 1.1 content type, `x-amzn-ErrorType`, `x-amzn-RequestId`).
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        self.into_response_with_content_type(request_id, JSON_11)
    }
    /// The complete HTTP response with an explicit content type (REST-JSON uses `application/json`).
    pub fn into_response_with_content_type(
        self,
        request_id: &str,
        content_type: &str,
    ) -> Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = serde_json::to_string(&self.body()).unwrap_or_default();
        let mut resp = Response::new(Body::from(body));
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert(http::header::CONTENT_TYPE, header_value(content_type));
        h.insert("x-amzn-ErrorType", header_value(&self.code));
        h.insert("x-amzn-RequestId", header_value(request_id));
        resp
    }
}

/// A successful JSON 1.1 response.
pub fn json_ok(value: &serde_json::Value, request_id: &str) -> Response<Body> {
    let mut resp = Response::new(Body::from(value.to_string()));
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_11),
    );
    h.insert("x-amzn-RequestId", header_value(request_id));
    resp
}

/// A header value from arbitrary text (non-visible characters replaced, never fails).
pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| {
        let cleaned: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        HeaderValue::from_str(&cleaned).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn error_response_shape() {
        let r = JsonError::client(
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
        .into_response("req-1");
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["x-amzn-ErrorType"], "ResourceNotFoundException");
        assert_eq!(r.headers()["x-amzn-RequestId"], "req-1");
        assert_eq!(r.headers()["content-type"], JSON_11);
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."})
        );
    }

    #[test]
    fn header_value_never_fails() {
        assert_eq!(header_value("a\nb"), "a?b");
    }
}
