//! Regions, throttling and STS as AWS does them: buckets have a region and a request signed for
//! another one gets S3's `301 PermanentRedirect`; the JSON services answer for the server's region
//! only; injected throttling comes back in each protocol's shape, deterministically, and standard
//! retries absorb it; `GetCallerIdentity` answers the account.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use sagemaker_offline::throttle::ThrottleConfig;
use sagemaker_offline::{RunningServer, ServerConfig};

use crate::common::{Raw, raw};

async fn start_in(
    dir: &std::path::Path,
    region: &str,
    throttle: Option<ThrottleConfig>,
) -> RunningServer {
    sagemaker_offline::start(ServerConfig {
        region: region.into(),
        throttle,
        ..ServerConfig::for_tests(dir)
    })
    .await
    .expect("server starts")
}

/// An aws-sdk-s3 client signing for `region`, with `attempts` attempts (1 = no retries) and a
/// short backoff (the retries are what is tested, not their pace).
fn s3_in(server: &RunningServer, region: &str, attempts: u32) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .http_client(crate::common::http_client())
        .endpoint_url(server.endpoint_url())
        .force_path_style(true)
        .region(aws_sdk_s3::config::Region::new(region.to_string()))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            &server.credentials.access_key_id,
            &server.credentials.secret_access_key,
            None,
            None,
            "test",
        ))
        .retry_config(
            aws_sdk_s3::config::retry::RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// A request signed (by `aws-sigv4`) for `service` in `region`, sent raw.
#[allow(clippy::too_many_arguments)]
async fn signed(
    server: &RunningServer,
    region: &str,
    service: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let host = server.addr.to_string();
    let mut all: Vec<(&str, &str)> = vec![("host", host.as_str())];
    all.extend_from_slice(headers);
    let identity = aws_credential_types::Credentials::new(
        &server.credentials.access_key_id,
        &server.credentials.secret_access_key,
        None,
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    if service == "s3" {
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let url = format!("http://{host}{path}");
    let req = SignableRequest::new(method, &url, all.iter().copied(), SignableBody::Bytes(body))
        .expect("signable");
    let (instructions, _) = sign(req, &params).expect("sign").into_parts();
    let mut out: Vec<(String, String)> = all
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in instructions.headers() {
        out.push((k.to_string(), v.to_string()));
    }
    raw(server.addr, method, path, &out, body).await
}

async fn json_in(server: &RunningServer, region: &str, service: &str, target: &str) -> Raw {
    signed(
        server,
        region,
        service,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target),
        ],
        b"{}",
    )
    .await
}

fn status_of<E>(e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> u16 {
    e.raw_response().map_or(0, |r| r.status().as_u16())
}

fn bucket_region_of<E>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<String> {
    e.raw_response()?
        .headers()
        .get("x-amz-bucket-region")
        .map(str::to_string)
}

#[tokio::test]
async fn buckets_have_regions_and_other_regions_get_the_301() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), "eu-west-1", None).await;
    // As seeding does it: the public bucket, in us-east-1.
    server.ctx.objects.create_bucket("gdelt-open-data").unwrap();
    server
        .ctx
        .objects
        .put("gdelt-open-data", "events/1979.csv", b"rows")
        .unwrap();
    let eu = s3_in(&server, "eu-west-1", 1);
    let us = s3_in(&server, "us-east-1", 1);

    // GetObject signed for eu-west-1: 301 PermanentRedirect naming us-east-1.
    let e = eu
        .get_object()
        .bucket("gdelt-open-data")
        .key("events/1979.csv")
        .send()
        .await
        .expect_err("a us-east-1 bucket from eu-west-1");
    assert_eq!(status_of(&e), 301);
    assert_eq!(bucket_region_of(&e).as_deref(), Some("us-east-1"));
    assert_eq!(e.code(), Some("PermanentRedirect"), "{e:?}");
    // The XML as S3 sends it.
    let r = signed(
        &server,
        "eu-west-1",
        "s3",
        "GET",
        "/gdelt-open-data/events/1979.csv",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 301);
    let body = r.text();
    for part in [
        "<Code>PermanentRedirect</Code>",
        "<Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message>",
        "<Endpoint>gdelt-open-data.s3.amazonaws.com</Endpoint>",
        "<Bucket>gdelt-open-data</Bucket>",
    ] {
        assert!(body.contains(part), "{part} missing from {body}");
    }
    assert_eq!(r.header("x-amz-bucket-region"), Some("us-east-1"));
    // HeadBucket: 301, the header, no body.
    let e = eu
        .head_bucket()
        .bucket("gdelt-open-data")
        .send()
        .await
        .expect_err("HeadBucket from another region");
    assert_eq!(status_of(&e), 301);
    assert_eq!(bucket_region_of(&e).as_deref(), Some("us-east-1"));
    let r = signed(
        &server,
        "eu-west-1",
        "s3",
        "HEAD",
        "/gdelt-open-data",
        &[],
        b"",
    )
    .await;
    assert_eq!((r.status, r.body.len()), (301, 0));
    assert_eq!(r.header("x-amz-bucket-region"), Some("us-east-1"));
    // Listing too; GetBucketLocation answers from anywhere (null = us-east-1).
    let e = eu
        .list_objects_v2()
        .bucket("gdelt-open-data")
        .send()
        .await
        .expect_err("listing from another region");
    assert_eq!(status_of(&e), 301);
    let loc = eu
        .get_bucket_location()
        .bucket("gdelt-open-data")
        .send()
        .await
        .unwrap();
    // An empty LocationConstraint, as S3 answers for us-east-1.
    assert_eq!(loc.location_constraint().map_or("", |c| c.as_str()), "");
    // From its own region, everything works and HeadBucket names the region.
    let got = us
        .get_object()
        .bucket("gdelt-open-data")
        .key("events/1979.csv")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"rows"
    );
    let head = us
        .head_bucket()
        .bucket("gdelt-open-data")
        .send()
        .await
        .unwrap();
    assert_eq!(head.bucket_region(), Some("us-east-1"));

    // A bucket created from eu-west-1 with its LocationConstraint is in eu-west-1.
    let cfg = |r: &str| {
        CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(r))
            .build()
    };
    eu.create_bucket()
        .bucket("work")
        .create_bucket_configuration(cfg("eu-west-1"))
        .send()
        .await
        .unwrap();
    let loc = us
        .get_bucket_location()
        .bucket("work")
        .send()
        .await
        .unwrap();
    assert_eq!(
        loc.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    eu.put_object()
        .bucket("work")
        .key("k")
        .body(ByteStream::from_static(b"v"))
        .send()
        .await
        .unwrap();
    let e = us
        .get_object()
        .bucket("work")
        .key("k")
        .send()
        .await
        .expect_err("an eu-west-1 bucket from us-east-1");
    assert_eq!(bucket_region_of(&e).as_deref(), Some("eu-west-1"));
    // S3's location rules: no constraint from eu-west-1, a constraint for another region, and
    // us-east-1 named as a constraint are refused.
    let e = eu.create_bucket().bucket("nocfg").send().await.unwrap_err();
    assert_eq!(
        e.code(),
        Some("IllegalLocationConstraintException"),
        "{e:?}"
    );
    let e = us
        .create_bucket()
        .bucket("mismatch")
        .create_bucket_configuration(cfg("eu-west-1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some("IllegalLocationConstraintException"),
        "{e:?}"
    );
    let e = us
        .create_bucket()
        .bucket("named")
        .create_bucket_configuration(cfg("us-east-1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidLocationConstraint"), "{e:?}");
    us.create_bucket().bucket("plain").send().await.unwrap();
    // A missing bucket is NoSuchBucket from any region.
    let e = eu.head_bucket().bucket("missing").send().await.unwrap_err();
    assert_eq!(status_of(&e), 404);

    // Regions survive a restart.
    server.stop().await.unwrap();
    let server = start_in(dir.path(), "eu-west-1", None).await;
    assert_eq!(
        server.ctx.objects.bucket_region("work").unwrap(),
        "eu-west-1"
    );
    assert_eq!(
        server.ctx.objects.bucket_region("plain").unwrap(),
        "us-east-1"
    );
    assert_eq!(
        server.ctx.objects.bucket_region("gdelt-open-data").unwrap(),
        "us-east-1"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn json_services_answer_for_the_servers_region_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), "eu-west-1", None).await;
    let health = raw(server.addr, "GET", "/__health", &[], b"").await.json();
    assert_eq!(health["region"], "eu-west-1");
    for (service, target) in [
        ("sagemaker", "SageMaker.ListTrainingJobs"),
        ("logs", "Logs_20140328.DescribeLogGroups"),
    ] {
        let ok = json_in(&server, "eu-west-1", service, target).await;
        assert_eq!(ok.status, 200, "{target}: {}", ok.text());
        let r = json_in(&server, "us-east-1", service, target).await;
        assert_eq!(r.status, 403, "{target}: {}", r.text());
        assert_eq!(
            r.header("x-amzn-ErrorType"),
            Some("InvalidSignatureException")
        );
        assert_eq!(
            r.json()["message"],
            "Credential should be scoped to a valid region, not 'us-east-1'. "
        );
    }
    // The runtime too (aws-sdk-sagemakerruntime signing for us-east-1).
    let rt = crate::common::runtime_client_at(
        &server.endpoint_url(),
        &server.credentials.access_key_id,
        &server.credentials.secret_access_key,
    );
    let e = rt
        .invoke_endpoint()
        .endpoint_name("any")
        .content_type("text/csv")
        .body(aws_sdk_sagemakerruntime::primitives::Blob::new("1,2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn sts_get_caller_identity_answers_the_account_in_any_region() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), "eu-west-1", None).await;
    let form = [(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )];
    for region in ["us-east-1", "eu-west-1", "ap-south-1"] {
        let r = signed(
            &server,
            region,
            "sts",
            "POST",
            "/",
            &form,
            b"Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("text/xml"));
        let body = r.text();
        assert!(body.contains("<Account>123456789012</Account>"), "{body}");
        assert!(
            body.contains("<Arn>arn:aws:iam::123456789012:user/sagemaker-offline</Arn>"),
            "{body}"
        );
    }
    let r = signed(
        &server,
        "us-east-1",
        "sts",
        "POST",
        "/",
        &form,
        b"Action=AssumeRole",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("<Code>InvalidAction</Code>"),
        "{}",
        r.text()
    );
    // Unsigned: refused in STS's XML shape.
    let r = raw(server.addr, "POST", "/?Action=GetCallerIdentity", &[], b"").await;
    assert_ne!(r.status, 200);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn injected_throttling_is_deterministic_and_standard_retries_absorb_it() {
    let throttle = Some(ThrottleConfig { rate: 0.4, seed: 7 });
    // Two servers with the same seed refuse the same requests of the same sequence.
    let mut runs = Vec::new();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let server = start_in(dir.path(), "us-east-1", throttle).await;
        let mut statuses = Vec::new();
        for _ in 0..40 {
            let r = json_in(
                &server,
                "us-east-1",
                "sagemaker",
                "SageMaker.ListTrainingJobs",
            )
            .await;
            if r.status != 200 {
                assert_eq!(
                    (r.status, r.header("x-amzn-ErrorType")),
                    (400, Some("ThrottlingException"))
                );
                assert_eq!(r.json()["message"], "Rate exceeded");
            }
            statuses.push(r.status);
        }
        server.stop().await.unwrap();
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1], "same seed, same refusals");
    let refused = runs[0].iter().filter(|s| **s != 200).count();
    assert!((5..30).contains(&refused), "{refused} of 40 refused at 0.4");

    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path(), "us-east-1", throttle).await;
    // Every protocol's shape: S3 503 SlowDown, STS 400 Throttling.
    let no_retry = s3_in(&server, "us-east-1", 1);
    let mut slow_down = 0;
    for _ in 0..20 {
        if let Err(e) = no_retry.list_buckets().send().await {
            assert_eq!((status_of(&e), e.code()), (503, Some("SlowDown")), "{e:?}");
            slow_down += 1;
        }
    }
    assert!(slow_down > 0, "no request throttled");
    let mut sts_throttled = false;
    for _ in 0..20 {
        let r = signed(
            &server,
            "us-east-1",
            "sts",
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
        if r.status != 200 {
            assert_eq!(r.status, 400);
            assert!(r.text().contains("<Code>Throttling</Code>"), "{}", r.text());
            sts_throttled = true;
        }
    }
    assert!(sts_throttled);
    // aws-sdk-s3 in standard mode (the mode the kit's clients use) gets every call through.
    let retrying = s3_in(&server, "us-east-1", 10);
    retrying.create_bucket().bucket("bkt").send().await.unwrap();
    for i in 0..20 {
        retrying
            .put_object()
            .bucket("bkt")
            .key(format!("k{i}"))
            .body(ByteStream::from(vec![b'x'; 100]))
            .send()
            .await
            .unwrap();
    }
    let listed = retrying
        .list_objects_v2()
        .bucket("bkt")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.key_count(), Some(20));
    server.stop().await.unwrap();
}
