//! Endpoints: CreateEndpoint / UpdateEndpoint / DescribeEndpoint / DeleteEndpoint /
//! ListEndpoints, and the persisted [`EndpointRecord`]. Create and Update answer once the models
//! have loaded or `Options::endpoint_load_wait` has passed, whichever comes first, so the
//! `endpoint-in-service` waiter's first poll sees `InService`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::live::{load_and_wait, set_live};
use super::{already_exists, could_not_find, key, name_of};
use crate::api_error::JsonError;
use crate::sagemaker::constraints::{self, Checker};
use crate::sagemaker::list::{self, ListSpec, Row};
use crate::sagemaker::records::ENDPOINTS;
use crate::sagemaker::{Inner, State, now, response};
use sagemaker_api::sagemaker::{
    CreateEndpointInput, CreateEndpointOutput, DeleteEndpointInput, DescribeEndpointInput,
    EndpointSortKey, EndpointStatus, ListEndpointsInput, UpdateEndpointInput, UpdateEndpointOutput,
};

/// What an endpoint serves: the variant and where its model came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Deployed {
    pub variant: String,
    pub weight: f64,
    pub instance_count: i64,
    pub image: String,
    pub model_data_url: String,
}

/// An endpoint as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EndpointRecord {
    pub name: String,
    pub arn: String,
    pub config: String,
    pub status: EndpointStatus,
    pub creation: f64,
    pub modified: f64,
    pub failure: Option<String>,
    pub deployed: Vec<Deployed>,
    /// While Updating: what is being deployed and from which config.
    #[serde(default)]
    pub pending: Option<(String, Vec<Deployed>)>,
    #[serde(default)]
    pub resolution_time: f64,
}

impl EndpointRecord {
    pub(crate) fn describe(&self) -> Value {
        let mut out = json!({
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.config,
            "EndpointStatus": self.status,
            "CreationTime": self.creation,
            "LastModifiedTime": self.modified,
        });
        // While Creating the real service shows no variants yet ([uncertain]; documented).
        if self.status != EndpointStatus::Creating && !self.deployed.is_empty() {
            out["ProductionVariants"] = Value::Array(
                self.deployed
                    .iter()
                    .map(|d| {
                        json!({
                            "VariantName": d.variant,
                            "DeployedImages": [{
                                "SpecifiedImage": d.image,
                                "ResolvedImage": d.image,
                                "ResolutionTime": self.resolution_time,
                            }],
                            "CurrentWeight": d.weight,
                            "DesiredWeight": d.weight,
                            "CurrentInstanceCount": d.instance_count,
                            "DesiredInstanceCount": d.instance_count,
                        })
                    })
                    .collect(),
            );
        }
        if let Some(f) = &self.failure {
            out["FailureReason"] = json!(f);
        }
        out
    }
}

/// Resolves a config's variants to what gets deployed (under the records' lock).
fn deployment(inner: &Inner, st: &State, config: &str) -> Result<Vec<Deployed>, JsonError> {
    let cfg = st.configs.get(&key(config)).ok_or_else(|| {
        could_not_find(inner, "endpoint configuration", "endpoint-config", config)
    })?;
    cfg.variants
        .iter()
        .map(|v| {
            let m = st
                .models
                .get(&key(&v.model))
                .ok_or_else(|| could_not_find(inner, "model", "model", &v.model))?;
            Ok(Deployed {
                variant: v.variant.clone(),
                weight: v.weight,
                instance_count: v.instance_count,
                image: m.image.clone(),
                model_data_url: m.model_data_url.clone(),
            })
        })
        .collect()
}

/// CreateEndpoint.
pub(crate) async fn create_endpoint(
    inner: &Arc<Inner>,
    req: &CreateEndpointInput,
) -> Result<Value, JsonError> {
    let name = name_of(
        req.endpoint_name.as_deref(),
        "EndpointName",
        "endpointName",
        false,
    )?;
    let mut c = Checker::new();
    let cfg = constraints::name_member(
        req.endpoint_config_name.as_deref(),
        "endpointConfigName",
        &constraints::NAME_RE,
        constraints::NAME_PATTERN,
        &mut c,
    );
    c.finish()?;
    let cfg = cfg.ok_or_else(|| JsonError::validation("EndpointConfigName is required."))?;
    let k = key(&name);
    let arn = inner.arn("endpoint", &name);
    let deployed = {
        let mut st = inner.state();
        if st.endpoints.contains_key(&k) {
            return Err(already_exists(inner, "endpoint", "endpoint", &name));
        }
        let deployed = deployment(inner, &st, &cfg)?;
        let now = now();
        let rec = EndpointRecord {
            name: name.clone(),
            arn: arn.clone(),
            config: st
                .configs
                .get(&key(&cfg))
                .map(|c| c.name.clone())
                .unwrap_or(cfg),
            status: EndpointStatus::Creating,
            creation: now,
            modified: now,
            failure: None,
            deployed: deployed.clone(),
            pending: None,
            resolution_time: now,
        };
        inner.persist_new(ENDPOINTS, &k, &rec)?;
        st.endpoints.insert(k.clone(), rec);
        deployed
    };
    load_and_wait(inner, k, name, deployed, false).await;
    response(&CreateEndpointOutput { endpoint_arn: arn })
}

