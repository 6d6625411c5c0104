//! Helpers shared by the integration tests: an in-process server, an aws-sdk-s3
//! client for it, and a raw HTTP/1.1 client with optional SigV4 signing by the `aws-sigv4` crate
//! (an implementation independent of the server's verifier).
#![allow(dead_code)]

use std::time::SystemTime;

use sagemaker_offline::{RunningServer, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
}

pub async fn start_server() -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = sagemaker_offline::start(ServerConfig::for_tests(dir.path()))
        .await
        .expect("server starts");
    TestServer { server, dir }
}

pub fn s3_client(
    server: &RunningServer,
    secret_override: Option<(&str, &str)>,
) -> aws_sdk_s3::Client {
    let (ak, sk) = match secret_override {
        Some((a, s)) => (a, s),
        None => (
            server.credentials.access_key_id.as_str(),
            server.credentials.secret_access_key.as_str(),
        ),
    };
    s3_client_at(&server.endpoint_url(), ak, sk)
}

/// The HTTP client every SDK client of these tests uses: the workspace leaves the SDK's
/// `default-https-client` feature out (the root Cargo.toml says why), so each client is given one
/// explicitly, rustls over ring as in kernel_helpers (it speaks plain HTTP to the stand-in too).
pub fn http_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// An aws-sdk-s3 client for a server at `url` (for example a spawned binary).
pub fn s3_client_at(url: &str, ak: &str, sk: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .http_client(http_client())
        .endpoint_url(url)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            ak, sk, None, None, "test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// An aws-sdk-sagemakerruntime client for a server at `url`.
pub fn runtime_client_at(url: &str, ak: &str, sk: &str) -> aws_sdk_sagemakerruntime::Client {
    let conf = aws_sdk_sagemakerruntime::Config::builder()
        .behavior_version(aws_sdk_sagemakerruntime::config::BehaviorVersion::latest())
        .http_client(http_client())
        .endpoint_url(url)
        .region(aws_sdk_sagemakerruntime::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sagemakerruntime::config::Credentials::new(
            ak, sk, None, None, "test",
        ))
        .build();
    aws_sdk_sagemakerruntime::Client::from_conf(conf)
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one HTTP/1.1 request (Connection: close) and reads the whole response.
pub async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Raw {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    let has_host = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    if !has_host {
        req.push_str(&format!("host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        req.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    req.push_str("connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    s.write_all(body).await.expect("write body");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let mut body = buf[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Raw {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

#[allow(clippy::too_many_arguments)]
/// Signs with `aws-sigv4` (as aws-sdk-rust does) and returns the headers to send (incl. the given ones).
pub fn sign(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    service: &str,
    ak: &str,
    sk: &str,
    time: SystemTime,
) -> Vec<(String, String)> {
    sign_body(
        addr,
        method,
        path,
        headers,
        aws_sigv4::http_request::SignableBody::Bytes(body),
        service,
        ak,
        sk,
        time,
    )
}

#[allow(clippy::too_many_arguments)]
/// [`sign`] with the payload given as aws-sigv4 takes it (for example `UnsignedPayload`).
pub fn sign_body(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: aws_sigv4::http_request::SignableBody<'_>,
    service: &str,
    ak: &str,
    sk: &str,
    time: SystemTime,
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let host = addr.to_string();
    let mut all: Vec<(&str, &str)> = vec![("host", host.as_str())];
    all.extend_from_slice(headers);
    let identity = aws_credential_types::Credentials::new(ak, sk, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let url = format!("http://{addr}{path}");
    let req = SignableRequest::new(method, &url, all.iter().copied(), body).expect("signable");
    let (instructions, _) = sign(req, &params).expect("sign").into_parts();
    let mut out: Vec<(String, String)> = all
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in instructions.headers() {
        out.push((k.to_string(), v.to_string()));
    }
    out
}

/// A signed JSON 1.1 call (`X-Amz-Target: <target>`), signed for `service`.
pub async fn json_call(
    server: &RunningServer,
    service: &str,
    target: &str,
    body: &serde_json::Value,
) -> Raw {
    json_call_at(
        server.addr,
        &server.credentials.access_key_id,
        &server.credentials.secret_access_key,
        service,
        target,
        body,
    )
    .await
}

/// [`json_call`] to a server at `addr` with the key pair `ak`/`sk` (for example a spawned binary).
pub async fn json_call_at(
    addr: std::net::SocketAddr,
    ak: &str,
    sk: &str,
    service: &str,
    target: &str,
    body: &serde_json::Value,
) -> Raw {
    let body = body.to_string();
    let headers = sign(
        addr,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target),
        ],
        body.as_bytes(),
        service,
        ak,
        sk,
        SystemTime::now(),
    );
    raw(addr, "POST", "/", &headers, body.as_bytes()).await
}

/// Feature count of [`dataset`].
pub const FEATURES: usize = 4;

/// y = 1 + 2·x0 − x1 + 0.5·x2 + 3·x3 (+ tiny deterministic noise), `rows` rows per object.
pub fn dataset(seed: u32, rows: usize) -> Vec<u8> {
    let mut x = Vec::with_capacity(rows * FEATURES);
    let mut y = Vec::with_capacity(rows);
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s % 10_000) as f32 / 10_000.0
    };
    for _ in 0..rows {
        let r: Vec<f32> = (0..FEATURES).map(|_| next() * 2.0 - 1.0).collect();
        y.push(1.0 + 2.0 * r[0] - r[1] + 0.5 * r[2] + 3.0 * r[3] + (next() - 0.5) * 0.01);
        x.extend_from_slice(&r);
    }
    sagemaker_recordio::write_dense_matrix(Vec::new(), &x, FEATURES, Some(&y)).expect("recordio")
}
