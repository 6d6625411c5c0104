//! The kit against the stand-in in **eu-west-1**, configured only by the standard AWS variables (as
//! a notebook is): GDELT (us-east-1) read through S3's 301, the workshop bucket created in the
//! session's region and a bucket of another region refused with a message naming the settings,
//! deletes that tell "not found" from other refusals, and every hand-written call retried through
//! injected throttling as AWS's standard retry mode does; and the workshop's own steps at tiny
//! scale — notebook 1's load, prepare and upload, notebook 2's two typed requests, waiting and the
//! timing, notebook 3's hosting under the workshop's names, scoring and clean-up — so that every
//! typed request and answer the notebooks use crosses a real server here; and the settings rule on
//! a rehearsed notebook instance (`KIT_TARGET=aws`, no `KIT_*` values: SageMaker's default bucket
//! from STS, the role from the instance metadata file, the region's image; a refused look-up or a
//! bucket of another region named as the setting to change).
//!
//! The notebook-instance rehearsal (issue 14 D6) lays out what a SageMaker notebook instance gives a
//! notebook — the metadata file naming the instance, instance-role credentials from an IMDS-like
//! endpoint on loopback, the region in the environment (eu-west-1) — with **no** `KIT_*` variable
//! and the stand-in reached through the shared config file's `endpoint_url` (docs/SEMANTICS.md, "The
//! notebook-instance rehearsal"), and runs notebook 1's settings and data cells' calls: SageMaker's
//! default bucket `sagemaker-eu-west-1-<account>` from STS, the role from DescribeNotebookInstance,
//! GDELT read from us-east-1 through the 301, prepared and uploaded to the default bucket.
//! (`crates/sagemaker-offline/tests/clients/test_rehearsal.py` runs the scripts the same way.)
//!
//! The helpers take their settings from the process environment, so each phase runs in a child
//! process of this test binary (started again with `STANDIN_TEST_PHASE` set, which `main.rs` checks
//! before anything else) with the `AWS_*` variables of its server; the parent's tests start the
//! servers, prepare and inspect their stores.

use kernel_helpers::aws::{
    block_on, download_object, ensure_bucket, list_objects, redirect_region, s3_client, sdk_config,
    upload_object,
};
use kernel_helpers::data::{load_year, prepare_and_upload, prepare_test_year, top_event_codes};
use kernel_helpers::hosting::{
    cleanup_hosting, create_endpoint_configs, create_endpoints, create_models, delete_endpoint,
    endpoints_table, hosting_plan,
};
use kernel_helpers::logs::{host_throughput, log_timing_minutes};
use kernel_helpers::sagemaker::{
    find_jobs, list_training_jobs, training_time_ratio, wait_for_jobs,
};
use kernel_helpers::scoring::predict_batches;
use kernel_helpers::settings::Settings;
use kernel_helpers::stats::ErrorSummary;
use kernel_helpers::training::{StoppingCondition, start_training_jobs};
use kit::request::{Kind, workshop_request};
use libtest_mimic::Trial;
use sagemaker_offline::throttle::ThrottleConfig;
use sagemaker_offline::{RunningServer, ServerConfig};

/// The child's phase (not a `KIT_*` name: the rehearsal's child has none of those).
const PHASE: &str = "STANDIN_TEST_PHASE";

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

/// Runs `phase` in a child process configured for `server` (eu-west-1, `attempts` attempts,
/// the server's keys in the environment).
fn run_phase(server: &RunningServer, phase: &str, attempts: u32) {
    run_phase_with(server, phase, attempts, &[]);
}

/// [`run_phase`] with extra environment variables.
fn run_phase_with(server: &RunningServer, phase: &str, attempts: u32, extra: &[(&str, &str)]) {
    let attempts = attempts.to_string();
    let mut env = vec![
        (
            "AWS_ACCESS_KEY_ID",
            server.credentials.access_key_id.as_str(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            server.credentials.secret_access_key.as_str(),
        ),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_MAX_ATTEMPTS", attempts.as_str()),
    ];
    env.extend_from_slice(extra);
    run_phase_env(server, phase, &env);
}

/// Runs `phase` in a child process with no `AWS_*` or `KIT_*` variables but the server's endpoint,
/// no config files, IMDS off, and `env` (which may override any of these).
fn run_phase_env(server: &RunningServer, phase: &str, env: &[(&str, &str)]) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("KIT_") {
            cmd.env_remove(k);
        }
    }
    cmd.env(PHASE, phase)
        .env("AWS_ENDPOINT_URL", server.endpoint_url())
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "phase {phase} failed ({status})");
    println!("standin: phase {phase} ok");
}

