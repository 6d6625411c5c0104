//! A small signed AWS JSON 1.1 client for the SageMaker control plane and CloudWatch Logs.
//!
//! Why hand-written: `aws-sdk-sagemaker` is 876k lines of generated Rust (3.5× `aws-sdk-s3`) and
//! would add minutes to every cold `:dep kernel_helpers` in a notebook, for the dozen operations
//! the workshop uses. JSON 1.1 is simple — `POST /` with `X-Amz-Target: <Prefix>.<Operation>`
//! and a JSON body — so this module signs requests with `aws-sigv4` (the SDK's own signer),
//! takes credentials from `aws-config`'s standard chain and sends them with `reqwest` (the first
//! two come with aws-config; what reqwest costs, and its TLS provider: the workspace Cargo.toml).
//! Requests and responses are `sagemaker-api`'s generated types, the same the stand-in reads and
//! answers: [`JsonClient::send`] takes any request type (its `X-Amz-Target` comes from
//! [`JsonOperation`]) and returns that operation's output type, naming the member of an answer
//! that does not fit it.
//!
//! Credentials and region: the same [`SdkConfig`] as the SDK clients (`aws-config`'s default
//! chain: environment, profile with SSO / `credential_process` / assume-role, web identity,
//! container, instance metadata), through [`crate::aws::credentials`].
//!
//! Endpoints: `AWS_ENDPOINT_URL_<ID>` → `AWS_ENDPOINT_URL` / profile → the regional AWS endpoint.
//!
//! Retries: every call is retried as AWS's "standard" retry mode retries (the mode the SDK
//! clients use, botocore `retries/standard.py`): throttling codes, transient codes, HTTP
//! 500/502/503/504 and connection failures, up to the configured number of attempts
//! (`AWS_MAX_ATTEMPTS` / the profile's `max_attempts`, default 3, as aws-config loads it), after a
//! truncated exponential backoff with full jitter: `rand(0, 1) × min(base × 2^(attempt−1), 20 s)`,
//! base 1 s after throttling and 50 ms after other errors ([`backoff`]).

use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;

use aws_config::SdkConfig;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use sagemaker_api::JsonOperation;

use crate::aws::configured_endpoint;
use crate::error::{KitError, KitResult};

