//! The request/response recorder (`serve --record DIR`, `SAGEMAKER_OFFLINE_RECORD=DIR`), for the
//! conformance check (`scripts/check-conformance.py`).
//!
//! Why: the kit promises that its requests are what AWS accepts and that the stand-in answers in
//! AWS's shapes. Neither can be checked against AWS from here, but both can be checked against
//! AWS's own service models (botocore's `service-2.json`, the files the AWS CLI validates with).
//! The recorder writes down every call of the JSON-protocol services and the runtime as it went
//! over the wire — the body a real client (the AWS CLI after its argument parser, boto3,
//! kernel-helpers) sent and the body the stand-in answered — and the checker validates them.
//!
//! Format: JSON lines, one per call, appended to `DIR/<pid>-<n>.jsonl` (one file per server, so
//! several servers and test processes can record into one directory):
//! ```json
//! {"service":"sagemaker","operation":"CreateTrainingJob","user_agent":"aws-cli/1.46.3 …",
//!  "status":200,"request":{…},"response":{…}}
//! ```
//! `service` is `sagemaker`, `logs` or `runtime`. `request` is the parsed JSON body (for the
//! runtime: the members carried in the URI and headers, with `Body` as its length in bytes), or
//! absent with `request_text` when the body is not JSON. `response` is the JSON answer (for the
//! runtime: the members carried in headers); an error answer has `error` (`code`, `message`).
//! Calls refused before they reach an operation (bad signature, wrong region, injected
//! throttling) are not recorded: no operation saw them.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

/// Appends calls to one file of a recording directory.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Recorder {
    /// Opens a new file in `dir` (created if missing).
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        static N: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(dir)?;
        let pid = std::process::id();
        loop {
            let n = N.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{pid}-{n}.jsonl"));
            match std::fs::OpenOptions::new()
                .append(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file: Mutex::new(file),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records one call (one line, written whole). A failed write is reported on stderr and
    /// otherwise ignored: recording must never change an answer.
    pub fn record(&self, call: &Call<'_>) {
        let mut line = call.to_json().to_string();
        line.push('\n');
        let mut file = match self.file.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = file.write_all(line.as_bytes()) {
            eprintln!(
                "sagemaker-offline: cannot record to {}: {e}",
                self.path.display()
            );
        }
    }
}

/// One call as recorded.
#[derive(Debug)]
pub struct Call<'a> {
    /// `sagemaker`, `logs` or `runtime`.
    pub service: &'a str,
    /// Operation name (`CreateTrainingJob`).
    pub operation: &'a str,
    /// The client's `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// The request as sent: a JSON body, or (runtime) the members from URI and headers.
    pub request: RequestBody<'a>,
    /// HTTP status of the answer.
    pub status: u16,
    /// The JSON answer (or, for the runtime, the members from its headers), if it succeeded.
    pub response: Option<Value>,
    /// Error code and message, if it failed.
    pub error: Option<(&'a str, &'a str)>,
}

/// A recorded request body.
#[derive(Debug)]
pub enum RequestBody<'a> {
    /// Raw bytes of a JSON-protocol body (recorded parsed when they are JSON).
    Raw(&'a [u8]),
    /// Already a JSON value.
    Json(Value),
}

impl Call<'_> {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("service".into(), json!(self.service));
        m.insert("operation".into(), json!(self.operation));
        if let Some(ua) = self.user_agent {
            m.insert("user_agent".into(), json!(ua));
        }
        m.insert("status".into(), json!(self.status));
        match &self.request {
            RequestBody::Json(v) => {
                m.insert("request".into(), v.clone());
            }
            RequestBody::Raw(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => {
                    m.insert("request".into(), v);
                }
                Err(_) => {
                    m.insert("request_text".into(), json!(String::from_utf8_lossy(bytes)));
                }
            },
        }
        if let Some(r) = &self.response {
            m.insert("response".into(), r.clone());
        }
        if let Some((code, message)) = self.error {
            m.insert("error".into(), json!({"code": code, "message": message}));
        }
        Value::Object(m)
    }
}

