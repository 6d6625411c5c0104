//! A small signed AWS JSON 1.1 client for the SageMaker control plane and CloudWatch Logs.
//!
//! Why hand-written: `aws-sdk-sagemaker` is 876k lines of generated Rust (3.5× `aws-sdk-s3`) and
//! would add minutes to every cold `:dep kernel_helpers` in a notebook, for the dozen operations
//! the workshop uses. JSON 1.1 is simple — `POST /` with `X-Amz-Target: <Prefix>.<Operation>`
//! and a JSON body — so this module signs requests with `aws-sigv4` (the SDK's own signer),
//! takes credentials from `aws-config`'s standard chain and sends them with `reqwest`, all three
//! of which are already in the dependency tree (no extra crates compile). Requests and responses
//! are `serde_json::Value`; [`crate::sagemaker`] turns them into plain structs.
//!
//! Endpoints: `AWS_ENDPOINT_URL_<ID>` → `AWS_ENDPOINT_URL` / profile → the regional AWS endpoint.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;

use crate::aws::configured_endpoint;
use crate::error::{KitError, KitResult};

/// A JSON 1.1 service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// SageMaker control plane (`SageMaker.<Op>`, signing name `sagemaker`).
    SageMaker,
    /// CloudWatch Logs (`Logs_20140328.<Op>`, signing name `logs`).
    Logs,
}

impl Service {
    fn target_prefix(self) -> &'static str {
        match self {
            Service::SageMaker => "SageMaker",
            Service::Logs => "Logs_20140328",
        }
    }
    fn signing_name(self) -> &'static str {
        match self {
            Service::SageMaker => "sagemaker",
            Service::Logs => "logs",
        }
    }
    fn env_id(self) -> &'static str {
        match self {
            Service::SageMaker => "SAGEMAKER",
            Service::Logs => "CLOUDWATCH_LOGS",
        }
    }
    fn default_endpoint(self, region: &str) -> String {
        match self {
            Service::SageMaker => format!("https://api.sagemaker.{region}.amazonaws.com"),
            Service::Logs => format!("https://logs.{region}.amazonaws.com"),
        }
    }
}

/// An error the service returned (`{"__type": …, "message": …}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// Error code (`ValidationException`, `ResourceInUse`, …), sanitised like the SDKs do.
    pub code: String,
    /// Message.
    pub message: String,
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)
    }
}
impl std::error::Error for ServiceError {}

/// Parses an error response like botocore/smithy-rs: code from `x-amzn-errortype`, else
/// `__type`/`code` (text before `#` and after `:` stripped); message from `message`/`Message`.
pub fn parse_error(status: u16, header_type: Option<&str>, body: &[u8]) -> ServiceError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let raw = header_type
        .map(str::to_string)
        .or_else(|| v.get("__type").and_then(Value::as_str).map(str::to_string))
        .or_else(|| v.get("code").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| status.to_string());
    let code = raw.split(':').next().unwrap_or("");
    let code = code.rsplit('#').next().unwrap_or(code).to_string();
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
    ServiceError {
        status,
        code,
        message,
    }
}

/// A client for one service, built from an [`SdkConfig`] (make it inside the call that uses it).
pub struct JsonClient {
    service: Service,
    endpoint: String,
    region: String,
    conf: SdkConfig,
    http: reqwest::Client,
}

impl JsonClient {
    /// Resolves endpoint and region for `service` from `conf`.
    pub fn new(conf: &SdkConfig, service: Service) -> KitResult<Self> {
        let region = conf
            .region()
            .map(|r| r.as_ref().to_string())
            .unwrap_or_else(|| crate::aws::DEFAULT_REGION.to_string());
        let endpoint = configured_endpoint(conf, service.env_id())
            .unwrap_or_else(|| service.default_endpoint(&region));
        if endpoint.starts_with("https://") {
            // Both `ring` and `aws-lc-rs` are compiled into the tree, so rustls cannot pick a
            // default provider by itself; installing one twice is harmless (the error is ignored).
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| KitError::msg(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self {
            service,
            endpoint,
            region,
            conf: conf.clone(),
            http,
        })
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Calls `operation` with `input`; returns the response JSON (`{}` for an empty body).
    pub async fn call(&self, operation: &str, input: &Value) -> KitResult<Value> {
        let what = format!("{}.{operation}", self.service.target_prefix());
        let body = serde_json::to_vec(input)?;
        let url = format!("{}/", self.endpoint.trim_end_matches('/'));
        let target = format!("{}.{operation}", self.service.target_prefix());
        let host = host_of(&url).ok_or_else(|| KitError::msg(format!("bad endpoint URL {url}")))?;
        let creds = self
            .conf
            .credentials_provider()
            .ok_or_else(|| {
                KitError::msg(
                    "no AWS credentials configured (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)",
                )
            })?
            .provide_credentials()
            .await
            .map_err(|e| KitError::msg(format!("{what}: cannot load AWS credentials: {e}")))?;
        let headers = [
            ("content-type", "application/x-amz-json-1.1".to_string()),
            ("host", host),
            ("x-amz-target", target.clone()),
        ];
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service.signing_name())
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| KitError::msg(format!("{what}: signing parameters: {e}")))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().map(|(k, v)| (*k, v.as_str())),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| KitError::msg(format!("{what}: {e}")))?;
        let (instructions, _sig) = sign(signable, &params)
            .map_err(|e| KitError::msg(format!("{what}: signing failed: {e}")))?
            .into_parts();
        let mut req = self.http.post(&url).body(body);
        for (k, v) in headers.iter().filter(|(k, _)| *k != "host") {
            req = req.header(*k, v.as_str());
        }
        for (k, v) in instructions.headers() {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| KitError::msg(format!("{what}: request to {url} failed: {e}")))?;
        let status = resp.status().as_u16();
        let err_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| KitError::msg(format!("{what}: reading the response: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(KitError(
                anyhow::Error::new(parse_error(status, err_type.as_deref(), &bytes)).context(what),
            ));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| KitError::msg(format!("{what}: response is not JSON: {e}")))
    }
}

/// The service error behind a [`KitError`], if it came from a JSON 1.1 call.
pub fn service_error(e: &KitError) -> Option<&ServiceError> {
    e.0.downcast_ref::<ServiceError>()
}

fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_sanitising() {
        let e = parse_error(
            400,
            None,
            br#"{"__type":"com.amazonaws.sagemaker#ValidationException","message":"Requested resource not found."}"#,
        );
        assert_eq!(e.code, "ValidationException");
        assert_eq!(e.message, "Requested resource not found.");
        let e = parse_error(
            400,
            Some("ResourceInUse:http://x"),
            b"{\"Message\":\"in use\"}",
        );
        assert_eq!(e.code, "ResourceInUse");
        assert_eq!(e.message, "in use");
        let e = parse_error(503, None, b"busy");
        assert_eq!(e.code, "503");
        assert_eq!(e.message, "busy");
    }

    #[test]
    fn host_parsing() {
        assert_eq!(
            host_of("http://127.0.0.1:18999/").as_deref(),
            Some("127.0.0.1:18999")
        );
        assert_eq!(
            host_of("https://api.sagemaker.us-east-1.amazonaws.com/").as_deref(),
            Some("api.sagemaker.us-east-1.amazonaws.com")
        );
        assert_eq!(host_of("nonsense"), None);
    }
}