/// A one-thread HTTP server on loopback answering every request with the ECS/EKS container
/// credentials document for `access_key`/`secret_key` (what `AWS_CONTAINER_CREDENTIALS_FULL_URI`
/// points at in a container, and what an instance role looks like to the SDK's HTTP provider).
/// Returns the URL and how many requests it answered so far.
fn container_credentials_server(
    access_key: &str,
    secret_key: &str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/v2/credentials/kit-test",
        listener.local_addr().unwrap()
    );
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let expiration = (chrono::Utc::now() + chrono::Duration::hours(6))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = serde_json::json!({
        "AccessKeyId": access_key,
        "SecretAccessKey": secret_key,
        "Token": "kit-test-session-token",
        "Expiration": expiration,
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    })
    .to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            // The token the SDK sends from AWS_CONTAINER_AUTHORIZATION_TOKEN.
            let (status, text) = if head.contains("authorization: kit-test-token") {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                ("200 OK", body.clone())
            } else {
                ("401 Unauthorized", "{}".to_string())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (url, hits)
}

/// An IMDSv2-like endpoint on loopback, as an EC2 / SageMaker notebook instance has at
/// 169.254.169.254: `PUT /latest/api/token` gives a session token, which every `GET` must carry
/// (`x-aws-ec2-metadata-token`); `/latest/meta-data/iam/security-credentials/` names the
/// instance's role and `/latest/meta-data/iam/security-credentials/<role>` serves its temporary
/// credentials (here the stand-in's key pair with a session token). Anything else is 404 (the
/// SDKs then use the older paths). Returns the URL (`AWS_EC2_METADATA_SERVICE_ENDPOINT`) and how
/// many credential documents it served.
fn imds_server(
    access_key: &str,
    secret_key: &str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    const ROLE: &str = "AmazonSageMaker-ExecutionRole-sagemaker-offline";
    const TOKEN: &str = "kit-rehearsal-imds-token";
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let now = chrono::Utc::now();
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let creds = serde_json::json!({
        "Code": "Success",
        "LastUpdated": stamp(now),
        "Type": "AWS-HMAC",
        "AccessKeyId": access_key,
        "SecretAccessKey": secret_key,
        "Token": "kit-rehearsal-session-token",
        "Expiration": stamp(now + chrono::Duration::hours(6)),
    })
    .to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let lower = head.to_ascii_lowercase();
            let mut first = head.lines().next().unwrap_or("").split_whitespace();
            let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
            let has_token = lower.contains(&format!("x-aws-ec2-metadata-token: {TOKEN}"));
            let (status, extra, text) = match (method, path) {
                ("PUT", "/latest/api/token") => (
                    "200 OK",
                    "x-aws-ec2-metadata-token-ttl-seconds: 21600\r\n",
                    TOKEN.to_string(),
                ),
                (_, _) if !has_token => ("401 Unauthorized", "", String::new()),
                ("GET", "/latest/meta-data/iam/security-credentials/") => {
                    ("200 OK", "", ROLE.to_string())
                }
                ("GET", p) if p == format!("/latest/meta-data/iam/security-credentials/{ROLE}") => {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    ("200 OK", "", creds.clone())
                }
                _ => ("404 Not Found", "", String::new()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}content-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (url, hits)
}

/// The notebook-instance rehearsal (module docs): a child with only what a notebook instance
/// provides, against a stand-in in eu-west-1 that knows the instance `kit-rehearsal`.
fn notebook_instance_rehearsal(rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let server = rt
        .block_on(sagemaker_offline::start(ServerConfig {
            region: "eu-west-1".into(),
            notebook_instances: vec!["kit-rehearsal".into()],
            ..ServerConfig::for_tests(dir.path())
        }))
        .unwrap();
    let objects = &server.ctx.objects;
    objects.create_bucket("gdelt-open-data").unwrap();
    let mut bytes = Vec::new();
    let config = gdelt::generate::GeneratorConfig {
        year: 1979,
        rows: 3_000,
        seed: 7,
    };
    gdelt::generate::write_year(&mut bytes, &config).unwrap();
    objects
        .put("gdelt-open-data", "events/1979.csv", &bytes)
        .unwrap();

    // /opt/ml/metadata/resource-metadata.json as a notebook instance has it.
    let account = server.ctx.account_id.clone();
    let meta = dir.path().join("resource-metadata.json");
    std::fs::write(
        &meta,
        format!(
            r#"{{"ResourceArn":"arn:aws:sagemaker:eu-west-1:{account}:notebook-instance/kit-rehearsal","ResourceName":"kit-rehearsal"}}"#
        ),
    )
    .unwrap();
    // ~/.aws/config: the stand-in as the profile's endpoint_url (no AWS_ENDPOINT_URL).
    let config = dir.path().join("aws-config");
    std::fs::write(
        &config,
        format!("[default]\nendpoint_url = {}\n", server.endpoint_url()),
    )
    .unwrap();
    let keys = &server.credentials;
    let (imds, hits) = imds_server(&keys.access_key_id, &keys.secret_access_key);

    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("KIT_") {
            cmd.env_remove(k);
        }
    }
    let status = cmd
        .env(PHASE, "notebook-instance-rehearsal")
        .env("AWS_CONFIG_FILE", &config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env(kit::settings::METADATA_FILE_OVERRIDE, &meta)
        .env("EXPECT_ACCOUNT", &account)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the notebook-instance rehearsal failed ({status})"
    );
    assert!(
        hits.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the instance-role credentials were never fetched from the IMDS-like endpoint"
    );
    let bucket = format!("sagemaker-eu-west-1-{account}");
    assert_eq!(
        server.ctx.objects.bucket_region(&bucket).unwrap(),
        "eu-west-1"
    );
    rt.block_on(server.stop()).unwrap();
}

