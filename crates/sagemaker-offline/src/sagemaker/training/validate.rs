//! CreateTrainingJob's request validation: the shape checks in the service's words (every
//! violation of one request reported together, in member order), then the semantic checks the
//! stand-in adds (a Linear Learner image, S3Prefix channels that have objects, a `train` channel).
//! The result is the [`JobPlan`] the runner executes and the members DescribeTrainingJob echoes.
//!
//! The member constraints are those of the API reference:
//! <https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html>.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::job_key;
use crate::api_error::JsonError;
use crate::sagemaker::Inner;
use crate::sagemaker::arn::split_s3;
use crate::sagemaker::constraints::{self as k, Checker};
use crate::sagemaker::metrics::{MetricDefinition, linear_learner_definitions};
use sagemaker_api::sagemaker::{
    AlgorithmSpecification, Channel, CheckpointConfig, CompressionType, CreateTrainingJobRequest,
    DataSource, OutputCompressionType, OutputDataConfig, RecordWrapper, ResourceConfig,
    RetryStrategy, S3DataDistribution, StoppingCondition, TrainingInputMode, VpcConfig,
};

/// One input channel as the runner needs it.
#[derive(Debug, Clone)]
pub(crate) struct ChannelPlan {
    pub name: String,
    pub bucket: String,
    pub prefix: String,
    pub sharded: bool,
    pub content_type: Option<String>,
}

/// Everything the background runner needs.
#[derive(Debug, Clone)]
pub(crate) struct JobPlan {
    pub key: String,
    pub name: String,
    pub hyperparameters: BTreeMap<String, String>,
    pub channels: Vec<ChannelPlan>,
    pub instance_count: usize,
    pub output_bucket: String,
    pub output_key: String,
    pub max_runtime: u64,
    pub metric_defs: Vec<MetricDefinition>,
    pub log_epoch: i64,
}

/// A valid request: the plan, the echoed members, and the model artifact's S3 URI.
pub(crate) struct Validated {
    pub plan: JobPlan,
    pub echo: TrainingEcho,
    pub artifacts: String,
}

/// The request members DescribeTrainingJob echoes, with the defaults the service fills in
/// (FullyReplicated, CompressionType and RecordWrapperType `None`, the output's KmsKeyId `""` and
/// `GZIP`, MaxRuntimeInSeconds 86,400, the algorithm's metric definitions). Persisted with the job
/// under the members' wire names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct TrainingEcho {
    pub algorithm_specification: Option<AlgorithmSpecification>,
    pub hyper_parameters: Option<BTreeMap<String, String>>,
    pub role_arn: Option<String>,
    pub input_data_config: Option<Vec<Channel>>,
    pub output_data_config: Option<OutputDataConfig>,
    pub resource_config: Option<ResourceConfig>,
    pub stopping_condition: Option<StoppingCondition>,
    pub enable_network_isolation: Option<bool>,
    pub enable_inter_container_traffic_encryption: Option<bool>,
    pub enable_managed_spot_training: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_strategy: Option<RetryStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_config: Option<CheckpointConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_config: Option<VpcConfig>,
}

/// `AlgorithmSpecification` as far as the shape checks read it.
struct Algorithm<'a> {
    spec: Option<&'a AlgorithmSpecification>,
    image: Option<String>,
    input_mode: String,
    user_metrics: Vec<MetricDefinition>,
}

/// One `InputDataConfig` entry that passed the shape checks far enough to be planned.
struct ChannelIn {
    name: String,
    uri: String,
    sharded: bool,
    content_type: Option<String>,
    data_type: Option<String>,
}

