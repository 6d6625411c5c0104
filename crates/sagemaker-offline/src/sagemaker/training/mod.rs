//! Training jobs: the CreateTrainingJob / DescribeTrainingJob / ListTrainingJobs /
//! StopTrainingJob handlers, the instance quota, and the restart rule.
//!
//! - [`validate`]: the request's shape and semantic checks → a [`validate::JobPlan`].
//! - [`record`]: the persisted [`record::JobRecord`], its status model and its Describe/List views.
//! - [`runner`]: the background thread of one job (slot, download, train, upload, cancel).
//! - [`download`]: File mode's per-host copies of the input objects.
//! - [`job_logs`]: the hosts' log lines → CloudWatch Logs streams + the metric scraper.
//! - `faults` (tests): the runner's endings under injected panics and a stuck download.

mod download;
#[cfg(test)]
mod faults;
mod job_logs;
mod record;
mod runner;
mod validate;

use std::sync::Arc;

pub(crate) use record::JobRecord;
pub(crate) use runner::Cancel;
use runner::{CANCEL_STOP, run};
use validate::{Validated, validate};

use super::list::{self, ListSpec, Row};
use super::records::JOBS;
use super::{Inner, constraints, now};
use crate::api_error::JsonError;
use constraints::Checker;
use sagemaker_api::Empty;
use sagemaker_api::ErrorCode;
use sagemaker_api::sagemaker::{
    CreateTrainingJobRequest, CreateTrainingJobResponse, DescribeTrainingJobRequest,
    DescribeTrainingJobResponse, ListTrainingJobsRequest, ListTrainingJobsResponse,
    SecondaryStatus, SortBy, StopTrainingJobRequest, TrainingJobStatus, TrainingJobSummary,
};

/// The record key of a job: its name lower-cased (the service's names are case-insensitive).
fn job_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn not_found() -> JsonError {
    JsonError::validation("Requested resource not found.")
}

