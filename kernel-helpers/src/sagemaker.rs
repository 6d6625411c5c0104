//! SageMaker control-plane and CloudWatch Logs calls the notebooks make, returning plain data.
//!
//! Each function opens its own runtime and [`JsonClient`] (see the crate docs for why). The
//! shapes follow the SageMaker API (2017-07-24); only the fields the notebooks use are kept.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::aws::{block_on, sdk_config};
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::json11::{JsonClient, Service};
use crate::settings::Settings;

/// CloudWatch log group of training jobs.
pub const TRAINING_LOG_GROUP: &str = "/aws/sagemaker/TrainingJobs";

/// One entry of `SecondaryStatusTransitions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Secondary status (Starting, Downloading, Training, Uploading, Completed, …).
    pub status: String,
    /// Start, epoch seconds.
    pub start: f64,
    /// End, epoch seconds (the last transition ends when it starts).
    pub end: Option<f64>,
    /// StatusMessage.
    pub message: String,
}

/// The parts of DescribeTrainingJob the notebooks use.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingJob {
    /// TrainingJobName.
    pub name: String,
    /// TrainingJobStatus.
    pub status: String,
    /// SecondaryStatus.
    pub secondary_status: String,
    /// FailureReason, if any.
    pub failure_reason: Option<String>,
    /// ModelArtifacts.S3ModelArtifacts.
    pub model_artifacts: String,
    /// AlgorithmSpecification.TrainingImage (hosting uses the same image).
    pub training_image: String,
    /// ResourceConfig.InstanceCount.
    pub instance_count: u32,
    /// S3DataDistributionType of the `train` channel.
    pub train_distribution: String,
    /// CreationTime, epoch seconds.
    pub creation_time: f64,
    /// TrainingStartTime, epoch seconds.
    pub training_start: Option<f64>,
    /// TrainingEndTime, epoch seconds.
    pub training_end: Option<f64>,
    /// TrainingTimeInSeconds.
    pub training_time_s: Option<f64>,
    /// BillableTimeInSeconds.
    pub billable_time_s: Option<f64>,
    /// SecondaryStatusTransitions.
    pub transitions: Vec<Transition>,
    /// FinalMetricDataList as (name, value).
    pub final_metrics: Vec<(String, f64)>,
}