/// Validates a CreateTrainingJob request.
pub(crate) fn validate(
    inner: &Inner,
    req: &CreateTrainingJobRequest,
) -> Result<Validated, JsonError> {
    let mut c = Checker::new();
    let name = k::name_member(
        req.training_job_name.as_deref(),
        "trainingJobName",
        &k::NAME_RE,
        k::NAME_PATTERN,
        &mut c,
    );
    let role = req.role_arn.as_deref();
    match role {
        None => c.missing("roleArn"),
        Some(r) => c.string(r, "roleArn", 20, 2048, Some((&k::ROLE_RE, k::ROLE_PATTERN))),
    }
    let alg = algorithm(req.algorithm_specification.as_ref(), &mut c);
    let hps = hyperparameters(req, &mut c);
    let (channels, echo_channels) = input_data_config(req, &mut c);
    let (output, echo_output) = output_data_config(req.output_data_config.as_ref(), &mut c);
    let (instance_count, echo_resource) = resource_config(req.resource_config.as_ref(), &mut c);
    let (max_runtime, echo_stop) = stopping_condition(req.stopping_condition.as_ref(), &mut c);
    c.finish()?;
    let (Some(name), Some(role), Some(output)) = (name, role, output) else {
        return Err(JsonError::validation(
            "TrainingJobName, RoleArn and OutputDataConfig are required.",
        ));
    };

    // Semantic checks (what the service checks after the shape is valid).
    let image = match alg.image {
        Some(i) if k::is_linear_learner_image(&i) => i,
        Some(i) => {
            return Err(JsonError::validation(format!(
                "TrainingImage \"{i}\" is not supported by sagemaker-offline: it runs only the built-in Linear Learner \
                 (<account>.dkr.ecr.<region>.amazonaws.com/linear-learner:<tag>)."
            )));
        }
        None => {
            return Err(JsonError::validation(
                "AlgorithmName is not supported by sagemaker-offline: give AlgorithmSpecification.TrainingImage = \
                 <account>.dkr.ecr.<region>.amazonaws.com/linear-learner:1.",
            ));
        }
    };
    let plans = plan_channels(inner, channels, role)?;
    let (out_bucket, out_prefix) = split_s3(&output)?;
    let out_prefix = out_prefix.trim_end_matches('/');
    let output_key = if out_prefix.is_empty() {
        format!("{name}/output/model.tar.gz")
    } else {
        format!("{out_prefix}/{name}/output/model.tar.gz")
    };

    let mut metric_defs = linear_learner_definitions();
    for m in alg.user_metrics {
        if !metric_defs.iter().any(|d| d.name == m.name) {
            metric_defs.push(m);
        }
    }
    let mut alg_echo = alg.spec.cloned().unwrap_or_default();
    alg_echo.training_image = Some(image);
    alg_echo.training_input_mode = Some(TrainingInputMode::from(alg.input_mode.as_str()));
    alg_echo.metric_definitions = Some(
        metric_defs
            .iter()
            .map(|d| sagemaker_api::sagemaker::MetricDefinition {
                name: Some(d.name.clone()),
                regex: Some(d.regex.clone()),
            })
            .collect(),
    );
    alg_echo
        .enable_sage_maker_metrics_time_series
        .get_or_insert(false);
    let echo = TrainingEcho {
        algorithm_specification: Some(alg_echo),
        hyper_parameters: Some(hps.iter().cloned().collect()),
        role_arn: Some(role.to_string()),
        input_data_config: Some(echo_channels),
        output_data_config: Some(echo_output),
        resource_config: Some(echo_resource),
        stopping_condition: Some(echo_stop),
        enable_network_isolation: Some(req.enable_network_isolation.unwrap_or(false)),
        enable_inter_container_traffic_encryption: Some(
            req.enable_inter_container_traffic_encryption
                .unwrap_or(false),
        ),
        enable_managed_spot_training: Some(req.enable_managed_spot_training.unwrap_or(false)),
        environment: req.environment.clone(),
        retry_strategy: req.retry_strategy.clone(),
        checkpoint_config: req.checkpoint_config.clone(),
        vpc_config: req.vpc_config.clone(),
    };
    let artifacts = format!("s3://{out_bucket}/{output_key}");
    let plan = JobPlan {
        key: job_key(&name),
        name: name.clone(),
        hyperparameters: hps.into_iter().collect(),
        channels: plans,
        instance_count: usize::try_from(instance_count).unwrap_or(1),
        output_bucket: out_bucket,
        output_key,
        max_runtime: u64::try_from(max_runtime).unwrap_or(86_400),
        metric_defs,
        log_epoch: 0,
    };
    Ok(Validated {
        plan,
        echo,
        artifacts,
    })
}

