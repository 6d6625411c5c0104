//! Durability of the real binary and its listening address:
//! `kill -9` in the middle of a training job and of an S3 upload, then a restart over the same
//! state dir — objects, jobs, models, endpoint configs and endpoints are all there, the running
//! job is `Failed` with a reason and its File-mode copies are gone, the endpoint is InService
//! again and answers, the half-sent object never appears. And `serve --bind` refuses a non-loopback address without
//! `--allow-non-loopback`, warns with it.
#![allow(clippy::unwrap_used)] // test code: helpers outside #[test] fns too

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::common::{Raw, dataset, json_call_at, raw, runtime_client_at, s3_client_at, sign_body};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

const BIN: &str = env!("CARGO_BIN_EXE_sagemaker-offline");
const AK: &str = "AKIAKILLNINETEST0000";
const SK: &str = "kill/nine/test/secret/key/000000000000000";
const IMAGE: &str = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1";
const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerRole";
const BUCKET: &str = "crash-test";

/// A `serve` child process and where it listens.
struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Served {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve --port 0 --no-seed ARGS --state-dir STATE` and reads its first stdout line
/// (the readiness line, or "" when it exited without one).
fn spawn_serve(args: &[&str], state: &Path, stderr: Stdio) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--no-seed"])
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

/// The address in a readiness line.
fn listening_on(line: &str) -> SocketAddr {
    line.trim()
        .strip_prefix("sagemaker-offline listening on http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("readiness line: {line:?}"))
}

fn serve(state: &Path) -> Served {
    let (child, line) = spawn_serve(
        &["--access-key", AK, "--secret-key", SK],
        state,
        Stdio::null(),
    );
    let addr = listening_on(&line);
    Served { child, addr }
}

async fn sm(s: &Served, op: &str, body: Value) -> Raw {
    json_call_at(
        s.addr,
        AK,
        SK,
        "sagemaker",
        &format!("SageMaker.{op}"),
        &body,
    )
    .await
}

async fn ok(s: &Served, op: &str, body: Value) -> Value {
    let r = sm(s, op, body).await;
    assert_eq!(r.status, 200, "{op}: {}", r.text());
    r.json()
}

fn job_body(name: &str, epochs: u32) -> Value {
    let channel = |name: &str, prefix: &str| {
        json!({"ChannelName": name, "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
               "S3DataDistributionType": "FullyReplicated",
               "S3Uri": format!("s3://{BUCKET}/{prefix}/")}}})
    };
    json!({
        "TrainingJobName": name,
        "HyperParameters": {"feature_dim": "4", "mini_batch_size": "50", "predictor_type": "regressor",
                            "epochs": epochs.to_string(), "num_models": "2",
                            "early_stopping_patience": epochs.to_string()},
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [channel("train", "train"), channel("validation", "validation")],
        "OutputDataConfig": {"S3OutputPath": format!("s3://{BUCKET}/out/")},
        "ResourceConfig": {"InstanceCount": 2, "InstanceType": "ml.c4.2xlarge", "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600}
    })
}

async fn job_status(s: &Served, name: &str) -> Value {
    ok(s, "DescribeTrainingJob", json!({"TrainingJobName": name})).await
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let t0 = Instant::now();
    while !done().await {
        assert!(t0.elapsed() < timeout, "{what}: not after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn endpoint_status(s: &Served, name: &str) -> String {
    let d = ok(s, "DescribeEndpoint", json!({"EndpointName": name})).await;
    d["EndpointStatus"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_nothing_and_fails_the_running_job() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let first = serve(&state);
    let s3 = s3_client_at(&first.url(), AK, SK);

    // Data, one finished job, a model, a config and an endpoint on it.
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let mut stored = Vec::new();
    for (key, seed, rows) in [
        ("train/a.data", 1, 20_000),
        ("train/b.data", 2, 20_000),
        ("validation/c.data", 3, 2_000),
    ] {
        let body = dataset(seed, rows);
        s3.put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body.clone().into())
            .send()
            .await
            .unwrap();
        stored.push((key, body));
    }
    ok(&first, "CreateTrainingJob", job_body("done-job", 2)).await;
    wait_until("done-job Completed", Duration::from_secs(120), async || {
        job_status(&first, "done-job").await["TrainingJobStatus"] == "Completed"
    })
    .await;
    let model_url = format!("s3://{BUCKET}/out/done-job/output/model.tar.gz");
    ok(
        &first,
        "CreateModel",
        json!({"ModelName": "m1", "ExecutionRoleArn": ROLE,
               "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": model_url}}),
    )
    .await;
    ok(
        &first,
        "CreateEndpointConfig",
        json!({"EndpointConfigName": "c1", "ProductionVariants": [{"InstanceType": "ml.m4.xlarge",
               "InitialInstanceCount": 1, "ModelName": "m1", "VariantName": "AllTraffic"}]}),
    )
    .await;
    ok(
        &first,
        "CreateEndpoint",
        json!({"EndpointName": "e1", "EndpointConfigName": "c1"}),
    )
    .await;
    wait_until("e1 InService", Duration::from_secs(60), async || {
        endpoint_status(&first, "e1").await == "InService"
    })
    .await;

    // A job that is still training when the process dies.
    ok(
        &first,
        "CreateTrainingJob",
        job_body("running-job", 100_000),
    )
    .await;
    wait_until(
        "running-job Training",
        Duration::from_secs(60),
        async || job_status(&first, "running-job").await["SecondaryStatus"] == "Training",
    )
    .await;

    // An upload whose body is half sent when the process dies.
    let half_key = "half/written.bin";
    let full_len = 4 * 1024 * 1024;
    let path = format!("/{BUCKET}/{half_key}");
    let len = full_len.to_string();
    let headers = sign_body(
        first.addr,
        "PUT",
        &path,
        &[
            ("content-length", len.as_str()),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ],
        aws_sigv4::http_request::SignableBody::UnsignedPayload,
        "s3",
        AK,
        SK,
        SystemTime::now(),
    );
    let mut conn = tokio::net::TcpStream::connect(first.addr).await.unwrap();
    let mut head = format!("PUT {path} HTTP/1.1\r\n");
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&vec![7u8; full_len / 2]).await.unwrap();
    conn.flush().await.unwrap();
    // The upload is mid-write: its temporary file exists in the object root.
    wait_until(
        "the upload's temporary file",
        Duration::from_secs(10),
        async || !tmp_files(&state.join("s3")).is_empty(),
    )
    .await;
    assert_eq!(
        job_status(&first, "running-job").await["TrainingJobStatus"],
        "InProgress",
        "the long job must still be running at the kill"
    );
    // Its hosts' File-mode copies are on disk.
    let copies = state.join("work").join("running-job");
    assert!(copies.join("algo-1").join("train").is_dir(), "no copies");

    // kill -9.
    let mut first = first;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    drop(conn);
    drop(first);

    let second = serve(&state);
    let s3 = s3_client_at(&second.url(), AK, SK);

    // Every stored object, byte for byte; the half-sent one absent; no temporary files listed.
    for (key, body) in &stored {
        let got = s3
            .get_object()
            .bucket(BUCKET)
            .key(*key)
            .send()
            .await
            .unwrap();
        let bytes = got.body.collect().await.unwrap().into_bytes();
        assert!(bytes.as_ref() == body.as_slice(), "{key} changed");
    }
    let head = s3.head_object().bucket(BUCKET).key(half_key).send().await;
    assert!(head.is_err(), "half-written object is visible: {head:?}");
    let listed = s3.list_objects_v2().bucket(BUCKET).send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert!(
        keys.iter()
            .all(|k| !k.contains(".tmp") && !k.starts_with("half/")),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"out/done-job/output/model.tar.gz"),
        "{keys:?}"
    );

    // Jobs: the finished one unchanged, the running one Failed with a reason.
    let done = job_status(&second, "done-job").await;
    assert_eq!(done["TrainingJobStatus"], "Completed", "{done}");
    let failed = job_status(&second, "running-job").await;
    assert_eq!(failed["TrainingJobStatus"], "Failed", "{failed}");
    let reason = failed["FailureReason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("InternalServerError:") && reason.contains("stopped while"),
        "FailureReason: {reason}"
    );
    assert!(failed["TrainingEndTime"].is_number(), "{failed}");
    // The restart removed the copies of the job it ended.
    let left: Vec<_> = std::fs::read_dir(state.join("work"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "File-mode copies left: {left:?}");

    // Model, config, endpoint: there, and the endpoint serves again.
    ok(&second, "DescribeModel", json!({"ModelName": "m1"})).await;
    ok(
        &second,
        "DescribeEndpointConfig",
        json!({"EndpointConfigName": "c1"}),
    )
    .await;
    wait_until(
        "e1 InService after restart",
        Duration::from_secs(60),
        async || endpoint_status(&second, "e1").await == "InService",
    )
    .await;
    let out = runtime_client_at(&second.url(), AK, SK)
        .invoke_endpoint()
        .endpoint_name("e1")
        .content_type("text/csv")
        .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
            b"0.5,-0.5,0.25,0.1".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    let pred: Value = serde_json::from_slice(out.body().unwrap().as_ref()).unwrap();
    let score = pred["predictions"][0]["score"].as_f64().unwrap();
    // y = 1 + 2·0.5 + 0.5 + 0.5·0.25 + 3·0.1 = 2.925 for the dataset's plane.
    assert!((score - 2.925).abs() < 0.5, "prediction {score}");

    // No temporary upload file survives the restart in the object root.
    let leftovers = tmp_files(&state.join("s3"));
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Names of the files being written in the object store (`<root>/_tmp/`).
fn tmp_files(root: &Path) -> Vec<String> {
    std::fs::read_dir(root.join("_tmp"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn serve_with(args: &[&str], state: &Path) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--no-seed", "--state-dir"])
        .arg(state)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A refused bind exits at once; an accepted one prints the readiness line — then stop it.
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if t0.elapsed() > Duration::from_secs(5) {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn non_loopback_bind_needs_an_explicit_flag() {
    let dir = tempfile::tempdir().unwrap();
    let refused = serve_with(&["--bind", "0.0.0.0"], dir.path());
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("--allow-non-loopback"),
        "{err}"
    );
    assert!(refused.stdout.is_empty(), "must not have listened");

    let allowed = serve_with(&["--bind", "0.0.0.0", "--allow-non-loopback"], dir.path());
    let err = String::from_utf8_lossy(&allowed.stderr);
    let out = String::from_utf8_lossy(&allowed.stdout);
    assert!(err.contains("WARNING: listening on 0.0.0.0"), "{err}");
    assert!(
        out.starts_with("sagemaker-offline listening on http://127.0.0.1:"),
        "{out}"
    );
}

#[tokio::test]
async fn health_answers_on_an_explicit_loopback_bind() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, line) = spawn_serve(&["--bind", "::1"], dir.path(), Stdio::piped());
    if line.is_empty() {
        // IPv6 may be disabled on a CI machine: then the error must say which address failed.
        let _ = child.wait();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains("cannot listen on [::1]:0"), "{err}");
        return;
    }
    let addr = listening_on(&line);
    assert!(addr.ip().is_loopback() && addr.is_ipv6(), "{addr}");
    let r = raw(addr, "GET", "/__health", &[], b"").await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.status, 200, "{}", r.text());
}