/// UpdateEndpoint: Updating → InService with the new config (rolled back if the new models fail).
pub(crate) async fn update_endpoint(
    inner: &Arc<Inner>,
    req: &UpdateEndpointInput,
) -> Result<Value, JsonError> {
    let name = name_of(
        req.endpoint_name.as_deref(),
        "EndpointName",
        "endpointName",
        false,
    )?;
    let mut c = Checker::new();
    let cfg = constraints::name_member(
        req.endpoint_config_name.as_deref(),
        "endpointConfigName",
        &constraints::NAME_RE,
        constraints::NAME_PATTERN,
        &mut c,
    );
    c.finish()?;
    let cfg = cfg.ok_or_else(|| JsonError::validation("EndpointConfigName is required."))?;
    let k = key(&name);
    let (arn, deployed, exact) = {
        let mut st = inner.state();
        let deployed = deployment(inner, &st, &cfg)?;
        let cfg_name = st
            .configs
            .get(&key(&cfg))
            .map(|c| c.name.clone())
            .unwrap_or(cfg);
        let ep = st
            .endpoints
            .get_mut(&k)
            .ok_or_else(|| could_not_find(inner, "endpoint", "endpoint", &name))?;
        if ep.status != EndpointStatus::InService {
            return Err(JsonError::validation(format!(
                "Cannot update in-progress endpoint \"{}\".",
                ep.arn
            )));
        }
        ep.status = EndpointStatus::Updating;
        ep.modified = now();
        ep.pending = Some((cfg_name, deployed.clone()));
        inner.persist(ENDPOINTS, &k, ep);
        (ep.arn.clone(), deployed, ep.name.clone())
    };
    load_and_wait(inner, k, exact, deployed, true).await;
    response(&UpdateEndpointOutput { endpoint_arn: arn })
}

/// DescribeEndpoint.
pub(crate) fn describe_endpoint(
    inner: &Inner,
    req: &DescribeEndpointInput,
) -> Result<Value, JsonError> {
    let name = name_of(
        req.endpoint_name.as_deref(),
        "EndpointName",
        "endpointName",
        false,
    )?;
    let st = inner.state();
    st.endpoints
        .get(&key(&name))
        .map(EndpointRecord::describe)
        .ok_or_else(|| could_not_find(inner, "endpoint", "endpoint", &name))
}

/// DeleteEndpoint: the endpoint is `Deleting` while its model is unloaded, then gone; this
/// happens before the call answers, so `endpoint-deleted` succeeds on its first poll.
pub(crate) fn delete_endpoint(
    inner: &Inner,
    req: &DeleteEndpointInput,
) -> Result<Value, JsonError> {
    let name = name_of(
        req.endpoint_name.as_deref(),
        "EndpointName",
        "endpointName",
        false,
    )?;
    let k = key(&name);
    let mut st = inner.state();
    let ep = st
        .endpoints
        .get_mut(&k)
        .ok_or_else(|| could_not_find(inner, "endpoint", "endpoint", &name))?;
    ep.status = EndpointStatus::Deleting;
    ep.modified = now();
    inner.persist(ENDPOINTS, &k, ep);
    set_live(inner, &k, None);
    st.endpoints.remove(&k);
    inner.unpersist(ENDPOINTS, &k);
    Ok(json!({}))
}

/// ListEndpoints.
pub(crate) fn list_endpoints(inner: &Inner, req: &ListEndpointsInput) -> Result<Value, JsonError> {
    let rows = inner
        .state()
        .endpoints
        .values()
        .map(|e| Row {
            name: e.name.clone(),
            creation: e.creation,
            modified: e.modified,
            status: Some(e.status.as_str().to_string()),
            summary: json!({
                "EndpointName": e.name, "EndpointArn": e.arn, "CreationTime": e.creation,
                "LastModifiedTime": e.modified, "EndpointStatus": e.status,
            }),
        })
        .collect();
    list::list(
        &req.into(),
        rows,
        &ListSpec {
            result_key: "Endpoints",
            sort_by: EndpointSortKey::VALUES,
            statuses: EndpointStatus::VALUES,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creating_endpoint_hides_variants() {
        let mut e = EndpointRecord {
            name: "Ep".into(),
            arn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep".into(),
            config: "cfg".into(),
            status: EndpointStatus::Creating,
            creation: 1.0,
            modified: 1.0,
            failure: None,
            deployed: vec![Deployed {
                variant: "AllTraffic".into(),
                weight: 1.0,
                instance_count: 1,
                image: "img".into(),
                model_data_url: "s3://b/k.tar.gz".into(),
            }],
            pending: None,
            resolution_time: 1.0,
        };
        assert!(e.describe().get("ProductionVariants").is_none());
        e.status = EndpointStatus::InService;
        let d = e.describe();
        assert_eq!(d["ProductionVariants"][0]["VariantName"], "AllTraffic");
        assert_eq!(d["ProductionVariants"][0]["CurrentInstanceCount"], 1);
        assert_eq!(d["EndpointStatus"], "InService");
    }
}