/// `AlgorithmSpecification`: TrainingImage (or AlgorithmName), TrainingInputMode,
/// MetricDefinitions.
fn algorithm<'a>(spec: Option<&'a AlgorithmSpecification>, c: &mut Checker) -> Algorithm<'a> {
    let mut alg = Algorithm {
        spec,
        image: None,
        input_mode: "File".to_string(),
        user_metrics: Vec::new(),
    };
    let Some(a) = spec else {
        c.missing("algorithmSpecification");
        return alg;
    };
    alg.image.clone_from(&a.training_image);
    match &alg.image {
        Some(i) => c.string(i, "algorithmSpecification.trainingImage", 0, 255, None),
        None => {
            if a.algorithm_name.is_none() {
                c.missing("algorithmSpecification.trainingImage");
            }
        }
    }
    match &a.training_input_mode {
        None => c.missing("algorithmSpecification.trainingInputMode"),
        Some(m) => {
            c.one_of(
                m.as_str(),
                "algorithmSpecification.trainingInputMode",
                &["Pipe", "File", "FastFile"],
            );
            alg.input_mode = m.as_str().to_string();
        }
    }
    if let Some(defs) = &a.metric_definitions {
        if defs.len() > 40 {
            c.add(
                Some(&defs.len().to_string()),
                "algorithmSpecification.metricDefinitions",
                "Member must have length less than or equal to 40",
            );
        }
        for (i, d) in defs.iter().enumerate() {
            let p = format!("algorithmSpecification.metricDefinitions.{}.member", i + 1);
            let (n, r) = (d.name.as_deref(), d.regex.as_deref());
            if n.is_none() {
                c.missing(&format!("{p}.name"));
            }
            match r {
                None => c.missing(&format!("{p}.regex")),
                Some(r) if regex::Regex::new(r).is_err() => c.add(
                    Some(r),
                    &format!("{p}.regex"),
                    "Member must be a valid regular expression",
                ),
                _ => {}
            }
            if let (Some(n), Some(r)) = (n, r) {
                alg.user_metrics.push(MetricDefinition {
                    name: n.to_string(),
                    regex: r.to_string(),
                });
            }
        }
    }
    alg
}

/// `HyperParameters`: at most 100, keys up to 256 and values up to 2500 characters.
fn hyperparameters(req: &CreateTrainingJobRequest, c: &mut Checker) -> Vec<(String, String)> {
    let hps: Vec<(String, String)> = req
        .hyper_parameters
        .iter()
        .flatten()
        .map(|(key, v)| (key.clone(), v.clone()))
        .collect();
    if hps.len() > 100 {
        c.add(
            Some(&hps.len().to_string()),
            "hyperParameters",
            "Member must have length less than or equal to 100",
        );
    }
    for (key, v) in &hps {
        c.string(key, &format!("hyperParameters.{key}.key"), 0, 256, None);
        c.string(v, &format!("hyperParameters.{key}.value"), 0, 2500, None);
    }
    hps
}