/// Notebook 1's settings and data cells, as the notebook makes the calls (child side).
fn rehearsed_notebook_1() {
    use kernel_helpers::prelude::{FromEnv, Settings};
    let kit_vars: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("KIT_") || k.starts_with("AWS_ENDPOINT_URL"))
        .collect();
    assert!(
        kit_vars.is_empty(),
        "the rehearsal must not set {kit_vars:?}"
    );
    let account = std::env::var("EXPECT_ACCOUNT").unwrap();
    // The settings cell.
    let settings = Settings::from_env().unwrap();
    assert_eq!(settings.target, kernel_helpers::settings::Target::Aws);
    assert_eq!(settings.region, "eu-west-1");
    assert_eq!(settings.bucket, format!("sagemaker-eu-west-1-{account}"));
    assert_eq!(
        settings.role_arn,
        sagemaker_offline::sagemaker::notebook::execution_role(&account)
    );
    assert_eq!(
        settings.training_image,
        "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
    );
    assert_eq!(settings.endpoint_instance_type, "ml.m4.xlarge");
    println!("rehearsal settings: {:?}", settings.sources);
    assert!(ensure_bucket(&settings.bucket).unwrap());
    // The data cells: GDELT from us-east-1 (the 301), the top codes, prepared and uploaded.
    let events_1979 = load_year(&settings, 1979).unwrap();
    let codes = top_event_codes(&events_1979, 20).unwrap();
    let reports = prepare_and_upload(&settings, &[1979], &codes).unwrap();
    assert!(reports[0].train_rows > 0 && reports[0].validation_rows > 0);
    let listed = list_objects(&settings.bucket, &settings.prefix).unwrap();
    let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            settings.data_key("train", 1979),
            settings.data_key("validation", 1979)
        ],
        "{keys:?}"
    );
}

