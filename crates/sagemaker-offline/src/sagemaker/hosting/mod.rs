//! Hosting: models, endpoint configs and endpoints (Create/Describe/Delete/List, UpdateEndpoint).
//!
//! - [`models`]: CreateModel & co. and the persisted [`models::ModelRecord`].
//! - [`configs`]: CreateEndpointConfig & co. and [`configs::ConfigRecord`].
//! - [`endpoints`]: CreateEndpoint, UpdateEndpoint & co. and [`endpoints::EndpointRecord`].
//! - [`live`]: the loaded models InvokeEndpoint scores with, and the endpoints' log streams.
//!
//! An endpoint is `Creating` while its variants' `model.tar.gz` are read from the object store
//! and parsed by `linear_learner::Model::from_model_tar_gz`, then `InService` (or `Failed` with the
//! reason). The loaded models live in `Inner::live`, which InvokeEndpoint reads without touching
//! the records' lock.

mod configs;
mod endpoints;
mod live;
mod models;

pub(crate) use configs::{
    ConfigRecord, create_config, delete_config, describe_config, list_configs,
};
pub(crate) use endpoints::{
    EndpointRecord, create_endpoint, delete_endpoint, describe_endpoint, list_endpoints,
    update_endpoint,
};
pub(crate) use live::{LiveEndpoint, LiveVariant, endpoint_log, endpoint_log_group};
pub(crate) use models::{ModelRecord, create_model, delete_model, describe_model, list_models};

use super::Inner;
use super::constraints::{self, Checker};
use super::records::{CONFIGS, ENDPOINTS, MODELS};
use crate::api_error::JsonError;
use sagemaker_api::sagemaker::EndpointStatus;

pub(super) fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// A request's required name member, checked: the name, or the ValidationException.
pub(super) fn name_of(
    value: Option<&str>,
    member: &str,
    path: &str,
    model: bool,
) -> Result<String, JsonError> {
    let mut c = Checker::new();
    let (re, pat) = if model {
        (
            &*constraints::MODEL_NAME_RE,
            constraints::MODEL_NAME_PATTERN,
        )
    } else {
        (&*constraints::NAME_RE, constraints::NAME_PATTERN)
    };
    let name = constraints::name_member(value, path, re, pat, &mut c);
    c.finish()?;
    name.ok_or_else(|| JsonError::validation(format!("{member} is required.")))
}

pub(super) fn could_not_find(inner: &Inner, what: &str, kind: &str, name: &str) -> JsonError {
    JsonError::validation(format!(
        "Could not find {what} \"{}\".",
        inner.arn(kind, name)
    ))
}

pub(super) fn already_exists(inner: &Inner, what: &str, kind: &str, name: &str) -> JsonError {
    JsonError::validation(format!(
        "Cannot create already existing {what} \"{}\".",
        inner.arn(kind, name)
    ))
}

/// Loads persisted models/configs/endpoints; endpoints reload their models synchronously.
pub(crate) fn restore(inner: &Inner) {
    let (models, p1) = inner.store.load_all::<ModelRecord>(MODELS);
    let (configs, p2) = inner.store.load_all::<ConfigRecord>(CONFIGS);
    let (endpoints, p3) = inner.store.load_all::<EndpointRecord>(ENDPOINTS);
    for p in p1.into_iter().chain(p2).chain(p3) {
        tracing::error!("sagemaker: unreadable hosting record {p}");
    }
    {
        let mut st = inner.state();
        st.models.extend(models);
        st.configs.extend(configs);
    }
    for (k, mut ep) in endpoints {
        match ep.status {
            EndpointStatus::Deleting => {
                inner.unpersist(ENDPOINTS, &k);
                continue;
            }
            EndpointStatus::Failed | EndpointStatus::OutOfService => {
                inner.state().endpoints.insert(k, ep);
                continue;
            }
            _ => {}
        }
        // An interrupted update is rolled back to what was serving.
        ep.pending = None;
        ep.status = EndpointStatus::Creating;
        let deployed = ep.deployed.clone();
        let name = ep.name.clone();
        inner.state().endpoints.insert(k.clone(), ep);
        let result = live::load_models(inner, &name, &deployed);
        live::finish_load(inner, &k, result, false);
    }
}
