//! AWS error shapes (contract skeleton).

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

impl JsonError {
    /// A 400 `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self { status: 400, code: "ValidationException".into(), message: message.into() }
    }
    /// Any 400 error with a code.
    pub fn client(code: &str, message: impl Into<String>) -> Self {
        Self { status: 400, code: code.into(), message: message.into() }
    }
}
