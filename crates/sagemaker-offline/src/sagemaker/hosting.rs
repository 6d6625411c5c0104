//! Hosting: models, endpoint configs and endpoints (Create/Describe/Delete/List, UpdateEndpoint).
//!
//! An endpoint is `Creating` while its variants' `model.tar.gz` are read from the object store
//! and parsed by `linear_learner::Model::from_model_tar_gz`, then `InService` (or `Failed` with the
//! reason). The loaded models live in `Inner::live`, which InvokeEndpoint reads without touching
//! the records' lock.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Inner;
use super::list::{ListSpec, Row};
use super::names::{self, Checker, Obj};
use super::store::{CONFIGS, ENDPOINTS, MODELS};
use crate::api_error::JsonError;
use crate::logs::LogEvent;

/// A model as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ModelRecord {
    pub name: String,
    pub arn: String,
    pub creation: f64,
    pub image: String,
    pub model_data_url: String,
    /// Echoed members (PrimaryContainer with defaults, ExecutionRoleArn, …).
    pub echo: Map<String, Value>,
}

/// One production variant of an endpoint config.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VariantSpec {
    pub variant: String,
    pub model: String,
    pub weight: f64,
    pub instance_count: i64,
    pub instance_type: Option<String>,
    pub echo: Map<String, Value>,
}

