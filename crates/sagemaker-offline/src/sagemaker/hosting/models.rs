//! Models: CreateModel / DescribeModel / DeleteModel / ListModels. A model is accepted only
//! for the built-in Linear Learner image, with a single container whose `model.tar.gz` exists.

use serde::{Deserialize, Serialize};

use super::{already_exists, could_not_find, key, name_of};
use crate::api_error::JsonError;
use crate::sagemaker::arn::split_s3;
use crate::sagemaker::constraints::{self, Checker};
use crate::sagemaker::list::{self, ListSpec, Row};
use crate::sagemaker::records::MODELS;
use crate::sagemaker::{Inner, now};
use sagemaker_api::Empty;
use sagemaker_api::sagemaker::{
    ContainerDefinition, ContainerMode, CreateModelInput, CreateModelOutput, DeleteModelInput,
    DescribeModelInput, DescribeModelOutput, ListModelsInput, ListModelsOutput,
    ModelCompressionType, ModelDataSource, ModelSortKey, ModelSummary, S3ModelDataSource,
    S3ModelDataType, VpcConfig,
};

/// A model as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ModelRecord {
    pub name: String,
    pub arn: String,
    pub creation: f64,
    pub image: String,
    pub model_data_url: String,
    /// Echoed members (PrimaryContainer with defaults, ExecutionRoleArn, …).
    pub echo: ModelEcho,
}

/// The request members DescribeModel echoes, with the defaults the service fills in (Mode
/// `SingleModel`, an empty Environment, the ModelDataSource the ModelDataUrl stands for).
/// Persisted under the members' wire names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ModelEcho {
    pub primary_container: Option<ContainerDefinition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    pub enable_network_isolation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
}

/// CreateModel.
pub(crate) fn create_model(
    inner: &Inner,
    req: &CreateModelInput,
) -> Result<CreateModelOutput, JsonError> {
    let name = name_of(req.model_name.as_deref(), "ModelName", "modelName", true)?;
    let mut c = Checker::new();
    if let Some(r) = req.execution_role_arn.as_deref() {
        c.string(
            r,
            "executionRoleArn",
            20,
            2048,
            Some((&constraints::ROLE_RE, constraints::ROLE_PATTERN)),
        );
    }
    let container = match (&req.primary_container, &req.containers) {
        (Some(p), _) => Some(p),
        (None, Some(list)) if list.len() == 1 => Some(&list[0]),
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
    let image = container.image.as_deref();
    match image {
        None => c.missing("primaryContainer.image"),
        Some(i) => c.string(i, "primaryContainer.image", 0, 255, None),
    }
    let url = container.model_data_url.as_deref();
    match url {
        None => c.missing("primaryContainer.modelDataUrl"),
        Some(u) => c.string(
            u,
            "primaryContainer.modelDataUrl",
            0,
            1024,
            Some((&constraints::S3_RE, constraints::S3_PATTERN)),
        ),
    }
    if let Some(m) = &container.mode {
        c.one_of(
            m.as_str(),
            "primaryContainer.mode",
            &["SingleModel", "MultiModel"],
        );
    }
    c.finish()?;
    let (Some(image), Some(url)) = (image, url) else {
        return Err(JsonError::validation(
            "PrimaryContainer.Image and ModelDataUrl are required.",
        ));
    };
    if !constraints::is_linear_learner_image(image) {
        return Err(JsonError::validation(format!(
            "Image \"{image}\" is not supported by sagemaker-offline: it hosts only the built-in Linear Learner \
             (<account>.dkr.ecr.<region>.amazonaws.com/linear-learner:<tag>)."
        )));
    }
    if container.mode == Some(ContainerMode::MultiModel) {
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
    let (bucket, obj_key) = split_s3(url)?;
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
    let mut pc = container.clone();
    pc.mode.get_or_insert(ContainerMode::SingleModel);
    pc.environment.get_or_insert_with(Default::default);
    pc.model_data_source = Some(ModelDataSource {
        s3_data_source: Some(S3ModelDataSource {
            s3_uri: Some(url.to_string()),
            s3_data_type: Some(S3ModelDataType::S3Object),
            compression_type: Some(ModelCompressionType::Gzip),
            ..Default::default()
        }),
    });
    let echo = ModelEcho {
        primary_container: Some(pc),
        execution_role_arn: req.execution_role_arn.clone(),
        enable_network_isolation: Some(req.enable_network_isolation.unwrap_or(false)),
        vpc_config: req.vpc_config.clone(),
    };
    let arn = inner.arn("model", &name);
    let rec = ModelRecord {
        name: name.clone(),
        arn: arn.clone(),
        creation: now(),
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
    Ok(CreateModelOutput { model_arn: arn })
}

/// DescribeModel.
pub(crate) fn describe_model(
    inner: &Inner,
    req: &DescribeModelInput,
) -> Result<DescribeModelOutput, JsonError> {
    let name = name_of(req.model_name.as_deref(), "ModelName", "modelName", true)?;
    let st = inner.state();
    let m = st
        .models
        .get(&key(&name))
        .ok_or_else(|| could_not_find(inner, "model", "model", &name))?;
    let echo = m.echo.clone();
    Ok(DescribeModelOutput {
        model_name: m.name.clone(),
        primary_container: echo.primary_container,
        execution_role_arn: echo.execution_role_arn,
        vpc_config: echo.vpc_config,
        creation_time: m.creation,
        model_arn: m.arn.clone(),
        enable_network_isolation: echo.enable_network_isolation,
        ..Default::default()
    })
}

/// DeleteModel.
pub(crate) fn delete_model(inner: &Inner, req: &DeleteModelInput) -> Result<Empty, JsonError> {
    let name = name_of(req.model_name.as_deref(), "ModelName", "modelName", true)?;
    let k = key(&name);
    let mut st = inner.state();
    if st.models.remove(&k).is_none() {
        return Err(could_not_find(inner, "model", "model", &name));
    }
    inner.unpersist(MODELS, &k);
    Ok(Empty {})
}

/// ListModels.
pub(crate) fn list_models(
    inner: &Inner,
    req: &ListModelsInput,
) -> Result<ListModelsOutput, JsonError> {
    let rows = inner
        .state()
        .models
        .values()
        .map(|m| Row {
            name: m.name.clone(),
            creation: m.creation,
            modified: m.creation,
            status: None,
            summary: ModelSummary {
                model_name: m.name.clone(),
                model_arn: m.arn.clone(),
                creation_time: m.creation,
            },
        })
        .collect();
    let page = list::list(
        &req.into(),
        rows,
        &ListSpec {
            sort_by: ModelSortKey::VALUES,
            statuses: &[],
        },
    )?;
    Ok(ListModelsOutput {
        models: page.items,
        next_token: page.next_token,
    })
}