/// Epoch seconds from a JSON 1.1 timestamp (a number; ISO-8601 strings are accepted too).
pub fn timestamp(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok().or_else(|| {
            chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.timestamp_millis() as f64 / 1000.0)
        }),
        _ => None,
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl TrainingJob {
    /// Reads a DescribeTrainingJob response.
    pub fn from_json(v: &Value) -> KitResult<Self> {
        let name = s(v, "TrainingJobName");
        if name.is_empty() {
            return Err(KitError::msg(
                "DescribeTrainingJob response has no TrainingJobName",
            ));
        }
        let train_distribution = v
            .get("InputDataConfig")
            .and_then(Value::as_array)
            .and_then(|chs| {
                chs.iter()
                    .find(|c| c.get("ChannelName").and_then(Value::as_str) == Some("train"))
            })
            .and_then(|c| c.pointer("/DataSource/S3DataSource/S3DataDistributionType"))
            .and_then(Value::as_str)
            .unwrap_or("FullyReplicated")
            .to_string();
        let transitions = v
            .get("SecondaryStatusTransitions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|t| Transition {
                        status: s(t, "Status"),
                        start: t.get("StartTime").and_then(timestamp).unwrap_or(0.0),
                        end: t.get("EndTime").and_then(timestamp),
                        message: s(t, "StatusMessage"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let final_metrics = v
            .get("FinalMetricDataList")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| Some((s(m, "MetricName"), m.get("Value")?.as_f64()?)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(TrainingJob {
            name,
            status: s(v, "TrainingJobStatus"),
            secondary_status: s(v, "SecondaryStatus"),
            failure_reason: v
                .get("FailureReason")
                .and_then(Value::as_str)
                .map(str::to_string),
            model_artifacts: v
                .pointer("/ModelArtifacts/S3ModelArtifacts")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            training_image: v
                .pointer("/AlgorithmSpecification/TrainingImage")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            instance_count: v
                .pointer("/ResourceConfig/InstanceCount")
                .and_then(Value::as_u64)
                .unwrap_or(1) as u32,
            train_distribution,
            creation_time: v.get("CreationTime").and_then(timestamp).unwrap_or(0.0),
            training_start: v.get("TrainingStartTime").and_then(timestamp),
            training_end: v.get("TrainingEndTime").and_then(timestamp),
            training_time_s: v.get("TrainingTimeInSeconds").and_then(Value::as_f64),
            billable_time_s: v.get("BillableTimeInSeconds").and_then(Value::as_f64),
            transitions,
            final_metrics,
        })
    }

    /// TrainingEndTime − TrainingStartTime in seconds, with the timestamps' sub-second precision.
    ///
    /// `TrainingTimeInSeconds` and `BillableTimeInSeconds` are whole seconds: on a quick run both
    /// jobs can report the same 1 s although one took four times as long, so every ratio the
    /// notebooks and the handout print is computed from these timestamps instead.
    pub fn training_seconds(&self) -> Option<f64> {
        match (self.training_start, self.training_end) {
            (Some(s), Some(e)) if e >= s => Some(e - s),
            _ => None,
        }
    }

    /// Billed compute in instance-seconds: `BillableTimeInSeconds` (per instance) × InstanceCount.
    pub fn billed_instance_seconds(&self) -> Option<f64> {
        self.billable_time_s
            .map(|b| b * f64::from(self.instance_count))
    }

    /// Whether the job reached a final state.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "Completed" | "Failed" | "Stopped")
    }
}

pub(crate) async fn sm_call(op: &str, input: Value) -> KitResult<Value> {
    let conf = sdk_config().await;
    JsonClient::new(&conf, Service::SageMaker)?
        .call(op, &input)
        .await
}

/// DescribeTrainingJob.
pub fn describe_training_job(name: &str) -> KitResult<TrainingJob> {
    let v = block_on(sm_call(
        "DescribeTrainingJob",
        json!({ "TrainingJobName": name }),
    ))??;
    TrainingJob::from_json(&v)
}

/// The two jobs being compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Jobs {
    /// The FullyReplicated job.
    pub replicated: String,
    /// The ShardedByS3Key job.
    pub sharded: String,
}

impl Jobs {
    /// Writes `{"replicated": …, "sharded": …}`.
    pub fn save(&self, path: &Path) -> KitResult<()> {
        let text = serde_json::to_string_pretty(
            &json!({ "replicated": self.replicated, "sharded": self.sharded }),
        )?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| KitError::msg(format!("creating {}: {e}", dir.display())))?;
        }
        std::fs::write(path, text + "\n")
            .map_err(|e| KitError::msg(format!("writing {}: {e}", path.display())))
    }
    /// Reads a jobs file.
    pub fn load(path: &Path) -> KitResult<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| KitError::msg(format!("reading {}: {e}", path.display())))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| KitError::msg(format!("{}: not JSON: {e}", path.display())))?;
        let get = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| KitError::msg(format!("{}: no \"{k}\" job name", path.display())))
        };
        Ok(Jobs {
            replicated: get("replicated")?,
            sharded: get("sharded")?,
        })
    }
}

/// Summary row of ListTrainingJobs.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    /// Name.
    pub name: String,
    /// Status.
    pub status: String,
    /// CreationTime, epoch seconds.
    pub creation_time: f64,
}

/// ListTrainingJobs with `NameContains`, newest first, all pages.
pub fn list_training_jobs(name_contains: &str) -> KitResult<Vec<JobSummary>> {
    block_on(async {
        let conf = sdk_config().await;
        let c = JsonClient::new(&conf, Service::SageMaker)?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({
                "NameContains": name_contains, "SortBy": "CreationTime",
                "SortOrder": "Descending", "MaxResults": 100
            });
            if let Some(t) = &token {
                input["NextToken"] = json!(t);
            }
            let v = c.call("ListTrainingJobs", &input).await?;
            for j in v
                .get("TrainingJobSummaries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push(JobSummary {
                    name: s(j, "TrainingJobName"),
                    status: s(j, "TrainingJobStatus"),
                    creation_time: j.get("CreationTime").and_then(timestamp).unwrap_or(0.0),
                });
            }
            token = v
                .get("NextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| b.creation_time.total_cmp(&a.creation_time));
        Ok(out)
    })?
}

