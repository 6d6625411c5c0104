//! The SageMaker runtime: `POST /endpoints/{name}/invocations` (InvokeEndpoint).
//!
//! The endpoint's loaded model is taken out of `Inner::live` as an `Arc` (a read lock held for a
//! map lookup only) and scored on tokio's blocking pool, so concurrent invocations run in
//! parallel. Every error carries `x-amzn-ErrorType`, which is where botocore and smithy-rs read
//! the runtime's error code from.

use axum::body::Body;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use sagemaker_api::runtime::ModelError;
use sagemaker_api::{ErrorBody, ErrorCode};

use super::Inner;
use super::hosting::{endpoint_log, endpoint_log_group};

/// The service model's limit on the request body (6 MiB).
pub const MAX_PAYLOAD_BYTES: usize = 6_291_456;

fn respond(
    status: u16,
    headers: &[(&str, String)],
    content_type: &str,
    body: Vec<u8>,
) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(http::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-RequestId", v);
    }
    for (k, v) in headers {
        if let (Ok(name), Ok(v)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.insert(name, v);
        }
    }
    r
}

/// A runtime error: JSON body with `message`/`Message`, code in `x-amzn-ErrorType`.
pub(crate) fn error(status: u16, code: &ErrorCode, message: &str) -> Response<Body> {
    let body = serde_json::to_vec(&ErrorBody::rest(code, message)).unwrap_or_default();
    respond(
        status,
        &[("x-amzn-ErrorType", code.as_str().to_string())],
        "application/json",
        body,
    )
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// InvokeEndpoint.
pub(crate) async fn invoke(
    inner: &std::sync::Arc<Inner>,
    endpoint: &str,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> Response<Body> {
    let account = &inner.ctx.account_id;
    if body.len() > MAX_PAYLOAD_BYTES {
        return error(
            413,
            &ErrorCode::ValidationError,
            &format!(
                "Request body of {} bytes exceeds the limit of {MAX_PAYLOAD_BYTES} bytes (6 MiB) for InvokeEndpoint.",
                body.len()
            ),
        );
    }
    let not_found = || {
        error(
            400,
            &ErrorCode::ValidationError,
            &format!("Endpoint {endpoint} of account {account} not found."),
        )
    };
    let live = {
        let map = inner
            .live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&endpoint.to_ascii_lowercase()).cloned()
    };
    // The case must match in InvokeEndpoint (the names are case-insensitive only at creation).
    let Some(live) = live.filter(|l| l.name == endpoint) else {
        return not_found();
    };
    let variant = match header(headers, "x-amzn-sagemaker-target-variant") {
        Some(t) => match live.variants.iter().find(|v| v.name == t) {
            Some(v) => Some(v),
            None => {
                return error(
                    400,
                    &ErrorCode::ValidationError,
                    &format!(
                        "The variant {t} is not found on endpoint {endpoint} of account {account}."
                    ),
                );
            }
        },
        None => pick(&live.variants),
    };
    let Some(variant) = variant else {
        return not_found();
    };
    let content_type = header(headers, "content-type")
        .unwrap_or("application/octet-stream")
        .to_string();
    let accept = header(headers, "accept")
        .filter(|a| *a != "*/*")
        .map(str::to_string);
    let model = variant.model.clone();
    let variant_name = variant.name.clone();
    let scored = tokio::task::spawn_blocking(move || {
        linear_learner::serve::invoke(&model, &content_type, accept.as_deref(), &body)
    })
    .await;
    match scored {
        Ok(Ok(resp)) => {
            let mut extra = vec![("x-Amzn-Invoked-Production-Variant", variant_name)];
            if let Some(ca) = header(headers, "x-amzn-sagemaker-custom-attributes") {
                extra.push(("X-Amzn-SageMaker-Custom-Attributes", ca.to_string()));
            }
            respond(200, &extra, &resp.content_type, resp.body)
        }
        Ok(Err((status, msg))) => {
            let region = &inner.ctx.region;
            endpoint_log(
                inner,
                &live.name,
                &variant_name,
                &format!("Invocation failed with status {status}: {msg}"),
            );
            let kind = if status >= 500 { "server" } else { "client" };
            let message = format!(
                "Received {kind} error ({status}) from primary with message \"{msg}\". See \
                 https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:group={} \
                 in account {account} for more information.",
                endpoint_log_group(&live.name)
            );
            let body = ModelError {
                error_code: Some(
                    if status >= 500 {
                        "SERVER_ERROR_FROM_MODEL"
                    } else {
                        "CLIENT_ERROR_FROM_MODEL"
                    }
                    .to_string(),
                ),
                log_stream_arn: Some(format!(
                    "arn:aws:logs:{region}:{account}:log-group:{}",
                    endpoint_log_group(&live.name)
                )),
                message: Some(message),
                original_message: Some(msg.to_string()),
                original_status_code: Some(i32::from(status)),
            };
            respond(
                424,
                &[(
                    "x-amzn-ErrorType",
                    ErrorCode::ModelError.as_str().to_string(),
                )],
                "application/json",
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        Err(join) => error(
            500,
            &ErrorCode::InternalFailure,
            &format!("The model server failed while scoring the request: {join}"),
        ),
    }
}

/// Picks a variant by weight (all zero → the first).
fn pick(variants: &[super::hosting::LiveVariant]) -> Option<&super::hosting::LiveVariant> {
    let total: f64 = variants.iter().map(|v| v.weight.max(0.0)).sum();
    if variants.len() <= 1 || total <= 0.0 {
        return variants.first();
    }
    let mut x = rand::random::<f64>() * total;
    for v in variants {
        x -= v.weight.max(0.0);
        if x < 0.0 {
            return Some(v);
        }
    }
    variants.last()
}