/// The `User-Agent` of the hand-written client's requests (the SDK clients send their own).
pub const USER_AGENT: &str = concat!("kernel-helpers/", env!("CARGO_PKG_VERSION"));

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
    /// The service's regional endpoint, with the region's partition DNS suffix
    /// (`amazonaws.com`, `amazonaws.com.cn` in China, …; [`kit::images::dns_suffix`]).
    fn default_endpoint(self, region: &str) -> String {
        let suffix = kit::images::dns_suffix(region);
        match self {
            Service::SageMaker => format!("https://api.sagemaker.{region}.{suffix}"),
            Service::Logs => format!("https://logs.{region}.{suffix}"),
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

/// Error codes AWS's standard retry mode treats as throttling (botocore
/// `ThrottledRetryableChecker`; the same list is in smithy-rs's `aws-runtime`).
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes AWS's standard retry mode treats as transient (botocore `TransientRetryableChecker`).
pub const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// Why a failed attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The service throttled the call (backoff base 1 s).
    Throttling,
    /// A transient failure: 5xx, a transient code, a connection failure (backoff base 50 ms).
    Transient,
}

/// Whether an error answer is retryable in AWS's standard retry mode, and how.
pub fn retry_kind(status: u16, code: &str) -> Option<Retry> {
    if THROTTLING_CODES.contains(&code) || status == 429 {
        Some(Retry::Throttling)
    } else if TRANSIENT_CODES.contains(&code) || matches!(status, 500 | 502 | 503 | 504) {
        Some(Retry::Transient)
    } else {
        None
    }
}

/// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed for `kind`:
/// `jitter × min(base × 2^(attempt−1), max)`, `jitter` uniform in [0, 1) (full jitter).
pub fn backoff(kind: Retry, attempt: u32, max: Duration, jitter: f64) -> Duration {
    let base = match kind {
        Retry::Throttling => 1.0,
        Retry::Transient => 0.05,
    };
    let exp = base * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
    Duration::from_secs_f64(jitter.clamp(0.0, 1.0) * exp.min(max.as_secs_f64()))
}

/// A uniform draw in [0, 1) without a random-number crate: std's per-process random hash keys
/// over a counter and the clock.
fn jitter() -> f64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(N.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// One failed attempt.
enum Failure {
    /// The service answered with an error.
    Service(ServiceError),
    /// The request did not get an answer (connection refused or reset, timeout).
    Transport(String),
    /// Anything else (signing, credentials, an unreadable answer): not retried.
    Fatal(KitError),
}

impl Failure {
    fn retry(&self) -> Option<Retry> {
        match self {
            Failure::Service(e) => retry_kind(e.status, &e.code),
            Failure::Transport(_) => Some(Retry::Transient),
            Failure::Fatal(_) => None,
        }
    }
    fn into_error(self, what: &str, attempts: u32) -> KitError {
        let after = if attempts > 1 {
            format!(" (after {attempts} attempts)")
        } else {
            String::new()
        };
        match self {
            Failure::Service(e) => {
                KitError(anyhow::Error::new(e).context(format!("{what}{after}")))
            }
            Failure::Transport(msg) => KitError::msg(format!("{what}: {msg}{after}")),
            Failure::Fatal(e) => e,
        }
    }
}

/// Parses an error response like botocore/smithy-rs: code from `x-amzn-errortype`, else
/// `__type`/`code` (text before `#` and after `:` stripped); message from `message`/`Message`.
pub fn parse_error(status: u16, header_type: Option<&str>, body: &[u8]) -> ServiceError {
    let v: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let raw = header_type
        .map(str::to_string)
        .or(v.type_)
        .or(v.code)
        .unwrap_or_else(|| status.to_string());
    let code = raw.split(':').next().unwrap_or("");
    let code = code.rsplit('#').next().unwrap_or(code).to_string();
    let message = v
        .message
        .or(v.message_upper)
        .or(v.error_message)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
    ServiceError {
        status,
        code,
        message,
    }
}

/// The members an AWS JSON error body may carry (each service spells the message its own way).
#[derive(Debug, Default, serde::Deserialize)]
struct ErrorBody {
    #[serde(rename = "__type")]
    type_: Option<String>,
    code: Option<String>,
    message: Option<String>,
    #[serde(rename = "Message")]
    message_upper: Option<String>,
    #[serde(rename = "errorMessage")]
    error_message: Option<String>,
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

    /// The retry settings calls use: the configuration's (standard mode unless configured
    /// otherwise; at least one attempt).
    pub fn retry_config(&self) -> RetryConfig {
        self.conf
            .retry_config()
            .cloned()
            .unwrap_or_else(RetryConfig::standard)
    }

    /// Sends `request` (operation and target from its type) and reads the answer into the
    /// operation's output type. Throttling and transient failures are retried (see the module
    /// docs); an answer that does not fit the output type is an error naming the member.
    pub async fn send<R: JsonOperation>(&self, request: &R) -> KitResult<R::Output> {
        let what = R::TARGET;
        let prefix = what.split_once('.').map_or(what, |(p, _)| p);
        if prefix != self.service.target_prefix() {
            return Err(KitError::msg(format!(
                "{what} is not a {} operation (this client calls {})",
                self.service.target_prefix(),
                self.endpoint
            )));
        }
        let body = serde_json::to_vec(request)?;
        let bytes = self.call_bytes(what, R::OPERATION, &body).await?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de).map_err(|e| {
            KitError::msg(format!(
                "{what}: the answer does not fit {}: at {}: {}",
                std::any::type_name::<R::Output>()
                    .rsplit("::")
                    .next()
                    .unwrap_or_default(),
                e.path(),
                e.inner()
            ))
        })
    }

    /// One call with retries: the answer's bytes.
    async fn call_bytes(&self, what: &str, operation: &str, body: &[u8]) -> KitResult<Vec<u8>> {
        let retry = self.retry_config();
        let max_attempts = retry.max_attempts().max(1);
        let mut attempt = 1;
        loop {
            let failure = match self.call_once(what, operation, body).await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            match failure.retry() {
                Some(kind) if attempt < max_attempts => {
                    tokio::time::sleep(backoff(kind, attempt, retry.max_backoff(), jitter())).await;
                    attempt += 1;
                }
                _ => return Err(failure.into_error(what, attempt)),
            }
        }
    }

    /// One signed attempt.
    async fn call_once(
        &self,
        what: &str,
        operation: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        let url = format!("{}/", self.endpoint.trim_end_matches('/'));
        let target = format!("{}.{operation}", self.service.target_prefix());
        let fatal = |m: String| Failure::Fatal(KitError::msg(m));
        let host = host_of(&url).ok_or_else(|| fatal(format!("bad endpoint URL {url}")))?;
        let creds = crate::aws::credentials(&self.conf)
            .await
            .map_err(|e| Failure::Fatal(e.context(what.to_string())))?;
        let headers = [
            ("content-type", "application/x-amz-json-1.1".to_string()),
            ("host", host),
            ("x-amz-target", target.clone()),
            ("user-agent", USER_AGENT.to_string()),
        ];
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service.signing_name())
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| fatal(format!("{what}: signing parameters: {e}")))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().map(|(k, v)| (*k, v.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| fatal(format!("{what}: {e}")))?;
        let (instructions, _sig) = sign(signable, &params)
            .map_err(|e| fatal(format!("{what}: signing failed: {e}")))?
            .into_parts();
        let mut req = self.http.post(&url).body(body.to_vec());
        for (k, v) in headers.iter().filter(|(k, _)| *k != "host") {
            req = req.header(*k, v.as_str());
        }
        for (k, v) in instructions.headers() {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| Failure::Transport(format!("request to {url} failed: {e}")))?;
        let status = resp.status().as_u16();
        let err_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Failure::Transport(format!("reading the response: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(Failure::Service(parse_error(
                status,
                err_type.as_deref(),
                &bytes,
            )));
        }
        Ok(bytes.to_vec())
    }
}

