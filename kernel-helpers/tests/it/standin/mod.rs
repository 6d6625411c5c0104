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

mod phases;

use libtest_mimic::Trial;
use sagemaker_offline::throttle::ThrottleConfig;
use sagemaker_offline::{RunningServer, ServerConfig};

/// The child's phase (not a `KIT_*` name: the rehearsal's child has none of those).
const PHASE: &str = "STANDIN_TEST_PHASE";

/// The seeded GDELT year (its content does not matter, only that it comes back whole).
pub(crate) fn year() -> Vec<u8> {
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

/// This test binary again, to run `phase` (`main.rs`), with none of this process's `AWS_*` and
/// `KIT_*` variables: each phase sets exactly what it tests.
fn child_command(phase: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("KIT_") {
            cmd.env_remove(k);
        }
    }
    cmd.env(PHASE, phase);
    cmd
}

/// Runs `phase` in a child process with no `AWS_*` or `KIT_*` variables but the server's endpoint,
/// no config files, IMDS off, and `env` (which may override any of these).
fn run_phase_env(server: &RunningServer, phase: &str, env: &[(&str, &str)]) {
    let mut cmd = child_command(phase);
    cmd.env("AWS_ENDPOINT_URL", server.endpoint_url())
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
/// credentials (here the stand-in's key pair with a session token);
/// `/latest/meta-data/placement/region` is the instance's region (eu-west-1). Anything else is 404
/// (the SDKs then use the older paths).
fn imds_server(access_key: &str, secret_key: &str) -> Imds {
    use std::io::{Read as _, Write as _};
    const ROLE: &str = "AmazonSageMaker-ExecutionRole-sagemaker-offline";
    const TOKEN: &str = "kit-rehearsal-imds-token";
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let imds = Imds {
        url: url.clone(),
        credential_hits: Default::default(),
        region_hits: Default::default(),
    };
    let (credential_hits, region_hits) = (imds.credential_hits.clone(), imds.region_hits.clone());
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
                    credential_hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    ("200 OK", "", creds.clone())
                }
                ("GET", "/latest/meta-data/placement/region") => {
                    region_hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    ("200 OK", "", "eu-west-1".to_string())
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
    imds
}

/// The IMDSv2-like endpoint of [`imds_server`]: its URL (`AWS_EC2_METADATA_SERVICE_ENDPOINT`) and
/// how many credential documents and region answers it served.
struct Imds {
    url: String,
    credential_hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    region_hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
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
    let imds = imds_server(&keys.access_key_id, &keys.secret_access_key);

    let status = child_command("notebook-instance-rehearsal")
        .env("AWS_CONFIG_FILE", &config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)
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
        imds.credential_hits
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1,
        "the instance-role credentials were never fetched from the IMDS-like endpoint"
    );

    let bucket = format!("sagemaker-eu-west-1-{account}");
    assert_eq!(
        server.ctx.objects.bucket_region(&bucket).unwrap(),
        "eu-west-1"
    );
    rt.block_on(server.stop()).unwrap();
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
    phases::child(&phase);
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

    // An EC2 instance with nothing configured: the role's credentials and the region both from
    // the instance metadata, which the SDK reaches through the kit's own HTTP client
    // (kernel_helpers::aws::region_chain, sdk_config; the SDK's default client is not compiled in).
    let imds = imds_server(&keys.access_key_id, &keys.secret_access_key);
    run_phase_env(
        server,
        "credentials-any-source",
        &[
            ("AWS_EC2_METADATA_DISABLED", "false"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url),
        ],
    );
    for (what, hits) in [
        ("credentials", &imds.credential_hits),
        ("region", &imds.region_hits),
    ] {
        assert!(
            hits.load(std::sync::atomic::Ordering::SeqCst) >= 1,
            "the {what} were never asked of the IMDS-like endpoint"
        );
    }

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
