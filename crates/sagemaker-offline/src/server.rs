//! The one listener (loopback unless the operator opts out) and its router.
//!
//! Requests are told apart as AWS's protocols define them (JSON 1.1 services by their
//! `X-Amz-Target` header, the runtime's REST-JSON by its path, S3 by everything else):
//! - `GET /__health` → readiness probe for scripts (no auth);
//! - `X-Amz-Target: SageMaker.<Op>` → SigV4 (scope service `sagemaker`) → [`SageMaker::handle`];
//! - `X-Amz-Target: Logs_20140328.<Op>` → SigV4 (scope service `logs`) → [`crate::logs::handle`];
//! - `POST /endpoints/{name}/invocations` signed for `sagemaker` (or unsigned, to get the runtime's
//!   error shape) → SigV4 → [`SageMaker::invoke_endpoint`];
//! - a request signed for service `sts` (AWS's Query protocol) → SigV4 → [`crate::sts::handle`];
//! - any other request signed for a non-S3 service → `UnknownOperationException` (JSON);
//! - everything else → S3: first the bucket's region ([`crate::regions::s3_wrong_region`]), then
//!   s3s (S3 verifies its own signatures, including aws-chunked uploads).
//!
//! The JSON services and the runtime answer only requests signed for the server's region
//! ([`crate::regions`]). With throttling injected ([`crate::throttle`]), a share of all requests
//! but the health probe is refused before routing, in the throttling shape of its protocol.
//!
//! The JSON and runtime bodies are read whole (bounded) because SigV4 covers the payload hash; S3
//! bodies are streamed straight into s3s.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use http::{Method, Request, Response, StatusCode};

use crate::api_error::{JsonError, header_value, json_ok};
use crate::config::ACCOUNT_ID;
use crate::ctx::Ctx;
use crate::keys::Credentials;
use crate::logs::LogStore;
use crate::record::{Call, Recorder, RequestBody};
use crate::s3::DiskStore;
use crate::sagemaker::SageMaker;
use crate::seed::SeedConfig;
use crate::sigv4::{AuthError, Verifier};
use crate::throttle::{Throttle, ThrottleConfig};
use sagemaker_api::ErrorCode;

/// Largest JSON 1.1 request body accepted (SageMaker and Logs requests are far smaller; PutLogEvents ≤ 1 MiB).
pub const MAX_JSON_BODY: usize = 16 * 1024 * 1024;
/// Largest InvokeEndpoint body read before answering 413; the runtime's own 6 MiB limit is the
/// SageMaker part's to enforce (it gets every body up to this size).
pub const MAX_INVOKE_BODY: usize = 64 * 1024 * 1024;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Root of all persistent state.
    pub state_dir: PathBuf,
    /// Address to listen on: 127.0.0.1 unless the operator asked otherwise (`serve --bind`
    /// together with `--allow-non-loopback`; see the CLI).
    pub bind: std::net::IpAddr,
    /// Port (0 = any free port; see [`RunningServer::addr`]).
    pub port: u16,
    /// Region reported in ARNs.
    pub region: String,
    /// The one accepted key pair.
    pub credentials: Credentials,
    /// Seed the public GDELT bucket at start-up when objects are missing (None = never).
    pub seed_gdelt: Option<SeedConfig>,
    /// Refuse a share of the requests as throttled (None = never; see [`crate::throttle`]).
    pub throttle: Option<ThrottleConfig>,
    /// Record every JSON-protocol and runtime call into this directory (None = never; see
    /// [`crate::record`]).
    pub record: Option<PathBuf>,
    /// Notebook instances DescribeNotebookInstance answers for (`serve --notebook-instance`), for
    /// the notebook-instance rehearsal; none by default.
    pub notebook_instances: Vec<String>,
}

