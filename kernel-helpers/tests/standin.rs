//! The kit against the stand-in in **eu-west-1**, configured only by the standard AWS variables (as
//! a notebook is): GDELT (us-east-1) read through S3's 301, the workshop bucket created in the
//! session's region and a bucket of another region refused with a message naming the settings,
//! deletes that tell "not found" from other refusals, and every hand-written call retried through
//! injected throttling as AWS's standard retry mode does.
//!
//! The helpers take their settings from the process environment, so each phase runs in a child
//! process of this test (this binary again, `KIT_STANDIN_PHASE` set) with the `AWS_*` variables of
//! its server; the parent starts the servers, prepares and inspects their stores. (No harness: the
//! child must run exactly its phase.)

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a test failure

use kernel_helpers::aws::{
    block_on, download_object, ensure_bucket, list_objects, redirect_region, s3_client, sdk_config,
    upload_object,
};
use kernel_helpers::sagemaker::{delete_endpoint, list_training_jobs};
use sagemaker_offline::throttle::ThrottleConfig;
use sagemaker_offline::{RunningServer, ServerConfig};

const PHASE: &str = "KIT_STANDIN_PHASE";

/// The seeded GDELT year (its content does not matter, only that it comes back whole).
fn year() -> Vec<u8> {
    b"GLOBALEVENTID\tSQLDATE\n1\t19790101\n".repeat(1000)
}

fn start(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    throttle: Option<ThrottleConfig>,
) -> RunningServer {
    let server = rt
        .block_on(sagemaker_offline::start(ServerConfig {
            region: "eu-west-1".into(),
            throttle,
            ..ServerConfig::for_tests(dir)
        }))
        .unwrap();
    // The public bucket as the stand-in seeds it: in us-east-1.
    let objects = &server.ctx.objects;
    objects.create_bucket("gdelt-open-data").unwrap();
    objects
        .put("gdelt-open-data", "events/1979.csv", &year())
        .unwrap();
    server
}

/// Runs `phase` in a child process configured for `server` (eu-west-1, `attempts` attempts).
fn run_phase(server: &RunningServer, phase: &str, attempts: u32) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    let status = cmd
        .env(PHASE, phase)
        .env("AWS_ENDPOINT_URL", server.endpoint_url())
        .env("AWS_ACCESS_KEY_ID", &server.credentials.access_key_id)
        .env(
            "AWS_SECRET_ACCESS_KEY",
            &server.credentials.secret_access_key,
        )
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_MAX_ATTEMPTS", attempts.to_string())
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .status()
        .unwrap();
    assert!(status.success(), "phase {phase} failed ({status})");
    println!("standin: phase {phase} ok");
}

fn main() {
    if let Ok(phase) = std::env::var(PHASE) {
        child(&phase);
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let server = start(&rt, dir.path(), None);
    server.ctx.objects.create_bucket("elsewhere").unwrap();
    run_phase(&server, "regions", 3);
    assert_eq!(
        server.ctx.objects.bucket_region("kit-work").unwrap(),
        "eu-west-1"
    );
    rt.block_on(server.stop()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let server = start(&rt, dir.path(), Some(ThrottleConfig { rate: 1.0, seed: 1 }));
    run_phase(&server, "always-throttled-2", 2);
    run_phase(&server, "always-throttled-1", 1);
    rt.block_on(server.stop()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let server = start(
        &rt,
        dir.path(),
        Some(ThrottleConfig {
            rate: 0.3,
            seed: 11,
        }),
    );
    run_phase(&server, "sometimes-throttled", 6);
    rt.block_on(server.stop()).unwrap();
    println!("standin: all phases passed");
}

fn child(phase: &str) {
    match phase {
        "regions" => regions(),
        "always-throttled-2" => {
            let msg = list_training_jobs("DEMO").unwrap_err().to_string();
            assert!(
                msg.contains("ThrottlingException") && msg.contains("after 2 attempts"),
                "{msg}"
            );
        }
        "always-throttled-1" => {
            let msg = list_training_jobs("DEMO").unwrap_err().to_string();
            assert!(msg.contains("ThrottlingException"), "{msg}");
            assert!(!msg.contains("attempts"), "{msg}");
        }
        "sometimes-throttled" => {
            for _ in 0..8 {
                assert!(list_training_jobs("DEMO").unwrap().is_empty());
            }
            assert!(ensure_bucket("kit-work").unwrap());
            for i in 0..5 {
                upload_object("kit-work", &format!("k{i}"), vec![b'x'; 10]).unwrap();
            }
            assert_eq!(list_objects("kit-work", "").unwrap().len(), 5);
            assert_eq!(
                download_object("gdelt-open-data", "events/1979.csv").unwrap(),
                year()
            );
        }
        other => panic!("unknown phase {other}"),
    }
}

fn regions() {
    // The configured (eu-west-1) client alone gets the 301; the kit follows it.
    let redirect = block_on(async {
        let conf = sdk_config().await;
        let e = s3_client(&conf)
            .get_object()
            .bucket("gdelt-open-data")
            .key("events/1979.csv")
            .send()
            .await
            .unwrap_err();
        redirect_region(&e)
    })
    .unwrap();
    assert_eq!(redirect.as_deref(), Some("us-east-1"));
    assert_eq!(
        download_object("gdelt-open-data", "events/1979.csv").unwrap(),
        year()
    );

    // The workshop bucket is created in the session's region and used from it.
    assert!(ensure_bucket("kit-work").unwrap());
    assert!(!ensure_bucket("kit-work").unwrap());
    upload_object("kit-work", "train/a", b"abc".to_vec()).unwrap();
    assert_eq!(list_objects("kit-work", "train/").unwrap().len(), 1);
    // A bucket of another region is a message naming the settings, not a failed CreateBucket.
    let msg = ensure_bucket("elsewhere").unwrap_err().to_string();
    assert!(
        msg.contains("us-east-1") && msg.contains("KIT_BUCKET") && msg.contains("AWS_REGION"),
        "{msg}"
    );

    // Deletes: "Could not find" is already gone; another ValidationException surfaces.
    delete_endpoint("DEMO-gone-endpoint", "DEMO-gone-config", "DEMO-gone-model").unwrap();
    let msg = delete_endpoint("bad_name", "DEMO-gone-config", "DEMO-gone-model")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("ValidationException"), "{msg}");
    assert!(!msg.contains("Could not find"), "{msg}");
}