/// The jobs to compare: from the jobs file (`KIT_JOBS_FILE`, default `jobs.json`) if it exists,
/// else the newest Completed jobs named `DEMO-linear-replicated*` / `DEMO-linear-sharded*`.
pub fn find_jobs(settings: &Settings) -> KitResult<Jobs> {
    if settings.jobs_file.exists() {
        let jobs = Jobs::load(&settings.jobs_file)?;
        println!("jobs from {}: {jobs:?}", settings.jobs_file.display());
        return Ok(jobs);
    }
    let newest = |prefix: &str| -> KitResult<String> {
        list_training_jobs(prefix)?
            .into_iter()
            .find(|j| j.name.starts_with(prefix) && j.status == "Completed")
            .map(|j| j.name)
            .ok_or_else(|| {
                KitError::msg(format!(
                    "no Completed training job named {prefix}* and no jobs file at {}; run \
                     scripts/replicated.sh and scripts/sharded.sh (or notebook 2 with \
                     KIT_START_JOBS=1) first",
                    settings.jobs_file.display()
                ))
            })
    };
    let jobs = Jobs {
        replicated: newest("DEMO-linear-replicated")?,
        sharded: newest("DEMO-linear-sharded")?,
    };
    println!("newest Completed jobs: {jobs:?}");
    Ok(jobs)
}

/// Polls DescribeTrainingJob every `poll` until every job is finished, printing each status
/// change; fails if a job did not complete.
pub fn wait_for_jobs(names: &[&str], poll: Duration) -> KitResult<Vec<TrainingJob>> {
    let start = Instant::now();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut done = Vec::new();
        for name in names {
            let j = describe_training_job(name)?;
            let state = format!("{}/{}", j.status, j.secondary_status);
            if last.get(*name) != Some(&state) {
                println!("[{:>5.0} s] {name}: {state}", start.elapsed().as_secs_f64());
                last.insert(name.to_string(), state);
            }
            done.push(j);
        }
        if done.iter().all(TrainingJob::is_finished) {
            if let Some(bad) = done.iter().find(|j| j.status != "Completed") {
                return Err(KitError::msg(format!(
                    "training job {} ended {}: {}",
                    bad.name,
                    bad.status,
                    bad.failure_reason.as_deref().unwrap_or("no reason given")
                )));
            }
            return Ok(done);
        }
        std::thread::sleep(poll);
    }
}

/// The jobs side by side: distribution, status, the training time from the timestamps
/// (sub-second) and SageMaker's whole-second fields, with the billed instance-seconds.
pub fn jobs_comparison_table(jobs: &[TrainingJob]) -> Table {
    let mut t = Table::new([
        "job",
        "train distribution",
        "instances",
        "status",
        "TrainingStartTime → TrainingEndTime (s)",
        "TrainingTimeInSeconds (whole s)",
        "BillableTimeInSeconds (whole s, per instance)",
        "billed instance-seconds",
    ]);
    for j in jobs {
        t.push([
            j.name.clone(),
            j.train_distribution.clone(),
            j.instance_count.to_string(),
            j.status.clone(),
            j.training_seconds()
                .map(|v| format!("{v:.3}"))
                .unwrap_or_default(),
            j.training_time_s
                .map(|v| format!("{v:.0}"))
                .unwrap_or_default(),
            j.billable_time_s
                .map(|v| format!("{v:.0}"))
                .unwrap_or_default(),
            j.billed_instance_seconds()
                .map(|v| format!("{v:.0}"))
                .unwrap_or_default(),
        ]);
    }
    t
}

/// FinalMetricDataList of several jobs as one table (metric × job).
pub fn metrics_table(jobs: &[TrainingJob]) -> Table {
    let mut header = vec!["metric".to_string()];
    header.extend(jobs.iter().map(|j| j.train_distribution.clone()));
    let mut names: Vec<String> = jobs
        .iter()
        .flat_map(|j| j.final_metrics.iter().map(|(n, _)| n.clone()))
        .collect();
    names.sort();
    names.dedup();
    let mut t = Table::new(header);
    for n in names {
        let mut row = vec![n.clone()];
        for j in jobs {
            row.push(
                j.final_metrics
                    .iter()
                    .find(|(m, _)| *m == n)
                    .map(|(_, v)| format!("{v:.6}"))
                    .unwrap_or_default(),
            );
        }
        t.push(row);
    }
    t
}

// ---------------------------------------------------------------- hosting

fn ensure_ok_or_exists(r: KitResult<Value>, what: &str) -> KitResult<()> {
    match r {
        Ok(_) => Ok(()),
        Err(e) => Err(e.context(what.to_string())),
    }
}