/// CreateTrainingJob.
pub(crate) fn create(
    inner: &Arc<Inner>,
    req: &CreateTrainingJobRequest,
) -> Result<CreateTrainingJobResponse, JsonError> {
    let Validated {
        mut plan,
        echo,
        artifacts,
    } = validate(inner, req)?;
    let now = now();
    plan.log_epoch = now.floor() as i64;
    let arn = inner.arn("training-job", &plan.name);
    let mut job = JobRecord {
        name: plan.name.clone(),
        arn: arn.clone(),
        echo,
        status: TrainingJobStatus::InProgress,
        secondary: SecondaryStatus::Starting,
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
    job.transition(
        SecondaryStatus::Starting,
        "Preparing the instances for training",
        now,
    );
    let cancel = Arc::new(Cancel::default());
    {
        let mut st = inner.state();
        if st.jobs.contains_key(&plan.key) {
            return Err(JsonError::of(
                &ErrorCode::ResourceInUse,
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
    let key = plan.key.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("train-{}", plan.key))
        .spawn(move || run(&runner, &plan, &cancel));
    if let Err(e) = spawned {
        // No runner will ever end this job: take it back, as if it had never been created.
        let mut st = inner.state();
        st.jobs.remove(&key);
        st.cancels.remove(&key);
        inner.unpersist(JOBS, &key);
        return Err(JsonError::internal(format!(
            "could not start the training job: {e}"
        )));
    }
    Ok(CreateTrainingJobResponse {
        training_job_arn: arn,
    })
}

fn instance_type(job: &JobRecord) -> &str {
    job.echo
        .resource_config
        .as_ref()
        .and_then(|r| r.instance_type.as_ref())
        .map_or("", |t| t.as_str())
}

/// The quota "<type> for training job usage": instances of `new`'s type held by jobs that have not
/// ended, plus `new`'s, must stay within `limit` (SageMaker answers `ResourceLimitExceeded` beyond it,
/// <https://docs.aws.amazon.com/sagemaker/latest/dg/regions-quotas.html>).
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
    Err(JsonError::of(
        &ErrorCode::ResourceLimitExceeded,
        format!(
            "The account-level service limit '{ty} for training job usage' is {limit} Instances, \
             with current utilization of {used} Instances and a request delta of {} Instances. \
             Please contact AWS support to request an increase for this limit.",
            new.instance_count
        ),
    ))
}

fn requested_name(name: Option<&str>) -> Result<String, JsonError> {
    let mut c = Checker::new();
    let name = constraints::name_member(
        name,
        "trainingJobName",
        &constraints::NAME_RE,
        constraints::NAME_PATTERN,
        &mut c,
    );
    c.finish()?;
    name.ok_or_else(not_found)
}

/// DescribeTrainingJob.
pub(crate) fn describe(
    inner: &Inner,
    req: &DescribeTrainingJobRequest,
) -> Result<DescribeTrainingJobResponse, JsonError> {
    let name = requested_name(req.training_job_name.as_deref())?;
    inner
        .state()
        .jobs
        .get(&job_key(&name))
        .map(JobRecord::describe)
        .ok_or_else(not_found)
}

/// ListTrainingJobs.
pub(crate) fn list_jobs(
    inner: &Inner,
    req: &ListTrainingJobsRequest,
) -> Result<ListTrainingJobsResponse, JsonError> {
    let rows: Vec<Row<TrainingJobSummary>> = inner
        .state()
        .jobs
        .values()
        .map(JobRecord::summary)
        .collect();
    let page = list::list(
        &req.into(),
        rows,
        &ListSpec {
            sort_by: SortBy::VALUES,
            statuses: TrainingJobStatus::VALUES,
        },
    )?;
    Ok(ListTrainingJobsResponse {
        training_job_summaries: page.items,
        next_token: page.next_token,
    })
}

/// StopTrainingJob: InProgress → Stopping (then Stopped when the hosts have stopped).
pub(crate) fn stop(inner: &Inner, req: &StopTrainingJobRequest) -> Result<Empty, JsonError> {
    let name = requested_name(req.training_job_name.as_deref())?;
    let key = job_key(&name);
    let mut st = inner.state();
    let cancel = st.cancels.get(&key).cloned();
    let job = st.jobs.get_mut(&key).ok_or_else(not_found)?;
    match &job.status {
        TrainingJobStatus::InProgress => {
            job.transition(
                SecondaryStatus::Stopping,
                "Stopping the training job",
                now(),
            );
            inner.persist(JOBS, &key, job);
            if let Some(c) = cancel {
                c.raise(CANCEL_STOP);
                // The job may still be waiting for a training slot: let it see the flag.
                inner.wake_slot_waiters();
            }
            // StopTrainingJob has no output shape: the answer is an empty object.
            Ok(Empty {})
        }
        TrainingJobStatus::Stopping => Ok(Empty {}),
        other => Err(JsonError::validation(format!(
            "The request was rejected because the training job is in status {other}."
        ))),
    }
}

/// Loads the jobs. One that was `InProgress` when the server stopped is marked `Failed` (its hosts
/// are gone), one that was `Stopping` is `Stopped` (what its stop would have reached); and every
/// File-mode copy under the work directory is removed, since no job runs before this returns.
pub(crate) fn restore(inner: &Inner) {
    let (jobs, problems) = inner.store.load_all::<JobRecord>(JOBS);
    for p in problems {
        tracing::error!("sagemaker: unreadable training job record {p}");
    }
    let mut st = inner.state();
    for (key, mut job) in jobs {
        if !job.is_terminal() {
            let at = now();
            if job.status == TrainingJobStatus::Stopping {
                job.transition(SecondaryStatus::Stopped, "Training job stopped", at);
            } else {
                job.failure = Some(RESTART_FAILURE.to_string());
                job.transition(SecondaryStatus::Failed, RESTART_FAILURE, at);
            }
            inner.persist(JOBS, &key, &job);
        }
        st.jobs.insert(key, job);
    }
    drop(st);
    remove_all_copies(&inner.ctx.work_dir());
}

/// Removes every job's folder under `work` (File-mode copies left by jobs a stop interrupted).
fn remove_all_copies(work: &std::path::Path) {
    let entries = match std::fs::read_dir(work) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            tracing::warn!("sagemaker: could not read {}: {e}", work.display());
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if let Err(e) = removed {
            tracing::warn!("sagemaker: could not remove {}: {e}", path.display());
        }
    }
}

/// FailureReason of a job interrupted by a server stop.
pub(crate) const RESTART_FAILURE: &str = "InternalServerError: The sagemaker-offline server stopped while this training job \
     was running, so its hosts were lost. Start a new training job.";

#[cfg(test)]
mod tests {
    use super::*;
    use record::tests::record;
    use sagemaker_api::sagemaker::ResourceConfig;

    #[test]
    fn instance_quota_counts_unfinished_jobs_of_the_same_type() {
        let of = |ty: &str, n: u32, status: &str| {
            let mut j = record();
            j.echo.resource_config = Some(ResourceConfig {
                instance_type: Some(ty.into()),
                ..Default::default()
            });
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

    #[tokio::test]
    async fn running_job_fails_on_restart_and_stays_persisted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = crate::ctx::Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            state_dir: dir.path().to_path_buf(),
            objects: std::sync::Arc::new(
                crate::s3::DiskStore::open(dir.path().join("s3")).expect("objects"),
            ),
            logs: std::sync::Arc::new(
                crate::logs::LogStore::open(dir.path().join("logs")).expect("logs"),
            ),
        };
        let store = crate::sagemaker::records::Records::new(ctx.sagemaker_dir());
        let mut running = record();
        running.name = "Running-Job".into();
        running.transition(
            SecondaryStatus::Starting,
            "Preparing the instances for training",
            100.0,
        );
        running.start = Some(101.0);
        running.transition(
            SecondaryStatus::Training,
            "Training image download completed. Training in progress.",
            101.0,
        );
        store.save(JOBS, "running-job", &running).expect("save");
        let mut done = record();
        done.name = "Done".into();
        done.transition(SecondaryStatus::Completed, "Training job completed", 105.0);
        store.save(JOBS, "done", &done).expect("save");

        let sm = crate::sagemaker::SageMaker::new(ctx.clone());
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
        let again = crate::sagemaker::SageMaker::new(ctx);
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

    #[tokio::test]
    async fn bodies_that_do_not_fit_the_request_type() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = crate::ctx::Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            state_dir: dir.path().to_path_buf(),
            objects: std::sync::Arc::new(
                crate::s3::DiskStore::open(dir.path().join("s3")).expect("objects"),
            ),
            logs: std::sync::Arc::new(
                crate::logs::LogStore::open(dir.path().join("logs")).expect("logs"),
            ),
        };
        let sm = crate::sagemaker::SageMaker::new(ctx);
        let err = |body: &'static [u8]| {
            let sm = sm.clone();
            async move {
                sm.handle("CreateTrainingJob", body)
                    .await
                    .err()
                    .map(|e| (e.status, e.code, e.message))
            }
        };
        let (status, code, message) =
            err(br#"{"TrainingJobName": "j", "ResourceConfig": {"InstanceCount": "5"}}"#)
                .await
                .expect("refused");
        assert_eq!((status, code.as_str()), (400, "SerializationException"));
        assert!(
            message.starts_with(
                "ResourceConfig.InstanceCount: invalid type: string \"5\", expected i32"
            ),
            "{message}"
        );
        let e = err(br#"["j"]"#).await.expect("refused");
        assert_eq!(
            (e.1.as_str(), e.2.as_str()),
            (
                "SerializationException",
                "The request body of CreateTrainingJob must be a JSON object"
            )
        );
        let e = err(br#"{"TrainingJobName": "#).await.expect("refused");
        assert_eq!(e.1, "SerializationException");
        assert!(
            e.2.starts_with("The request body of CreateTrainingJob is not valid JSON"),
            "{}",
            e.2
        );
        // An empty body is an empty request: every required member is reported, in member order.
        let e = err(b"").await.expect("refused");
        assert_eq!(e.1, "ValidationException");
        assert!(
            e.2.starts_with(
                "7 validation errors detected: Value null at 'trainingJobName' failed to satisfy \
                 constraint: Member must not be null; Value null at 'roleArn'"
            ),
            "{}",
            e.2
        );
    }
}
