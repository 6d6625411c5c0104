//! CloudWatch Logs over signed raw HTTP (signed by the `aws-sigv4` crate): the JSON API through
//! the listener, and log persistence across a restart.

use crate::common::*;
use sagemaker_offline::logs::LogEvent;
use serde_json::json;

const GROUP: &str = "/aws/sagemaker/TrainingJobs";

#[tokio::test]
async fn logs_api_through_the_listener() {
    let t = start_server().await;
    let s = &t.server;
    let events: Vec<LogEvent> = (0..30)
        .map(|i| LogEvent {
            timestamp: 1_700_000_000_000 + i,
            message: format!("[epoch {i}] #quality_metric: host=algo-1"),
        })
        .collect();
    s.ctx
        .logs
        .append(GROUP, "job-1/algo-1-1700000000", &events)
        .unwrap();
    s.ctx
        .logs
        .append(GROUP, "job-1/algo-2-1700000000", &events[..3])
        .unwrap();

    let r = json_call(
        s,
        "logs",
        "Logs_20140328.DescribeLogStreams",
        &json!({"logGroupName": GROUP, "logStreamNamePrefix": "job-1/"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
    assert!(r.header("x-amzn-requestid").is_some());
    let v = r.json();
    let names: Vec<_> = v["logStreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["logStreamName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        vec!["job-1/algo-1-1700000000", "job-1/algo-2-1700000000"]
    );
    assert_eq!(
        v["logStreams"][0]["lastEventTimestamp"],
        1_700_000_000_029i64
    );

    // GetLogEvents from the head in pages of 7 until the token repeats.
    let mut token: Option<String> = None;
    let mut got = Vec::new();
    for _ in 0..20 {
        let mut b = json!({"logGroupName": GROUP, "logStreamName": "job-1/algo-1-1700000000", "startFromHead": true, "limit": 7});
        if let Some(tk) = &token {
            b["nextToken"] = json!(tk);
        }
        let v = json_call(s, "logs", "Logs_20140328.GetLogEvents", &b)
            .await
            .json();
        got.extend(
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["timestamp"].as_i64().unwrap()),
        );
        let next = v["nextForwardToken"].as_str().unwrap().to_string();
        if token.as_deref() == Some(&next) {
            break;
        }
        token = Some(next);
    }
    assert_eq!(
        got,
        (0..30).map(|i| 1_700_000_000_000 + i).collect::<Vec<_>>()
    );

    let v = json_call(s, "logs", "Logs_20140328.FilterLogEvents",
        &json!({"logGroupName": GROUP, "logStreamNames": ["job-1/algo-2-1700000000"], "filterPattern": "epoch 1]"})).await.json();
    let msgs: Vec<_> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs, vec!["[epoch 1] #quality_metric: host=algo-1"]);

    // Client-side creation + PutLogEvents, then the store sees it.
    assert_eq!(
        json_call(
            s,
            "logs",
            "Logs_20140328.CreateLogGroup",
            &json!({"logGroupName": "mine"})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        json_call(
            s,
            "logs",
            "Logs_20140328.CreateLogStream",
            &json!({"logGroupName": "mine", "logStreamName": "s1"})
        )
        .await
        .status,
        200
    );
    let r = json_call(s, "logs", "Logs_20140328.PutLogEvents",
        &json!({"logGroupName": "mine", "logStreamName": "s1", "logEvents": [{"timestamp": 5, "message": "hello"}]})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(s.ctx.logs.events("mine", "s1").unwrap()[0].message, "hello");

    // Errors: unknown group, unknown op.
    let r = json_call(
        s,
        "logs",
        "Logs_20140328.GetLogEvents",
        &json!({"logGroupName": "/nope", "logStreamName": "x"}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("ResourceNotFoundException")
    );
    assert_eq!(
        r.json(),
        json!({"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."})
    );
    let r = json_call(s, "logs", "Logs_20140328.TagLogGroup", &json!({})).await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str().unwrap()),
        (400, "UnknownOperationException")
    );
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn logs_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sagemaker_offline::ServerConfig::for_tests(dir.path());
    let s = sagemaker_offline::start(cfg.clone()).await.unwrap();
    s.ctx
        .logs
        .append(
            "/aws/sagemaker/Endpoints/ep",
            "AllTraffic/i-1",
            &[LogEvent {
                timestamp: 1,
                message: "loaded".into(),
            }],
        )
        .unwrap();
    s.stop().await.unwrap();
    let s = sagemaker_offline::start(cfg).await.unwrap();
    let v = json_call(&s, "logs", "Logs_20140328.GetLogEvents",
        &json!({"logGroupName": "/aws/sagemaker/Endpoints/ep", "logStreamName": "AllTraffic/i-1", "startFromHead": true})).await.json();
    assert_eq!(v["events"][0]["message"], "loaded");
    s.stop().await.unwrap();
}
