//! Training jobs: CreateTrainingJob / DescribeTrainingJob / ListTrainingJobs / StopTrainingJob and
//! the background runner that gives each simulated host its own File-mode copy of its objects and
//! hands them to `linear_learner::train`.
//!
//! Status model (spec §3.5): `InProgress` with secondary statuses Starting → Downloading →
//! Training → Uploading → Completed, or Failed / Stopping → Stopped / MaxRuntimeExceeded. Each
//! transition's EndTime is the next one's StartTime; TrainingStartTime is the end of Starting
//! (time spent waiting for a training slot is not training time); TrainingEndTime is the start of
//! the final status.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Inner;
use super::list::{ListSpec, Row};
use super::metrics::{MetricDatum, MetricDefinition, Scraper, linear_learner_definitions};
use super::names::{self, Checker, Obj};
use super::store::JOBS;
use crate::api_error::JsonError;
use crate::logs::LogEvent;

/// Log group of all training jobs.
pub const TRAINING_LOG_GROUP: &str = "/aws/sagemaker/TrainingJobs";

/// One entry of SecondaryStatusTransitions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Transition {
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "StartTime")]
    pub start: f64,
    #[serde(rename = "EndTime", skip_serializing_if = "Option::is_none", default)]
    pub end: Option<f64>,
    #[serde(rename = "StatusMessage")]
    pub message: String,
}

/// A training job as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JobRecord {
    pub name: String,
    pub arn: String,
    /// The request members echoed by DescribeTrainingJob (defaults filled).
    pub echo: Map<String, Value>,
    pub status: String,
    pub secondary: String,
    pub transitions: Vec<Transition>,
    pub creation: f64,
    pub modified: f64,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub failure: Option<String>,
    pub metrics: Vec<MetricDatum>,
    pub artifacts: String,
    pub instance_count: u32,
    /// Epoch seconds used in the log stream names `JOB/algo-N-<secs>`.
    pub log_epoch: i64,
}

impl JobRecord {
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "Completed" | "Failed" | "Stopped")
    }

    /// Closes the current transition at `at` and opens `secondary`; terminal ones end at once.
    pub(crate) fn transition(&mut self, secondary: &str, message: &str, at: f64) {
        if let Some(last) = self.transitions.last_mut()
            && last.end.is_none()
        {
            last.end = Some(at);
        }
        let status = primary_status(secondary);
        let terminal = matches!(status, "Completed" | "Failed" | "Stopped");
        self.transitions.push(Transition {
            status: secondary.to_string(),
            start: at,
            end: terminal.then_some(at),
            message: message.to_string(),
        });
        self.secondary = secondary.to_string();
        self.status = status.to_string();
        self.modified = at;
        if terminal {
            self.end = Some(at);
            if self.start.is_none() {
                self.start = Some(at);
            }
        }
    }

    /// Whole seconds between TrainingStartTime and TrainingEndTime, at least 1.
    pub(crate) fn training_seconds(&self) -> Option<i64> {
        match (self.start, self.end) {
            (Some(s), Some(e)) => Some(((e - s).floor() as i64).max(1)),
            _ => None,
        }
    }

    pub(crate) fn describe(&self) -> Value {
        let mut out = self.echo.clone();
        out.insert("TrainingJobName".into(), json!(self.name));
        out.insert("TrainingJobArn".into(), json!(self.arn));
        out.insert(
            "ModelArtifacts".into(),
            json!({ "S3ModelArtifacts": self.artifacts }),
        );
        out.insert("TrainingJobStatus".into(), json!(self.status));
        out.insert("SecondaryStatus".into(), json!(self.secondary));
        out.insert("CreationTime".into(), json!(self.creation));
        out.insert("LastModifiedTime".into(), json!(self.modified));
        if let Some(s) = self.start {
            out.insert("TrainingStartTime".into(), json!(s));
        }
        if let Some(e) = self.end {
            out.insert("TrainingEndTime".into(), json!(e));
        }
        out.insert("SecondaryStatusTransitions".into(), json!(self.transitions));
        if !self.metrics.is_empty() {
            out.insert("FinalMetricDataList".into(), json!(self.metrics));
        }
        if let Some(f) = &self.failure {
            out.insert("FailureReason".into(), json!(f));
        }
        if let Some(t) = self.training_seconds() {
            out.insert("TrainingTimeInSeconds".into(), json!(t));
            // Per instance, as the service defines it: billed compute = this × InstanceCount.
            out.insert("BillableTimeInSeconds".into(), json!(t));
        }
        out.insert("ProfilingStatus".into(), json!("Disabled"));
        Value::Object(out)
    }

    fn summary(&self) -> Row {
        let mut s = json!({
            "TrainingJobName": self.name,
            "TrainingJobArn": self.arn,
            "CreationTime": self.creation,
            "LastModifiedTime": self.modified,
            "TrainingJobStatus": self.status,
            "SecondaryStatus": self.secondary,
        });
        if let Some(e) = self.end {
            s["TrainingEndTime"] = json!(e);
        }
        Row {
            name: self.name.clone(),
            creation: self.creation,
            modified: self.modified,
            status: Some(self.status.clone()),
            summary: s,
        }
    }
}

fn primary_status(secondary: &str) -> &'static str {
    match secondary {
        "Completed" => "Completed",
        "Failed" => "Failed",
        "Stopping" => "Stopping",
        "Stopped" | "MaxRuntimeExceeded" | "MaxWaitTimeExceeded" => "Stopped",
        _ => "InProgress",
    }
}

/// Why the cancel flag was raised.
const CANCEL_NONE: u8 = 0;
const CANCEL_STOP: u8 = 1;
const CANCEL_MAX_RUNTIME: u8 = 2;

