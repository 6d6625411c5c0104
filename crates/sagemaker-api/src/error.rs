//! Error codes and the error body of the JSON services.
//!
//! Every error the stand-in sends, and every one the model lists for the kit's operations, has a
//! variant here; a test checks the model's error shapes against this list. Codes outside it parse
//! as `ErrorCode::Unknown`.

use serde::{Deserialize, Serialize};

string_enum! {
    /// The code of an AWS error answer (`__type` of the body, `x-amzn-ErrorType` header).
    ErrorCode {
        ValidationException = "ValidationException",
        SerializationException = "SerializationException",
        UnknownOperationException = "UnknownOperationException",
        InternalFailure = "InternalFailure",
        RequestEntityTooLarge = "RequestEntityTooLarge",
        MissingAuthenticationTokenException = "MissingAuthenticationTokenException",
        IncompleteSignatureException = "IncompleteSignatureException",
        InvalidSignatureException = "InvalidSignatureException",
        UnrecognizedClientException = "UnrecognizedClientException",
        ResourceNotFound = "ResourceNotFound",
        ResourceInUse = "ResourceInUse",
        ResourceLimitExceeded = "ResourceLimitExceeded",
        ResourceNotFoundException = "ResourceNotFoundException",
        ResourceAlreadyExistsException = "ResourceAlreadyExistsException",
        InvalidParameterException = "InvalidParameterException",
        InvalidSequenceTokenException = "InvalidSequenceTokenException",
        DataAlreadyAcceptedException = "DataAlreadyAcceptedException",
        LimitExceededException = "LimitExceededException",
        OperationAbortedException = "OperationAbortedException",
        ServiceUnavailableException = "ServiceUnavailableException",
        ValidationError = "ValidationError",
        ModelError = "ModelError",
        ModelNotReadyException = "ModelNotReadyException",
        ServiceUnavailable = "ServiceUnavailable",
        InternalDependencyException = "InternalDependencyException",
        ThrottlingException = "ThrottlingException",
    }
}

impl ErrorCode {
    /// The HTTP status the error is sent with. The model's `httpStatusCode` where it gives one
    /// (the runtime's errors), 500 for the model's faults, 400 for the other client errors,
    /// 403 for a missing token or a bad signature (AWS's JSON front ends answer an *expired*
    /// signature's `InvalidSignatureException` with 400; the sender picks that case itself) and
    /// 413 for a body over the size limit. `Unknown` codes get 400.
    pub fn status(&self) -> u16 {
        match self {
            Self::InternalFailure | Self::ServiceUnavailableException => 500,
            Self::ServiceUnavailable => 503,
            Self::InternalDependencyException => 530,
            Self::ModelError => 424,
            Self::ModelNotReadyException => 429,
            Self::RequestEntityTooLarge => 413,
            Self::MissingAuthenticationTokenException | Self::InvalidSignatureException => 403,
            _ => 400,
        }
    }
}

/// The body of an error answer: `{"__type": code, "message": text}` (JSON 1.1), to which the
/// REST-JSON runtime adds `"Message"` (the stand-in sends both spellings there, as botocore reads
/// either).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// `__type`: the code, possibly as `namespace#Code` (see [`ErrorBody::code`]).
    #[serde(rename = "__type", default)]
    pub kind: String,
    /// `message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Message`.
    #[serde(rename = "Message", skip_serializing_if = "Option::is_none")]
    pub message_pascal: Option<String>,
}

impl ErrorBody {
    /// A JSON 1.1 body: `__type` and `message`.
    pub fn new(code: &ErrorCode, message: impl Into<String>) -> Self {
        Self {
            kind: code.as_str().to_string(),
            message: Some(message.into()),
            message_pascal: None,
        }
    }

    /// A REST-JSON (runtime) body: `__type`, `message` and `Message`.
    pub fn rest(code: &ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            kind: code.as_str().to_string(),
            message_pascal: Some(message.clone()),
            message: Some(message),
        }
    }

    /// The bare code of `__type`: `com.amazon.coral.validate#ValidationException:` → `ValidationException`.
    pub fn code(&self) -> ErrorCode {
        let t = self.kind.rsplit('#').next().unwrap_or(&self.kind);
        let t = t.split(':').next().unwrap_or(t);
        ErrorCode::from(t)
    }

    /// The message, whichever spelling carried it ("" when neither did).
    pub fn text(&self) -> &str {
        self.message
            .as_deref()
            .or(self.message_pascal.as_deref())
            .unwrap_or("")
    }
}
