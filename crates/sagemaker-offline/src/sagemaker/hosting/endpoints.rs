//! Endpoints: CreateEndpoint / UpdateEndpoint / DescribeEndpoint / DeleteEndpoint /
//! ListEndpoints, and the persisted [`EndpointRecord`]. Create and Update answer once the models
//! have loaded or `Options::endpoint_load_wait` has passed, whichever comes first, so the
//! `endpoint-in-service` waiter's first poll sees `InService`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::live::{load_and_wait, set_live};
use super::{already_exists, could_not_find, key, name_of};
use crate::api_error::JsonError;
use crate::sagemaker::constraints::{self, Checker};
use crate::sagemaker::list::{self, ListSpec, Row};
use crate::sagemaker::records::ENDPOINTS;
use crate::sagemaker::{Inner, State, now};
use sagemaker_api::Empty;
use sagemaker_api::sagemaker::{
    CreateEndpointInput, CreateEndpointOutput, DeleteEndpointInput, DeployedImage,
    DescribeEndpointInput, DescribeEndpointOutput, EndpointSortKey, EndpointStatus,
    EndpointSummary, ListEndpointsInput, ListEndpointsOutput, ProductionVariantSummary,
    UpdateEndpointInput, UpdateEndpointOutput,
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
    pub(crate) fn describe(&self) -> DescribeEndpointOutput {
        // While Creating the real service shows no variants yet ([uncertain]; documented).
        let variants =
            (self.status != EndpointStatus::Creating && !self.deployed.is_empty()).then(|| {
                self.deployed
                    .iter()
                    .map(|d| ProductionVariantSummary {
                        variant_name: d.variant.clone(),
                        deployed_images: Some(vec![DeployedImage {
                            specified_image: Some(d.image.clone()),
                            resolved_image: Some(d.image.clone()),
                            resolution_time: Some(self.resolution_time),
                        }]),
                        current_weight: Some(d.weight),
                        desired_weight: Some(d.weight),
                        current_instance_count: i32::try_from(d.instance_count).ok(),
                        desired_instance_count: i32::try_from(d.instance_count).ok(),
                        ..Default::default()
                    })
                    .collect()
            });
        DescribeEndpointOutput {
            endpoint_name: self.name.clone(),
            endpoint_arn: self.arn.clone(),
            endpoint_config_name: Some(self.config.clone()),
            production_variants: variants,
            data_capture_config: None,
            endpoint_status: self.status.clone(),
            failure_reason: self.failure.clone(),
            creation_time: self.creation,
            last_modified_time: self.modified,
            last_deployment_config: None,
            async_inference_config: None,
            pending_deployment_summary: None,
            explainer_config: None,
            shadow_production_variants: None,
            metrics_config: None,
            cross_region_traffic_config: None,
        }
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
) -> Result<CreateEndpointOutput, JsonError> {
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
    Ok(CreateEndpointOutput { endpoint_arn: arn })
}

/// UpdateEndpoint: Updating → InService with the new config (rolled back if the new models fail).
pub(crate) async fn update_endpoint(
    inner: &Arc<Inner>,
    req: &UpdateEndpointInput,
) -> Result<UpdateEndpointOutput, JsonError> {
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
    Ok(UpdateEndpointOutput { endpoint_arn: arn })
}

/// DescribeEndpoint.
pub(crate) fn describe_endpoint(
    inner: &Inner,
    req: &DescribeEndpointInput,
) -> Result<DescribeEndpointOutput, JsonError> {
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
) -> Result<Empty, JsonError> {
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
    Ok(Empty {})
}

/// ListEndpoints.
pub(crate) fn list_endpoints(
    inner: &Inner,
    req: &ListEndpointsInput,
) -> Result<ListEndpointsOutput, JsonError> {
    let rows = inner
        .state()
        .endpoints
        .values()
        .map(|e| Row {
            name: e.name.clone(),
            creation: e.creation,
            modified: e.modified,
            status: Some(e.status.as_str().to_string()),
            summary: EndpointSummary {
                endpoint_name: e.name.clone(),
                endpoint_arn: e.arn.clone(),
                creation_time: e.creation,
                last_modified_time: e.modified,
                endpoint_status: e.status.clone(),
            },
        })
        .collect();
    let page = list::list(
        &req.into(),
        rows,
        &ListSpec {
            sort_by: EndpointSortKey::VALUES,
            statuses: EndpointStatus::VALUES,
        },
    )?;
    Ok(ListEndpointsOutput {
        endpoints: page.items,
        next_token: page.next_token,
    })
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
        assert!(e.describe().production_variants.is_none());
        e.status = EndpointStatus::InService;
        let d = e.describe();
        let variants = d.production_variants.unwrap_or_default();
        assert_eq!(variants[0].variant_name, "AllTraffic");
        assert_eq!(variants[0].current_instance_count, Some(1));
        assert_eq!(d.endpoint_status, EndpointStatus::InService);
    }
}