impl ServerConfig {
    /// A configuration for tests: any free port, `us-east-1`, a fixed key pair, no seeding,
    /// recording when `SAGEMAKER_OFFLINE_RECORD` names a directory (the conformance check).
    pub fn for_tests(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            state_dir: state_dir.into(),
            bind: std::net::Ipv4Addr::LOCALHOST.into(),
            port: 0,
            region: crate::config::DEFAULT_REGION.to_string(),
            credentials: Credentials {
                access_key_id: "AKIAOFFLINETEST00000".into(),
                secret_access_key: "offline/test/secret/key/0000000000000000".into(),
            },
            seed_gdelt: None,
            throttle: None,
            record: crate::record::dir_from_env(),
            notebook_instances: Vec::new(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// State directory problems.
    #[error("state directory {path}: {cause}")]
    State {
        /// Directory or file.
        path: PathBuf,
        /// Cause.
        cause: std::io::Error,
    },
    /// Object store.
    #[error("object store: {0}")]
    Objects(#[from] crate::s3::ObjectError),
    /// Seeding GDELT failed.
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    /// Cannot open the recording.
    #[error("recording directory {path}: {cause}")]
    Record {
        /// Directory.
        path: PathBuf,
        /// Cause.
        cause: std::io::Error,
    },
    /// Cannot listen.
    #[error(
        "cannot listen on {addr}: {cause} (is another sagemaker-offline running? pick another --port)"
    )]
    Bind {
        /// Address and port.
        addr: SocketAddr,
        /// Cause.
        cause: std::io::Error,
    },
}

/// Triggers a graceful shutdown of a [`RunningServer`].
#[derive(Debug, Clone)]
pub struct Shutdown {
    tx: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Shutdown {
    /// Asks the server to stop accepting connections and finish in-flight requests.
    pub fn shutdown(&self) {
        let _ = self.tx.send(true);
    }
}

/// A server started with [`start`].
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens (127.0.0.1:port unless configured otherwise).
    pub addr: SocketAddr,
    /// Stops it.
    pub shutdown: Shutdown,
    /// The shared context (object store, log store, …), for tests to inspect state directly.
    pub ctx: Ctx,
    /// The accepted key pair.
    pub credentials: Credentials,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT` (for a wildcard bind such as 0.0.0.0, the loopback address of the
    /// same family: the URL is for clients on this machine).
    pub fn endpoint_url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}")
    }
    /// Stops the server and waits until it has.
    pub async fn stop(self) -> std::io::Result<()> {
        self.shutdown.shutdown();
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(format!("server task failed: {e}"))),
        }
    }
    /// Waits until the server stops (after [`Shutdown::shutdown`]).
    pub async fn wait(self) -> std::io::Result<()> {
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(format!("server task failed: {e}"))),
        }
    }
}

/// Builds the shared context over a state directory (creating what is missing).
pub fn open_ctx(state_dir: &std::path::Path, region: &str) -> Result<Ctx, StartError> {
    let st = |path: PathBuf| move |cause| StartError::State { path, cause };
    std::fs::create_dir_all(state_dir).map_err(st(state_dir.to_path_buf()))?;
    let state_dir = state_dir
        .canonicalize()
        .map_err(st(state_dir.to_path_buf()))?;
    let objects = DiskStore::open(state_dir.join("s3"))?;
    let logs = LogStore::open(state_dir.join("logs")).map_err(st(state_dir.join("logs")))?;
    Ok(Ctx {
        region: region.to_string(),
        account_id: ACCOUNT_ID.to_string(),
        state_dir,
        objects: Arc::new(objects),
        logs: Arc::new(logs),
    })
}

struct App {
    ctx: Ctx,
    sagemaker: SageMaker,
    s3: s3s::service::S3Service,
    verifier: Verifier,
    throttle: Option<Throttle>,
    recorder: Option<Recorder>,
}

/// Opens the state, seeds if configured, binds `bind`:`port` and serves in a background task.
/// When this returns, the listener accepts requests.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let ctx = open_ctx(&config.state_dir, &config.region)?;
    // Bind first: a port conflict should fail before minutes of seeding, not after.
    let want = SocketAddr::new(config.bind, config.port);
    let listener = tokio::net::TcpListener::bind(want)
        .await
        .map_err(|cause| StartError::Bind { addr: want, cause })?;
    let addr = listener
        .local_addr()
        .map_err(|cause| StartError::Bind { addr: want, cause })?;
    if let Some(seed) = &config.seed_gdelt {
        let objects = ctx.objects.clone();
        let seed = seed.clone();
        let res = tokio::task::spawn_blocking(move || {
            crate::seed::seed_missing(&*objects, &seed, &mut |line| println!("{line}"))
        })
        .await
        .map_err(|e| crate::seed::SeedError::Other(format!("seeding task failed: {e}")))?;
        res?;
    }
    let s3 = crate::s3::build_service(
        ctx.objects.clone(),
        &config.credentials.access_key_id,
        &config.credentials.secret_access_key,
    );
    let sagemaker = SageMaker::with_options(
        ctx.clone(),
        crate::sagemaker::Options {
            notebook_instances: config.notebook_instances.clone(),
            ..crate::sagemaker::Options::default()
        },
    );
    let recorder = match &config.record {
        Some(dir) => Some(Recorder::open(dir).map_err(|cause| StartError::Record {
            path: dir.clone(),
            cause,
        })?),
        None => None,
    };
    let app = Arc::new(App {
        ctx: ctx.clone(),
        sagemaker,
        s3,
        verifier: Verifier {
            access_key: config.credentials.access_key_id.clone(),
            secret_key: config.credentials.secret_access_key.clone(),
        },
        throttle: config.throttle.map(Throttle::new),
        recorder,
    });
    let router = axum::Router::new().fallback(move |req: Request<Body>| {
        let app = app.clone();
        async move { guarded(dispatch(&app, req)).await }
    });
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        shutdown: Shutdown { tx: Arc::new(tx) },
        ctx,
        credentials: config.credentials,
        task,
    })
}

/// Runs a request handler. Last resort only: a handler bug must not take the connection down with
/// it (clients would see a reset and retry); it becomes a 500 `InternalFailure` with the AWS error
/// shape instead. The panic message itself is printed by the panic hook.
async fn guarded(handler: impl Future<Output = Response<Body>>) -> Response<Body> {
    use futures::FutureExt as _;
    match std::panic::AssertUnwindSafe(handler).catch_unwind().await {
        Ok(resp) => resp,
        Err(_) => {
            JsonError::internal("sagemaker-offline hit an internal error (a bug); see its log")
                .into_response(&request_id())
        }
    }
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A request id in S3's style (16 upper-case hex digits).
pub(crate) fn s3_request_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    id[..16].to_string()
}

/// The answer to a request the injected throttle refuses, in the shape of its protocol.
fn throttled(req: &Request<Body>, scope: Option<&str>) -> Response<Body> {
    let json = req.headers().contains_key("x-amz-target")
        || (scope.is_some_and(|s| s != "s3" && s != "sts"));
    if json {
        let rid = request_id();
        let e = JsonError::of(&ErrorCode::ThrottlingException, "Rate exceeded");
        return if invocation_endpoint(req.uri().path()).is_some() {
            e.into_response_with_content_type(&rid, "application/json")
        } else {
            e.into_response(&rid)
        };
    }
    if scope == Some("sts") {
        return crate::sts::error_response(400, "Throttling", "Rate exceeded", &request_id());
    }
    let rid = s3_request_id();
    let mut r = Response::new(Body::from(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>{rid}</RequestId><HostId>{rid}</HostId></Error>"
    )));
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let h = r.headers_mut();
    h.insert(http::header::CONTENT_TYPE, header_value("application/xml"));
    h.insert("x-amz-request-id", header_value(&rid));
    r
}

/// `/endpoints/{name}/invocations` → name.
fn invocation_endpoint(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/endpoints/")?;
    let name = rest.strip_suffix("/invocations")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

fn auth_error(e: &AuthError) -> JsonError {
    JsonError::with_status(e.status(), e.code(), e.message())
}

async fn dispatch(app: &App, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    if path == "/__health" && (req.method() == Method::GET || req.method() == Method::HEAD) {
        let v = serde_json::json!({
            "status": "ok",
            "service": "sagemaker-offline",
            "version": env!("CARGO_PKG_VERSION"),
            "region": app.ctx.region,
            "accountId": app.ctx.account_id,
        });
        let mut r = Response::new(Body::from(v.to_string()));
        r.headers_mut()
            .insert(http::header::CONTENT_TYPE, header_value("application/json"));
        return r;
    }
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let scope = crate::sigv4::scope_service(req.headers());
    if app.throttle.as_ref().is_some_and(Throttle::hit) {
        return throttled(&req, scope.as_deref());
    }
    if let Some(target) = target {
        if let Some(op) = target.strip_prefix("SageMaker.") {
            let op = op.to_string();
            let ua = user_agent(&req);
            let (rid, body) = match authed_body(app, req, "sagemaker").await {
                Ok(x) => x,
                Err(resp) => return resp,
            };
            let result = app.sagemaker.handle(&op, &body).await;
            record_json(app, "sagemaker", &op, ua.as_deref(), &body, &result);
            return respond(result, &rid);
        }
        if let Some(op) = target.strip_prefix("Logs_20140328.") {
            let op = op.to_string();
            let ua = user_agent(&req);
            let (rid, body) = match authed_body(app, req, "logs").await {
                Ok(x) => x,
                Err(resp) => return resp,
            };
            let result = crate::logs::handle(&app.ctx, &op, &body);
            record_json(app, "logs", &op, ua.as_deref(), &body, &result);
            return respond(result, &rid);
        }
        if scope.as_deref() != Some("s3") {
            let rid = request_id();
            return JsonError::of(
                &ErrorCode::UnknownOperationException,
                format!("X-Amz-Target {target:?} is not served by sagemaker-offline (SageMaker.* and Logs_20140328.* are)"),
            )
            .into_response(&rid);
        }
    }
    if scope.as_deref() == Some("sts") {
        return sts_call(app, req).await;
    }
    if req.method() == Method::POST
        && scope.as_deref() != Some("s3")
        && let Some(name) = invocation_endpoint(&path)
    {
        let name = String::from_utf8_lossy(&crate::sigv4::percent_decode(name)).into_owned();
        return invoke(app, req, name).await;
    }
    if let Some(service) = scope.as_deref().filter(|s| *s != "s3") {
        let rid = request_id();
        return JsonError::of(
            &ErrorCode::UnknownOperationException,
            format!(
                "{} {path} signed for service {service:?} is not an operation sagemaker-offline serves",
                req.method()
            ),
        )
        .into_response(&rid);
    }
    s3_call(app, req).await
}

async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, JsonError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        JsonError::of(
            &ErrorCode::RequestEntityTooLarge,
            format!("request body larger than {limit} bytes or unreadable: {e}"),
        )
    })
}

/// Reads a JSON 1.1 request body and verifies its signature (scope service `service`).
/// Ok = (request id, body); Err = the complete error response.
async fn authed_body(
    app: &App,
    req: Request<Body>,
    service: &str,
) -> Result<(String, bytes::Bytes), Response<Body>> {
    let rid = request_id();
    let (parts, body) = req.into_parts();
    let body = match read_body(body, MAX_JSON_BODY).await {
        Ok(b) => b,
        Err(e) => return Err(e.into_response(&rid)),
    };
    if let Err(e) = verify(app, &parts, &body, service) {
        return Err(e.into_response(&rid));
    }
    Ok((rid, body))
}

fn user_agent(req: &Request<Body>) -> Option<String> {
    req.headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Records a JSON 1.1 call when recording is on.
fn record_json(
    app: &App,
    service: &str,
    operation: &str,
    user_agent: Option<&str>,
    body: &[u8],
    result: &Result<serde_json::Value, JsonError>,
) {
    let Some(rec) = &app.recorder else { return };
    let (status, response, error) = match result {
        Ok(v) => (200, Some(v.clone()), None),
        Err(e) => (e.status, None, Some((e.code.as_str(), e.message.as_str()))),
    };
    rec.record(&Call {
        service,
        operation,
        user_agent,
        request: RequestBody::Raw(body),
        status,
        response,
        error,
    });
}

fn respond(result: Result<serde_json::Value, JsonError>, rid: &str) -> Response<Body> {
    match result {
        Ok(v) => json_ok(&v, rid),
        Err(e) => e.into_response(rid),
    }
}

fn verify(
    app: &App,
    parts: &http::request::Parts,
    body: &[u8],
    service: &str,
) -> Result<(), JsonError> {
    let ok = app
        .verifier
        .verify(
            &parts.method,
            &parts.uri,
            &parts.headers,
            body,
            chrono::Utc::now(),
        )
        .map_err(|e| auth_error(&e))?;
    if ok.auth.service != service {
        return Err(JsonError::of(
            &ErrorCode::InvalidSignatureException,
            format!("Credential should be scoped to correct service: '{service}'. "),
        ));
    }
    if service != "sts"
        && let Some(e) = crate::regions::wrong_region_error(&ok.auth.region, &app.ctx.region)
    {
        return Err(e);
    }
    Ok(())
}

/// An STS (Query protocol) request: parameters from the query string and the form body.
async fn sts_call(app: &App, req: Request<Body>) -> Response<Body> {
    let rid = request_id();
    let (parts, body) = req.into_parts();
    let body = match read_body(body, 64 * 1024).await {
        Ok(b) => b,
        Err(e) => return crate::sts::error_response(e.status, &e.code, &e.message, &rid),
    };
    if let Err(e) = verify(app, &parts, &body, "sts") {
        return crate::sts::error_response(e.status, &e.code, &e.message, &rid);
    }
    let mut params = crate::sts::form_params(parts.uri.query().unwrap_or(""));
    params.extend(crate::sts::form_params(&String::from_utf8_lossy(&body)));
    crate::sts::handle(&app.ctx.account_id, &params, &rid)
}

async fn invoke(app: &App, req: Request<Body>, endpoint: String) -> Response<Body> {
    let rid = request_id();
    let (parts, body) = req.into_parts();
    let body = match read_body(body, MAX_INVOKE_BODY).await {
        Ok(b) => b,
        Err(e) => return e.into_response_with_content_type(&rid, "application/json"),
    };
    if let Err(e) = verify(app, &parts, &body, "sagemaker") {
        return e.into_response_with_content_type(&rid, "application/json");
    }
    let body_len = body.len();
    let mut resp = app
        .sagemaker
        .invoke_endpoint(&endpoint, &parts.headers, body)
        .await;
    resp.headers_mut()
        .entry("x-amzn-RequestId")
        .or_insert_with(|| header_value(&rid));
    match &app.recorder {
        Some(rec) => record_invoke(rec, &endpoint, &parts.headers, body_len, resp).await,
        None => resp,
    }
}

/// Records an InvokeEndpoint call: the members in its URI and headers, and for an error the
/// code and message of its body (read and put back).
async fn record_invoke(
    rec: &Recorder,
    endpoint: &str,
    req_headers: &http::HeaderMap,
    body_len: usize,
    resp: Response<Body>,
) -> Response<Body> {
    let (parts, body) = resp.into_parts();
    let status = parts.status.as_u16();
    let (body, error) = if parts.status.is_success() {
        (body, None)
    } else {
        let bytes = axum::body::to_bytes(body, MAX_INVOKE_BODY)
            .await
            .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let code = parts
            .headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .or(v.get("__type").and_then(|c| c.as_str()))
            .unwrap_or("")
            .to_string();
        let message = v
            .get("message")
            .or(v.get("Message"))
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string();
        (Body::from(bytes), Some((code, message)))
    };
    rec.record(&Call {
        service: "runtime",
        operation: "InvokeEndpoint",
        user_agent: req_headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
        request: RequestBody::Json(crate::record::runtime_request(
            endpoint,
            req_headers,
            body_len,
        )),
        status,
        response: error
            .is_none()
            .then(|| crate::record::runtime_response(&parts.headers)),
        error: error.as_ref().map(|(c, m)| (c.as_str(), m.as_str())),
    });
    Response::from_parts(parts, body)
}

async fn s3_call(app: &App, req: Request<Body>) -> Response<Body> {
    if let Some(redirect) =
        crate::regions::s3_wrong_region(&*app.ctx.objects, req.method(), req.uri(), req.headers())
    {
        return redirect;
    }
    let mut svc = app.s3.clone();
    match tower::Service::call(&mut svc, req).await {
        Ok(resp) => resp.map(Body::new),
        Err(e) => {
            tracing::error!(error = ?e, "S3 request failed inside s3s");
            let mut r = Response::new(Body::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
            ));
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r.headers_mut()
                .insert(http::header::CONTENT_TYPE, header_value("application/xml"));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_handler_panic_is_an_internal_failure_not_a_reset() {
        let ok = guarded(async { Response::new(Body::from("fine")) }).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let resp = guarded(async {
            if ok.status() == StatusCode::OK {
                panic!("handler bug");
            }
            Response::new(Body::empty())
        })
        .await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(resp.headers()["x-amzn-ErrorType"], "InternalFailure");
        assert!(resp.headers().contains_key("x-amzn-RequestId"));
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["__type"], "InternalFailure");
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("internal error")
        );
    }

    #[test]
    fn invocation_paths() {
        assert_eq!(
            invocation_endpoint("/endpoints/DEMO-ep-1/invocations"),
            Some("DEMO-ep-1")
        );
        assert_eq!(invocation_endpoint("/endpoints//invocations"), None);
        assert_eq!(invocation_endpoint("/endpoints/a/b/invocations"), None);
        assert_eq!(invocation_endpoint("/bucket/key"), None);
        assert_eq!(crate::sigv4::percent_decode("a%2Db%zz%4"), b"a-b%zz%4");
    }
}