/// The parent side: one test per group of phases, each with its own runtime and servers.
pub fn trials() -> Vec<Trial> {
    vec![
        with_runtime(
            "standin::notebook_instance_rehearsal",
            notebook_instance_rehearsal,
        ),
        with_runtime("standin::regions_and_settings", regions_and_settings),
        with_runtime(
            "standin::throttled_calls_are_retried",
            throttled_calls_are_retried,
        ),
        with_runtime(
            "standin::workshop_steps_at_tiny_scale",
            workshop_steps_at_tiny_scale,
        ),
        with_runtime("standin::credentials_from_every_source", |rt| {
            let dir = tempfile::tempdir().unwrap();
            let server = start(rt, dir.path(), None);
            credential_sources(&server, dir.path());
            rt.block_on(server.stop()).unwrap();
        }),
    ]
}

/// The child side: runs the phase this process was started for, if any (`main.rs`).
pub fn child_phase() -> Option<String> {
    let phase = std::env::var(PHASE).ok()?;
    child(&phase);
    Some(phase)
}

fn with_runtime(name: &str, test: impl FnOnce(&tokio::runtime::Runtime) + Send + 'static) -> Trial {
    Trial::test(name, move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        test(&rt);
        Ok(())
    })
}

/// The configured region, bucket regions and the settings rule on a rehearsed notebook instance.
fn regions_and_settings(rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(rt, dir.path(), None);
    server.ctx.objects.create_bucket("elsewhere").unwrap();
    run_phase(&server, "regions", 3);
    assert_eq!(
        server.ctx.objects.bucket_region("kit-work").unwrap(),
        "eu-west-1"
    );
    // A rehearsed notebook instance: the metadata file, KIT_TARGET=aws, no KIT_* values.
    let meta = dir.path().join("resource-metadata.json");
    std::fs::write(
        &meta,
        r#"{"ResourceName":"ws","ExecutionRoleArn":"arn:aws:iam::111122223333:role/service-role/Exec"}"#,
    )
    .unwrap();
    let meta = meta.to_string_lossy().into_owned();
    let account = server.ctx.account_id.clone();
    run_phase_with(
        &server,
        "notebook-instance",
        3,
        &[
            ("KIT_TARGET", "aws"),
            ("SAGEMAKER_OFFLINE_METADATA_FILE", &meta),
            ("EXPECT_ACCOUNT", &account),
        ],
    );
    // Only ResourceName: DescribeNotebookInstance (which the stand-in does not serve) is refused,
    // and the message names KIT_ROLE_ARN; a bucket of another region names KIT_BUCKET.
    let meta2 = dir.path().join("resource-metadata-2.json");
    std::fs::write(&meta2, r#"{"ResourceName":"ws"}"#).unwrap();
    let meta2 = meta2.to_string_lossy().into_owned();
    run_phase_with(
        &server,
        "settings-refused",
        3,
        &[
            ("KIT_TARGET", "aws"),
            ("SAGEMAKER_OFFLINE_METADATA_FILE", &meta2),
            ("EXPECT", "KIT_ROLE_ARN"),
        ],
    );
    run_phase_with(
        &server,
        "settings-refused",
        3,
        &[
            ("KIT_TARGET", "aws"),
            ("SAGEMAKER_OFFLINE_METADATA_FILE", &meta),
            ("KIT_BUCKET", "elsewhere"),
            ("EXPECT", "KIT_BUCKET"),
        ],
    );
    // Missing permissions: HeadBucket answers a bare 403 (a HEAD has no body, so a client cannot
    // tell another account's bucket or a missing s3:ListBucket from a rejected key). The stand-in
    // has no bucket policies; it answers that same bare 403 to a request signed with a wrong
    // secret, which is what this phase sends (to kit-work, the regions phase's bucket in
    // eu-west-1, so that no region redirect comes first). The message must name KIT_BUCKET.
    run_phase_with(
        &server,
        "bucket-forbidden",
        1,
        &[("AWS_SECRET_ACCESS_KEY", "not-the-stand-in-secret")],
    );
    rt.block_on(server.stop()).unwrap();
}

/// Throttling injected by the stand-in: every hand-written call retried as AWS's standard mode does.
fn throttled_calls_are_retried(rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(rt, dir.path(), Some(ThrottleConfig { rate: 1.0, seed: 1 }));
    run_phase(&server, "always-throttled-2", 2);
    run_phase(&server, "always-throttled-1", 1);
    rt.block_on(server.stop()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let server = start(
        rt,
        dir.path(),
        Some(ThrottleConfig {
            rate: 0.3,
            seed: 11,
        }),
    );
    run_phase(&server, "sometimes-throttled", 6);
    rt.block_on(server.stop()).unwrap();
}

/// The workshop's own steps at tiny scale (the `workshop` phase).
fn workshop_steps_at_tiny_scale(rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(rt, dir.path(), None);
    for year in [1979, 1984] {
        let mut bytes = Vec::new();
        let config = gdelt::generate::GeneratorConfig {
            year,
            rows: 3_000,
            seed: 7,
        };
        gdelt::generate::write_year(&mut bytes, &config).unwrap();
        server
            .ctx
            .objects
            .put("gdelt-open-data", &format!("events/{year}.csv"), &bytes)
            .unwrap();
    }
    run_phase(&server, "workshop", 3);
    rt.block_on(server.stop()).unwrap();
}

/// The phases of the credential chain: `credential_process` and SSO profiles (aws-config's `sso`
/// and `credentials-process` features) and container credentials (an HTTP source on loopback).
fn credential_sources(server: &RunningServer, dir: &std::path::Path) {
    let keys = &server.credentials;
    // credential_process: the profile runs a command that prints the credentials document.
    let doc = serde_json::json!({
        "Version": 1,
        "AccessKeyId": keys.access_key_id,
        "SecretAccessKey": keys.secret_access_key,
    });
    let doc_file = dir.join("creds.json");
    std::fs::write(&doc_file, doc.to_string()).unwrap();
    let config = dir.join("config-process");
    std::fs::write(
        &config,
        format!(
            "[profile kit]\nregion = eu-west-1\ncredential_process = cat {}\n",
            doc_file.display()
        ),
    )
    .unwrap();
    run_phase_env(
        server,
        "credentials-any-source",
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_PROFILE", "kit"),
        ],
    );

    // Container credentials (ECS/EKS; the same HTTP provider shape as an instance role).
    let (url, hits) = container_credentials_server(&keys.access_key_id, &keys.secret_access_key);
    run_phase_env(
        server,
        "credentials-any-source",
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "kit-test-token"),
            ("AWS_REGION", "eu-west-1"),
        ],
    );
    assert!(
        hits.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the container credentials endpoint was not asked"
    );

    // An SSO profile with no login: the chain tries SSO (feature compiled in) and the message
    // says to log in, instead of "requires cargo feature sso".
    let config = dir.join("config-sso");
    std::fs::write(
        &config,
        "[profile kit]\nregion = eu-west-1\nsso_session = kit\nsso_account_id = 123456789012\n\
         sso_role_name = SageMakerRole\n\n[sso-session kit]\nsso_region = eu-west-1\n\
         sso_start_url = https://kit-test.awsapps.com/start\n",
    )
    .unwrap();
    run_phase_env(
        server,
        "credentials-sso-not-logged-in",
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_PROFILE", "kit"),
            ("HOME", dir.to_str().unwrap()),
        ],
    );
}

