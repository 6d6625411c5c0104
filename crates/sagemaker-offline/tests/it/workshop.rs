//! The workshop path against the in-process server: upload recordIO data, train replicated and
//! sharded on 5 hosts, host both models, invoke with aws-sdk-sagemakerruntime, delete — plus the
//! control plane's error answers, stop / MaxRuntime, and a restart over the same state dir.
//! Control-plane calls are raw JSON 1.1 requests signed by `aws-sigv4` (core's test helpers).

use std::time::{Duration, Instant};

use crate::common::{FEATURES, Raw, dataset, json_call, start_server};
use sagemaker_offline::RunningServer;
use serde_json::{Value, json};

const IMAGE: &str = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1";
const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerRole";
const BUCKET: &str = "sm-test";

async fn sm(server: &RunningServer, op: &str, body: Value) -> Raw {
    json_call(server, "sagemaker", &format!("SageMaker.{op}"), &body).await
}

async fn ok(server: &RunningServer, op: &str, body: Value) -> Value {
    let r = sm(server, op, body).await;
    assert_eq!(r.status, 200, "{op}: {}", r.text());
    if r.body.is_empty() {
        json!({})
    } else {
        r.json()
    }
}

/// (status, __type, message) of a failed call.
async fn err(server: &RunningServer, op: &str, body: Value) -> (u16, String, String) {
    let r = sm(server, op, body).await;
    assert_ne!(r.status, 200, "{op} should fail: {}", r.text());
    let j = r.json();
    (
        r.status,
        j["__type"].as_str().unwrap_or_default().to_string(),
        j["message"]
            .as_str()
            .or(j["Message"].as_str())
            .unwrap_or_default()
            .to_string(),
    )
}

fn upload(server: &RunningServer, prefix: &str, years: std::ops::RangeInclusive<u32>, rows: usize) {
    let store = &server.ctx.objects;
    store.create_bucket(BUCKET).expect("bucket");
    for y in years {
        store
            .put(
                BUCKET,
                &format!("{prefix}/train/{y}.data"),
                &dataset(y, rows),
            )
            .expect("put train");
    }
    store
        .put(
            BUCKET,
            &format!("{prefix}/validation/1984.data"),
            &dataset(1984, rows),
        )
        .expect("put validation");
}

fn job_body(name: &str, prefix: &str, dist: &str, hp: Value, max_runtime: u64) -> Value {
    json!({
        "TrainingJobName": name,
        "HyperParameters": hp,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [
            {"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
              "S3DataDistributionType": dist, "S3Uri": format!("s3://{BUCKET}/{prefix}/train/")}},
             "CompressionType": "None", "RecordWrapperType": "None"},
            {"ChannelName": "validation", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
              "S3DataDistributionType": "FullyReplicated", "S3Uri": format!("s3://{BUCKET}/{prefix}/validation/")}},
             "CompressionType": "None", "RecordWrapperType": "None"}],
        "OutputDataConfig": {"S3OutputPath": format!("s3://{BUCKET}/{prefix}/")},
        "ResourceConfig": {"InstanceCount": 5, "InstanceType": "ml.c4.2xlarge", "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime}
    })
}

fn small_hp() -> Value {
    json!({"feature_dim": FEATURES.to_string(), "mini_batch_size": "50", "predictor_type": "regressor",
           "epochs": "3", "num_models": "4", "loss": "squared_loss"})
}