/// The cancel flag handed to `linear_learner::train`, with the reason.
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    flag: AtomicBool,
    reason: AtomicU8,
}

impl Cancel {
    fn raise(&self, reason: u8) {
        let _ =
            self.reason
                .compare_exchange(CANCEL_NONE, reason, Ordering::SeqCst, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
    }
    fn raised(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// One input channel as the runner needs it.
#[derive(Debug, Clone)]
struct ChannelPlan {
    name: String,
    bucket: String,
    prefix: String,
    sharded: bool,
    content_type: Option<String>,
}

/// Everything the background runner needs.
#[derive(Debug, Clone)]
struct JobPlan {
    key: String,
    name: String,
    hyperparameters: BTreeMap<String, String>,
    channels: Vec<ChannelPlan>,
    instance_count: usize,
    output_bucket: String,
    output_key: String,
    max_runtime: u64,
    metric_defs: Vec<MetricDefinition>,
    log_epoch: i64,
}

/// Host names `algo-1` … `algo-n`.
pub fn host_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("algo-{i}")).collect()
}

/// Which keys each of `hosts` hosts receives: everything under FullyReplicated; under
/// ShardedByS3Key the lexicographically sorted keys dealt round-robin (host i gets keys
/// i, i+N, i+2N, …). Returns one list per host, in key order.
pub fn assign_objects<T: Clone>(sorted: &[T], hosts: usize, sharded: bool) -> Vec<Vec<T>> {
    let hosts = hosts.max(1);
    (0..hosts)
        .map(|h| {
            if sharded {
                sorted.iter().skip(h).step_by(hosts).cloned().collect()
            } else {
                sorted.to_vec()
            }
        })
        .collect()
}

fn job_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn not_found() -> JsonError {
    JsonError::validation("Requested resource not found.")
}

/// Validates a CreateTrainingJob request; returns the plan and the echo.
fn validate(
    inner: &Inner,
    req: &Obj<'_>,
) -> Result<(JobPlan, Map<String, Value>, String), JsonError> {
    let mut c = Checker::new();
    let name = names::name_member(
        req,
        "TrainingJobName",
        "trainingJobName",
        &names::NAME_RE,
        names::NAME_PATTERN,
        &mut c,
    )?;
    let role = req.str("RoleArn")?;
    match role {
        None => c.missing("roleArn"),
        Some(r) => c.string(
            r,
            "roleArn",
            20,
            2048,
            Some((&names::ROLE_RE, names::ROLE_PATTERN)),
        ),
    }
    // AlgorithmSpecification
    let alg = req.obj("AlgorithmSpecification")?;
    let mut image = None;
    let mut input_mode = "File".to_string();
    let mut user_metrics: Vec<MetricDefinition> = Vec::new();
    match &alg {
        None => c.missing("algorithmSpecification"),
        Some(a) => {
            image = a.str("TrainingImage")?.map(str::to_string);
            match &image {
                Some(i) => c.string(i, "algorithmSpecification.trainingImage", 0, 255, None),
                None => {
                    if a.str("AlgorithmName")?.is_none() {
                        c.missing("algorithmSpecification.trainingImage");
                    }
                }
            }
            match a.str("TrainingInputMode")? {
                None => c.missing("algorithmSpecification.trainingInputMode"),
                Some(m) => {
                    c.one_of(
                        m,
                        "algorithmSpecification.trainingInputMode",
                        &["Pipe", "File", "FastFile"],
                    );
                    input_mode = m.to_string();
                }
            }
            if let Some(defs) = a.list("MetricDefinitions")? {
                if defs.len() > 40 {
                    c.add(
                        Some(&defs.len().to_string()),
                        "algorithmSpecification.metricDefinitions",
                        "Member must have length less than or equal to 40",
                    );
                }
                for (i, d) in defs.iter().enumerate() {
                    let d = Obj::new(d, "MetricDefinition")?;
                    let p = format!("algorithmSpecification.metricDefinitions.{}.member", i + 1);
                    let (n, r) = (d.str("Name")?, d.str("Regex")?);
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
                        user_metrics.push(MetricDefinition {
                            name: n.to_string(),
                            regex: r.to_string(),
                        });
                    }
                }
            }
        }
    }
    // HyperParameters
    let hps = req.string_map("HyperParameters")?.unwrap_or_default();
    if hps.len() > 100 {
        c.add(
            Some(&hps.len().to_string()),
            "hyperParameters",
            "Member must have length less than or equal to 100",
        );
    }
    for (k, v) in &hps {
        c.string(k, &format!("hyperParameters.{k}.key"), 0, 256, None);
        c.string(v, &format!("hyperParameters.{k}.value"), 0, 2500, None);
    }
    // InputDataConfig
    let mut channels = Vec::new();
    let mut echo_channels = Vec::new();
    match req.list("InputDataConfig")? {
        None => c.missing("inputDataConfig"),
        Some(list) => {
            if list.is_empty() || list.len() > 20 {
                c.add(
                    Some(&list.len().to_string()),
                    "inputDataConfig",
                    "Member must have length between 1 and 20",
                );
            }
            for (i, ch) in list.iter().enumerate() {
                let p = format!("inputDataConfig.{}.member", i + 1);
                let o = Obj::new(ch, "Channel")?;
                let cname = o.str("ChannelName")?;
                match cname {
                    None => c.missing(&format!("{p}.channelName")),
                    Some(n) => c.string(
                        n,
                        &format!("{p}.channelName"),
                        1,
                        64,
                        Some((&names::CHANNEL_RE, names::CHANNEL_PATTERN)),
                    ),
                }
                let ds = o
                    .obj("DataSource")?
                    .map(|d| d.obj("S3DataSource"))
                    .transpose()?
                    .flatten();
                let mut uri = None;
                let mut sharded = false;
                let mut echo_ds = Map::new();
                match &ds {
                    None => c.missing(&format!("{p}.dataSource.s3DataSource")),
                    Some(s) => {
                        match s.str("S3DataType")? {
                            None => c.missing(&format!("{p}.dataSource.s3DataSource.s3DataType")),
                            Some(t) => {
                                c.one_of(
                                    t,
                                    &format!("{p}.dataSource.s3DataSource.s3DataType"),
                                    &[
                                        "ManifestFile",
                                        "S3Prefix",
                                        "AugmentedManifestFile",
                                        "Converse",
                                    ],
                                );
                                echo_ds.insert("S3DataType".into(), json!(t));
                            }
                        }
                        match s.str("S3Uri")? {
                            None => c.missing(&format!("{p}.dataSource.s3DataSource.s3Uri")),
                            Some(u) => {
                                c.string(
                                    u,
                                    &format!("{p}.dataSource.s3DataSource.s3Uri"),
                                    0,
                                    1024,
                                    Some((&names::S3_RE, names::S3_PATTERN)),
                                );
                                uri = Some(u.to_string());
                                echo_ds.insert("S3Uri".into(), json!(u));
                            }
                        }
                        let dist = s
                            .str("S3DataDistributionType")?
                            .unwrap_or("FullyReplicated");
                        c.one_of(
                            dist,
                            &format!("{p}.dataSource.s3DataSource.s3DataDistributionType"),
                            &["FullyReplicated", "ShardedByS3Key"],
                        );
                        sharded = dist == "ShardedByS3Key";
                        echo_ds.insert("S3DataDistributionType".into(), json!(dist));
                        for (k, v) in s.map() {
                            echo_ds.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
                if let Some(t) = o.str("CompressionType")? {
                    c.one_of(t, &format!("{p}.compressionType"), &["None", "Gzip"]);
                }
                if let Some(t) = o.str("RecordWrapperType")? {
                    c.one_of(t, &format!("{p}.recordWrapperType"), &["None", "RecordIO"]);
                }
                if let Some(t) = o.str("InputMode")? {
                    c.one_of(t, &format!("{p}.inputMode"), &["Pipe", "File", "FastFile"]);
                }
                let content_type = o.str("ContentType")?.map(str::to_string);
                let mut echo = o.map().clone();
                echo.insert("DataSource".into(), json!({ "S3DataSource": echo_ds }));
                echo.entry("CompressionType")
                    .or_insert_with(|| json!("None"));
                echo.entry("RecordWrapperType")
                    .or_insert_with(|| json!("None"));
                echo_channels.push(Value::Object(echo));
                if let (Some(n), Some(u)) = (cname, uri) {
                    channels.push((
                        n.to_string(),
                        u,
                        sharded,
                        content_type,
                        ds.and_then(|d| d.str("S3DataType").ok().flatten().map(str::to_string)),
                    ));
                }
            }
        }
    }
    // OutputDataConfig
    let mut output = None;
    let mut echo_output = Map::new();
    match req.obj("OutputDataConfig")? {
        None => c.missing("outputDataConfig"),
        Some(o) => {
            match o.str("S3OutputPath")? {
                None => c.missing("outputDataConfig.s3OutputPath"),
                Some(u) => {
                    c.string(
                        u,
                        "outputDataConfig.s3OutputPath",
                        0,
                        1024,
                        Some((&names::S3_RE, names::S3_PATTERN)),
                    );
                    output = Some(u.to_string());
                }
            }
            if let Some(t) = o.str("CompressionType")? {
                c.one_of(t, "outputDataConfig.compressionType", &["GZIP", "NONE"]);
            }
            echo_output = o.map().clone();
            echo_output.entry("KmsKeyId").or_insert_with(|| json!(""));
            echo_output
                .entry("CompressionType")
                .or_insert_with(|| json!("GZIP"));
        }
    }
    // ResourceConfig
    let mut instance_count = 1i64;
    let mut echo_resource = Map::new();
    match req.obj("ResourceConfig")? {
        None => c.missing("resourceConfig"),
        Some(r) => {
            match r.str("InstanceType")? {
                None => c.missing("resourceConfig.instanceType"),
                Some(t) => c.string(
                    t,
                    "resourceConfig.instanceType",
                    0,
                    64,
                    Some((&names::INSTANCE_TYPE_RE, names::INSTANCE_TYPE_PATTERN)),
                ),
            }
            match r.int("InstanceCount")? {
                None => c.missing("resourceConfig.instanceCount"),
                Some(n) => {
                    c.at_least(n, "resourceConfig.instanceCount", 1);
                    // A local sanity bound: each host is a thread and a folder of copies.
                    c.at_most(n, "resourceConfig.instanceCount", 64);
                    instance_count = n;
                }
            }
            match r.int("VolumeSizeInGB")? {
                None => c.missing("resourceConfig.volumeSizeInGB"),
                Some(n) => c.at_least(n, "resourceConfig.volumeSizeInGB", 1),
            }
            if let Some(k) = r.int("KeepAlivePeriodInSeconds")? {
                c.at_least(k, "resourceConfig.keepAlivePeriodInSeconds", 0);
                c.at_most(k, "resourceConfig.keepAlivePeriodInSeconds", 21600);
            }
            echo_resource = r.map().clone();
        }
    }
    // StoppingCondition
    let mut max_runtime = 86_400i64;
    let mut echo_stop = Map::new();
    match req.obj("StoppingCondition")? {
        None => c.missing("stoppingCondition"),
        Some(s) => {
            if let Some(m) = s.int("MaxRuntimeInSeconds")? {
                c.at_least(m, "stoppingCondition.maxRuntimeInSeconds", 1);
                c.at_most(m, "stoppingCondition.maxRuntimeInSeconds", 2_419_200);
                max_runtime = m;
            }
            echo_stop = s.map().clone();
            echo_stop
                .entry("MaxRuntimeInSeconds")
                .or_insert_with(|| json!(max_runtime));
        }
    }
    c.finish()?;
    let (Some(name), Some(role), Some(output)) = (name, role, output) else {
        return Err(JsonError::validation(
            "TrainingJobName, RoleArn and OutputDataConfig are required.",
        ));
    };

    // Semantic checks (what the service checks after the shape is valid).
    let image = match image {
        Some(i) if names::is_linear_learner_image(&i) => i,
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
    let mut seen = std::collections::BTreeSet::new();
    let mut plans = Vec::new();
    for (cname, uri, sharded, content_type, data_type) in channels {
        if !seen.insert(cname.clone()) {
            return Err(JsonError::validation(format!(
                "Channel names must be unique; \"{cname}\" appears more than once in InputDataConfig."
            )));
        }
        if data_type.as_deref() != Some("S3Prefix") {
            return Err(JsonError::validation(format!(
                "S3DataType {} of channel \"{cname}\" is not supported by sagemaker-offline; use S3Prefix.",
                data_type.unwrap_or_default()
            )));
        }
        let (bucket, prefix) = names::split_s3(&uri)?;
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
            sharded,
            content_type,
        });
    }
    if !plans.iter().any(|p| p.name == "train") {
        return Err(JsonError::validation(
            "Linear Learner requires a channel named \"train\" in InputDataConfig.",
        ));
    }
    let (out_bucket, out_prefix) = names::split_s3(&output)?;
    let out_prefix = out_prefix.trim_end_matches('/');
    let output_key = if out_prefix.is_empty() {
        format!("{name}/output/model.tar.gz")
    } else {
        format!("{out_prefix}/{name}/output/model.tar.gz")
    };

    let mut metric_defs = linear_learner_definitions();
    for m in user_metrics {
        if !metric_defs.iter().any(|d| d.name == m.name) {
            metric_defs.push(m);
        }
    }
    let mut echo = Map::new();
    let mut alg_echo = alg.map(|a| a.map().clone()).unwrap_or_default();
    alg_echo.insert("TrainingImage".into(), json!(image));
    alg_echo.insert("TrainingInputMode".into(), json!(input_mode));
    alg_echo.insert("MetricDefinitions".into(), json!(metric_defs));
    alg_echo
        .entry("EnableSageMakerMetricsTimeSeries")
        .or_insert_with(|| json!(false));
    echo.insert("AlgorithmSpecification".into(), Value::Object(alg_echo));
    echo.insert(
        "HyperParameters".into(),
        json!(hps.iter().cloned().collect::<BTreeMap<_, _>>()),
    );
    echo.insert("RoleArn".into(), json!(role));
    echo.insert("InputDataConfig".into(), Value::Array(echo_channels));
    echo.insert("OutputDataConfig".into(), Value::Object(echo_output));
    echo.insert("ResourceConfig".into(), Value::Object(echo_resource));
    echo.insert("StoppingCondition".into(), Value::Object(echo_stop));
    for k in [
        "EnableNetworkIsolation",
        "EnableInterContainerTrafficEncryption",
        "EnableManagedSpotTraining",
    ] {
        echo.insert(k.into(), json!(req.bool(k)?.unwrap_or(false)));
    }
    for k in [
        "Environment",
        "RetryStrategy",
        "CheckpointConfig",
        "VpcConfig",
    ] {
        if let Some(v) = req.raw(k) {
            echo.insert(k.into(), v.clone());
        }
    }
    let artifact = format!("s3://{out_bucket}/{output_key}");
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
    Ok((plan, echo, artifact))
}

/// CreateTrainingJob.
pub(crate) fn create(inner: &Arc<Inner>, req: &Value) -> Result<Value, JsonError> {
    let o = Obj::new(req, "request")?;
    let (mut plan, echo, artifacts) = validate(inner, &o)?;
    let now = names::now();
    plan.log_epoch = now.floor() as i64;
    let arn = inner.arn("training-job", &plan.name);
    let mut job = JobRecord {
        name: plan.name.clone(),
        arn: arn.clone(),
        echo,
        status: "InProgress".into(),
        secondary: "Starting".into(),
        transitions: Vec::new(),
        creation: now,
        modified: now,
        start: None,
        end: None,
        failure: None,
        metrics: Vec::new(),
        artifacts,
        instance_count: u32::try_from(plan.instance_count).unwrap_or(1),
        log_epoch: plan.log_epoch,
    };
    job.transition("Starting", "Preparing the instances for training", now);
    let cancel = Arc::new(Cancel::default());
    {
        let mut st = inner.state();
        if st.jobs.contains_key(&plan.key) {
            return Err(JsonError::client(
                "ResourceInUse",
                format!(
                    "Training job names must be unique within an AWS account and region, and a training job with this name already exists ({arn})"
                ),
            ));
        }
        check_instance_quota(st.jobs.values(), &job, inner.opts.training_instance_limit)?;
        inner.persist_new(JOBS, &plan.key, &job)?;
        st.jobs.insert(plan.key.clone(), job);
        st.cancels.insert(plan.key.clone(), cancel.clone());
    }
    let runner = inner.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("train-{}", plan.key))
        .spawn(move || run(&runner, &plan, &cancel));
    if let Err(e) = spawned {
        return Err(JsonError {
            status: 500,
            code: "InternalFailure".into(),
            message: format!("could not start the training job: {e}"),
        });
    }
    Ok(json!({ "TrainingJobArn": arn }))
}

fn instance_type(job: &JobRecord) -> &str {
    job.echo
        .get("ResourceConfig")
        .and_then(|r| r.get("InstanceType"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The quota "<type> for training job usage": instances of `new`'s type held by jobs that have not
/// ended, plus `new`'s, must stay within `limit` (spec §3.2's `ResourceLimitExceeded` row).
fn check_instance_quota<'a>(
    jobs: impl Iterator<Item = &'a JobRecord>,
    new: &JobRecord,
    limit: u32,
) -> Result<(), JsonError> {
    let ty = instance_type(new);
    let used: u32 = jobs
        .filter(|j| !j.is_terminal() && instance_type(j) == ty)
        .map(|j| j.instance_count)
        .sum();
    if used.saturating_add(new.instance_count) <= limit {
        return Ok(());
    }
    Err(JsonError::client(
        "ResourceLimitExceeded",
        format!(
            "The account-level service limit '{ty} for training job usage' is {limit} Instances, \
             with current utilization of {used} Instances and a request delta of {} Instances. \
             Please contact AWS support to request an increase for this limit.",
            new.instance_count
        ),
    ))
}

fn requested_name(req: &Value) -> Result<String, JsonError> {
    let o = Obj::new(req, "request")?;
    let mut c = Checker::new();
    let name = names::name_member(
        &o,
        "TrainingJobName",
        "trainingJobName",
        &names::NAME_RE,
        names::NAME_PATTERN,
        &mut c,
    )?;
    c.finish()?;
    name.ok_or_else(not_found)
}

/// DescribeTrainingJob.
pub(crate) fn describe(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let name = requested_name(req)?;
    inner
        .state()
        .jobs
        .get(&job_key(&name))
        .map(JobRecord::describe)
        .ok_or_else(not_found)
}

/// ListTrainingJobs.
pub(crate) fn list(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let o = Obj::new(req, "request")?;
    let rows: Vec<Row> = inner
        .state()
        .jobs
        .values()
        .map(JobRecord::summary)
        .collect();
    super::list::list(
        &o,
        rows,
        &ListSpec {
            result_key: "TrainingJobSummaries",
            sort_by: &["Name", "CreationTime", "Status"],
            statuses: &[
                "InProgress",
                "Completed",
                "Failed",
                "Stopping",
                "Stopped",
                "Deleting",
            ],
        },
    )
}

/// StopTrainingJob: InProgress → Stopping (then Stopped when the hosts have stopped).
pub(crate) fn stop(inner: &Inner, req: &Value) -> Result<Value, JsonError> {
    let name = requested_name(req)?;
    let key = job_key(&name);
    let mut st = inner.state();
    let cancel = st.cancels.get(&key).cloned();
    let job = st.jobs.get_mut(&key).ok_or_else(not_found)?;
    match job.status.as_str() {
        "InProgress" => {
            job.transition("Stopping", "Stopping the training job", names::now());
            inner.persist(JOBS, &key, job);
            if let Some(c) = cancel {
                c.raise(CANCEL_STOP);
            }
            Ok(json!({}))
        }
        "Stopping" => Ok(json!({})),
        other => Err(JsonError::validation(format!(
            "The request was rejected because the training job is in status {other}."
        ))),
    }
}

/// Marks jobs that were running when the server stopped as Failed; loads the rest.
pub(crate) fn restore(inner: &Inner) {
    let (jobs, problems) = inner.store.load_all::<JobRecord>(JOBS);
    for p in problems {
        tracing::error!("sagemaker: unreadable training job record {p}");
    }
    let mut st = inner.state();
    for (key, mut job) in jobs {
        if !job.is_terminal() {
            let at = names::now();
            job.failure = Some(RESTART_FAILURE.to_string());
            job.transition("Failed", RESTART_FAILURE, at);
            inner.persist(JOBS, &key, &job);
        }
        st.jobs.insert(key, job);
    }
}

/// FailureReason of a job interrupted by a server stop.
pub(crate) const RESTART_FAILURE: &str = "InternalServerError: The sagemaker-offline server stopped while this training job \
     was running, so its hosts were lost. Start a new training job.";

/// Collects the hosts' log lines into CloudWatch Logs streams and scrapes metrics.
struct JobLogs<'a> {
    inner: &'a Inner,
    job: String,
    log_epoch: i64,
    pending: Mutex<(BTreeMap<String, Vec<LogEvent>>, std::time::Instant)>,
    scraper: Mutex<Scraper>,
}

impl<'a> JobLogs<'a> {
    fn new(inner: &'a Inner, plan: &JobPlan) -> Self {
        Self {
            inner,
            job: plan.name.clone(),
            log_epoch: plan.log_epoch,
            pending: Mutex::new((BTreeMap::new(), std::time::Instant::now())),
            scraper: Mutex::new(Scraper::new(&plan.metric_defs)),
        }
    }
    fn stream(&self, host: &str) -> String {
        format!("{}/{host}-{}", self.job, self.log_epoch)
    }
    fn flush_locked(&self, pending: &mut BTreeMap<String, Vec<LogEvent>>) {
        for (host, events) in std::mem::take(pending) {
            if events.is_empty() {
                continue;
            }
            if let Err(e) =
                self.inner
                    .ctx
                    .logs
                    .append(TRAINING_LOG_GROUP, &self.stream(&host), &events)
            {
                tracing::error!(
                    "sagemaker: could not append training logs of {}: {e}",
                    self.job
                );
            }
        }
    }
    fn flush(&self) {
        let mut p = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.flush_locked(&mut p.0);
        p.1 = std::time::Instant::now();
    }
    fn metrics(&self) -> Vec<MetricDatum> {
        self.scraper
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .finals()
    }
}

impl linear_learner::LogSink for JobLogs<'_> {
    fn log(&self, host: &str, line: &str) {
        let ms = chrono::Utc::now().timestamp_millis();
        self.scraper
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .line(line, ms as f64 / 1000.0);
        let mut p = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        p.0.entry(host.to_string()).or_default().push(LogEvent {
            timestamp: ms,
            message: line.to_string(),
        });
        let count: usize = p.0.values().map(Vec::len).sum();
        if count >= 256 || p.1.elapsed() >= std::time::Duration::from_millis(500) {
            let mut pending = std::mem::take(&mut p.0);
            self.flush_locked(&mut pending);
            p.1 = std::time::Instant::now();
        }
    }
}

/// Updates the job record under the lock and persists it.
fn update(inner: &Inner, key: &str, f: impl FnOnce(&mut JobRecord)) {
    let mut st = inner.state();
    if let Some(job) = st.jobs.get_mut(key) {
        f(job);
        inner.persist(JOBS, key, job);
    }
}

/// How a run ended.
enum End {
    Completed,
    Failed(String),
    Stopped,
    MaxRuntime,
}

/// The background runner of one job.
fn run(inner: &Arc<Inner>, plan: &JobPlan, cancel: &Arc<Cancel>) {
    let logs = JobLogs::new(inner, plan);
    let hosts = host_names(plan.instance_count);
    let work = inner.ctx.work_dir().join(&plan.key);
    let got_slot = inner.acquire_slot(|| cancel.raised());
    let end = if got_slot {
        let end = run_with_slot(inner, plan, cancel, &logs, &hosts, &work);
        inner.release_slot();
        end
    } else {
        End::Stopped
    };
    logs.flush();
    if let Err(e) = std::fs::remove_dir_all(&work)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("sagemaker: could not remove {}: {e}", work.display());
    }
    let metrics = logs.metrics();
    let at = names::now();
    update(inner, &plan.key, |job| {
        job.metrics = metrics;
        match end {
            End::Completed => job.transition("Completed", "Training job completed", at),
            End::Failed(reason) => {
                job.failure = Some(reason.clone());
                job.transition("Failed", &format!("Training job failed. {reason}"), at);
            }
            End::Stopped => job.transition("Stopped", "Training job stopped", at),
            End::MaxRuntime => job.transition(
                "MaxRuntimeExceeded",
                "Training job runtime exceeded MaxRuntimeInSeconds provided",
                at,
            ),
        }
    });
    inner.state().cancels.remove(&plan.key);
}

