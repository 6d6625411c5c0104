//! The binary's contract: `serve` prints exactly one readiness line and answers `/__health`,
//! `env` prints the same instance's settings (also before the first start, and when both start
//! together on a fresh state dir), `seed-gdelt` fills the public bucket, SIGTERM stops the server
//! cleanly.
#![allow(clippy::unwrap_used)] // test code: helpers outside #[test] fns too

use sagemaker_offline::s3::ObjectStore as _;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sagemaker-offline");

fn env_lines(state: &std::path::Path, extra: &[&str]) -> Vec<(String, String)> {
    let out = Command::new(BIN)
        .arg("env")
        .arg("--state-dir")
        .arg(state)
        .args(extra)
        .env_remove("SAGEMAKER_OFFLINE_PORT")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let rest = l
                .strip_prefix("export ")
                .unwrap_or_else(|| panic!("not an export line: {l}"));
            let (k, v) = rest.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[tokio::test]
async fn serve_env_health_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");

    // env before the server ever ran: creates the key pair, default port.
    let before = env_lines(&state, &[]);
    let names: Vec<_> = before.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
            "AWS_DEFAULT_REGION"
        ]
    );
    assert_eq!(before[0].1, "http://127.0.0.1:18999");
    assert_eq!(before[3].1, "us-east-1");

    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--port",
            "0",
            "--no-seed",
            "--region",
            "eu-west-1",
            "--state-dir",
        ])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("sagemaker-offline listening on ")
        .unwrap_or_else(|| panic!("readiness line: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    let r = crate::common::raw(addr, "GET", "/__health", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    assert_eq!(r.json()["region"], "eu-west-1");

    // env now reports the running instance: its port and region, the same keys as before.
    let after = env_lines(&state, &[]);
    assert_eq!(after[0].1, url);
    assert_eq!(after[1], before[1]);
    assert_eq!(after[2], before[2]);
    assert_eq!(after[3].1, "eu-west-1");
    assert_eq!(after[4].1, "eu-west-1");
    // an explicit --port wins
    assert_eq!(
        env_lines(&state, &["--port", "4242"])[0].1,
        "http://127.0.0.1:4242"
    );

    // SIGTERM → clean exit, and nothing more on stdout than the one line.
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "server ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "unexpected stdout after the readiness line");
}

/// `env` and `serve` started at the same moment on a fresh state dir, 30 times: each time the pair
/// `env` prints is the one the server accepts and the one the key file holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_and_serve_started_together_agree_on_the_key_pair() {
    for attempt in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let mut serve = Command::new(BIN)
            .args(["serve", "--port", "0", "--no-seed", "--state-dir"])
            .arg(&state)
            .env_remove("SAGEMAKER_OFFLINE_ACCESS_KEY")
            .env_remove("SAGEMAKER_OFFLINE_SECRET_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let env = env_lines(&state, &[]);
        let mut line = String::new();
        BufReader::new(serve.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr: std::net::SocketAddr = line
            .trim()
            .strip_prefix("sagemaker-offline listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("readiness line: {line:?}"));
        let (ak, sk) = (env[1].1.as_str(), env[2].1.as_str());
        let r = crate::common::json_call_at(
            addr,
            ak,
            sk,
            "sagemaker",
            "SageMaker.ListTrainingJobs",
            &serde_json::json!({}),
        )
        .await;
        let _ = serve.kill();
        let _ = serve.wait();
        assert_eq!(
            r.status,
            200,
            "attempt {attempt}: the server refused the pair env printed: {}",
            r.text()
        );
        let stored: serde_json::Value =
            serde_json::from_slice(&std::fs::read(state.join("credentials.json")).unwrap())
                .unwrap();
        assert_eq!(
            (
                stored["access_key_id"].as_str(),
                stored["secret_access_key"].as_str()
            ),
            (Some(ak), Some(sk)),
            "attempt {attempt}"
        );
    }
}

#[test]
fn seed_gdelt_writes_the_public_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "seed-gdelt",
            "--gdelt-scale",
            "0.0005",
            "--years",
            "1979-1980",
            "--state-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("s3://gdelt-open-data/events/1979.csv: 215 rows"),
        "{stdout}"
    );
    assert!(
        stdout.contains("s3://gdelt-open-data/events/1980.csv: 281 rows"),
        "{stdout}"
    );
    let store = sagemaker_offline::s3::DiskStore::open(dir.path().join("s3")).unwrap();
    let listed: Vec<_> = store
        .list("gdelt-open-data", "events/")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(listed, vec!["events/1979.csv", "events/1980.csv"]);
    let bytes = store.get("gdelt-open-data", "events/1979.csv").unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), 215);
    assert!(
        text.lines().all(|l| l.split('\t').count() == 57),
        "57 tab-separated columns per row"
    );

    // same seed → same bytes
    let dir2 = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "seed-gdelt",
            "--gdelt-scale",
            "0.0005",
            "--years",
            "1979",
            "--state-dir",
        ])
        .arg(dir2.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let store2 = sagemaker_offline::s3::DiskStore::open(dir2.path().join("s3")).unwrap();
    assert_eq!(
        store2.get("gdelt-open-data", "events/1979.csv").unwrap(),
        text.as_bytes()
    );

    // bad input: a clear error, non-zero exit
    let out = Command::new(BIN)
        .args(["seed-gdelt", "--years", "1999", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no real row count known for year 1999"));
}