/// The recording directory from the environment (`SAGEMAKER_OFFLINE_RECORD`), if set and not
/// empty: in-process test servers ([`crate::ServerConfig::for_tests`]) record when it is set.
pub fn dir_from_env() -> Option<PathBuf> {
    std::env::var_os("SAGEMAKER_OFFLINE_RECORD")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The runtime's request members carried in headers (`InvokeEndpoint`), by header name.
const RUNTIME_REQUEST_HEADERS: &[(&str, &str)] = &[
    ("content-type", "ContentType"),
    ("accept", "Accept"),
    ("x-amzn-sagemaker-custom-attributes", "CustomAttributes"),
    ("x-amzn-sagemaker-target-model", "TargetModel"),
    ("x-amzn-sagemaker-target-variant", "TargetVariant"),
    (
        "x-amzn-sagemaker-target-container-hostname",
        "TargetContainerHostname",
    ),
    ("x-amzn-sagemaker-inference-id", "InferenceId"),
    ("x-amzn-sagemaker-enable-explanations", "EnableExplanations"),
    (
        "x-amzn-sagemaker-inference-component",
        "InferenceComponentName",
    ),
    ("x-amzn-sagemaker-session-id", "SessionId"),
];

/// The runtime's response members carried in headers.
const RUNTIME_RESPONSE_HEADERS: &[(&str, &str)] = &[
    ("content-type", "ContentType"),
    (
        "x-amzn-invoked-production-variant",
        "InvokedProductionVariant",
    ),
    ("x-amzn-sagemaker-custom-attributes", "CustomAttributes"),
    ("x-amzn-sagemaker-new-session-id", "NewSessionId"),
    ("x-amzn-sagemaker-closed-session-id", "ClosedSessionId"),
];

fn header_members(headers: &http::HeaderMap, names: &[(&str, &str)]) -> Map<String, Value> {
    let mut m = Map::new();
    for (header, member) in names {
        if let Some(v) = headers.get(*header).and_then(|v| v.to_str().ok()) {
            m.insert((*member).to_string(), json!(v));
        }
    }
    m
}

/// `InvokeEndpoint`'s input members: `EndpointName` from the URI, the header members, and
/// `Body` as its length.
pub fn runtime_request(endpoint: &str, headers: &http::HeaderMap, body_len: usize) -> Value {
    let mut m = header_members(headers, RUNTIME_REQUEST_HEADERS);
    m.insert("EndpointName".into(), json!(endpoint));
    m.insert("Body".into(), json!(body_len));
    Value::Object(m)
}

/// `InvokeEndpoint`'s output members carried in headers.
pub fn runtime_response(headers: &http::HeaderMap) -> Value {
    Value::Object(header_members(headers, RUNTIME_RESPONSE_HEADERS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_one_line_per_call() {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = Recorder::open(dir.path()).expect("open");
        r.record(&Call {
            service: "sagemaker",
            operation: "DescribeEndpoint",
            user_agent: Some("test/1"),
            request: RequestBody::Raw(br#"{"EndpointName":"x"}"#),
            status: 400,
            response: None,
            error: Some(("ValidationException", "Could not find endpoint")),
        });
        r.record(&Call {
            service: "logs",
            operation: "GetLogEvents",
            user_agent: None,
            request: RequestBody::Raw(b"not json"),
            status: 200,
            response: Some(json!({"events": []})),
            error: None,
        });
        let r2 = Recorder::open(dir.path()).expect("second file");
        assert_ne!(r.path(), r2.path());
        let text = std::fs::read_to_string(r.path()).expect("read");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["request"]["EndpointName"], "x");
        assert_eq!(lines[0]["error"]["code"], "ValidationException");
        assert_eq!(lines[0]["user_agent"], "test/1");
        assert_eq!(lines[1]["request_text"], "not json");
        assert_eq!(lines[1]["response"]["events"], json!([]));
    }

    #[test]
    fn runtime_members_from_headers() {
        let mut h = http::HeaderMap::new();
        h.insert("content-type", http::HeaderValue::from_static("text/csv"));
        h.insert("accept", http::HeaderValue::from_static("application/json"));
        let v = runtime_request("ep", &h, 12);
        assert_eq!(
            v,
            json!({"EndpointName": "ep", "ContentType": "text/csv", "Accept": "application/json", "Body": 12})
        );
    }
}
