//! The generated types against the model and against SageMaker's validation messages.

use sagemaker_api::sagemaker::{self as sm, rules};
use sagemaker_api::{Checker, ErrorCode, logs, runtime, validate};

#[test]
fn every_model_error_is_an_error_code_with_its_status() {
    for (service, errors) in [
        ("sagemaker", sm::ERRORS),
        ("runtime", runtime::ERRORS),
        ("logs", logs::ERRORS),
    ] {
        assert!(!errors.is_empty(), "{service}");
        for (code, status) in errors {
            let c = ErrorCode::from(*code);
            assert!(c.is_known(), "{service}: {code} missing from ErrorCode");
            assert_eq!(c.status(), *status, "{service}: {code}");
        }
    }
    assert_eq!(runtime::ModelError::CODE, "ModelError");
    assert_eq!(runtime::ModelError::STATUS, 424);
    assert_eq!(ErrorCode::from("ValidationException").status(), 400);
    assert_eq!(ErrorCode::from("InternalFailure").status(), 500);
    assert_eq!(ErrorCode::from("Brand-new").status(), 400);
}

#[test]
fn every_pattern_compiles_as_a_full_match() {
    let all = sm::rules::ALL
        .iter()
        .chain(runtime::rules::ALL)
        .chain(logs::rules::ALL);
    let mut broken = Vec::new();
    for r in all {
        if let Some(p) = r.pattern
            && sagemaker_api::full_regex(p).is_none()
        {
            broken.push(r.shape);
            // Only lookaround, which the regex crate does not have, may fail.
            assert!(p.contains("(?!") || p.contains("(?<!"), "{}: {p}", r.shape);
        }
    }
    broken.sort_unstable();
    assert_eq!(
        broken,
        [
            "AlarmName",
            "ArnOrName",
            "MetricsEndpointPath",
            "VersionedArnOrName"
        ],
        "the patterns left unenforced"
    );
    assert_eq!(
        runtime::rules::TARGET_MODEL_HEADER.pattern_matches("model.tar.gz"),
        Some(true)
    );
    assert_eq!(
        runtime::rules::TARGET_MODEL_HEADER.pattern_matches(" lead"),
        Some(false)
    );
    assert_eq!(
        rules::TRAINING_JOB_NAME.pattern_matches("DEMO-linear-1"),
        Some(true)
    );
    assert_eq!(rules::TRAINING_JOB_NAME.pattern_matches("a_b"), Some(false));
    assert_eq!(
        rules::TRAINING_JOB_NAME.pattern_matches(&"a".repeat(64)),
        Some(false)
    );
    assert_eq!(rules::MODEL_NAME.pattern_matches("m-"), Some(false));
    assert_eq!(
        rules::ROLE_ARN.pattern_matches("arn:aws:iam::123456789012:role/R"),
        Some(true)
    );
}

#[test]
fn checker_speaks_coral() {
    // The exact texts sagemaker-offline sends (its `names.rs` tests pin them).
    let mut c = Checker::new();
    c.string("bad_name", "trainingJobName", &rules::TRAINING_JOB_NAME);
    assert_eq!(
        c.finish(),
        Err("1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
            .to_string())
    );
    let mut c = Checker::new();
    c.missing("roleArn");
    c.at_least(0, "resourceConfig.instanceCount", 1);
    assert_eq!(
        c.finish(),
        Err("2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; \
             Value '0' at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1"
            .to_string())
    );
}