/// An endpoint config as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConfigRecord {
    pub name: String,
    pub arn: String,
    pub creation: f64,
    pub variants: Vec<VariantSpec>,
    pub echo: Map<String, Value>,
}

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
    pub status: String,
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
    fn describe(&self) -> Value {
        let mut out = json!({
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.config,
            "EndpointStatus": self.status,
            "CreationTime": self.creation,
            "LastModifiedTime": self.modified,
        });
        // While Creating the real service shows no variants yet ([uncertain]; documented).
        if self.status != "Creating" && !self.deployed.is_empty() {
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

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn name_of<'a>(
    req: &'a Value,
    member: &str,
    path: &str,
    model: bool,
) -> Result<(String, Obj<'a>), JsonError> {
    let o = Obj::new(req, "request")?;
    let mut c = Checker::new();
    let (re, pat) = if model {
        (&*names::MODEL_NAME_RE, names::MODEL_NAME_PATTERN)
    } else {
        (&*names::NAME_RE, names::NAME_PATTERN)
    };
    let name = names::name_member(&o, member, path, re, pat, &mut c)?;
    c.finish()?;
    let name = name.ok_or_else(|| JsonError::validation(format!("{member} is required.")))?;
    Ok((name, o))
}

fn could_not_find(inner: &Inner, what: &str, kind: &str, name: &str) -> JsonError {
    JsonError::validation(format!(
        "Could not find {what} \"{}\".",
        inner.arn(kind, name)
    ))
}

fn already_exists(inner: &Inner, what: &str, kind: &str, name: &str) -> JsonError {
    JsonError::validation(format!(
        "Cannot create already existing {what} \"{}\".",
        inner.arn(kind, name)
    ))
}

// ---------------------------------------------------------------- models

/// CreateModel.
pub(crate) fn create_model(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, o) = name_of(req, "ModelName", "modelName", true)?;
    let mut c = Checker::new();
    if let Some(r) = o.str("ExecutionRoleArn")? {
        c.string(
            r,
            "executionRoleArn",
            20,
            2048,
            Some((&names::ROLE_RE, names::ROLE_PATTERN)),
        );
    }
    let container = match (o.obj("PrimaryContainer")?, o.list("Containers")?) {
        (Some(p), _) => Some(p),
        (None, Some(list)) if list.len() == 1 => Some(Obj::new(&list[0], "Containers[0]")?),
        (None, Some(list)) if list.len() > 1 => {
            return Err(JsonError::validation(
                "Inference pipelines (more than one container) are not supported by sagemaker-offline.",
            ));
        }
        _ => None,
    };
    let Some(container) = container else {
        c.missing("primaryContainer");
        c.finish()?;
        return Err(JsonError::validation("PrimaryContainer is required."));
    };
    let image = container.str("Image")?;
    match image {
        None => c.missing("primaryContainer.image"),
        Some(i) => c.string(i, "primaryContainer.image", 0, 255, None),
    }
    let url = container.str("ModelDataUrl")?;
    match url {
        None => c.missing("primaryContainer.modelDataUrl"),
        Some(u) => c.string(
            u,
            "primaryContainer.modelDataUrl",
            0,
            1024,
            Some((&names::S3_RE, names::S3_PATTERN)),
        ),
    }
    if let Some(m) = container.str("Mode")? {
        c.one_of(m, "primaryContainer.mode", &["SingleModel", "MultiModel"]);
    }
    let _ = container.string_map("Environment")?;
    c.finish()?;
    let (Some(image), Some(url)) = (image, url) else {
        return Err(JsonError::validation(
            "PrimaryContainer.Image and ModelDataUrl are required.",
        ));
    };
    if !names::is_linear_learner_image(image) {
        return Err(JsonError::validation(format!(
            "Image \"{image}\" is not supported by sagemaker-offline: it hosts only the built-in Linear Learner \
             (<account>.dkr.ecr.<region>.amazonaws.com/linear-learner:<tag>)."
        )));
    }
    if container.str("Mode")? == Some("MultiModel") {
        return Err(JsonError::validation(
            "Mode MultiModel is not supported by sagemaker-offline.",
        ));
    }
    let k = key(&name);
    if inner.state().models.contains_key(&k) {
        return Err(already_exists(inner, "model", "model", &name));
    }
    if !url.ends_with(".tar.gz") {
        return Err(JsonError::validation(format!(
            "Model data \"{url}\" must point to a single gzip compressed tar archive (.tar.gz suffix)."
        )));
    }
    let (bucket, obj_key) = names::split_s3(url)?;
    let exists = inner
        .ctx
        .objects
        .list(&bucket, &obj_key)
        .map(|l| l.iter().any(|o| o.key == obj_key))
        .unwrap_or(false);
    if !exists {
        return Err(JsonError::validation(format!(
            "Could not find model data at {url}."
        )));
    }
    let mut pc = container.map().clone();
    pc.entry("Mode").or_insert_with(|| json!("SingleModel"));
    pc.entry("Environment").or_insert_with(|| json!({}));
    pc.insert(
        "ModelDataSource".into(),
        json!({"S3DataSource": {"S3Uri": url, "S3DataType": "S3Object", "CompressionType": "Gzip"}}),
    );
    let mut echo = Map::new();
    echo.insert("PrimaryContainer".into(), Value::Object(pc));
    if let Some(r) = o.raw("ExecutionRoleArn") {
        echo.insert("ExecutionRoleArn".into(), r.clone());
    }
    echo.insert(
        "EnableNetworkIsolation".into(),
        json!(o.bool("EnableNetworkIsolation")?.unwrap_or(false)),
    );
    if let Some(v) = o.raw("VpcConfig") {
        echo.insert("VpcConfig".into(), v.clone());
    }
    let arn = inner.arn("model", &name);
    let rec = ModelRecord {
        name: name.clone(),
        arn: arn.clone(),
        creation: names::now(),
        image: image.to_string(),
        model_data_url: url.to_string(),
        echo,
    };
    let mut st = inner.state();
    if st.models.contains_key(&k) {
        return Err(already_exists(inner, "model", "model", &name));
    }
    inner.persist_new(MODELS, &k, &rec)?;
    st.models.insert(k, rec);
    Ok(json!({ "ModelArn": arn }))
}

/// DescribeModel.
pub(crate) fn describe_model(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, _) = name_of(req, "ModelName", "modelName", true)?;
    let st = inner.state();
    let m = st
        .models
        .get(&key(&name))
        .ok_or_else(|| could_not_find(inner, "model", "model", &name))?;
    let mut out = m.echo.clone();
    out.insert("ModelName".into(), json!(m.name));
    out.insert("ModelArn".into(), json!(m.arn));
    out.insert("CreationTime".into(), json!(m.creation));
    Ok(Value::Object(out))
}