/// The service error behind a [`KitError`], if it came from a JSON 1.1 call.
pub fn service_error(e: &KitError) -> Option<&ServiceError> {
    e.0.downcast_ref::<ServiceError>()
}

/// Whether a SageMaker error says the resource does not exist. SageMaker answers a Describe or
/// Delete of a missing endpoint, endpoint config or model with `ValidationException` and a
/// message "Could not find …"; it uses `ValidationException` for other refusals too (an invalid
/// name, an endpoint that cannot be deleted in its state), which are not "already gone".
pub fn is_not_found(e: &ServiceError) -> bool {
    match e.code.as_str() {
        "ResourceNotFound" | "ResourceNotFoundException" => true,
        "ValidationException" => e.message.to_ascii_lowercase().contains("could not find"),
        _ => false,
    }
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
    fn retryable_answers_are_those_of_the_standard_mode() {
        assert_eq!(
            retry_kind(400, "ThrottlingException"),
            Some(Retry::Throttling)
        );
        assert_eq!(retry_kind(503, "SlowDown"), Some(Retry::Throttling));
        assert_eq!(retry_kind(429, "Whatever"), Some(Retry::Throttling));
        assert_eq!(retry_kind(500, "InternalFailure"), Some(Retry::Transient));
        assert_eq!(
            retry_kind(503, "ServiceUnavailable"),
            Some(Retry::Transient)
        );
        assert_eq!(retry_kind(408, "RequestTimeout"), Some(Retry::Transient));
        assert_eq!(retry_kind(400, "ValidationException"), None);
        assert_eq!(retry_kind(400, "ResourceInUse"), None);
        assert_eq!(retry_kind(403, "InvalidSignatureException"), None);
    }

    #[test]
    fn backoff_is_exponential_truncated_and_fully_jittered() {
        let max = Duration::from_secs(20);
        let t = |kind, attempt, j| backoff(kind, attempt, max, j).as_secs_f64();
        assert_eq!(t(Retry::Throttling, 1, 1.0), 1.0);
        assert_eq!(t(Retry::Throttling, 3, 1.0), 4.0);
        assert_eq!(
            t(Retry::Throttling, 9, 1.0),
            20.0,
            "truncated at the maximum"
        );
        assert_eq!(t(Retry::Throttling, 3, 0.5), 2.0);
        assert_eq!(t(Retry::Throttling, 3, 0.0), 0.0);
        assert!((t(Retry::Transient, 2, 1.0) - 0.1).abs() < 1e-9);
        let draws: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean jitter {mean}");
    }

    #[test]
    fn not_found_is_told_from_other_validation_errors() {
        let e = |code: &str, message: &str| ServiceError {
            status: 400,
            code: code.into(),
            message: message.into(),
        };
        assert!(is_not_found(&e(
            "ValidationException",
            "Could not find endpoint \"arn:aws:sagemaker:eu-west-1:1:endpoint/x\"."
        )));
        assert!(is_not_found(&e("ResourceNotFound", "no such thing")));
        assert!(!is_not_found(&e(
            "ValidationException",
            "Cannot update in-progress endpoint \"x\"."
        )));
        assert!(!is_not_found(&e(
            "ValidationException",
            "1 validation error detected: Value 'a_b' at 'endpointName' failed to satisfy constraint"
        )));
        assert!(!is_not_found(&e(
            "ThrottlingException",
            "Could not find capacity"
        )));
    }

    #[test]
    fn default_endpoints_follow_the_partition() {
        assert_eq!(
            Service::SageMaker.default_endpoint("eu-west-1"),
            "https://api.sagemaker.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            Service::Logs.default_endpoint("us-gov-west-1"),
            "https://logs.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            Service::SageMaker.default_endpoint("cn-north-1"),
            "https://api.sagemaker.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            Service::Logs.default_endpoint("cn-northwest-1"),
            "https://logs.cn-northwest-1.amazonaws.com.cn"
        );
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
