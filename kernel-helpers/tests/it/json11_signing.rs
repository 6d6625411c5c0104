//! The JSON 1.1 client against a one-shot local HTTP server: the request carries the AWS JSON 1.1
//! headers and a SigV4 signature that an independent implementation of the algorithm (written
//! here from AWS's SigV4 documentation,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>, with hmac + sha2) accepts; service errors come back as
//! messages with the sanitised code.

use std::collections::BTreeMap;

use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use hmac::{Hmac, Mac};
use kernel_helpers::json11::{JsonClient, Service, service_error};
use sagemaker_api::logs::DescribeLogStreamsRequest;
use sagemaker_api::sagemaker::{DescribeTrainingJobRequest, TrainingJobStatus};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::in_runtime;

/// This module's tests, each on a runtime of its own (`main.rs` runs them).
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![
        in_runtime(
            "json11_signing::signed_json11_request_and_error_mapping",
            signed_json11_request_and_error_mapping,
        ),
        in_runtime(
            "json11_signing::answers_are_read_into_the_output_shape",
            answers_are_read_into_the_output_shape,
        ),
    ]
}

const AKID: &str = "AKIDTESTKIT";
const SECRET: &str = "kit/secret+key";

/// A DescribeTrainingJob answer with every member the model requires.
const DESCRIBED: &str = r#"{"TrainingJobName":"j","TrainingJobArn":"arn:aws:sagemaker:us-east-1:123456789012:training-job/j",
    "ModelArtifacts":{"S3ModelArtifacts":"s3://b/j/output/model.tar.gz"},"TrainingJobStatus":"Completed",
    "SecondaryStatus":"Completed","StoppingCondition":{"MaxRuntimeInSeconds":1800},"CreationTime":1700000000.5}"#;

fn describe(name: &str) -> DescribeTrainingJobRequest {
    DescribeTrainingJobRequest {
        training_job_name: Some(name.into()),
    }
}

struct Captured {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// Accepts one connection, reads one request, answers `status` with `body`.
async fn one_shot(status: u16, reply: &'static str) -> (String, tokio::task::JoinHandle<Captured>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let h = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut tmp = [0u8; 4096];
        let (head_end, content_length) = loop {
            let n = sock.read(&mut tmp).await.unwrap();
            assert!(n > 0, "connection closed before the request ended");
            buf.extend_from_slice(&tmp[..n]);
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..pos]).to_string();
                let cl = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                break (pos + 4, cl);
            }
        };
        while buf.len() < head_end + content_length {
            let n = sock.read(&mut tmp).await.unwrap();
            buf.extend_from_slice(&tmp[..n]);
        }
        let head = String::from_utf8_lossy(&buf[..head_end - 4]).to_string();
        let mut lines = head.lines();
        let mut first = lines.next().unwrap().split_whitespace();
        let method = first.next().unwrap().to_string();
        let path = first.next().unwrap().to_string();
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        let body = buf[head_end..head_end + content_length].to_vec();
        let resp = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        );
        sock.write_all(resp.as_bytes()).await.unwrap();
        sock.shutdown().await.ok();
        Captured {
            method,
            path,
            headers,
            body,
        }
    });
    (url, h)
}

fn conf(url: &str) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            AKID, SECRET, None, None, "test",
        )))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// Recomputes the SigV4 signature of a captured request (canonical request, string to sign,
/// signing key: steps 1–3 of the SigV4 documentation above).
fn expected_signature(c: &Captured) -> (String, String) {
    let auth = &c.headers["authorization"];
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .expect("SigV4 header");
    let parts: BTreeMap<&str, &str> = rest
        .split(", ")
        .map(|p| p.split_once('=').unwrap())
        .collect();
    let scope: Vec<&str> = parts["Credential"].split('/').collect();
    assert_eq!(scope[0], AKID);
    let signed: Vec<&str> = parts["SignedHeaders"].split(';').collect();
    let canonical_headers: String = signed
        .iter()
        .map(|h| format!("{h}:{}\n", c.headers[*h].trim()))
        .collect();
    let payload_hash = hex::encode(Sha256::digest(&c.body));
    let canonical = format!(
        "{}\n{}\n\n{}\n{}\n{}",
        c.method, c.path, canonical_headers, parts["SignedHeaders"], payload_hash
    );
    let date = &c.headers["x-amz-date"];
    let scope_str = scope[1..].join("/");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope_str}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k = hmac(format!("AWS4{SECRET}").as_bytes(), scope[1]);
    let k = hmac(&k, scope[2]);
    let k = hmac(&k, scope[3]);
    let k = hmac(&k, "aws4_request");
    (hex::encode(hmac(&k, &sts)), parts["Signature"].to_string())
}

