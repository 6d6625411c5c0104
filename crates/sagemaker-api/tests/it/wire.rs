//! Real wire bodies parse into the generated types and serialize back to the same JSON.
//!
//! The fixtures under `tests/fixtures/{sagemaker,logs,runtime}/` were recorded by
//! `tests/fixtures/record.sh`: the AWS CLI v1 (the workshop's command lines) and boto3 talking to
//! sagemaker-offline through a recording proxy. Every request body must parse into the operation's
//! input type and re-serialize to the same JSON value (no member lost or renamed); every
//! successful response likewise into the output type (so the server's answers keep their field
//! names and values when it switches to these types); every error body into `ErrorBody` with a
//! known code whose `status()` is the one that was sent.

use std::path::Path;

use sagemaker_api::{ErrorBody, ErrorCode, JsonOperation, logs, runtime, sagemaker};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(serde::Deserialize)]
struct Exchange {
    request: String,
    status: u16,
    response: String,
    /// The `x-amzn-ErrorType` header (REST-JSON errors carry the code only there).
    error_type: Option<String>,
}

fn same_json<T: DeserializeOwned + Serialize>(raw: &str, what: &str) -> Result<(), String> {
    let raw = if raw.trim().is_empty() { "{}" } else { raw };
    let want: Value = serde_json::from_str(raw).map_err(|e| format!("{what}: not JSON: {e}"))?;
    let typed: T = serde_json::from_str(raw).map_err(|e| {
        format!(
            "{what}: does not parse into {}: {e}",
            std::any::type_name::<T>()
        )
    })?;
    let have = serde_json::to_value(&typed).map_err(|e| format!("{what}: {e}"))?;
    if have == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: re-serialized differently\n want {want}\n have {have}"
        ))
    }
}

fn check_error(x: &Exchange, what: &str) -> Result<(), String> {
    let body: ErrorBody = serde_json::from_str(&x.response)
        .map_err(|e| format!("{what}: error body does not parse: {e}"))?;
    let code = if body.kind.is_empty() {
        ErrorCode::from(x.error_type.as_deref().unwrap_or(""))
    } else {
        body.code()
    };
    if let (Some(h), false) = (&x.error_type, body.kind.is_empty())
        && ErrorCode::from(h.as_str()) != code
    {
        return Err(format!(
            "{what}: header {h} and body {} disagree",
            body.kind
        ));
    }
    if let ErrorCode::Unknown(c) = &code {
        return Err(format!("{what}: code {c} is not in ErrorCode"));
    }
    if code.status() != x.status {
        return Err(format!(
            "{what}: {code} sent with {} but ErrorCode::status() says {}",
            x.status,
            code.status()
        ));
    }
    if body.text().is_empty() {
        return Err(format!("{what}: error without a message"));
    }
    Ok(())
}

/// The request parses as `I` (and through the service's `Request::parse`), the response as
/// `I::Output` or as an error body.
fn check<I>(x: &Exchange, what: &str) -> Result<(), String>
where
    I: JsonOperation + DeserializeOwned,
{
    same_json::<I>(&x.request, &format!("{what} request"))?;
    let parsed = match I::TARGET.split_once('.') {
        Some(("SageMaker", _)) => sagemaker::Operation::from_target(I::TARGET).map(|op| {
            sagemaker::Request::parse(op, x.request.as_bytes()).map(|r| r.operation().name())
        }),
        Some(("Logs_20140328", _)) => logs::Operation::from_target(I::TARGET)
            .map(|op| logs::Request::parse(op, x.request.as_bytes()).map(|r| r.operation().name())),
        _ => None,
    };
    match parsed {
        Some(Ok(name)) if name == I::OPERATION => {}
        other => return Err(format!("{what}: Request::parse gave {other:?}")),
    }
    if x.status == 200 {
        same_json::<I::Output>(&x.response, &format!("{what} response"))
    } else {
        check_error(x, what)
    }
}