/// `InputDataConfig`: 1 to 20 channels. Returns the channels that can be planned and the echo
/// (defaults filled: CompressionType and RecordWrapperType `None`, FullyReplicated).
fn input_data_config(
    req: &CreateTrainingJobRequest,
    c: &mut Checker,
) -> (Vec<ChannelIn>, Vec<Channel>) {
    let mut channels = Vec::new();
    let mut echo_channels = Vec::new();
    let Some(list) = &req.input_data_config else {
        c.missing("inputDataConfig");
        return (channels, echo_channels);
    };
    if list.is_empty() || list.len() > 20 {
        c.add(
            Some(&list.len().to_string()),
            "inputDataConfig",
            "Member must have length between 1 and 20",
        );
    }
    for (i, ch) in list.iter().enumerate() {
        let p = format!("inputDataConfig.{}.member", i + 1);
        let cname = ch.channel_name.as_deref();
        match cname {
            None => c.missing(&format!("{p}.channelName")),
            Some(n) => c.string(
                n,
                &format!("{p}.channelName"),
                1,
                64,
                Some((&k::CHANNEL_RE, k::CHANNEL_PATTERN)),
            ),
        }
        let ds = ch
            .data_source
            .as_ref()
            .and_then(|d| d.s3_data_source.as_ref());
        let mut uri = None;
        let mut sharded = false;
        let mut echo_ds = ds.cloned().unwrap_or_default();
        match &ds {
            None => c.missing(&format!("{p}.dataSource.s3DataSource")),
            Some(s) => {
                let sp = format!("{p}.dataSource.s3DataSource");
                match &s.s3_data_type {
                    None => c.missing(&format!("{sp}.s3DataType")),
                    Some(t) => {
                        let t = t.as_str();
                        c.one_of(
                            t,
                            &format!("{sp}.s3DataType"),
                            &[
                                "ManifestFile",
                                "S3Prefix",
                                "AugmentedManifestFile",
                                "Converse",
                            ],
                        );
                    }
                }
                match s.s3_uri.as_deref() {
                    None => c.missing(&format!("{sp}.s3Uri")),
                    Some(u) => {
                        c.string(
                            u,
                            &format!("{sp}.s3Uri"),
                            0,
                            1024,
                            Some((&k::S3_RE, k::S3_PATTERN)),
                        );
                        uri = Some(u.to_string());
                    }
                }
                let dist = s
                    .s3_data_distribution_type
                    .as_ref()
                    .map_or("FullyReplicated", |d| d.as_str());
                c.one_of(
                    dist,
                    &format!("{sp}.s3DataDistributionType"),
                    &["FullyReplicated", "ShardedByS3Key"],
                );
                sharded = dist == "ShardedByS3Key";
                echo_ds.s3_data_distribution_type = Some(S3DataDistribution::from(dist));
            }
        }
        if let Some(t) = &ch.compression_type {
            c.one_of(
                t.as_str(),
                &format!("{p}.compressionType"),
                &["None", "Gzip"],
            );
        }
        if let Some(t) = &ch.record_wrapper_type {
            c.one_of(
                t.as_str(),
                &format!("{p}.recordWrapperType"),
                &["None", "RecordIO"],
            );
        }
        if let Some(t) = &ch.input_mode {
            c.one_of(
                t.as_str(),
                &format!("{p}.inputMode"),
                &["Pipe", "File", "FastFile"],
            );
        }
        let content_type = ch.content_type.clone();
        let mut echo = ch.clone();
        echo.data_source = Some(DataSource {
            s3_data_source: Some(echo_ds),
            ..Default::default()
        });
        echo.compression_type.get_or_insert(CompressionType::None);
        echo.record_wrapper_type.get_or_insert(RecordWrapper::None);
        echo_channels.push(echo);
        if let (Some(n), Some(u)) = (cname, uri) {
            channels.push(ChannelIn {
                name: n.to_string(),
                uri: u,
                sharded,
                content_type,
                data_type: ds.and_then(|d| d.s3_data_type.as_ref().map(|t| t.as_str().to_string())),
            });
        }
    }
    (channels, echo_channels)
}

/// `OutputDataConfig`: the S3OutputPath and the echo (KmsKeyId `""`, CompressionType `GZIP`).
fn output_data_config(
    config: Option<&OutputDataConfig>,
    c: &mut Checker,
) -> (Option<String>, OutputDataConfig) {
    let Some(o) = config else {
        c.missing("outputDataConfig");
        return (None, OutputDataConfig::default());
    };
    let mut output = None;
    match o.s3_output_path.as_deref() {
        None => c.missing("outputDataConfig.s3OutputPath"),
        Some(u) => {
            c.string(
                u,
                "outputDataConfig.s3OutputPath",
                0,
                1024,
                Some((&k::S3_RE, k::S3_PATTERN)),
            );
            output = Some(u.to_string());
        }
    }
    if let Some(t) = &o.compression_type {
        c.one_of(
            t.as_str(),
            "outputDataConfig.compressionType",
            &["GZIP", "NONE"],
        );
    }
    let mut echo = o.clone();
    echo.kms_key_id.get_or_insert_with(String::new);
    echo.compression_type
        .get_or_insert(OutputCompressionType::Gzip);
    (output, echo)
}

