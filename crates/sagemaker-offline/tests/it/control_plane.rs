//! The SageMaker control plane's refusals and endings against the in-process server: request
//! errors in AWS's codes and words, StopTrainingJob and MaxRuntimeInSeconds, and the hosting
//! failures (a model that does not load, UpdateEndpoint rolled back, the training-instance quota,
//! an oversized InvokeEndpoint body).

use std::time::{Duration, Instant};

use sagemaker_offline::RunningServer;
use serde_json::{Value, json};

use crate::common::start_server;
use crate::workshop::{
    BUCKET, IMAGE, ROLE, err, job_body, ok, runtime_client, small_hp, statuses, upload, wait_job,
};

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

/// Hyperparameters that once aborted the server (an allocation of terabytes) or hung it (a
/// capacity-overflow panic on the job's thread): each job ends `Failed` with the container's
/// `ClientError` naming the parameter, the server keeps answering, and a normal job completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_hyperparameters_fail_the_job_not_the_server() {
    let t = start_server().await;
    let server = &t.server;
    upload(server, "h", 1979..=1980, 200);
    let with = |pairs: &[(&str, &str)]| {
        let mut hp = small_hp();
        for (k, v) in pairs {
            hp[*k] = json!(v);
        }
        hp
    };
    let cases: [(&str, Value, &str); 8] = [
        (
            "dim-1e12",
            with(&[("feature_dim", "1000000000000")]),
            "feature_dim",
        ),
        (
            "dim-max",
            with(&[("feature_dim", "9223372036854775807")]),
            "feature_dim",
        ),
        (
            "dim-over-i64",
            with(&[("feature_dim", "99999999999999999999")]),
            "feature_dim",
        ),
        (
            "models-1e12",
            with(&[("num_models", "1000000000000")]),
            "num_models",
        ),
        (
            "models-max",
            with(&[("num_models", "9223372036854775807")]),
            "num_models",
        ),
        (
            "batch-1e12",
            with(&[("mini_batch_size", "1000000000000")]),
            "mini_batch_size",
        ),
        (
            "batch-negative",
            with(&[("mini_batch_size", "-5")]),
            "mini_batch_size",
        ),
        (
            "classes",
            with(&[
                ("predictor_type", "multiclass_classifier"),
                ("num_classes", "1000000"),
                ("feature_dim", "100000"),
                ("num_models", "1"),
                ("loss", "auto"),
            ]),
            "num_classes",
        ),
    ];
    for (name, hp, param) in cases {
        ok(
            server,
            "CreateTrainingJob",
            job_body(name, "h", "FullyReplicated", hp, 600),
        )
        .await;
        let d = wait_job(server, name, Duration::from_secs(60)).await;
        assert_eq!(d["TrainingJobStatus"], "Failed", "{name}: {d}");
        let reason = d["FailureReason"].as_str().unwrap_or_default();
        assert!(
            reason.starts_with(
                "ClientError: Unable to initialize the algorithm. Failed to validate input \
                 hyperparameters. (caused by ValidationError) Caused by: invalid value '"
            ) && reason.contains(&format!("for hyperparameter '{param}'")),
            "{name}: {reason}"
        );
    }
    // Still serving, and the slot is free: a normal job completes.
    let listed = ok(server, "ListTrainingJobs", json!({"MaxResults": 100})).await;
    assert_eq!(
        listed["TrainingJobSummaries"].as_array().map(Vec::len),
        Some(8)
    );
    ok(
        server,
        "CreateTrainingJob",
        job_body("after", "h", "FullyReplicated", small_hp(), 600),
    )
    .await;
    let d = wait_job(server, "after", Duration::from_secs(60)).await;
    assert_eq!(d["TrainingJobStatus"], "Completed", "{d}");
    t.server.stop().await.expect("stop");
}