fn child(phase: &str) {
    match phase {
        "credentials-any-source" => {
            // S3 through aws-sdk-s3, SageMaker through kernel_helpers::json11: one chain.
            ensure_bucket("kit-creds").unwrap();
            upload_object("kit-creds", "k", b"abc".to_vec()).unwrap();
            assert_eq!(list_objects("kit-creds", "").unwrap().len(), 1);
            assert!(list_training_jobs("DEMO").unwrap().is_empty());
            let region =
                block_on(async { kernel_helpers::aws::region_of(&sdk_config().await) }).unwrap();
            assert_eq!(region, "eu-west-1");
        }
        "credentials-sso-not-logged-in" => {
            let msg = list_training_jobs("DEMO").unwrap_err().to_string();
            assert!(!msg.contains("feature"), "{msg}");
            assert!(msg.contains("aws sso login"), "{msg}");
            let msg = list_objects("kit-creds", "").unwrap_err().to_string();
            assert!(!msg.contains("feature"), "{msg}");
        }
        "regions" => regions(),
        "notebook-instance-rehearsal" => rehearsed_notebook_1(),
        "notebook-instance" => {
            use kernel_helpers::prelude::{FromEnv, Settings};
            let s = Settings::from_env().unwrap();
            let account = std::env::var("EXPECT_ACCOUNT").unwrap();
            assert_eq!(s.bucket, format!("sagemaker-eu-west-1-{account}"));
            assert_eq!(
                s.role_arn,
                "arn:aws:iam::111122223333:role/service-role/Exec"
            );
            assert_eq!(s.region, "eu-west-1");
            assert_eq!(
                s.training_image,
                "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
            );
        }
        "settings-refused" => {
            use kernel_helpers::prelude::{FromEnv, Settings};
            let want = std::env::var("EXPECT").unwrap();
            let msg = Settings::from_env().unwrap_err().to_string();
            assert!(msg.contains(&want), "{msg}");
        }
        "bucket-forbidden" => {
            let msg = ensure_bucket("kit-work").unwrap_err().to_string();
            assert!(msg.contains("403") && msg.contains("KIT_BUCKET"), "{msg}");
        }
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
        "workshop" => workshop(),
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

/// The workshop's steps at tiny scale (3,000 rows a year; the two jobs on 5 instances each).
fn workshop() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        bucket: "kit-work".into(),
        prefix: "sagemaker/data_distribution_types".into(),
        jobs_file: out.path().join("jobs.json"),
        role_arn: "arn:aws:iam::123456789012:role/SageMakerRole".into(),
        training_image: "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1".into(),
        gdelt_bucket: "gdelt-open-data".into(),
        target: kernel_helpers::settings::Target::Offline,
        region: "eu-west-1".into(),
        endpoint_instance_type: "ml.m4.xlarge".into(),
        sources: Default::default(),
    };
    // Notebook 1: the top-20 codes of 1979, every year prepared and uploaded with them.
    assert!(ensure_bucket(&settings.bucket).unwrap());
    let codes = top_event_codes(&load_year(&settings, 1979).unwrap(), 20).unwrap();
    assert_eq!(codes.len(), 20);
    let reports = prepare_and_upload(&settings, &[1979], &codes).unwrap();
    assert!(reports[0].train_rows > reports[0].validation_rows && reports[0].validation_rows > 0);

    // Notebook 2: the workshop's two requests (kit's canonical one, which differs between the jobs
    // only in the train channel's distribution), with a smaller model and batch for 3,000 rows.
    let request = |name: &str, kind: Kind| {
        let mut r = workshop_request(&settings, name, kind);
        let hps = r.hyper_parameters.get_or_insert_with(Default::default);
        hps.insert("mini_batch_size".into(), "100".into());
        hps.insert("num_models".into(), "4".into());
        r.stopping_condition = Some(StoppingCondition {
            max_runtime_in_seconds: Some(600),
            ..Default::default()
        });
        r
    };
    let replicated = request("DEMO-linear-replicated-t", Kind::Replicated);
    let sharded = request("DEMO-linear-sharded-t", Kind::Sharded);
    let jobs = start_training_jobs(&settings, &replicated, &sharded).unwrap();
    assert_eq!(find_jobs(&settings).unwrap(), jobs);
    let done = wait_for_jobs(
        &[jobs.replicated.as_str(), jobs.sharded.as_str()],
        std::time::Duration::from_millis(200),
    )
    .unwrap();
    assert_eq!(done[1].train_distribution, "ShardedByS3Key");
    assert!(
        done.iter()
            .all(|j| j.instance_count == 5 && j.training_seconds().is_some())
    );
    assert!(training_time_ratio(&done).is_some_and(|r| r > 0.0));
    assert!(log_timing_minutes(&jobs.sharded).unwrap() >= 0.0);
    assert_eq!(host_throughput(&jobs.replicated).unwrap().len(), 5);
    assert!(list_training_jobs("DEMO-linear").unwrap().len() >= 2);

    // Notebook 3: host both under the workshop's names, score the test year, clean up.
    let plan = hosting_plan(&jobs);
    create_models(&settings, &plan).unwrap();
    create_endpoint_configs(&settings, &plan).unwrap();
    create_endpoints(&plan).unwrap();
    // A second run reuses what belongs to these jobs.
    create_models(&settings, &plan).unwrap();
    let names: Vec<&str> = plan.iter().map(|h| h.endpoint.as_str()).collect();
    let table = endpoints_table(&names).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert!(
        table.rows[0][4].ends_with("model.tar.gz"),
        "{:?}",
        table.rows
    );
    let test = prepare_test_year(&settings, 1984, &codes).unwrap();
    for h in &plan {
        let scores = predict_batches(&h.endpoint, &test, 2).unwrap();
        let summary = ErrorSummary::new(&h.kind, &test.labels, &scores).unwrap();
        assert!(
            summary.mse.is_finite() && summary.mae > 0.0,
            "{}",
            summary.line()
        );
    }
    let msg = endpoints_table(&["distributed-nope"])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no endpoint named"), "{msg}");
    cleanup_hosting(&plan).unwrap();
    assert!(endpoints_table(&names[..1]).is_err());

    // Notebook 4: two experiments run together (one object on 3 sharded instances: two hosts get
    // nothing), their logs read, scored on temporary endpoints that are gone afterwards, saved.
    use kernel_helpers::experiments::{
        Experiment, ExperimentsFile, Setting, collect_results, load_results, price_for,
        run_experiments, save_results,
    };
    let grid = [
        Setting::new(Kind::Sharded, 3, 2),
        Setting::new(Kind::Replicated, 1, 3),
    ];
    let experiments: Vec<Experiment> = grid
        .iter()
        .map(|s| {
            let name = s.job_name("t");
            let mut r = request(&name, s.kind());
            r.resource_config.as_mut().unwrap().instance_count = Some(s.instances as i32);
            r.hyper_parameters
                .as_mut()
                .unwrap()
                .insert("epochs".into(), s.epochs.to_string());
            Experiment::new(s.clone(), r)
        })
        .collect();
    let runs = run_experiments(
        settings.target,
        &experiments,
        std::time::Duration::from_millis(200),
    )
    .unwrap();
    assert!(runs.iter().all(|r| r.is_completed()), "{runs:?}");
    let results = collect_results(&settings, &runs, &test).unwrap();
    let sharded = &results[0];
    assert_eq!(sharded.hosts.len(), 3, "{:?}", sharded.hosts);
    assert!(sharded.hosts[0].records_per_epoch > 0 && !sharded.hosts[0].no_data_warning);
    assert!(
        sharded.hosts[1..]
            .iter()
            .all(|h| h.no_data_warning && h.records_per_epoch == 0)
    );
    assert_eq!(
        results[1].hosts[0].records_per_epoch,
        sharded.hosts[0].records_per_epoch
    );
    for r in &results {
        assert!(r.test_mae.is_some_and(f64::is_finite), "{r:?}");
        assert!(!r.validation_loss_by_epoch.is_empty(), "{r:?}");
        assert!(r.compute_usd.is_some_and(|c| c > 0.0), "{r:?}");
        // The temporary endpoint is gone.
        assert!(endpoints_table(&[r.job.as_str()]).is_err());
    }
    let file = ExperimentsFile {
        generated_at: "t".into(),
        target: "offline".into(),
        region: settings.region.clone(),
        instance_type: "ml.c4.2xlarge".into(),
        price: price_for(&settings.region, "ml.c4.2xlarge").unwrap().0,
        test_year: 1984,
        test_rows: test.n_rows(),
        train_rows: 0,
        train_objects: 1,
        wall_seconds: None,
        results,
    };
    let path = out.path().join("experiments.json");
    save_results(&path, &file).unwrap();
    // serde_json reads floats back to within an ulp, not bit for bit: compare what is exact.
    let back = load_results(&path).unwrap();
    for (a, b) in back.results.iter().zip(&file.results) {
        assert_eq!((&a.job, &a.status, &a.hosts), (&b.job, &b.status, &b.hosts));
        assert!((a.test_mae.unwrap() - b.test_mae.unwrap()).abs() < 1e-12);
    }
    assert_eq!(back.results.len(), 2);
}