#[test]
fn generated_validation_walks_the_request() {
    let req: sm::CreateTrainingJobRequest = serde_json::from_value(serde_json::json!({
        "TrainingJobName": "bad_name",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "Streaming"},
        "InputDataConfig": [],
        "OutputDataConfig": {"S3OutputPath": "bucket/prefix"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 0},
        "HyperParameters": {"k": "v"}
    }))
    .expect("a request with bad values still parses");
    let msg = validate(&req).expect_err("violations");
    let want = [
        "Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        "Value 'Streaming' at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: Member must satisfy enum value set: [Pipe, File, FastFile]",
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
        "Value '0' at 'inputDataConfig' failed to satisfy constraint: Member must have length between 1 and 20",
        "Value 'bucket/prefix' at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$",
        "Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ];
    assert_eq!(
        msg,
        format!(
            "{} validation errors detected: {}",
            want.len(),
            want.join("; ")
        )
    );
    let list: sm::CreateTrainingJobRequest = serde_json::from_value(serde_json::json!({
        "InputDataConfig": [{"ChannelName": "tr ain", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/p"}}}]
    }))
    .expect("parses");
    let mut c = Checker::new();
    sagemaker_api::Validate::validate(&list, "", &mut c);
    assert!(
        c.errors().iter().any(|e| e
            == "Value 'tr ain' at 'inputDataConfig.1.member.channelName' failed to satisfy constraint: \
                Member must satisfy regular expression pattern: [A-Za-z0-9\\.\\-_]+"),
        "{:?}",
        c.errors()
    );
}

#[test]
fn enums_keep_unknown_values() {
    let s: sm::TrainingJobStatus = serde_json::from_str("\"InProgress\"").expect("known");
    assert_eq!(s, sm::TrainingJobStatus::InProgress);
    let u: sm::SecondaryStatus = serde_json::from_str("\"Brand-new\"").expect("unknown");
    assert_eq!(u, sm::SecondaryStatus::Unknown("Brand-new".into()));
    assert!(!u.is_known());
    assert_eq!(
        serde_json::to_string(&u).ok().as_deref(),
        Some("\"Brand-new\"")
    );
    assert_eq!(sm::EndpointStatus::InService.as_str(), "InService");
    assert_eq!(sm::CompressionType::VALUES, &["None", "Gzip"]);
    assert_eq!(
        sm::TrainingInstanceType::from("ml.c4.2xlarge"),
        sm::TrainingInstanceType::MlC42xlarge
    );
}

#[test]
fn operations_and_targets() {
    assert_eq!(
        sm::Operation::from_target("SageMaker.CreateTrainingJob"),
        Some(sm::Operation::CreateTrainingJob)
    );
    assert_eq!(
        sm::Operation::from_target("Logs_20140328.GetLogEvents"),
        None
    );
    assert_eq!(
        logs::Operation::from_target("Logs_20140328.GetLogEvents").map(logs::Operation::target),
        Some("Logs_20140328.GetLogEvents".to_string())
    );
    assert_eq!(sm::Operation::ALL.len(), 18);
    assert_eq!(logs::Operation::ALL.len(), 7);
    assert_eq!(
        runtime::Operation::InvokeEndpoint.http(),
        ("POST", "/endpoints/{EndpointName}/invocations")
    );
    assert_eq!(
        runtime::InvokeEndpointInput::CUSTOM_ATTRIBUTES_HEADER,
        "X-Amzn-SageMaker-Custom-Attributes"
    );
    assert_eq!(
        sm::Operation::StopTrainingJob.errors(),
        &["ResourceNotFound"]
    );
}

#[test]
fn request_parse_separates_type_errors_from_constraint_errors() {
    use sagemaker_api::JsonOperation;
    let op = sm::Operation::CreateTrainingJob;
    let wrong = sm::Request::parse(op, br#"{"TrainingJobName": 5}"#);
    assert!(
        wrong.is_err(),
        "a number where a string belongs is a parse error"
    );
    let wrong = sm::Request::parse(op, br#"{"ResourceConfig": {"InstanceCount": "5"}}"#);
    assert!(wrong.is_err());
    let empty = sm::Request::parse(op, b"  ").expect("an empty body reads as {}");
    assert_eq!(empty.operation(), op);
    let msg = validate(&empty).expect_err("required members are missing");
    assert!(
        msg.starts_with("3 validation errors detected: Value null at 'trainingJobName'"),
        "{msg}"
    );
    assert_eq!(
        sm::CreateTrainingJobRequest::TARGET,
        "SageMaker.CreateTrainingJob"
    );
    assert_eq!(
        logs::GetLogEventsRequest::TARGET,
        "Logs_20140328.GetLogEvents"
    );
    let none: <sm::DeleteModelInput as JsonOperation>::Output =
        serde_json::from_str("{}").expect("Empty");
    assert_eq!(serde_json::to_string(&none).ok().as_deref(), Some("{}"));
}

#[test]
fn member_table_names_paths_and_rules() {
    let r = sagemaker_api::member_rule(rules::MEMBERS, "ResourceConfig", "InstanceCount")
        .expect("ResourceConfig.InstanceCount is constrained");
    assert_eq!(r.path, "instanceCount");
    assert!(!r.required);
    assert_eq!(r.rule.map(|r| r.shape), Some("TrainingInstanceCount"));
    let r = sagemaker_api::member_rule(rules::MEMBERS, "CreateTrainingJobRequest", "RoleArn")
        .expect("RoleArn");
    assert!(r.required);
    assert_eq!(r.rule.and_then(|r| r.min), Some(20));
    let r =
        sagemaker_api::member_rule(logs::rules::MEMBERS, "GetLogEventsRequest", "logStreamName")
            .expect("logStreamName");
    assert_eq!((r.path, r.required), ("logStreamName", true));
    // Response-only structures are not in the table.
    assert!(
        sagemaker_api::member_rule(
            rules::MEMBERS,
            "DescribeTrainingJobResponse",
            "TrainingJobName"
        )
        .is_none()
    );
}