async fn signed_json11_request_and_error_mapping() {
    // 1. A successful call: headers, body and a valid signature.
    let (url, server) = one_shot(200, DESCRIBED).await;
    let client = JsonClient::new(&conf(&url), Service::SageMaker).unwrap();
    assert_eq!(client.endpoint(), url);
    let v = client.send(&describe("j")).await.unwrap();
    assert_eq!(v.training_job_status, TrainingJobStatus::Completed);
    let c = server.await.unwrap();
    assert_eq!(c.method, "POST");
    assert_eq!(c.path, "/");
    assert_eq!(c.headers["x-amz-target"], "SageMaker.DescribeTrainingJob");
    assert_eq!(c.headers["content-type"], "application/x-amz-json-1.1");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&c.body).unwrap()["TrainingJobName"],
        "j"
    );
    let auth = &c.headers["authorization"];
    assert!(auth.contains("/us-east-1/sagemaker/aws4_request"), "{auth}");
    let signed = auth.split("SignedHeaders=").nth(1).unwrap();
    for h in ["content-type", "host", "x-amz-date", "x-amz-target"] {
        assert!(signed.contains(h), "{h} not signed: {auth}");
    }
    let (want, got) = expected_signature(&c);
    assert_eq!(got, want, "signature does not verify");

    // 2. CloudWatch Logs uses its own target prefix and signing name.
    let (url, server) = one_shot(200, r#"{"logStreams":[]}"#).await;
    let logs = JsonClient::new(&conf(&url), Service::Logs).unwrap();
    logs.send(&DescribeLogStreamsRequest {
        log_group_name: Some("/aws/sagemaker/TrainingJobs".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = server.await.unwrap();
    assert_eq!(
        c.headers["x-amz-target"],
        "Logs_20140328.DescribeLogStreams"
    );
    assert!(c.headers["authorization"].contains("/us-east-1/logs/aws4_request"));
    let (want, got) = expected_signature(&c);
    assert_eq!(got, want);

    // 3. A service error reads as a message and keeps its code.
    let (url, server) = one_shot(
        400,
        r#"{"__type":"com.amazonaws.sagemaker#ValidationException","message":"Requested resource not found."}"#,
    )
    .await;
    let client = JsonClient::new(&conf(&url), Service::SageMaker).unwrap();
    let e = client.send(&describe("nope")).await.unwrap_err();
    server.await.unwrap();
    assert_eq!(
        e.to_string(),
        "SageMaker.DescribeTrainingJob: ValidationException (HTTP 400): Requested resource not found."
    );
    assert_eq!(
        service_error(&e).map(|s| s.code.as_str()),
        Some("ValidationException")
    );
}

/// An answer that does not fit the operation's output shape is an error naming the member, and a
/// request of another service is refused before anything is sent.
async fn answers_are_read_into_the_output_shape() {
    let (url, server) = one_shot(
        200,
        r#"{"TrainingJobName":"j","TrainingJobArn":"a","ModelArtifacts":{"S3ModelArtifacts":"s3://b/m"},
            "TrainingJobStatus":"Completed","SecondaryStatus":"Completed",
            "StoppingCondition":{"MaxRuntimeInSeconds":"soon"},"CreationTime":1}"#,
    )
    .await;
    let client = JsonClient::new(&conf(&url), Service::SageMaker).unwrap();
    let e = client.send(&describe("j")).await.unwrap_err().to_string();
    server.await.unwrap();
    assert!(
        e.contains("DescribeTrainingJobResponse")
            && e.contains("StoppingCondition.MaxRuntimeInSeconds"),
        "{e}"
    );
    let logs_request = DescribeLogStreamsRequest::default();
    let e = client.send(&logs_request).await.unwrap_err().to_string();
    assert!(e.contains("is not a SageMaker operation"), "{e}");
}
