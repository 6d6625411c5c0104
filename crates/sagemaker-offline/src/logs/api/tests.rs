//! The Logs API through `handle`, as the AWS CLI and boto3 call it.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use super::*;

fn ctx(dir: &Path) -> Ctx {
    Ctx {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        state_dir: dir.to_path_buf(),
        objects: Arc::new(crate::s3::DiskStore::open(dir.join("s3")).unwrap()),
        logs: Arc::new(LogStore::open(dir.join("logs")).unwrap()),
    }
}

fn ev(t: i64, m: &str) -> LogEvent {
    LogEvent {
        timestamp: t,
        message: m.into(),
    }
}

fn call(c: &Ctx, op: &str, body: Value) -> Result<Value, JsonError> {
    handle(c, op, body.to_string().as_bytes())
}

#[test]
fn get_log_events_paging_terminates() {
    let d = tempfile::tempdir().unwrap();
    let c = ctx(d.path());
    let events: Vec<_> = (0..25)
        .map(|i| ev(1000 + i, &format!("line {i}")))
        .collect();
    c.logs
        .append("/aws/sagemaker/TrainingJobs", "j/algo-1-1", &events)
        .unwrap();
    // startFromHead, pages of 10, loop until the forward token repeats (what the CLI does)
    let mut token: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..10 {
        let mut body = json!({"logGroupName": "/aws/sagemaker/TrainingJobs", "logStreamName": "j/algo-1-1",
                              "startFromHead": true, "limit": 10});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let r = call(&c, "GetLogEvents", body).unwrap();
        for e in r["events"].as_array().unwrap() {
            seen.push(e["message"].as_str().unwrap().to_string());
        }
        let next = r["nextForwardToken"].as_str().unwrap().to_string();
        if token.as_deref() == Some(next.as_str()) {
            break;
        }
        token = Some(next);
    }
    let want: Vec<_> = (0..25).map(|i| format!("line {i}")).collect();
    assert_eq!(seen, want);

    // default (tail): the last `limit` events; then backward paging
    let r = call(
        &c,
        "GetLogEvents",
        json!({"logGroupName": "/aws/sagemaker/TrainingJobs",
                                            "logStreamName": "j/algo-1-1", "limit": 5}),
    )
    .unwrap();
    let msgs: Vec<_> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert_eq!(msgs, vec![1020, 1021, 1022, 1023, 1024]);
    let back = r["nextBackwardToken"].as_str().unwrap();
    let r2 = call(&c, "GetLogEvents", json!({"logGroupName": "/aws/sagemaker/TrainingJobs",
                                             "logStreamName": "j/algo-1-1", "limit": 5, "nextToken": back}))
    .unwrap();
    let msgs: Vec<_> = r2["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert_eq!(msgs, vec![1015, 1016, 1017, 1018, 1019]);

    // time window: [1003, 1006)
    let r = call(
        &c,
        "GetLogEvents",
        json!({"logGroupName": "/aws/sagemaker/TrainingJobs",
        "logStreamName": "j/algo-1-1", "startFromHead": true, "startTime": 1003, "endTime": 1006}),
    )
    .unwrap();
    let ts: Vec<_> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert_eq!(ts, vec![1003, 1004, 1005]);
    assert!(r["events"][0]["ingestionTime"].as_i64().unwrap() > 0);
}

#[test]
fn errors_have_cloudwatch_codes() {
    let d = tempfile::tempdir().unwrap();
    let c = ctx(d.path());
    let e = call(
        &c,
        "GetLogEvents",
        json!({"logGroupName": "/nope", "logStreamName": "x"}),
    )
    .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ResourceNotFoundException",
            "The specified log group does not exist."
        )
    );
    c.logs.append("g", "s", &[ev(1, "x")]).unwrap();
    let e = call(
        &c,
        "GetLogEvents",
        json!({"logGroupName": "g", "logStreamName": "x"}),
    )
    .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "ResourceNotFoundException",
            "The specified log stream does not exist."
        )
    );
    let e = call(&c, "DescribeLogStreams", json!({"logGroupName": "/nope"})).unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let e = call(&c, "CreateLogGroup", json!({"logGroupName": "g"})).unwrap_err();
    assert_eq!(e.code, "ResourceAlreadyExistsException");
    let e = call(
        &c,
        "GetLogEvents",
        json!({"logGroupName": "g", "logStreamName": "s", "nextToken": "zzz"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let e = call(
        &c,
        "GetLogEvents",
        json!({"logGroupName": "g", "logStreamName": "s", "limit": 0}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let e = handle(&c, "GetLogEvents", b"{not json").unwrap_err();
    assert_eq!(e.code, "SerializationException");
    let e = call(&c, "DeleteLogGroup", json!({})).unwrap_err();
    assert_eq!(e.code, "UnknownOperationException");
    let e = call(
        &c,
        "DescribeLogStreams",
        json!({"logGroupName": "g", "orderBy": "LastEventTime",
                                                 "logStreamNamePrefix": "s"}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}

#[test]
fn describe_log_streams_order_prefix_paging() {
    let d = tempfile::tempdir().unwrap();
    let c = ctx(d.path());
    let g = "/aws/sagemaker/TrainingJobs";
    c.logs
        .append(g, "job-b/algo-1-100", &[ev(50, "x")])
        .unwrap();
    c.logs
        .append(g, "job-a/algo-2-100", &[ev(10, "x"), ev(30, "y")])
        .unwrap();
    c.logs
        .append(g, "job-a/algo-1-100", &[ev(20, "x")])
        .unwrap();
    let r = call(
        &c,
        "DescribeLogStreams",
        json!({"logGroupName": g, "logStreamNamePrefix": "job-a/"}),
    )
    .unwrap();
    let names: Vec<_> = r["logStreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["logStreamName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["job-a/algo-1-100", "job-a/algo-2-100"]);
    let s0 = &r["logStreams"][1];
    assert_eq!(s0["firstEventTimestamp"], 10);
    assert_eq!(s0["lastEventTimestamp"], 30);
    assert_eq!(s0["storedBytes"], 0);
    assert_eq!(
        s0["arn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:job-a/algo-2-100"
    );
    assert!(
        s0["creationTime"].as_i64().unwrap() > 0 && s0["lastIngestionTime"].as_i64().unwrap() > 0
    );
    let r = call(
        &c,
        "DescribeLogStreams",
        json!({"logGroupName": g, "orderBy": "LastEventTime", "descending": true}),
    )
    .unwrap();
    let names: Vec<_> = r["logStreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["logStreamName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["job-b/algo-1-100", "job-a/algo-2-100", "job-a/algo-1-100"]
    );
    // paging with limit 2
    let r = call(
        &c,
        "DescribeLogStreams",
        json!({"logGroupName": g, "limit": 2}),
    )
    .unwrap();
    assert_eq!(r["logStreams"].as_array().unwrap().len(), 2);
    let t = r["nextToken"].as_str().unwrap();
    let r = call(
        &c,
        "DescribeLogStreams",
        json!({"logGroupName": g, "limit": 2, "nextToken": t}),
    )
    .unwrap();
    assert_eq!(r["logStreams"][0]["logStreamName"], "job-b/algo-1-100");
    assert!(r.get("nextToken").is_none());
    // groups
    let r = call(
        &c,
        "DescribeLogGroups",
        json!({"logGroupNamePrefix": "/aws/"}),
    )
    .unwrap();
    assert_eq!(r["logGroups"][0]["logGroupName"], g);
    assert_eq!(
        r["logGroups"][0]["arn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:*"
    );
}

#[test]
fn filter_log_events_across_streams() {
    let d = tempfile::tempdir().unwrap();
    let c = ctx(d.path());
    let g = "/aws/sagemaker/TrainingJobs";
    c.logs
        .append(
            g,
            "j/algo-1-1",
            &[
                ev(1, "#quality_metric: host=algo-1, epoch=0"),
                ev(4, "other"),
            ],
        )
        .unwrap();
    c.logs
        .append(
            g,
            "j/algo-2-1",
            &[
                ev(2, "#quality_metric: host=algo-2, epoch=0"),
                ev(3, "noise"),
            ],
        )
        .unwrap();
    c.logs
        .append(
            g,
            "k/algo-1-1",
            &[ev(0, "#quality_metric: host=algo-1, epoch=0")],
        )
        .unwrap();
    let r = call(
        &c,
        "FilterLogEvents",
        json!({"logGroupName": g, "logStreamNamePrefix": "j/",
                                               "filterPattern": "quality_metric"}),
    )
    .unwrap();
    let got: Vec<_> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["logStreamName"].as_str().unwrap(),
                e["timestamp"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![("j/algo-1-1", 1), ("j/algo-2-1", 2)]);
    let r = call(
        &c,
        "FilterLogEvents",
        json!({"logGroupName": g, "logStreamNames": ["j/algo-2-1"]}),
    )
    .unwrap();
    assert_eq!(r["events"].as_array().unwrap().len(), 2);
    let r = call(
        &c,
        "FilterLogEvents",
        json!({"logGroupName": g, "filterPattern": "\"host=algo-1, epoch\"",
                                               "startTime": 1, "endTime": 100, "limit": 1}),
    )
    .unwrap();
    assert_eq!(r["events"].as_array().unwrap().len(), 1);
    assert_eq!(r["events"][0]["logStreamName"], "j/algo-1-1");
    assert!(r.get("nextToken").is_none());
    let r = call(
        &c,
        "FilterLogEvents",
        json!({"logGroupName": g, "limit": 2}),
    )
    .unwrap();
    let t = r["nextToken"].as_str().unwrap().to_string();
    let r2 = call(
        &c,
        "FilterLogEvents",
        json!({"logGroupName": g, "limit": 2, "nextToken": t}),
    )
    .unwrap();
    let ts: Vec<_> = r2["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert_eq!(ts, vec![2, 3]);
}

#[test]
fn put_log_events_requires_stream() {
    let d = tempfile::tempdir().unwrap();
    let c = ctx(d.path());
    call(&c, "CreateLogGroup", json!({"logGroupName": "mine"})).unwrap();
    let e = call(
        &c,
        "PutLogEvents",
        json!({"logGroupName": "mine", "logStreamName": "s",
        "logEvents": [{"timestamp": 1, "message": "m"}]}),
    )
    .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    call(
        &c,
        "CreateLogStream",
        json!({"logGroupName": "mine", "logStreamName": "s"}),
    )
    .unwrap();
    call(
        &c,
        "PutLogEvents",
        json!({"logGroupName": "mine", "logStreamName": "s",
        "logEvents": [{"timestamp": 1, "message": "m"}, {"timestamp": 2, "message": "n"}]}),
    )
    .unwrap();
    assert_eq!(c.logs.events("mine", "s").unwrap().len(), 2);
    let e = call(
        &c,
        "PutLogEvents",
        json!({"logGroupName": "mine", "logStreamName": "s",
        "logEvents": [{"timestamp": 5, "message": "m"}, {"timestamp": 2, "message": "n"}]}),
    )
    .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}