fn cancelled_end(cancel: &Cancel) -> End {
    if cancel.reason.load(Ordering::SeqCst) == CANCEL_MAX_RUNTIME {
        End::MaxRuntime
    } else {
        End::Stopped
    }
}

fn run_with_slot(
    inner: &Inner,
    plan: &JobPlan,
    cancel: &Arc<Cancel>,
    logs: &JobLogs<'_>,
    hosts: &[String],
    work: &Path,
) -> End {
    let started = names::now();
    update(inner, &plan.key, |job| {
        job.start = Some(started);
        job.transition("Downloading", "Downloading input data", started);
    });
    // MaxRuntimeInSeconds counts from the start of training (after the slot wait).
    let done = Arc::new(AtomicBool::new(false));
    {
        let (done, cancel) = (done.clone(), cancel.clone());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(plan.max_runtime);
        let _ = std::thread::Builder::new()
            .name(format!("watch-{}", plan.key))
            .spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    if std::time::Instant::now() >= deadline {
                        cancel.raise(CANCEL_MAX_RUNTIME);
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            });
    }
    let end = (|| {
        for h in hosts {
            use linear_learner::LogSink as _;
            logs.log(h, "Docker entrypoint called with argument(s): train");
            logs.log(h, "Running default environment configuration script");
        }
        let spec = match download(inner, plan, cancel, hosts, work) {
            Ok(Some(spec)) => spec,
            Ok(None) => return cancelled_end(cancel),
            Err(reason) => return End::Failed(reason),
        };
        update(inner, &plan.key, |job| {
            job.transition(
                "Training",
                "Training image download completed. Training in progress.",
                names::now(),
            )
        });
        let outcome = linear_learner::train(&spec, logs, &cancel.flag);
        let model = match outcome {
            Ok(o) => o.model,
            Err(linear_learner::TrainError::Stopped) => return cancelled_end(cancel),
            Err(
                e @ (linear_learner::TrainError::Client(_)
                | linear_learner::TrainError::Algorithm(_)),
            ) => {
                return End::Failed(e.to_string());
            }
        };
        if cancel.raised() {
            return cancelled_end(cancel);
        }
        update(inner, &plan.key, |job| {
            job.transition(
                "Uploading",
                "Uploading generated training model",
                names::now(),
            )
        });
        let bytes = match model.to_model_tar_gz() {
            Ok(b) => b,
            Err(e) => return End::Failed(e.to_string()),
        };
        if let Err(e) = inner
            .ctx
            .objects
            .put(&plan.output_bucket, &plan.output_key, &bytes)
        {
            return End::Failed(format!(
                "ClientError: Failed to upload the model artifact to s3://{}/{}: {e}",
                plan.output_bucket, plan.output_key
            ));
        }
        End::Completed
    })();
    done.store(true, Ordering::SeqCst);
    end
}

