//! Endpoint configs: CreateEndpointConfig / DescribeEndpointConfig / DeleteEndpointConfig /
//! ListEndpointConfigs. Every variant's model must exist when the config is created.

use serde::{Deserialize, Serialize};

use super::{already_exists, could_not_find, key, name_of};
use crate::api_error::JsonError;
use crate::sagemaker::constraints::{self, Checker};
use crate::sagemaker::list::{self, ListSpec, Row};
use crate::sagemaker::records::CONFIGS;
use crate::sagemaker::{Inner, now};
use sagemaker_api::Empty;
use sagemaker_api::sagemaker::{
    AsyncInferenceConfig, CreateEndpointConfigInput, CreateEndpointConfigOutput, DataCaptureConfig,
    DeleteEndpointConfigInput, DescribeEndpointConfigInput, DescribeEndpointConfigOutput,
    EndpointConfigSortKey, EndpointConfigSummary, ListEndpointConfigsInput,
    ListEndpointConfigsOutput, ProductionVariant,
};

/// One production variant of an endpoint config.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VariantSpec {
    pub variant: String,
    pub model: String,
    pub weight: f64,
    pub instance_count: i64,
    pub instance_type: Option<String>,
    /// The variant as DescribeEndpointConfig echoes it (InitialVariantWeight filled).
    pub echo: ProductionVariant,
}

/// An endpoint config as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConfigRecord {
    pub name: String,
    pub arn: String,
    pub creation: f64,
    pub variants: Vec<VariantSpec>,
    pub echo: ConfigEcho,
}

/// The configuration-level request members DescribeEndpointConfig echoes. Persisted under the
/// members' wire names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ConfigEcho {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_capture_config: Option<DataCaptureConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub async_inference_config: Option<AsyncInferenceConfig>,
}

/// CreateEndpointConfig.
pub(crate) fn create_config(
    inner: &Inner,
    req: &CreateEndpointConfigInput,
) -> Result<CreateEndpointConfigOutput, JsonError> {
    let name = name_of(
        req.endpoint_config_name.as_deref(),
        "EndpointConfigName",
        "endpointConfigName",
        false,
    )?;
    let mut c = Checker::new();
    let mut variants = Vec::new();
    match &req.production_variants {
        None => c.missing("productionVariants"),
        Some(list) => {
            if list.is_empty() || list.len() > 10 {
                c.add(
                    Some(&list.len().to_string()),
                    "productionVariants",
                    "Member must have length between 1 and 10",
                );
            }
            for (i, v) in list.iter().enumerate() {
                let p = format!("productionVariants.{}.member", i + 1);
                let vn = constraints::name_member(
                    v.variant_name.as_deref(),
                    &format!("{p}.variantName"),
                    &constraints::NAME_RE,
                    constraints::NAME_PATTERN,
                    &mut c,
                );
                let model = v.model_name.as_deref();
                match model {
                    None => c.missing(&format!("{p}.modelName")),
                    Some(m) => c.string(
                        m,
                        &format!("{p}.modelName"),
                        0,
                        63,
                        Some((&constraints::MODEL_NAME_RE, constraints::MODEL_NAME_PATTERN)),
                    ),
                }
                let count = v.initial_instance_count.map(i64::from);
                match count {
                    None => c.missing(&format!("{p}.initialInstanceCount")),
                    Some(n) => c.at_least(n, &format!("{p}.initialInstanceCount"), 1),
                }
                let itype = v.instance_type.as_ref().map(|t| t.as_str());
                match itype {
                    None => c.missing(&format!("{p}.instanceType")),
                    Some(t) => c.string(
                        t,
                        &format!("{p}.instanceType"),
                        0,
                        64,
                        Some((
                            &constraints::INSTANCE_TYPE_RE,
                            constraints::INSTANCE_TYPE_PATTERN,
                        )),
                    ),
                }
                let weight = v.initial_variant_weight.unwrap_or(1.0);
                if weight < 0.0 {
                    c.add(
                        Some(&weight.to_string()),
                        &format!("{p}.initialVariantWeight"),
                        "Member must have value greater than or equal to 0",
                    );
                }
                if let (Some(vn), Some(m)) = (vn, model) {
                    let mut echo = v.clone();
                    echo.initial_variant_weight = Some(weight);
                    variants.push(VariantSpec {
                        variant: vn,
                        model: m.to_string(),
                        weight,
                        instance_count: count.unwrap_or(1),
                        instance_type: itype.map(str::to_string),
                        echo,
                    });
                }
            }
        }
    }
    c.finish()?;
    let mut seen = std::collections::BTreeSet::new();
    for v in &variants {
        if !seen.insert(v.variant.to_ascii_lowercase()) {
            return Err(JsonError::validation(format!(
                "Variant name \"{}\" is used more than once in ProductionVariants.",
                v.variant
            )));
        }
    }
    let arn = inner.arn("endpoint-config", &name);
    let echo = ConfigEcho {
        data_capture_config: req.data_capture_config.clone(),
        kms_key_id: req.kms_key_id.clone(),
        async_inference_config: req.async_inference_config.clone(),
    };
    let rec = ConfigRecord {
        name: name.clone(),
        arn: arn.clone(),
        creation: now(),
        variants,
        echo,
    };
    let k = key(&name);
    let mut st = inner.state();
    if st.configs.contains_key(&k) {
        return Err(already_exists(
            inner,
            "endpoint configuration",
            "endpoint-config",
            &name,
        ));
    }
    for v in &rec.variants {
        if !st.models.contains_key(&key(&v.model)) {
            return Err(could_not_find(inner, "model", "model", &v.model));
        }
    }
    inner.persist_new(CONFIGS, &k, &rec)?;
    st.configs.insert(k, rec);
    Ok(CreateEndpointConfigOutput {
        endpoint_config_arn: arn,
    })
}