/// CreateModel pointing at a job's artifact; returns the ModelArn.
pub fn create_model(
    settings: &Settings,
    model_name: &str,
    model_data_url: &str,
) -> KitResult<String> {
    let v = block_on(sm_call(
        "CreateModel",
        json!({
            "ModelName": model_name,
            "ExecutionRoleArn": settings.role_arn,
            "PrimaryContainer": {"Image": settings.training_image, "ModelDataUrl": model_data_url}
        }),
    ))?
    .map_err(|e| e.context(format!("creating model {model_name}")))?;
    Ok(s(&v, "ModelArn"))
}

/// CreateEndpointConfig with one `AllTraffic` variant on one ml.m4.xlarge; returns the ARN.
pub fn create_endpoint_config(config_name: &str, model_name: &str) -> KitResult<String> {
    let v = block_on(sm_call(
        "CreateEndpointConfig",
        json!({
            "EndpointConfigName": config_name,
            "ProductionVariants": [{"InstanceType": "ml.m4.xlarge", "InitialInstanceCount": 1,
                "ModelName": model_name, "VariantName": "AllTraffic"}]
        }),
    ))?
    .map_err(|e| e.context(format!("creating endpoint config {config_name}")))?;
    Ok(s(&v, "EndpointConfigArn"))
}

/// CreateEndpoint; returns the ARN.
pub fn create_endpoint(endpoint_name: &str, config_name: &str) -> KitResult<String> {
    let v = block_on(sm_call(
        "CreateEndpoint",
        json!({"EndpointName": endpoint_name, "EndpointConfigName": config_name}),
    ))?
    .map_err(|e| e.context(format!("creating endpoint {endpoint_name}")))?;
    Ok(s(&v, "EndpointArn"))
}

/// DescribeEndpoint → EndpointStatus.
pub fn describe_endpoint_status(endpoint_name: &str) -> KitResult<String> {
    let v = block_on(sm_call(
        "DescribeEndpoint",
        json!({"EndpointName": endpoint_name}),
    ))??;
    Ok(s(&v, "EndpointStatus"))
}

