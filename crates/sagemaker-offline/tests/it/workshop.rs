//! The workshop path against the in-process server: upload recordIO data, train replicated and
//! sharded on 5 hosts, host both models, invoke with aws-sdk-sagemakerruntime, delete, and a
//! restart over the same state dir. Control-plane calls are raw JSON 1.1 requests signed by
//! `aws-sigv4` (the helpers here are shared with `control_plane`).

use std::time::{Duration, Instant};

use crate::common::{FEATURES, Raw, dataset, json_call, start_server};
use sagemaker_offline::RunningServer;
use serde_json::{Value, json};

pub(crate) const IMAGE: &str = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1";
pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerRole";
pub(crate) const BUCKET: &str = "sm-test";

pub(crate) async fn sm(server: &RunningServer, op: &str, body: Value) -> Raw {
    json_call(server, "sagemaker", &format!("SageMaker.{op}"), &body).await
}

pub(crate) async fn ok(server: &RunningServer, op: &str, body: Value) -> Value {
    let r = sm(server, op, body).await;
    assert_eq!(r.status, 200, "{op}: {}", r.text());
    if r.body.is_empty() {
        json!({})
    } else {
        r.json()
    }
}

/// (status, __type, message) of a failed call.
pub(crate) async fn err(server: &RunningServer, op: &str, body: Value) -> (u16, String, String) {
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

pub(crate) fn upload(
    server: &RunningServer,
    prefix: &str,
    years: std::ops::RangeInclusive<u32>,
    rows: usize,
) {
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

pub(crate) fn job_body(name: &str, prefix: &str, dist: &str, hp: Value, max_runtime: u64) -> Value {
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

pub(crate) fn small_hp() -> Value {
    json!({"feature_dim": FEATURES.to_string(), "mini_batch_size": "50", "predictor_type": "regressor",
           "epochs": "3", "num_models": "4", "loss": "squared_loss"})
}

pub(crate) async fn wait_job(server: &RunningServer, name: &str, timeout: Duration) -> Value {
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

pub(crate) fn runtime_client(server: &RunningServer) -> aws_sdk_sagemakerruntime::Client {
    crate::common::runtime_client_at(
        &server.endpoint_url(),
        &server.credentials.access_key_id,
        &server.credentials.secret_access_key,
    )
}

pub(crate) fn statuses(d: &Value) -> Vec<String> {
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