/// DescribeEndpointConfig.
pub(crate) fn describe_config(
    inner: &Inner,
    req: &DescribeEndpointConfigInput,
) -> Result<DescribeEndpointConfigOutput, JsonError> {
    let name = name_of(
        req.endpoint_config_name.as_deref(),
        "EndpointConfigName",
        "endpointConfigName",
        false,
    )?;
    let st = inner.state();
    let cfg = st
        .configs
        .get(&key(&name))
        .ok_or_else(|| could_not_find(inner, "endpoint configuration", "endpoint-config", &name))?;
    let echo = cfg.echo.clone();
    Ok(DescribeEndpointConfigOutput {
        endpoint_config_name: cfg.name.clone(),
        endpoint_config_arn: cfg.arn.clone(),
        production_variants: cfg.variants.iter().map(|v| v.echo.clone()).collect(),
        data_capture_config: echo.data_capture_config,
        kms_key_id: echo.kms_key_id,
        creation_time: cfg.creation,
        async_inference_config: echo.async_inference_config,
        ..Default::default()
    })
}

/// DeleteEndpointConfig (allowed while an endpoint uses it, as on AWS).
pub(crate) fn delete_config(
    inner: &Inner,
    req: &DeleteEndpointConfigInput,
) -> Result<Empty, JsonError> {
    let name = name_of(
        req.endpoint_config_name.as_deref(),
        "EndpointConfigName",
        "endpointConfigName",
        false,
    )?;
    let k = key(&name);
    let mut st = inner.state();
    if st.configs.remove(&k).is_none() {
        return Err(could_not_find(
            inner,
            "endpoint configuration",
            "endpoint-config",
            &name,
        ));
    }
    inner.unpersist(CONFIGS, &k);
    Ok(Empty {})
}

/// ListEndpointConfigs.
pub(crate) fn list_configs(
    inner: &Inner,
    req: &ListEndpointConfigsInput,
) -> Result<ListEndpointConfigsOutput, JsonError> {
    let rows = inner
        .state()
        .configs
        .values()
        .map(|m| Row {
            name: m.name.clone(),
            creation: m.creation,
            modified: m.creation,
            status: None,
            summary: EndpointConfigSummary {
                endpoint_config_name: m.name.clone(),
                endpoint_config_arn: m.arn.clone(),
                creation_time: m.creation,
            },
        })
        .collect();
    let page = list::list(
        &req.into(),
        rows,
        &ListSpec {
            sort_by: EndpointConfigSortKey::VALUES,
            statuses: &[],
        },
    )?;
    Ok(ListEndpointConfigsOutput {
        endpoint_configs: page.items,
        next_token: page.next_token,
    })
}