/// Polls until every endpoint is InService (fails on Failed or after `timeout`), printing changes.
pub fn wait_for_endpoints(names: &[&str], poll: Duration, timeout: Duration) -> KitResult<()> {
    let start = Instant::now();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut all = true;
        for name in names {
            let st = describe_endpoint_status(name)?;
            if last.get(*name) != Some(&st) {
                println!("[{:>5.0} s] {name}: {st}", start.elapsed().as_secs_f64());
                last.insert(name.to_string(), st.clone());
            }
            if st == "Failed" {
                return Err(KitError::msg(format!("endpoint {name} failed to start")));
            }
            all &= st == "InService";
        }
        if all {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(KitError::msg(format!(
                "endpoints not InService after {} s: {last:?}",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(poll);
    }
}

/// Deletes an endpoint, its config and its model (each step tolerates "not found", and only that:
/// any other refusal, such as an endpoint that cannot be deleted yet, is an error).
pub fn delete_endpoint(endpoint_name: &str, config_name: &str, model_name: &str) -> KitResult<()> {
    block_on(async {
        for (op, key, name) in [
            ("DeleteEndpoint", "EndpointName", endpoint_name),
            ("DeleteEndpointConfig", "EndpointConfigName", config_name),
            ("DeleteModel", "ModelName", model_name),
        ] {
            let r = sm_call(op, json!({ key: name })).await;
            match r {
                Ok(_) => println!("{op} {name}: done"),
                Err(e)
                    if crate::json11::service_error(&e)
                        .is_some_and(crate::json11::is_not_found) =>
                {
                    println!("{op} {name}: already gone")
                }
                Err(e) => ensure_ok_or_exists(Err(e), op)?,
            }
        }
        Ok::<(), KitError>(())
    })?
}

// ---------------------------------------------------------------- logs

/// Every log event (epoch ms, message) of every stream of `job` in the training log group.
pub fn job_log_events(job: &str) -> KitResult<BTreeMap<String, Vec<(i64, String)>>> {
    block_on(async {
        let conf = sdk_config().await;
        let c = JsonClient::new(&conf, Service::Logs)?;
        let mut streams = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({"logGroupName": TRAINING_LOG_GROUP, "logStreamNamePrefix": job});
            if let Some(t) = &token {
                input["nextToken"] = json!(t);
            }
            let v = c.call("DescribeLogStreams", &input).await?;
            for st in v
                .get("logStreams")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                streams.push(s(st, "logStreamName"));
            }
            token = v
                .get("nextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut out = BTreeMap::new();
        for stream in streams {
            let events = crate::logs::stream_events(&c, TRAINING_LOG_GROUP, &stream).await?;
            out.insert(stream, events);
        }
        Ok(out)
    })?
}

/// The original notebook's `get_train_timing`: minutes between the first and the last log event
/// of all of a job's streams.
pub fn log_timing_minutes(job: &str) -> KitResult<f64> {
    let events = job_log_events(job)?;
    let times: Vec<i64> = events.values().flatten().map(|(t, _)| *t).collect();
    let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) else {
        return Err(KitError::msg(format!(
            "no log events for {job} in {TRAINING_LOG_GROUP}"
        )));
    };
    Ok((max - min) as f64 / 60000.0)
}

/// Parses `#throughput_metric: host=algo-N, train throughput=X records/second` lines, with the
/// parser that sits next to the line's format in `linear_learner::log_lines`.
pub fn parse_throughput(line: &str) -> Option<(String, f64)> {
    match linear_learner::log_lines::parse(line)? {
        linear_learner::log_lines::MetricLine::Throughput {
            host,
            records_per_second,
        } => Some((host, records_per_second)),
        _ => None,
    }
}

/// Mean train throughput (records/second) per host, from the job's logs.
pub fn host_throughput(job: &str) -> KitResult<Vec<(String, f64)>> {
    let events = job_log_events(job)?;
    let mut acc: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (_, msg) in events.values().flatten() {
        if let Some((host, v)) = parse_throughput(msg) {
            let e = acc.entry(host).or_default();
            e.0 += v;
            e.1 += 1;
        }
    }
    Ok(acc
        .into_iter()
        .map(|(h, (sum, n))| (h, sum / n as f64))
        .collect())
}

// ---------------------------------------------------------------- notebook conveniences

/// Seconds between DescribeTrainingJob / DescribeEndpoint polls: `KIT_POLL_SECONDS`, default 5.
pub fn poll_interval() -> Duration {
    let secs = std::env::var("KIT_POLL_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(5.0);
    Duration::from_secs_f64(secs)
}

/// A UTC timestamp for resource names (`2026-11-26-04-17-06`).
pub fn utc_stamp() -> String {
    chrono::Utc::now().format("%Y-%m-%d-%H-%M-%S").to_string()
}

/// Waits for the jobs (if any) and returns their descriptions, replicated first.
pub fn wait_for_comparison(jobs: &Option<Jobs>) -> KitResult<Vec<TrainingJob>> {
    match jobs {
        Some(j) => wait_for_jobs(
            &[j.replicated.as_str(), j.sharded.as_str()],
            poll_interval(),
        ),
        None => {
            println!("no training jobs to compare yet");
            Ok(Vec::new())
        }
    }
}

/// The ShardedByS3Key job's training time divided by the FullyReplicated job's, both from
/// TrainingStartTime → TrainingEndTime ([`TrainingJob::training_seconds`], sub-second), never
/// from the whole-second `TrainingTimeInSeconds`.
pub fn training_time_ratio(jobs: &[TrainingJob]) -> Option<f64> {
    let t = |d: &str| {
        jobs.iter()
            .find(|j| j.train_distribution == d)
            .and_then(TrainingJob::training_seconds)
    };
    match (t("ShardedByS3Key"), t("FullyReplicated")) {
        (Some(s), Some(r)) if r > 0.0 => Some(s / r),
        _ => None,
    }
}

/// Mean per-host train throughput of each job, labelled by its train distribution.
#[allow(clippy::type_complexity)]
pub fn throughput_by_job(jobs: &[TrainingJob]) -> KitResult<Vec<(String, Vec<(String, f64)>)>> {
    jobs.iter()
        .map(|j| Ok((j.train_distribution.clone(), host_throughput(&j.name)?)))
        .collect()
}

/// The original's log-based timing (first to last CloudWatch event) of each job, as a table, with
/// the sharded / replicated ratio of those spans as its note.
pub fn log_timing_table(jobs: &[TrainingJob]) -> KitResult<Table> {
    let mut t = Table::new([
        "job",
        "train distribution",
        "minutes (first to last log event)",
    ]);
    let mut minutes: BTreeMap<String, f64> = BTreeMap::new();
    for j in jobs {
        let m = log_timing_minutes(&j.name)?;
        println!("{}: {m:.3} minutes", j.train_distribution);
        minutes.insert(j.train_distribution.clone(), m);
        t.push([
            j.name.clone(),
            j.train_distribution.clone(),
            format!("{m:.3}"),
        ]);
    }
    match (
        minutes.get("ShardedByS3Key"),
        minutes.get("FullyReplicated"),
    ) {
        (Some(s), Some(r)) if *r > 0.0 => Ok(t.with_note(format!(
            "sharded / replicated (log spans): {:.3} — sharded {:.2}x as fast",
            s / r,
            r / s
        ))),
        _ => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_describe_training_job_response() {
        let v = json!({
            "TrainingJobName": "DEMO-linear-sharded-1", "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/p/DEMO-linear-sharded-1/output/model.tar.gz"},
            "ResourceConfig": {"InstanceCount": 5},
            "InputDataConfig": [
                {"ChannelName": "validation", "DataSource": {"S3DataSource": {"S3DataDistributionType": "FullyReplicated"}}},
                {"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataDistributionType": "ShardedByS3Key"}}}],
            "CreationTime": 1700000000.5, "TrainingStartTime": 1700000010.0,
            "TrainingEndTime": 1700000135.0, "TrainingTimeInSeconds": 125,
            "BillableTimeInSeconds": 625,
            "SecondaryStatusTransitions": [
                {"Status": "Starting", "StartTime": 1700000000.5, "EndTime": 1700000010.0, "StatusMessage": "Preparing"},
                {"Status": "Completed", "StartTime": 1700000135.0, "EndTime": 1700000135.0, "StatusMessage": "done"}],
            "FinalMetricDataList": [{"MetricName": "validation:mse", "Value": 12.5, "Timestamp": 1700000130}]
        });
        let j = TrainingJob::from_json(&v).unwrap();
        assert_eq!(j.train_distribution, "ShardedByS3Key");
        assert_eq!(j.instance_count, 5);
        assert_eq!(j.training_time_s, Some(125.0));
        assert_eq!(j.billable_time_s, Some(625.0));
        assert_eq!(j.training_seconds(), Some(125.0));
        assert_eq!(j.billed_instance_seconds(), Some(3125.0));
        assert_eq!(j.transitions.len(), 2);
        assert_eq!(j.transitions[0].end, Some(1700000010.0));
        assert_eq!(j.final_metrics, vec![("validation:mse".to_string(), 12.5)]);
        assert!(j.is_finished());
        assert!(TrainingJob::from_json(&json!({})).is_err());
    }

    #[test]
    fn ratio_comes_from_the_timestamps_not_the_whole_seconds() {
        let job = |dist: &str, secs: f64| {
            TrainingJob::from_json(&json!({
                "TrainingJobName": format!("DEMO-{dist}"), "TrainingJobStatus": "Completed",
                "ResourceConfig": {"InstanceCount": 5},
                "InputDataConfig": [{"ChannelName": "train",
                    "DataSource": {"S3DataSource": {"S3DataDistributionType": dist}}}],
                "TrainingStartTime": 1000.0, "TrainingEndTime": 1000.0 + secs,
                "TrainingTimeInSeconds": 1, "BillableTimeInSeconds": 1
            }))
            .unwrap()
        };
        // A quick run: both jobs report 1 whole second, the timestamps tell them apart.
        let jobs = [job("FullyReplicated", 1.2), job("ShardedByS3Key", 0.3)];
        let r = training_time_ratio(&jobs).unwrap();
        assert!((r - 0.25).abs() < 1e-9, "{r}");
        assert_eq!(training_time_ratio(&jobs[..1]), None);
    }

    #[test]
    fn timestamps_numbers_and_strings() {
        assert_eq!(timestamp(&json!(1529870369.986)), Some(1529870369.986));
        assert_eq!(
            timestamp(&json!("2018-06-24T20:00:00Z")),
            Some(1529870400.0)
        );
        assert_eq!(timestamp(&json!(null)), None);
    }

    #[test]
    fn throughput_lines() {
        let l = "[11/26/2026 02:17:21 INFO 140] #throughput_metric: host=algo-3, train throughput=2772.79070404 records/second";
        assert_eq!(parse_throughput(l), Some(("algo-3".into(), 2772.79070404)));
        assert_eq!(
            parse_throughput("#progress_metric: host=algo-1, completed 6 %"),
            None
        );
    }

    #[test]
    fn jobs_file_round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("jobs.json");
        let j = Jobs {
            replicated: "r".into(),
            sharded: "s".into(),
        };
        j.save(&p).unwrap();
        assert_eq!(Jobs::load(&p).unwrap(), j);
        std::fs::write(&p, "{\"replicated\": \"r\"}").unwrap();
        let e = Jobs::load(&p).unwrap_err().to_string();
        assert!(e.contains("no \"sharded\" job name"), "{e}");
    }
}
