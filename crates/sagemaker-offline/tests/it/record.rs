//! The recorder (`--record DIR`): every JSON-protocol call that reaches an operation is one JSON
//! line with the request and the answer; refusals before an operation are not recorded.

use sagemaker_offline::ServerConfig;
use serde_json::{Value, json};

use crate::common::json_call;

#[tokio::test]
async fn calls_are_recorded_as_json_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = dir.path().join("rec");
    let server = sagemaker_offline::start(ServerConfig {
        record: Some(rec.clone()),
        ..ServerConfig::for_tests(dir.path().join("state"))
    })
    .await
    .expect("server starts");

    let ok = json_call(
        &server,
        "sagemaker",
        "SageMaker.ListTrainingJobs",
        &json!({"MaxResults": 10}),
    )
    .await;
    assert_eq!(ok.status, 200);
    let missing = json_call(
        &server,
        "sagemaker",
        "SageMaker.DescribeEndpoint",
        &json!({"EndpointName": "nope"}),
    )
    .await;
    assert_eq!(missing.status, 400);
    let logs = json_call(
        &server,
        "logs",
        "Logs_20140328.DescribeLogGroups",
        &json!({}),
    )
    .await;
    assert_eq!(logs.status, 200);
    // Signed for the wrong service: refused before any operation, not recorded.
    let refused = json_call(&server, "logs", "SageMaker.ListTrainingJobs", &json!({})).await;
    assert_eq!(refused.status, 403);

    let files: Vec<_> = std::fs::read_dir(&rec)
        .expect("recording dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let lines: Vec<Value> = std::fs::read_to_string(&files[0])
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(lines[0]["service"], "sagemaker");
    assert_eq!(lines[0]["operation"], "ListTrainingJobs");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["request"], json!({"MaxResults": 10}));
    assert_eq!(lines[0]["response"], ok.json());
    assert_eq!(lines[1]["operation"], "DescribeEndpoint");
    assert_eq!(lines[1]["error"]["code"], "ValidationException");
    assert!(lines[1].get("response").is_none());
    assert_eq!(lines[2]["service"], "logs");
    assert_eq!(lines[2]["operation"], "DescribeLogGroups");
    server.stop().await.expect("stops");
}
