//! Authentication and routing at the listener: SigV4 refusals (anonymous, unknown key, wrong
//! secret, tampered body, clock skew, wrong service) in AWS's JSON error shapes, routing by
//! X-Amz-Target / credential scope, the runtime path's `x-amzn-ErrorType`, and the unauthenticated
//! health route. Requests are signed by the `aws-sigv4` crate, independent of the server's verifier.

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn refused_json_requests_have_aws_shapes() {
    let t = start_server().await;
    let s = &t.server;
    let body = br#"{"logGroupName": "/aws/sagemaker/TrainingJobs"}"#;
    let base = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "Logs_20140328.DescribeLogStreams"),
    ];
    let plain: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();

    // anonymous
    let r = raw(s.addr, "POST", "/", &plain, body).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["__type"], "MissingAuthenticationTokenException");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );

    // unknown access key
    let h = sign(
        s.addr,
        "POST",
        "/",
        &base,
        body,
        "logs",
        "AKIAUNKNOWN000000000",
        "x",
        SystemTime::now(),
    );
    let r = raw(s.addr, "POST", "/", &h, body).await;
    assert_eq!(
        r.json(),
        json!({"__type": "UnrecognizedClientException", "message": "The security token included in the request is invalid."})
    );

    // wrong secret
    let h = sign(
        s.addr,
        "POST",
        "/",
        &base,
        body,
        "logs",
        &s.credentials.access_key_id,
        "wrong",
        SystemTime::now(),
    );
    let r = raw(s.addr, "POST", "/", &h, body).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["__type"], "InvalidSignatureException");
    assert!(r.json()["message"].as_str().unwrap().starts_with(
        "The request signature we calculated does not match the signature you provided"
    ));

    // body tampered after signing
    let h = sign(
        s.addr,
        "POST",
        "/",
        &base,
        body,
        "logs",
        &s.credentials.access_key_id,
        &s.credentials.secret_access_key,
        SystemTime::now(),
    );
    let r = raw(s.addr, "POST", "/", &h, br#"{"logGroupName": "/other"}"#).await;
    assert_eq!(r.json()["__type"], "InvalidSignatureException");

    // clock skew: signed 20 minutes ago
    let h = sign(
        s.addr,
        "POST",
        "/",
        &base,
        body,
        "logs",
        &s.credentials.access_key_id,
        &s.credentials.secret_access_key,
        SystemTime::now() - Duration::from_secs(20 * 60),
    );
    let r = raw(s.addr, "POST", "/", &h, body).await;
    assert_eq!(r.json()["__type"], "InvalidSignatureException");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired: "),
        "{}",
        r.text()
    );

    // signed for the wrong service
    let h = sign(
        s.addr,
        "POST",
        "/",
        &base,
        body,
        "sagemaker",
        &s.credentials.access_key_id,
        &s.credentials.secret_access_key,
        SystemTime::now(),
    );
    let r = raw(s.addr, "POST", "/", &h, body).await;
    assert_eq!(r.json()["__type"], "InvalidSignatureException");

    // unknown target prefix
    let h = sign(
        s.addr,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AmazonEC2.RunInstances"),
        ],
        b"{}",
        "ec2",
        &s.credentials.access_key_id,
        &s.credentials.secret_access_key,
        SystemTime::now(),
    );
    let r = raw(s.addr, "POST", "/", &h, b"{}").await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str().unwrap()),
        (400, "UnknownOperationException")
    );

    // runtime path, anonymous → JSON error with x-amzn-ErrorType
    let r = raw(
        s.addr,
        "POST",
        "/endpoints/some-endpoint/invocations",
        &[("content-type".into(), "text/csv".into())],
        b"1,2\n",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );

    // runtime path, bad signature
    let h = sign(
        s.addr,
        "POST",
        "/endpoints/some-endpoint/invocations",
        &[("content-type", "text/csv")],
        b"1,2\n",
        "sagemaker",
        &s.credentials.access_key_id,
        "wrong",
        SystemTime::now(),
    );
    let r = raw(
        s.addr,
        "POST",
        "/endpoints/some-endpoint/invocations",
        &h,
        b"1,2\n",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("InvalidSignatureException")
    );

    // health needs no auth
    let r = raw(s.addr, "GET", "/__health", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    t.server.stop().await.unwrap();
}