fn json11(service: &str, op: &str, x: &Exchange, what: &str) -> Result<(), String> {
    use sagemaker as sm;
    match (service, op) {
        ("sagemaker", "CreateTrainingJob") => check::<sm::CreateTrainingJobRequest>(x, what),
        ("sagemaker", "DescribeTrainingJob") => check::<sm::DescribeTrainingJobRequest>(x, what),
        ("sagemaker", "ListTrainingJobs") => check::<sm::ListTrainingJobsRequest>(x, what),
        ("sagemaker", "StopTrainingJob") => check::<sm::StopTrainingJobRequest>(x, what),
        ("sagemaker", "CreateModel") => check::<sm::CreateModelInput>(x, what),
        ("sagemaker", "DescribeModel") => check::<sm::DescribeModelInput>(x, what),
        ("sagemaker", "DeleteModel") => check::<sm::DeleteModelInput>(x, what),
        ("sagemaker", "ListModels") => check::<sm::ListModelsInput>(x, what),
        ("sagemaker", "CreateEndpointConfig") => check::<sm::CreateEndpointConfigInput>(x, what),
        ("sagemaker", "DescribeEndpointConfig") => {
            check::<sm::DescribeEndpointConfigInput>(x, what)
        }
        ("sagemaker", "DeleteEndpointConfig") => check::<sm::DeleteEndpointConfigInput>(x, what),
        ("sagemaker", "ListEndpointConfigs") => check::<sm::ListEndpointConfigsInput>(x, what),
        ("sagemaker", "CreateEndpoint") => check::<sm::CreateEndpointInput>(x, what),
        ("sagemaker", "DescribeEndpoint") => check::<sm::DescribeEndpointInput>(x, what),
        ("sagemaker", "DeleteEndpoint") => check::<sm::DeleteEndpointInput>(x, what),
        ("sagemaker", "ListEndpoints") => check::<sm::ListEndpointsInput>(x, what),
        ("sagemaker", "UpdateEndpoint") => check::<sm::UpdateEndpointInput>(x, what),
        ("logs", "CreateLogGroup") => check::<logs::CreateLogGroupRequest>(x, what),
        ("logs", "CreateLogStream") => check::<logs::CreateLogStreamRequest>(x, what),
        ("logs", "PutLogEvents") => check::<logs::PutLogEventsRequest>(x, what),
        ("logs", "DescribeLogGroups") => check::<logs::DescribeLogGroupsRequest>(x, what),
        ("logs", "DescribeLogStreams") => check::<logs::DescribeLogStreamsRequest>(x, what),
        ("logs", "GetLogEvents") => check::<logs::GetLogEventsRequest>(x, what),
        ("logs", "FilterLogEvents") => check::<logs::FilterLogEventsRequest>(x, what),
        _ => Err(format!("{what}: no types mapped for {service}/{op}")),
    }
}

fn runtime_error(x: &Exchange, what: &str) -> Result<(), String> {
    check_error(x, what)?;
    if x.error_type.as_deref() == Some(runtime::ModelError::CODE) {
        same_json::<runtime::ModelError>(&x.response, what)?;
    }
    Ok(())
}

#[test]
fn recorded_exchanges_round_trip() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for service in ["sagemaker", "logs", "runtime"] {
        let Ok(dir) = std::fs::read_dir(root.join(service)) else {
            failures.push(format!("no fixtures for {service}"));
            continue;
        };
        for entry in dir.flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let Some(op) = name.split('.').next().filter(|_| name.ends_with(".json")) else {
                continue;
            };
            let what = format!("{service}/{name}");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let x: Exchange = match serde_json::from_str(&text) {
                Ok(x) => x,
                Err(e) => {
                    failures.push(format!("{what}: {e}"));
                    continue;
                }
            };
            let r = if service == "runtime" {
                runtime_error(&x, &what)
            } else {
                json11(service, op, &x, &what)
            };
            if let Err(e) = r {
                failures.push(e);
            }
            seen.insert(format!("{service}/{op}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The workshop's path is covered: training, hosting, logs and runtime errors.
    for must in [
        "sagemaker/CreateTrainingJob",
        "sagemaker/DescribeTrainingJob",
        "sagemaker/ListTrainingJobs",
        "sagemaker/CreateModel",
        "sagemaker/CreateEndpointConfig",
        "sagemaker/CreateEndpoint",
        "sagemaker/DescribeEndpoint",
        "logs/GetLogEvents",
        "logs/DescribeLogStreams",
        "runtime/InvokeEndpoint",
    ] {
        assert!(seen.contains(must), "no fixture for {must}: {seen:?}");
    }
}