/// DeleteModel.
pub(crate) fn delete_model(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, _) = name_of(req, "ModelName", "modelName", true)?;
    let k = key(&name);
    let mut st = inner.state();
    if st.models.remove(&k).is_none() {
        return Err(could_not_find(inner, "model", "model", &name));
    }
    inner.unpersist(MODELS, &k);
    Ok(json!({}))
}

/// ListModels.
pub(crate) fn list_models(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let o = Obj::new(req, "request")?;
    let rows = inner
        .state()
        .models
        .values()
        .map(|m| Row {
            name: m.name.clone(),
            creation: m.creation,
            modified: m.creation,
            status: None,
            summary: json!({"ModelName": m.name, "ModelArn": m.arn, "CreationTime": m.creation}),
        })
        .collect();
    super::list::list(
        &o,
        rows,
        &ListSpec {
            result_key: "Models",
            sort_by: &["Name", "CreationTime"],
            statuses: &[],
        },
    )
}

// ---------------------------------------------------------------- endpoint configs

/// CreateEndpointConfig.
pub(crate) fn create_config(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, o) = name_of(req, "EndpointConfigName", "endpointConfigName", false)?;
    let mut c = Checker::new();
    let mut variants = Vec::new();
    match o.list("ProductionVariants")? {
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
                let v = Obj::new(v, "ProductionVariant")?;
                let vn = names::name_member(
                    &v,
                    "VariantName",
                    &format!("{p}.variantName"),
                    &names::NAME_RE,
                    names::NAME_PATTERN,
                    &mut c,
                )?;
                let model = v.str("ModelName")?;
                match model {
                    None => c.missing(&format!("{p}.modelName")),
                    Some(m) => c.string(
                        m,
                        &format!("{p}.modelName"),
                        0,
                        63,
                        Some((&names::MODEL_NAME_RE, names::MODEL_NAME_PATTERN)),
                    ),
                }
                let count = v.int("InitialInstanceCount")?;
                match count {
                    None => c.missing(&format!("{p}.initialInstanceCount")),
                    Some(n) => c.at_least(n, &format!("{p}.initialInstanceCount"), 1),
                }
                let itype = v.str("InstanceType")?;
                match itype {
                    None => c.missing(&format!("{p}.instanceType")),
                    Some(t) => c.string(
                        t,
                        &format!("{p}.instanceType"),
                        0,
                        64,
                        Some((&names::INSTANCE_TYPE_RE, names::INSTANCE_TYPE_PATTERN)),
                    ),
                }
                let weight = v.num("InitialVariantWeight")?.unwrap_or(1.0);
                if weight < 0.0 {
                    c.add(
                        Some(&weight.to_string()),
                        &format!("{p}.initialVariantWeight"),
                        "Member must have value greater than or equal to 0",
                    );
                }
                if let (Some(vn), Some(m)) = (vn, model) {
                    let mut echo = v.map().clone();
                    echo.insert("InitialVariantWeight".into(), json!(weight));
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
    let mut echo = Map::new();
    for k in ["DataCaptureConfig", "KmsKeyId", "AsyncInferenceConfig"] {
        if let Some(v) = o.raw(k) {
            echo.insert(k.into(), v.clone());
        }
    }
    let rec = ConfigRecord {
        name: name.clone(),
        arn: arn.clone(),
        creation: names::now(),
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
    Ok(json!({ "EndpointConfigArn": arn }))
}

/// DescribeEndpointConfig.
pub(crate) fn describe_config(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, _) = name_of(req, "EndpointConfigName", "endpointConfigName", false)?;
    let st = inner.state();
    let cfg = st
        .configs
        .get(&key(&name))
        .ok_or_else(|| could_not_find(inner, "endpoint configuration", "endpoint-config", &name))?;
    let mut out = cfg.echo.clone();
    out.insert("EndpointConfigName".into(), json!(cfg.name));
    out.insert("EndpointConfigArn".into(), json!(cfg.arn));
    out.insert(
        "ProductionVariants".into(),
        Value::Array(
            cfg.variants
                .iter()
                .map(|v| Value::Object(v.echo.clone()))
                .collect(),
        ),
    );
    out.insert("CreationTime".into(), json!(cfg.creation));
    Ok(Value::Object(out))
}

/// DeleteEndpointConfig (allowed while an endpoint uses it, as on AWS).
pub(crate) fn delete_config(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, _) = name_of(req, "EndpointConfigName", "endpointConfigName", false)?;
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
    Ok(json!({}))
}