/// File mode: every host gets its own copy of its objects under `work/algo-N/<channel>/`.
/// `Ok(None)` = cancelled while copying.
fn download(
    inner: &Inner,
    plan: &JobPlan,
    cancel: &Cancel,
    hosts: &[String],
    work: &Path,
) -> Result<Option<linear_learner::TrainingSpec>, String> {
    let mut inputs: Vec<linear_learner::HostInput> = hosts
        .iter()
        .map(|h| linear_learner::HostInput {
            host: h.clone(),
            channels: BTreeMap::new(),
        })
        .collect();
    for ch in &plan.channels {
        let uri = format!("s3://{}/{}", ch.bucket, ch.prefix);
        let objects = inner
            .ctx
            .objects
            .list(&ch.bucket, &ch.prefix)
            .map_err(|e| format!("ClientError: Data download failed: could not list {uri}: {e}"))?;
        let mut objects: Vec<_> = objects
            .into_iter()
            .filter(|o| !o.key.ends_with('/'))
            .collect();
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        if objects.is_empty() {
            return Err(format!(
                "ClientError: Data download failed: no S3 objects found under {uri}"
            ));
        }
        let assigned = assign_objects(&objects, hosts.len(), ch.sharded);
        for (h, objs) in assigned.iter().enumerate() {
            let dir = work.join(&hosts[h]).join(&ch.name);
            std::fs::create_dir_all(&dir).map_err(|e| {
                format!(
                    "InternalServerError: could not create {}: {e}",
                    dir.display()
                )
            })?;
            let mut files = Vec::with_capacity(objs.len());
            for o in objs {
                if cancel.raised() {
                    return Ok(None);
                }
                let dest = dir.join(local_name(&ch.prefix, &o.key));
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        format!(
                            "InternalServerError: could not create {}: {e}",
                            parent.display()
                        )
                    })?;
                }
                std::fs::copy(&o.path, &dest).map_err(|e| {
                    format!(
                        "ClientError: Data download failed: could not copy s3://{}/{}: {e}",
                        ch.bucket, o.key
                    )
                })?;
                files.push(dest);
            }
            inputs[h].channels.insert(
                ch.name.clone(),
                linear_learner::ChannelInput {
                    files,
                    content_type: ch.content_type.clone(),
                },
            );
        }
    }
    Ok(Some(linear_learner::TrainingSpec {
        hyperparameters: plan.hyperparameters.clone(),
        hosts: inputs,
    }))
}