async fn wait_job(server: &RunningServer, name: &str, timeout: Duration) -> Value {
    let start = Instant::now();
    loop {
        let d = ok(
            server,
            "DescribeTrainingJob",
            json!({"TrainingJobName": name}),
        )
        .await;
        let s = d["TrainingJobStatus"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if matches!(s.as_str(), "Completed" | "Failed" | "Stopped") {
            return d;
        }
        assert!(
            start.elapsed() < timeout,
            "job {name} still {s} after {timeout:?}: {d}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn runtime_client(server: &RunningServer) -> aws_sdk_sagemakerruntime::Client {
    crate::common::runtime_client_at(
        &server.endpoint_url(),
        &server.credentials.access_key_id,
        &server.credentials.secret_access_key,
    )
}

fn statuses(d: &Value) -> Vec<String> {
    d["SecondaryStatusTransitions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| t["Status"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workshop_train_host_invoke_restart() {
    let t = start_server().await;
    let server = &t.server;
    upload(server, "dd", 1979..=1983, 120);
    let acct = server.ctx.account_id.clone();

    // Both jobs at once, as the workshop does.
    for (name, dist) in [
        ("DEMO-linear-replicated", "FullyReplicated"),
        ("DEMO-linear-sharded", "ShardedByS3Key"),
    ] {
        let r = ok(
            server,
            "CreateTrainingJob",
            job_body(name, "dd", dist, small_hp(), 1800),
        )
        .await;
        assert_eq!(
            r["TrainingJobArn"],
            format!(
                "arn:aws:sagemaker:us-east-1:{acct}:training-job/{}",
                name.to_ascii_lowercase()
            )
        );
    }
    let d = ok(
        server,
        "DescribeTrainingJob",
        json!({"TrainingJobName": "DEMO-linear-sharded"}),
    )
    .await;
    assert_eq!(d["TrainingJobStatus"], "InProgress");
    assert_eq!(
        d["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"],
        "ShardedByS3Key"
    );
    assert!(
        d["CreationTime"].is_f64() || d["CreationTime"].is_u64(),
        "epoch seconds number: {}",
        d["CreationTime"]
    );

    for name in ["DEMO-linear-replicated", "DEMO-linear-sharded"] {
        let d = wait_job(server, name, Duration::from_secs(180)).await;
        assert_eq!(d["TrainingJobStatus"], "Completed", "{d}");
        assert_eq!(
            statuses(&d),
            vec![
                "Starting",
                "Downloading",
                "Training",
                "Uploading",
                "Completed"
            ]
        );
        let tr = d["SecondaryStatusTransitions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for w in tr.windows(2) {
            assert_eq!(w[0]["EndTime"], w[1]["StartTime"], "transitions chain: {d}");
        }
        assert_eq!(tr[4]["StatusMessage"], "Training job completed");
        let start = d["TrainingStartTime"].as_f64().expect("start");
        let end = d["TrainingEndTime"].as_f64().expect("end");
        assert!(end >= start);
        assert_eq!(tr[0]["EndTime"].as_f64(), Some(start));
        let secs = d["TrainingTimeInSeconds"].as_i64().expect("secs");
        assert!(secs >= 1 && secs <= (end - start).floor().max(1.0) as i64);
        assert_eq!(d["BillableTimeInSeconds"], d["TrainingTimeInSeconds"]);
        let artifact = format!("s3://{BUCKET}/dd/{name}/output/model.tar.gz");
        assert_eq!(d["ModelArtifacts"]["S3ModelArtifacts"], artifact);
        let bytes = server
            .ctx
            .objects
            .get(BUCKET, &format!("dd/{name}/output/model.tar.gz"))
            .expect("artifact");
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip");
        let metrics = d["FinalMetricDataList"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            metrics
                .iter()
                .any(|m| m["MetricName"] == "validation:objective_loss"
                    && m["Value"].as_f64().is_some()),
            "{metrics:?}"
        );
        assert!(
            d["AlgorithmSpecification"]["MetricDefinitions"]
                .as_array()
                .is_some_and(|a| a.len() >= 7)
        );
        // One log stream per host, named JOB/algo-N-<epoch seconds>, with the platform lines.
        let streams = server.ctx.logs.stream_names("/aws/sagemaker/TrainingJobs");
        for h in 1..=5 {
            let s = streams
                .iter()
                .find(|s| s.starts_with(&format!("{name}/algo-{h}-")))
                .unwrap_or_else(|| panic!("no stream for algo-{h} of {name} in {streams:?}"));
            let ev = server
                .ctx
                .logs
                .events("/aws/sagemaker/TrainingJobs", s)
                .expect("events");
            assert_eq!(
                ev[0].message,
                "Docker entrypoint called with argument(s): train"
            );
            assert!(ev.len() > 2, "host {h} logged only {} lines", ev.len());
        }
        // The hosts' File-mode copies are gone after the job.
        assert!(
            !server
                .ctx
                .work_dir()
                .join(name.to_ascii_lowercase())
                .exists()
        );
    }

    let listed = ok(
        server,
        "ListTrainingJobs",
        json!({"NameContains": "demo-linear", "SortBy": "Name", "SortOrder": "Ascending"}),
    )
    .await;
    let names: Vec<&str> = listed["TrainingJobSummaries"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["TrainingJobName"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, vec!["DEMO-linear-replicated", "DEMO-linear-sharded"]);

    // Host both.
    for kind in ["replicated", "sharded"] {
        let job = format!("DEMO-linear-{kind}");
        let url = format!("s3://{BUCKET}/dd/{job}/output/model.tar.gz");
        ok(
            server,
            "CreateModel",
            json!({"ModelName": job, "ExecutionRoleArn": ROLE,
            "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": url}}),
        )
        .await;
        ok(
            server,
            "CreateEndpointConfig",
            json!({"EndpointConfigName": format!("{job}-config"),
            "ProductionVariants": [{"InstanceType": "ml.m4.xlarge", "InitialInstanceCount": 1,
                                    "ModelName": job, "VariantName": "AllTraffic"}]}),
        )
        .await;
        let r = ok(
            server,
            "CreateEndpoint",
            json!({"EndpointName": format!("{job}-endpoint"),
            "EndpointConfigName": format!("{job}-config")}),
        )
        .await;
        assert_eq!(
            r["EndpointArn"],
            format!("arn:aws:sagemaker:us-east-1:{acct}:endpoint/demo-linear-{kind}-endpoint")
        );
        let d = ok(
            server,
            "DescribeEndpoint",
            json!({"EndpointName": format!("{job}-endpoint")}),
        )
        .await;
        assert_eq!(d["EndpointStatus"], "InService", "{d}");
        assert_eq!(d["ProductionVariants"][0]["VariantName"], "AllTraffic");
    }
    let (_, code, msg) = err(
        server,
        "CreateEndpoint",
        json!({"EndpointName": "demo-linear-sharded-ENDPOINT",
        "EndpointConfigName": "DEMO-linear-sharded-config"}),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        format!(
            "Cannot create already existing endpoint \"arn:aws:sagemaker:us-east-1:{acct}:endpoint/demo-linear-sharded-endpoint\"."
        )
    );

    // Invoke with text/csv through the Rust SDK.
    let rt = runtime_client(server);
    let csv = "0.5,-0.25,0.1,0.3\n-1,1,0,0\n0,0,0,0";
    let out = rt
        .invoke_endpoint()
        .endpoint_name("DEMO-linear-replicated-endpoint")
        .content_type("text/csv")
        .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
            csv.as_bytes().to_vec(),
        ))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.invoked_production_variant(), Some("AllTraffic"));
    assert_eq!(out.content_type(), Some("application/json"));
    let body: Value = serde_json::from_slice(out.body().expect("body").as_ref()).expect("json");
    let preds = body["predictions"].as_array().cloned().unwrap_or_default();
    assert_eq!(preds.len(), 3);
    // The model learned y = 1 + 2x0 − x1 + 0.5x2 + 3x3 roughly: row 3 (all zeros) ≈ 1, row 2 ≈ −2.
    let score = |i: usize| preds[i]["score"].as_f64().unwrap_or(f64::NAN);
    assert!((score(2) - 1.0).abs() < 1.0, "{body}");
    assert!(score(0) > score(1), "{body}");

    // A wrong feature count is the container's 400 → ModelError 424.
    let e = rt
        .invoke_endpoint()
        .endpoint_name("DEMO-linear-sharded-endpoint")
        .content_type("text/csv")
        .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
            b"1,2\n".to_vec(),
        ))
        .send()
        .await
        .expect_err("bad payload");
    let se = e.into_service_error();
    assert!(se.is_model_error(), "{se:?}");
    if let aws_sdk_sagemakerruntime::operation::invoke_endpoint::InvokeEndpointError::ModelError(
        m,
    ) = &se
    {
        assert_eq!(m.original_status_code(), Some(400));
        assert!(
            m.message()
                .unwrap_or_default()
                .starts_with("Received client error (400) from primary with message \"")
        );
        assert!(
            m.log_stream_arn()
                .unwrap_or_default()
                .ends_with("log-group:/aws/sagemaker/Endpoints/DEMO-linear-sharded-endpoint")
        );
    }
    // Unknown endpoint, and a case mismatch (case must match in InvokeEndpoint).
    for name in ["nope", "demo-linear-sharded-endpoint"] {
        let e = rt
            .invoke_endpoint()
            .endpoint_name(name)
            .content_type("text/csv")
            .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
                b"1,2,3,4".to_vec(),
            ))
            .send()
            .await
            .expect_err("unknown endpoint");
        let se = e.into_service_error();
        assert!(se.is_validation_error(), "{se:?}");
        assert_eq!(
            se.meta().message(),
            Some(format!("Endpoint {name} of account {acct} not found.").as_str())
        );
    }

    // Concurrent invocations all succeed.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let rt = rt.clone();
        tasks.push(tokio::spawn(async move {
            let body = format!("{i},0,0,0\n");
            rt.invoke_endpoint()
                .endpoint_name("DEMO-linear-sharded-endpoint")
                .content_type("text/csv")
                .accept("application/jsonlines")
                .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
                    body.into_bytes(),
                ))
                .send()
                .await
        }));
    }
    for t in tasks {
        let out = t.await.expect("join").expect("invoke");
        assert_eq!(out.content_type(), Some("application/jsonlines"));
    }

    // Restart over the same state dir: jobs persist, endpoints reload and serve.
    let addr_dir = t.dir.path().to_path_buf();
    let t2dir = t.dir;
    t.server.stop().await.expect("stop");
    let server = sagemaker_offline::start(sagemaker_offline::ServerConfig::for_tests(&addr_dir))
        .await
        .expect("restart");
    let d = ok(
        &server,
        "DescribeTrainingJob",
        json!({"TrainingJobName": "DEMO-linear-sharded"}),
    )
    .await;
    assert_eq!(d["TrainingJobStatus"], "Completed");
    let d = ok(
        &server,
        "DescribeEndpoint",
        json!({"EndpointName": "DEMO-linear-sharded-endpoint"}),
    )
    .await;
    assert_eq!(d["EndpointStatus"], "InService");
    let out = runtime_client(&server)
        .invoke_endpoint()
        .endpoint_name("DEMO-linear-sharded-endpoint")
        .content_type("text/csv")
        .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
            b"0,0,0,0".to_vec(),
        ))
        .send()
        .await
        .expect("invoke after restart");
    assert!(out.body().is_some());

    // Delete: gone at once, the waiter's ValidationException.
    ok(
        &server,
        "DeleteEndpoint",
        json!({"EndpointName": "DEMO-linear-sharded-endpoint"}),
    )
    .await;
    let (status, code, msg) = err(
        &server,
        "DescribeEndpoint",
        json!({"EndpointName": "DEMO-linear-sharded-endpoint"}),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    assert_eq!(
        msg,
        format!(
            "Could not find endpoint \"arn:aws:sagemaker:us-east-1:{acct}:endpoint/demo-linear-sharded-endpoint\"."
        )
    );
    ok(
        &server,
        "DeleteEndpointConfig",
        json!({"EndpointConfigName": "DEMO-linear-sharded-config"}),
    )
    .await;
    ok(
        &server,
        "DeleteModel",
        json!({"ModelName": "DEMO-linear-sharded"}),
    )
    .await;
    let (_, code, _) = err(
        &server,
        "DescribeModel",
        json!({"ModelName": "DEMO-linear-sharded"}),
    )
    .await;
    assert_eq!(code, "ValidationException");
    server.stop().await.expect("stop");
    drop(t2dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_plane_errors() {
    let t = start_server().await;
    let server = &t.server;
    upload(server, "e", 1979..=1980, 20);
    let acct = server.ctx.account_id.clone();

    let (status, code, msg) = err(
        server,
        "DescribeTrainingJob",
        json!({"TrainingJobName": "missing"}),
    )
    .await;
    assert_eq!(
        (status, code.as_str(), msg.as_str()),
        (400, "ValidationException", "Requested resource not found.")
    );

    let (_, code, msg) = err(
        server,
        "CreateTrainingJob",
        job_body("bad_name", "e", "FullyReplicated", small_hp(), 60),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
    );
    let mut b = job_body("ok-name", "e", "Sharded", small_hp(), 60);
    b["ResourceConfig"]["InstanceCount"] = json!(0);
    b["RoleArn"] = json!("role");
    let (_, _, msg) = err(server, "CreateTrainingJob", b).await;
    assert!(msg.starts_with("4 validation errors detected: "), "{msg}");
    assert!(msg.contains("at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1"));
    assert!(msg.contains("Member must satisfy enum value set: [FullyReplicated, ShardedByS3Key]"));

    let (_, code, msg) = err(
        server,
        "CreateTrainingJob",
        job_body("empty", "nothing-here", "FullyReplicated", small_hp(), 60),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert!(msg.starts_with(&format!("No S3 objects found under S3 URL \"s3://{BUCKET}/nothing-here/train/\" given in input data source.")), "{msg}");

    let mut b = job_body("other-image", "e", "FullyReplicated", small_hp(), 60);
    b["AlgorithmSpecification"]["TrainingImage"] =
        json!("123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1");
    let (_, code, msg) = err(server, "CreateTrainingJob", b).await;
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("not supported by sagemaker-offline"), "{msg}");

    // A client error from the algorithm ends the job Failed with `ClientError: …`.
    let mut hp = small_hp();
    hp["predictor_type"] = json!("not_a_type");
    ok(
        server,
        "CreateTrainingJob",
        job_body("bad-hp", "e", "FullyReplicated", hp, 60),
    )
    .await;
    let (_, code, msg) = err(
        server,
        "CreateTrainingJob",
        job_body("BAD-HP", "e", "FullyReplicated", small_hp(), 60),
    )
    .await;
    assert_eq!(code, "ResourceInUse");
    assert!(
        msg.ends_with(&format!(
            "(arn:aws:sagemaker:us-east-1:{acct}:training-job/bad-hp)"
        )),
        "{msg}"
    );
    let d = wait_job(server, "bad-hp", Duration::from_secs(60)).await;
    assert_eq!(d["TrainingJobStatus"], "Failed");
    assert!(
        d["FailureReason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("ClientError: "),
        "{d}"
    );
    assert_eq!(statuses(&d).last().map(String::as_str), Some("Failed"));
    let (_, code, msg) = err(
        server,
        "StopTrainingJob",
        json!({"TrainingJobName": "bad-hp"}),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        "The request was rejected because the training job is in status Failed."
    );

    // Hosting errors.
    let (_, code, msg) = err(server, "CreateModel", json!({"ModelName": "m", "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": format!("s3://{BUCKET}/none/model.tar.gz")}})).await;
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationException",
            format!("Could not find model data at s3://{BUCKET}/none/model.tar.gz.").as_str()
        )
    );
    let (_, _, msg) = err(server, "CreateEndpointConfig", json!({"EndpointConfigName": "c",
        "ProductionVariants": [{"InstanceType": "ml.m4.xlarge", "InitialInstanceCount": 1, "ModelName": "m", "VariantName": "AllTraffic"}]})).await;
    assert_eq!(
        msg,
        format!("Could not find model \"arn:aws:sagemaker:us-east-1:{acct}:model/m\".")
    );
    let (_, _, msg) = err(
        server,
        "CreateEndpoint",
        json!({"EndpointName": "ep", "EndpointConfigName": "C"}),
    )
    .await;
    assert_eq!(
        msg,
        format!(
            "Could not find endpoint configuration \"arn:aws:sagemaker:us-east-1:{acct}:endpoint-config/c\"."
        )
    );
    let (_, code, _) = err(server, "ListTrainingJobs", json!({"MaxResults": 101})).await;
    assert_eq!(code, "ValidationException");
    let (_, code, _) = err(server, "CreateTrainingJob", json!({"TrainingJobName": 5})).await;
    assert_eq!(code, "SerializationException");
    t.server.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_max_runtime() {
    let t = start_server().await;
    let server = &t.server;
    upload(server, "s", 1979..=1980, 4000);
    let hp = json!({"feature_dim": "4", "mini_batch_size": "10", "predictor_type": "regressor",
                    "epochs": "100000", "num_models": "32", "early_stopping_patience": "100000"});
    ok(
        server,
        "CreateTrainingJob",
        job_body("to-stop", "s", "FullyReplicated", hp.clone(), 3600),
    )
    .await;
    // Wait until it trains, then stop.
    let start = Instant::now();
    loop {
        let d = ok(
            server,
            "DescribeTrainingJob",
            json!({"TrainingJobName": "to-stop"}),
        )
        .await;
        if d["SecondaryStatus"] == "Training" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never trained: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ok(
        server,
        "StopTrainingJob",
        json!({"TrainingJobName": "to-stop"}),
    )
    .await;
    let d = ok(
        server,
        "DescribeTrainingJob",
        json!({"TrainingJobName": "to-stop"}),
    )
    .await;
    assert!(
        matches!(
            d["TrainingJobStatus"].as_str(),
            Some("Stopping" | "Stopped")
        ),
        "{d}"
    );
    let d = wait_job(server, "to-stop", Duration::from_secs(60)).await;
    assert_eq!(
        (
            d["TrainingJobStatus"].as_str(),
            d["SecondaryStatus"].as_str()
        ),
        (Some("Stopped"), Some("Stopped"))
    );
    assert!(statuses(&d).contains(&"Stopping".to_string()));

    ok(
        server,
        "CreateTrainingJob",
        job_body("too-long", "s", "FullyReplicated", hp, 1),
    )
    .await;
    let d = wait_job(server, "too-long", Duration::from_secs(60)).await;
    assert_eq!(
        (
            d["TrainingJobStatus"].as_str(),
            d["SecondaryStatus"].as_str()
        ),
        (Some("Stopped"), Some("MaxRuntimeExceeded")),
        "{d}"
    );
    t.server.stop().await.expect("stop");
}

async fn wait_endpoint(server: &RunningServer, name: &str, done: &[&str]) -> Value {
    let start = Instant::now();
    loop {
        let d = ok(server, "DescribeEndpoint", json!({"EndpointName": name})).await;
        if done.iter().any(|s| d["EndpointStatus"] == *s) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "endpoint {name}: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The hosting error cases not covered above (existing model/config, unknown config/model/
/// endpoint on describe and delete, the training-instance quota), a model that fails to load
/// (endpoint `Failed`, InvokeEndpoint `ValidationError`), UpdateEndpoint to a good and to a broken
/// config (rolled back, the old model keeps serving), and an oversized InvokeEndpoint body (413).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosting_failures_update_quota_and_oversize() {
    let t = start_server().await;
    let server = &t.server;
    let acct = &server.ctx.account_id;
    upload(server, "h", 1979..=1980, 2000);

    // Quota: 25 instances of one type is over the default 20.
    let mut big = job_body("too-big", "h", "FullyReplicated", small_hp(), 600);
    big["ResourceConfig"]["InstanceCount"] = json!(25);
    let (status, code, msg) = err(server, "CreateTrainingJob", big).await;
    assert_eq!((status, code.as_str()), (400, "ResourceLimitExceeded"));
    assert_eq!(
        msg,
        "The account-level service limit 'ml.c4.2xlarge for training job usage' is 20 Instances, \
         with current utilization of 0 Instances and a request delta of 25 Instances. Please \
         contact AWS support to request an increase for this limit."
    );

    // Two models: one trained, one whose artifact is not a model.
    let mut no_bias = small_hp();
    no_bias["use_bias"] = json!("false");
    for (job, hp) in [("h-one", small_hp()), ("h-two", no_bias)] {
        ok(
            server,
            "CreateTrainingJob",
            job_body(job, "h", "ShardedByS3Key", hp, 600),
        )
        .await;
    }
    for job in ["h-one", "h-two"] {
        let d = wait_job(server, job, Duration::from_secs(120)).await;
        assert_eq!(d["TrainingJobStatus"], "Completed", "{d}");
    }
    server
        .ctx
        .objects
        .put(BUCKET, "h/broken/model.tar.gz", b"not a tarball")
        .expect("put");
    let model = |name: &str, url: String| {
        json!({"ModelName": name, "ExecutionRoleArn": ROLE,
               "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": url}})
    };
    let config = |name: &str, model: &str| {
        json!({"EndpointConfigName": name, "ProductionVariants": [{"InstanceType": "ml.m4.xlarge",
               "InitialInstanceCount": 1, "ModelName": model, "VariantName": "AllTraffic"}]})
    };
    for (m, url) in [
        ("one", format!("s3://{BUCKET}/h/h-one/output/model.tar.gz")),
        ("two", format!("s3://{BUCKET}/h/h-two/output/model.tar.gz")),
        ("broken", format!("s3://{BUCKET}/h/broken/model.tar.gz")),
    ] {
        ok(server, "CreateModel", model(m, url.clone())).await;
        ok(
            server,
            "CreateEndpointConfig",
            config(&format!("{m}-cfg"), m),
        )
        .await;
    }
    let arn = |kind: &str, name: &str| format!("arn:aws:sagemaker:us-east-1:{acct}:{kind}/{name}");
    let (_, code, msg) = err(
        server,
        "CreateModel",
        model("One", format!("s3://{BUCKET}/h/h-one/output/model.tar.gz")),
    )
    .await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        format!(
            "Cannot create already existing model \"{}\".",
            arn("model", "one")
        )
    );
    let (_, code, msg) = err(server, "CreateEndpointConfig", config("ONE-cfg", "one")).await;
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg,
        format!(
            "Cannot create already existing endpoint configuration \"{}\".",
            arn("endpoint-config", "one-cfg")
        )
    );

    // Unknown names on describe and delete.
    for (op, member, what, kind) in [
        ("DescribeModel", "ModelName", "model", "model"),
        ("DeleteModel", "ModelName", "model", "model"),
        (
            "DescribeEndpointConfig",
            "EndpointConfigName",
            "endpoint configuration",
            "endpoint-config",
        ),
        (
            "DeleteEndpointConfig",
            "EndpointConfigName",
            "endpoint configuration",
            "endpoint-config",
        ),
        ("DescribeEndpoint", "EndpointName", "endpoint", "endpoint"),
        ("DeleteEndpoint", "EndpointName", "endpoint", "endpoint"),
    ] {
        let (status, code, msg) = err(server, op, json!({ member: "Missing-Thing" })).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "ValidationException"),
            "{op}"
        );
        assert_eq!(
            msg,
            format!("Could not find {what} \"{}\".", arn(kind, "missing-thing")),
            "{op}"
        );
    }

    // A model that does not load: the endpoint ends Failed with the reason; invoking it is a
    // ValidationError (it is not serving).
    ok(
        server,
        "CreateEndpoint",
        json!({"EndpointName": "ep-broken", "EndpointConfigName": "broken-cfg"}),
    )
    .await;
    let d = wait_endpoint(server, "ep-broken", &["Failed"]).await;
    assert!(
        d["FailureReason"]
            .as_str()
            .unwrap_or_default()
            .contains("model"),
        "{d}"
    );
    let rt = runtime_client(server);
    let invoke = |name: &'static str, body: Vec<u8>| {
        rt.invoke_endpoint()
            .endpoint_name(name)
            .content_type("text/csv")
            .body(aws_sdk_sagemakerruntime::primitives::Blob::new(body))
            .send()
    };
    let se = invoke("ep-broken", b"0,0,0,0".to_vec())
        .await
        .expect_err("failed endpoint")
        .into_service_error();
    assert!(se.is_validation_error(), "{se:?}");

    // UpdateEndpoint: to a broken config → rolled back, still serving the first model; to a
    // good config → serves the second model.
    ok(
        server,
        "CreateEndpoint",
        json!({"EndpointName": "ep", "EndpointConfigName": "one-cfg"}),
    )
    .await;
    wait_endpoint(server, "ep", &["InService"]).await;
    let score = async |name: &'static str| -> f64 {
        let out = invoke(name, b"0.5,-0.25,0.1,0.3".to_vec())
            .await
            .expect("invoke");
        let v: Value = serde_json::from_slice(out.body().expect("body").as_ref()).expect("json");
        v["predictions"][0]["score"].as_f64().unwrap_or(f64::NAN)
    };
    let before = score("ep").await;
    ok(
        server,
        "UpdateEndpoint",
        json!({"EndpointName": "ep", "EndpointConfigName": "broken-cfg"}),
    )
    .await;
    let d = wait_endpoint(server, "ep", &["InService", "Failed"]).await;
    assert_eq!(d["EndpointStatus"], "InService", "{d}");
    assert_eq!(d["EndpointConfigName"], "one-cfg", "rolled back: {d}");
    assert!(
        d["FailureReason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Update failed and was rolled back"),
        "{d}"
    );
    assert_eq!(score("ep").await, before);
    ok(
        server,
        "UpdateEndpoint",
        json!({"EndpointName": "ep", "EndpointConfigName": "two-cfg"}),
    )
    .await;
    let d = wait_endpoint(server, "ep", &["InService", "Failed"]).await;
    assert_eq!(
        (
            d["EndpointStatus"].as_str(),
            d["EndpointConfigName"].as_str()
        ),
        (Some("InService"), Some("two-cfg")),
        "{d}"
    );
    let after = score("ep").await;
    // The dataset's plane gives 1 + 2·0.5 + 0.25 + 0.5·0.1 + 3·0.3 = 3.2; without the bias the
    // second model cannot add the 1 and lands near 2.2.
    assert!((before - 3.2).abs() < 0.3, "first model: {before}");
    assert!((after - 2.2).abs() < 0.5, "second model (no bias): {after}");

    // Oversized body: 6 MiB + 1 byte → 413 ValidationError naming the limit.
    let se = invoke("ep", vec![b'0'; 6 * 1024 * 1024 + 1])
        .await
        .expect_err("oversized")
        .into_service_error();
    assert!(se.is_validation_error(), "{se:?}");
    assert_eq!(
        se.meta().message(),
        Some(
            "Request body of 6291457 bytes exceeds the limit of 6291456 bytes (6 MiB) for InvokeEndpoint."
        )
    );
}
