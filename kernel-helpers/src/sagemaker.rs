//! The training jobs the notebooks compare: DescribeTrainingJob / ListTrainingJobs read into
//! plain data ([`TrainingJob`]), finding and waiting for the two jobs, and their comparison tables.
//!
//! Each function opens its own runtime and [`JsonClient`] (see the crate docs for why). Requests
//! and answers are `sagemaker-api`'s typed shapes; [`TrainingJob`] keeps only what the notebooks
//! use, as plain values that can cross evcxr cells.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use sagemaker_api::JsonOperation;
use sagemaker_api::sagemaker::{
    DescribeTrainingJobRequest, ListTrainingJobsRequest, SortBy, SortOrder, TrainingJobStatus,
};

use crate::aws::{block_on, sdk_config};
use crate::display::Table;
use crate::error::{KitError, KitResult};
pub use crate::job::{TrainingJob, Transition};
use crate::json11::{JsonClient, Service};
use crate::logs::{host_throughput, log_timing_minutes};
use crate::settings::Settings;

/// Sends one SageMaker request and reads its typed answer.
pub(crate) async fn sm<R: JsonOperation>(request: &R) -> KitResult<R::Output> {
    let conf = sdk_config().await;
    JsonClient::new(&conf, Service::SageMaker)?
        .send(request)
        .await
}

/// DescribeTrainingJob.
pub fn describe_training_job(name: &str) -> KitResult<TrainingJob> {
    let d = block_on(sm(&DescribeTrainingJobRequest {
        training_job_name: Some(name.into()),
    }))??;
    Ok(TrainingJob::from_response(&d))
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
    /// Records `replicated` and `sharded` in the jobs file with the kit's one writer
    /// ([`kit::jobs_file`]: locked read-modify-write), keeping what others recorded there
    /// (`deploy.sh`'s hosting names).
    pub fn save(&self, path: &Path) -> KitResult<()> {
        kit::jobs_file::set(
            path,
            &[("replicated", &self.replicated), ("sharded", &self.sharded)],
        )
        .map_err(KitError::msg)
    }
    /// Reads a jobs file.
    pub fn load(path: &Path) -> KitResult<Self> {
        let j = kit::jobs_file::jobs(path)
            .map_err(KitError::msg)?
            .map_err(KitError::msg)?;
        Ok(Jobs {
            replicated: j.replicated,
            sharded: j.sharded,
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
            let page = c
                .send(&ListTrainingJobsRequest {
                    name_contains: Some(name_contains.into()),
                    sort_by: Some(SortBy::CreationTime),
                    sort_order: Some(SortOrder::Descending),
                    max_results: Some(100),
                    next_token: token.take(),
                    ..Default::default()
                })
                .await?;
            out.extend(page.training_job_summaries.into_iter().map(|j| JobSummary {
                name: j.training_job_name,
                status: j.training_job_status.to_string(),
                creation_time: j.creation_time,
            }));
            token = page.next_token;
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
            .find(|j| {
                j.name.starts_with(prefix)
                    && TrainingJobStatus::from(j.status.as_str()) == TrainingJobStatus::Completed
            })
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
            if let Some(bad) = done.iter().find(|j| !j.is_completed()) {
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
    use sagemaker_api::sagemaker::DescribeTrainingJobResponse;
    use serde_json::json;

    use super::*;

    /// A DescribeTrainingJob answer as the wire carries it.
    fn describe(v: serde_json::Value) -> DescribeTrainingJobResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn reads_a_describe_training_job_response() {
        let v = json!({
            "TrainingJobName": "DEMO-linear-sharded-1", "TrainingJobStatus": "Completed",
            "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/DEMO-linear-sharded-1",
            "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
            "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
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
        let j = TrainingJob::from_response(&describe(v));
        assert_eq!(j.train_distribution, "ShardedByS3Key");
        assert_eq!(j.instance_count, 5);
        assert_eq!(j.training_time_s, Some(125.0));
        assert_eq!(j.billable_time_s, Some(625.0));
        assert_eq!(j.training_seconds(), Some(125.0));
        assert_eq!(j.billed_instance_seconds(), Some(3125.0));
        assert_eq!(j.transitions.len(), 2);
        assert_eq!(j.transitions[0].end, Some(1700000010.0));
        assert_eq!(j.final_metrics, vec![("validation:mse".to_string(), 12.5)]);
        assert_eq!(j.training_image, "img:1");
        assert!(j.is_finished() && j.is_completed());
    }

    #[test]
    fn ratio_comes_from_the_timestamps_not_the_whole_seconds() {
        let job = |dist: &str, secs: f64| {
            TrainingJob::from_response(&describe(json!({
                "TrainingJobName": format!("DEMO-{dist}"), "TrainingJobStatus": "Completed",
                "TrainingJobArn": "arn", "SecondaryStatus": "Completed", "CreationTime": 990.0,
                "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m"},
                "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
                "ResourceConfig": {"InstanceCount": 5},
                "InputDataConfig": [{"ChannelName": "train",
                    "DataSource": {"S3DataSource": {"S3DataDistributionType": dist}}}],
                "TrainingStartTime": 1000.0, "TrainingEndTime": 1000.0 + secs,
                "TrainingTimeInSeconds": 1, "BillableTimeInSeconds": 1
            })))
        };
        // A quick run: both jobs report 1 whole second, the timestamps tell them apart.
        let jobs = [job("FullyReplicated", 1.2), job("ShardedByS3Key", 0.3)];
        let r = training_time_ratio(&jobs).unwrap();
        assert!((r - 0.25).abs() < 1e-9, "{r}");
        assert_eq!(training_time_ratio(&jobs[..1]), None);
    }

    #[test]
    fn an_answer_missing_a_required_member_is_refused() {
        let e = serde_json::from_value::<DescribeTrainingJobResponse>(json!({
            "TrainingJobName": "j"
        }))
        .unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
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
