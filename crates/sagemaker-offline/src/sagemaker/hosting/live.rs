//! Loaded endpoints: what InvokeEndpoint scores with ([`LiveEndpoint`]), how an endpoint's
//! models are loaded from the object store and swapped in (or the endpoint failed / the update
//! rolled back), and the endpoint's CloudWatch log stream
//! (`/aws/sagemaker/Endpoints/<name>` / `<variant>/i-<17 hex>`, the names SageMaker uses).

use std::sync::Arc;

use super::endpoints::Deployed;
use sagemaker_api::sagemaker::EndpointStatus;

use crate::logs::LogEvent;
use crate::sagemaker::arn::split_s3;
use crate::sagemaker::records::ENDPOINTS;
use crate::sagemaker::{Inner, now};

/// A loaded variant.
#[derive(Debug)]
pub(crate) struct LiveVariant {
    pub name: String,
    pub weight: f64,
    pub model: Arc<linear_learner::Model>,
}

/// An InService endpoint as InvokeEndpoint sees it.
#[derive(Debug)]
pub(crate) struct LiveEndpoint {
    /// The name exactly as created (InvokeEndpoint matches it case-sensitively).
    pub name: String,
    pub variants: Vec<LiveVariant>,
}

/// Log group of an endpoint.
pub(crate) fn endpoint_log_group(name: &str) -> String {
    format!("/aws/sagemaker/Endpoints/{name}")
}

/// The (stable) log stream of an endpoint's variant: `<variant>/i-<17 hex>`.
pub(crate) fn endpoint_log_stream(endpoint: &str, variant: &str) -> String {
    use sha2::Digest as _;
    let h = sha2::Sha256::digest(format!("{endpoint}/{variant}").as_bytes());
    let hex = hex::encode(h);
    format!("{variant}/i-{}", &hex[..17])
}

pub(crate) fn endpoint_log(inner: &Inner, endpoint: &str, variant: &str, line: &str) {
    let ev = LogEvent {
        timestamp: chrono::Utc::now().timestamp_millis(),
        message: line.to_string(),
    };
    if let Err(e) = inner.ctx.logs.append(
        &endpoint_log_group(endpoint),
        &endpoint_log_stream(endpoint, variant),
        &[ev],
    ) {
        tracing::error!("sagemaker: could not append endpoint logs of {endpoint}: {e}");
    }
}

/// Reads and parses every variant's model (blocking I/O).
pub(super) fn load_models(
    inner: &Inner,
    endpoint: &str,
    deployed: &[Deployed],
) -> Result<Vec<LiveVariant>, String> {
    deployed
        .iter()
        .map(|d| {
            endpoint_log(inner, endpoint, &d.variant, &format!("Loading model from {}", d.model_data_url));
            let loaded = split_s3(&d.model_data_url)
                .map_err(|e| e.message)
                .and_then(|(b, k)| inner.ctx.objects.get(&b, &k).map_err(|e| e.to_string()))
                .and_then(|bytes| linear_learner::Model::from_model_tar_gz(&bytes));
            match loaded {
                Ok(model) => {
                    endpoint_log(
                        inner,
                        endpoint,
                        &d.variant,
                        &format!("Model loaded (feature_dim={}); serving on /invocations", model.feature_dim()),
                    );
                    Ok(LiveVariant { name: d.variant.clone(), weight: d.weight, model: Arc::new(model) })
                }
                Err(e) => {
                    endpoint_log(inner, endpoint, &d.variant, &format!("Failed to load model: {e}"));
                    Err(format!(
                        "The primary container for production variant {} did not pass the ping health check: \
                         could not load the model from {}: {e}",
                        d.variant, d.model_data_url
                    ))
                }
            }
        })
        .collect()
}

pub(super) fn set_live(inner: &Inner, k: &str, live: Option<LiveEndpoint>) {
    let mut map = inner
        .live
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match live {
        Some(l) => {
            map.insert(k.to_string(), Arc::new(l));
        }
        None => {
            map.remove(k);
        }
    }
}

/// Finishes a Creating/Updating endpoint after its models loaded (or failed to).
pub(super) fn finish_load(
    inner: &Inner,
    k: &str,
    result: Result<Vec<LiveVariant>, String>,
    updating: bool,
) {
    let mut st = inner.state();
    let Some(ep) = st.endpoints.get_mut(k) else {
        return;
    };
    let now = now();
    match result {
        Ok(variants) => {
            if updating && let Some((cfg, deployed)) = ep.pending.take() {
                ep.config = cfg;
                ep.deployed = deployed;
            }
            ep.status = EndpointStatus::InService;
            ep.failure = None;
            ep.resolution_time = now;
            set_live(
                inner,
                k,
                Some(LiveEndpoint {
                    name: ep.name.clone(),
                    variants,
                }),
            );
        }
        Err(reason) => {
            if updating {
                // The update is rolled back: the old deployment keeps serving.
                ep.pending = None;
                ep.status = EndpointStatus::InService;
                ep.failure = Some(format!("Update failed and was rolled back: {reason}"));
            } else {
                ep.status = EndpointStatus::Failed;
                ep.failure = Some(reason);
                set_live(inner, k, None);
            }
        }
    }
    ep.modified = now;
    inner.persist(ENDPOINTS, k, ep);
}

/// Starts the model load on the blocking pool and waits (bounded) for it.
pub(super) async fn load_and_wait(
    inner: &Arc<Inner>,
    k: String,
    name: String,
    deployed: Vec<Deployed>,
    updating: bool,
) {
    let i = inner.clone();
    let task = tokio::task::spawn_blocking(move || {
        let result = load_models(&i, &name, &deployed);
        finish_load(&i, &k, result, updating);
    });
    let _ = tokio::time::timeout(inner.opts.endpoint_load_wait, task).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_stream_is_stable_per_variant() {
        let a = endpoint_log_stream("ep", "AllTraffic");
        assert_eq!(a, endpoint_log_stream("ep", "AllTraffic"));
        assert!(a.starts_with("AllTraffic/i-"));
        assert_eq!(a.len(), "AllTraffic/i-".len() + 17);
        assert_ne!(a, endpoint_log_stream("ep2", "AllTraffic"));
        assert_eq!(endpoint_log_group("Ep"), "/aws/sagemaker/Endpoints/Ep");
    }
}