/// ListEndpointConfigs.
pub(crate) fn list_configs(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let o = Obj::new(req, "request")?;
    let rows = inner
        .state()
        .configs
        .values()
        .map(|m| Row {
            name: m.name.clone(),
            creation: m.creation,
            modified: m.creation,
            status: None,
            summary: json!({"EndpointConfigName": m.name, "EndpointConfigArn": m.arn, "CreationTime": m.creation}),
        })
        .collect();
    super::list::list(
        &o,
        rows,
        &ListSpec {
            result_key: "EndpointConfigs",
            sort_by: &["Name", "CreationTime"],
            statuses: &[],
        },
    )
}

// ---------------------------------------------------------------- endpoints

/// Resolves a config's variants to what gets deployed (under the records' lock).
fn deployment(inner: &Inner, st: &super::State, config: &str) -> Result<Vec<Deployed>, JsonError> {
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

/// Reads and parses every variant's model (blocking I/O).
fn load_models(
    inner: &Inner,
    endpoint: &str,
    deployed: &[Deployed],
) -> Result<Vec<LiveVariant>, String> {
    deployed
        .iter()
        .map(|d| {
            endpoint_log(inner, endpoint, &d.variant, &format!("Loading model from {}", d.model_data_url));
            let loaded = names::split_s3(&d.model_data_url)
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

fn set_live(inner: &Inner, k: &str, live: Option<LiveEndpoint>) {
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
fn finish_load(inner: &Inner, k: &str, result: Result<Vec<LiveVariant>, String>, updating: bool) {
    let mut st = inner.state();
    let Some(ep) = st.endpoints.get_mut(k) else {
        return;
    };
    let now = names::now();
    match result {
        Ok(variants) => {
            if updating && let Some((cfg, deployed)) = ep.pending.take() {
                ep.config = cfg;
                ep.deployed = deployed;
            }
            ep.status = "InService".into();
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
                ep.status = "InService".into();
                ep.failure = Some(format!("Update failed and was rolled back: {reason}"));
            } else {
                ep.status = "Failed".into();
                ep.failure = Some(reason);
                set_live(inner, k, None);
            }
        }
    }
    ep.modified = now;
    inner.persist(ENDPOINTS, k, ep);
}

/// Starts the model load on the blocking pool and waits (bounded) for it.
async fn load_and_wait(
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

/// CreateEndpoint.
pub(crate) async fn create_endpoint(inner: &Arc<Inner>, req: &Value) -> Result<Value, JsonError> {
    let (name, o) = name_of(req, "EndpointName", "endpointName", false)?;
    let mut c = Checker::new();
    let cfg = names::name_member(
        &o,
        "EndpointConfigName",
        "endpointConfigName",
        &names::NAME_RE,
        names::NAME_PATTERN,
        &mut c,
    )?;
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
        let now = names::now();
        let rec = EndpointRecord {
            name: name.clone(),
            arn: arn.clone(),
            config: st
                .configs
                .get(&key(&cfg))
                .map(|c| c.name.clone())
                .unwrap_or(cfg),
            status: "Creating".into(),
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
    Ok(json!({ "EndpointArn": arn }))
}

/// UpdateEndpoint: Updating → InService with the new config (rolled back if the new models fail).
pub(crate) async fn update_endpoint(inner: &Arc<Inner>, req: &Value) -> Result<Value, JsonError> {
    let (name, o) = name_of(req, "EndpointName", "endpointName", false)?;
    let mut c = Checker::new();
    let cfg = names::name_member(
        &o,
        "EndpointConfigName",
        "endpointConfigName",
        &names::NAME_RE,
        names::NAME_PATTERN,
        &mut c,
    )?;
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
        if ep.status != "InService" {
            return Err(JsonError::validation(format!(
                "Cannot update in-progress endpoint \"{}\".",
                ep.arn
            )));
        }
        ep.status = "Updating".into();
        ep.modified = names::now();
        ep.pending = Some((cfg_name, deployed.clone()));
        inner.persist(ENDPOINTS, &k, ep);
        (ep.arn.clone(), deployed, ep.name.clone())
    };
    load_and_wait(inner, k, exact, deployed, true).await;
    Ok(json!({ "EndpointArn": arn }))
}

/// DescribeEndpoint.
pub(crate) fn describe_endpoint(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, _) = name_of(req, "EndpointName", "endpointName", false)?;
    let st = inner.state();
    st.endpoints
        .get(&key(&name))
        .map(EndpointRecord::describe)
        .ok_or_else(|| could_not_find(inner, "endpoint", "endpoint", &name))
}

/// DeleteEndpoint: the endpoint is `Deleting` while its model is unloaded, then gone; this
/// happens before the call answers, so `endpoint-deleted` succeeds on its first poll.
pub(crate) fn delete_endpoint(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let (name, _) = name_of(req, "EndpointName", "endpointName", false)?;
    let k = key(&name);
    let mut st = inner.state();
    let ep = st
        .endpoints
        .get_mut(&k)
        .ok_or_else(|| could_not_find(inner, "endpoint", "endpoint", &name))?;
    ep.status = "Deleting".into();
    ep.modified = names::now();
    inner.persist(ENDPOINTS, &k, ep);
    set_live(inner, &k, None);
    st.endpoints.remove(&k);
    inner.unpersist(ENDPOINTS, &k);
    Ok(json!({}))
}

/// ListEndpoints.
pub(crate) fn list_endpoints(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let o = Obj::new(req, "request")?;
    let rows = inner
        .state()
        .endpoints
        .values()
        .map(|e| Row {
            name: e.name.clone(),
            creation: e.creation,
            modified: e.modified,
            status: Some(e.status.clone()),
            summary: json!({
                "EndpointName": e.name, "EndpointArn": e.arn, "CreationTime": e.creation,
                "LastModifiedTime": e.modified, "EndpointStatus": e.status,
            }),
        })
        .collect();
    super::list::list(
        &o,
        rows,
        &ListSpec {
            result_key: "Endpoints",
            sort_by: &["Name", "CreationTime", "Status"],
            statuses: &[
                "OutOfService",
                "Creating",
                "Updating",
                "SystemUpdating",
                "RollingBack",
                "InService",
                "Deleting",
                "Failed",
                "UpdateRollbackFailed",
            ],
        },
    )
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
        match ep.status.as_str() {
            "Deleting" => {
                inner.unpersist(ENDPOINTS, &k);
                continue;
            }
            "Failed" | "OutOfService" => {
                inner.state().endpoints.insert(k, ep);
                continue;
            }
            _ => {}
        }
        // An interrupted update is rolled back to what was serving.
        ep.pending = None;
        ep.status = "Creating".into();
        let deployed = ep.deployed.clone();
        let name = ep.name.clone();
        inner.state().endpoints.insert(k.clone(), ep);
        let result = load_models(inner, &name, &deployed);
        finish_load(inner, &k, result, false);
    }
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

    #[test]
    fn creating_endpoint_hides_variants() {
        let mut e = EndpointRecord {
            name: "Ep".into(),
            arn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep".into(),
            config: "cfg".into(),
            status: "Creating".into(),
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
        e.status = "InService".into();
        let d = e.describe();
        assert_eq!(d["ProductionVariants"][0]["VariantName"], "AllTraffic");
        assert_eq!(d["ProductionVariants"][0]["CurrentInstanceCount"], 1);
        assert_eq!(d["EndpointStatus"], "InService");
    }
}