/// The object's path below the channel folder: its key relative to the prefix (as SageMaker lays
/// out `/opt/ml/input/data/<channel>/`), with `.`/`..`/empty segments dropped so nothing escapes.
fn local_name(prefix: &str, key: &str) -> PathBuf {
    let rel = key.strip_prefix(prefix).unwrap_or(key);
    let mut p = PathBuf::new();
    for seg in rel.split('/') {
        if !seg.is_empty() && seg != "." && seg != ".." {
            p.push(seg);
        }
    }
    if p.as_os_str().is_empty() {
        // The key equals the prefix: name it after its last segment.
        p.push(
            key.rsplit('/')
                .find(|s| !s.is_empty() && *s != "." && *s != "..")
                .unwrap_or("object"),
        );
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharding_deals_sorted_keys_round_robin() {
        let keys: Vec<String> = (1979..=1983).map(|y| format!("p/train/{y}.data")).collect();
        let a = assign_objects(&keys, 5, true);
        assert_eq!(a.len(), 5);
        for (i, host) in a.iter().enumerate() {
            assert_eq!(host, &vec![keys[i].clone()]);
        }
        let a = assign_objects(&keys, 2, true);
        assert_eq!(
            a[0],
            vec![keys[0].clone(), keys[2].clone(), keys[4].clone()]
        );
        assert_eq!(a[1], vec![keys[1].clone(), keys[3].clone()]);
        // More hosts than objects: the extra hosts get nothing.
        let a = assign_objects(&keys[..2], 3, true);
        assert_eq!(a[2], Vec::<String>::new());
        // FullyReplicated: every host gets everything.
        let a = assign_objects(&keys, 3, false);
        assert!(a.iter().all(|h| h == &keys));
        assert_eq!(host_names(3), vec!["algo-1", "algo-2", "algo-3"]);
    }

    #[test]
    fn local_names_stay_inside_the_channel() {
        assert_eq!(
            local_name("p/train/", "p/train/1979.data"),
            PathBuf::from("1979.data")
        );
        assert_eq!(
            local_name("p/train", "p/train/a/b.data"),
            PathBuf::from("a/b.data")
        );
        assert_eq!(local_name("p/x", "p/x/../../etc"), PathBuf::from("etc"));
        assert_eq!(
            local_name("p/one.data", "p/one.data"),
            PathBuf::from("one.data")
        );
    }

    fn record() -> JobRecord {
        JobRecord {
            name: "J".into(),
            arn: "arn".into(),
            echo: Map::new(),
            status: "InProgress".into(),
            secondary: "Starting".into(),
            transitions: vec![],
            creation: 100.0,
            modified: 100.0,
            start: None,
            end: None,
            failure: None,
            metrics: vec![],
            artifacts: "s3://b/p/J/output/model.tar.gz".into(),
            instance_count: 5,
            log_epoch: 100,
        }
    }

    #[test]
    fn instance_quota_counts_unfinished_jobs_of_the_same_type() {
        let of = |ty: &str, n: u32, status: &str| {
            let mut j = record();
            j.echo
                .insert("ResourceConfig".into(), json!({"InstanceType": ty}));
            j.instance_count = n;
            j.status = status.into();
            j
        };
        let running = [
            of("ml.c4.2xlarge", 5, "InProgress"),
            of("ml.c4.2xlarge", 5, "Stopping"),
            of("ml.c4.2xlarge", 20, "Completed"),
            of("ml.m5.large", 20, "InProgress"),
        ];
        assert!(check_instance_quota(running.iter(), &of("ml.c4.2xlarge", 10, ""), 20).is_ok());
        let e = check_instance_quota(running.iter(), &of("ml.c4.2xlarge", 11, ""), 20)
            .expect_err("over the quota");
        assert_eq!((e.status, e.code.as_str()), (400, "ResourceLimitExceeded"));
        assert_eq!(
            e.message,
            "The account-level service limit 'ml.c4.2xlarge for training job usage' is 20 \
             Instances, with current utilization of 10 Instances and a request delta of 11 \
             Instances. Please contact AWS support to request an increase for this limit."
        );
        assert!(check_instance_quota([].iter(), &of("ml.m5.large", 21, ""), 20).is_err());
    }

    #[test]
    fn transitions_chain_and_times() {
        let mut j = record();
        j.transition("Starting", "Preparing the instances for training", 100.0);
        j.start = Some(101.5);
        j.transition("Downloading", "Downloading input data", 101.5);
        j.transition(
            "Training",
            "Training image download completed. Training in progress.",
            102.0,
        );
        assert_eq!(j.status, "InProgress");
        j.transition("Uploading", "Uploading generated training model", 103.2);
        j.transition("Completed", "Training job completed", 103.4);
        assert_eq!(j.status, "Completed");
        assert!(j.is_terminal());
        let ts: Vec<(f64, Option<f64>)> = j.transitions.iter().map(|t| (t.start, t.end)).collect();
        assert_eq!(
            ts,
            vec![
                (100.0, Some(101.5)),
                (101.5, Some(102.0)),
                (102.0, Some(103.2)),
                (103.2, Some(103.4)),
                (103.4, Some(103.4))
            ]
        );
        assert_eq!(j.end, Some(103.4));
        // 1.9 s of training reports 1 (floor, at least 1).
        assert_eq!(j.training_seconds(), Some(1));
        let d = j.describe();
        assert_eq!(d["TrainingTimeInSeconds"], 1);
        assert_eq!(d["BillableTimeInSeconds"], 1);
        assert_eq!(d["TrainingStartTime"], 101.5);
        assert_eq!(d["SecondaryStatusTransitions"][4]["Status"], "Completed");
        assert_eq!(
            d["ModelArtifacts"]["S3ModelArtifacts"],
            "s3://b/p/J/output/model.tar.gz"
        );
    }

    #[test]
    fn stop_and_max_runtime_map_to_stopped() {
        let mut j = record();
        j.transition("Stopping", "Stopping the training job", 1.0);
        assert_eq!(j.status, "Stopping");
        j.transition("Stopped", "Training job stopped", 2.0);
        assert_eq!(
            (j.status.as_str(), j.secondary.as_str()),
            ("Stopped", "Stopped")
        );
        let mut j = record();
        j.transition("MaxRuntimeExceeded", "x", 2.0);
        assert_eq!(
            (j.status.as_str(), j.secondary.as_str()),
            ("Stopped", "MaxRuntimeExceeded")
        );
        assert_eq!(j.training_seconds(), Some(1));
    }

    #[tokio::test]
    async fn running_job_fails_on_restart_and_stays_persisted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = crate::ctx::Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            state_dir: dir.path().to_path_buf(),
            objects: std::sync::Arc::new(
                crate::objects::ObjectStore::open(dir.path().join("s3")).expect("objects"),
            ),
            logs: std::sync::Arc::new(
                crate::logs::LogStore::open(dir.path().join("logs")).expect("logs"),
            ),
        };
        let store = super::super::store::Store::new(ctx.sagemaker_dir());
        let mut running = record();
        running.name = "Running-Job".into();
        running.transition("Starting", "Preparing the instances for training", 100.0);
        running.start = Some(101.0);
        running.transition(
            "Training",
            "Training image download completed. Training in progress.",
            101.0,
        );
        store.save(JOBS, "running-job", &running).expect("save");
        let mut done = record();
        done.name = "Done".into();
        done.transition("Completed", "Training job completed", 105.0);
        store.save(JOBS, "done", &done).expect("save");

        let sm = super::super::SageMaker::new(ctx.clone());
        let d = sm
            .handle(
                "DescribeTrainingJob",
                br#"{"TrainingJobName":"running-job"}"#,
            )
            .await
            .expect("describe");
        assert_eq!(d["TrainingJobName"], "Running-Job");
        assert_eq!(d["TrainingJobStatus"], "Failed");
        assert_eq!(d["FailureReason"], RESTART_FAILURE);
        assert_eq!(d["SecondaryStatusTransitions"][2]["Status"], "Failed");
        let d = sm
            .handle("DescribeTrainingJob", br#"{"TrainingJobName":"DONE"}"#)
            .await
            .expect("describe");
        assert_eq!(d["TrainingJobStatus"], "Completed");
        // The Failed status was written back: a second restart sees the same record.
        let again = super::super::SageMaker::new(ctx);
        let d = again
            .handle(
                "DescribeTrainingJob",
                br#"{"TrainingJobName":"Running-Job"}"#,
            )
            .await
            .expect("describe");
        assert_eq!(d["TrainingJobStatus"], "Failed");
        assert_eq!(
            d["SecondaryStatusTransitions"].as_array().map(Vec::len),
            Some(3)
        );
        let e = again
            .handle("DescribeTrainingJob", br#"{"TrainingJobName":"nope"}"#)
            .await
            .err()
            .map(|e| (e.code, e.message));
        assert_eq!(
            e,
            Some((
                "ValidationException".into(),
                "Requested resource not found.".into()
            ))
        );
        let e = again.handle("NoSuchOp", b"").await.err().map(|e| e.code);
        assert_eq!(e.as_deref(), Some("UnknownOperationException"));
        let e = again
            .handle("ListModels", b"[1]")
            .await
            .err()
            .map(|e| e.code);
        assert_eq!(e.as_deref(), Some("SerializationException"));
    }

    #[test]
    fn cancel_keeps_first_reason() {
        let c = Cancel::default();
        assert!(!c.raised());
        c.raise(CANCEL_MAX_RUNTIME);
        c.raise(CANCEL_STOP);
        assert!(c.raised());
        assert!(matches!(cancelled_end(&c), End::MaxRuntime));
    }
}