/// `ResourceConfig`: InstanceType, InstanceCount (1 to 64 here: each host is a thread and a
/// folder of copies), VolumeSizeInGB, KeepAlivePeriodInSeconds.
fn resource_config(config: Option<&ResourceConfig>, c: &mut Checker) -> (i64, ResourceConfig) {
    let Some(r) = config else {
        c.missing("resourceConfig");
        return (1, ResourceConfig::default());
    };
    let mut instance_count = 1;
    match &r.instance_type {
        None => c.missing("resourceConfig.instanceType"),
        Some(t) => c.string(
            t.as_str(),
            "resourceConfig.instanceType",
            0,
            64,
            Some((&k::INSTANCE_TYPE_RE, k::INSTANCE_TYPE_PATTERN)),
        ),
    }
    match r.instance_count.map(i64::from) {
        None => c.missing("resourceConfig.instanceCount"),
        Some(n) => {
            c.at_least(n, "resourceConfig.instanceCount", 1);
            // A local sanity bound: each host is a thread and a folder of copies.
            c.at_most(n, "resourceConfig.instanceCount", 64);
            instance_count = n;
        }
    }
    match r.volume_size_in_gb.map(i64::from) {
        None => c.missing("resourceConfig.volumeSizeInGB"),
        Some(n) => c.at_least(n, "resourceConfig.volumeSizeInGB", 1),
    }
    if let Some(secs) = r.keep_alive_period_in_seconds.map(i64::from) {
        c.at_least(secs, "resourceConfig.keepAlivePeriodInSeconds", 0);
        c.at_most(secs, "resourceConfig.keepAlivePeriodInSeconds", 21600);
    }
    (instance_count, r.clone())
}

/// `StoppingCondition`: MaxRuntimeInSeconds 1 to 2,419,200 (28 days), default 86,400 (1 day).
fn stopping_condition(
    condition: Option<&StoppingCondition>,
    c: &mut Checker,
) -> (i64, StoppingCondition) {
    let mut max_runtime = 86_400i64;
    let Some(s) = condition else {
        c.missing("stoppingCondition");
        return (max_runtime, StoppingCondition::default());
    };
    if let Some(m) = s.max_runtime_in_seconds.map(i64::from) {
        c.at_least(m, "stoppingCondition.maxRuntimeInSeconds", 1);
        c.at_most(m, "stoppingCondition.maxRuntimeInSeconds", 2_419_200);
        max_runtime = m;
    }
    let mut echo = s.clone();
    echo.max_runtime_in_seconds
        .get_or_insert(i32::try_from(max_runtime).unwrap_or(86_400));
    (max_runtime, echo)
}

/// The channels' semantic checks: unique names, S3Prefix only, objects under each prefix (the
/// service's own message when there are none), and a `train` channel.
fn plan_channels(
    inner: &Inner,
    channels: Vec<ChannelIn>,
    role: &str,
) -> Result<Vec<ChannelPlan>, JsonError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut plans = Vec::new();
    for ch in channels {
        let cname = ch.name;
        if !seen.insert(cname.clone()) {
            return Err(JsonError::validation(format!(
                "Channel names must be unique; \"{cname}\" appears more than once in InputDataConfig."
            )));
        }
        if ch.data_type.as_deref() != Some("S3Prefix") {
            return Err(JsonError::validation(format!(
                "S3DataType {} of channel \"{cname}\" is not supported by sagemaker-offline; use S3Prefix.",
                ch.data_type.unwrap_or_default()
            )));
        }
        let uri = ch.uri;
        let (bucket, prefix) = split_s3(&uri)?;
        let found = inner
            .ctx
            .objects
            .list(&bucket, &prefix)
            .map(|l| l.iter().any(|o| !o.key.ends_with('/')))
            .unwrap_or(false);
        if !found {
            return Err(JsonError::validation(format!(
                "No S3 objects found under S3 URL \"{uri}\" given in input data source. Please ensure that the bucket exists \
                 in the selected region ({}), that objects exist under that S3 prefix, and that the role \"{role}\" has \
                 \"s3:ListBucket\" permissions on bucket \"{bucket}\".",
                inner.ctx.region
            )));
        }
        plans.push(ChannelPlan {
            name: cname,
            bucket,
            prefix,
            sharded: ch.sharded,
            content_type: ch.content_type,
        });
    }
    if !plans.iter().any(|p| p.name == "train") {
        return Err(JsonError::validation(
            "Linear Learner requires a channel named \"train\" in InputDataConfig.",
        ));
    }
    Ok(plans)
}
