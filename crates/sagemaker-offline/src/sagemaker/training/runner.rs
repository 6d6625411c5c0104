//! The background runner of one training job: wait for a training slot, give each host its
//! File-mode copy of its objects, call `linear_learner::train` (narrow, synchronous, cancellable:
//! `train(spec, sink, cancel)`), upload `model.tar.gz`, and record each secondary status on the
//! way. StopTrainingJob and MaxRuntimeInSeconds both end a run through the [`Cancel`] flag, which
//! remembers which of the two came first.
//!
//! Whatever happens inside, a job ends: the whole body runs under `catch_unwind`, so a panic in
//! the download, the fit, the artifact upload or the log sink ends the job `Failed` with an
//! `InternalServerError` reason; the training slot is a guard that is released when it drops, also
//! while a panic unwinds; and once the cancel flag is up the [`Watchdog`] gives the runner
//! [`crate::sagemaker::Options::stop_grace`] to end before it records the job stopped itself (as
//! SageMaker kills an algorithm 120 s after its SIGTERM). A job that StopTrainingJob turned
//! `Stopping` always ends `Stopped`, whatever the runner was doing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::download::{download, host_names};
use super::job_logs::JobLogs;
use super::record::JobRecord;
use super::validate::JobPlan;
use crate::sagemaker::metrics::MetricDatum;
use crate::sagemaker::records::JOBS;
use crate::sagemaker::{Inner, now};
use sagemaker_api::sagemaker::{SecondaryStatus, TrainingJobStatus};

/// Why the cancel flag was raised.
const CANCEL_NONE: u8 = 0;
pub(crate) const CANCEL_STOP: u8 = 1;
const CANCEL_MAX_RUNTIME: u8 = 2;

/// The cancel flag handed to `linear_learner::train`, with the reason, and the signal that the
/// runner has ended (which the [`Watchdog`] waits for).
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    flag: AtomicBool,
    reason: AtomicU8,
    ended: Mutex<bool>,
    changed: Condvar,
}

impl Cancel {
    pub(crate) fn raise(&self, reason: u8) {
        self.set(reason);
        // Under the lock the watchdog waits with, so it cannot miss the change.
        let _ended = self.lock();
        self.changed.notify_all();
    }
    fn set(&self, reason: u8) {
        let _ =
            self.reason
                .compare_exchange(CANCEL_NONE, reason, Ordering::SeqCst, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
    }
    pub(crate) fn raised(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.ended.lock().unwrap_or_else(PoisonError::into_inner)
    }
    /// The runner has ended: the watchdog exits without doing anything.
    fn mark_ended(&self) {
        *self.lock() = true;
        self.changed.notify_all();
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

/// Records a step of a job that is still `InProgress` (a `Stopping` job stays `Stopping`).
fn progress(inner: &Inner, key: &str, secondary: SecondaryStatus, message: &str) {
    update(inner, key, |job| {
        if job.status == TrainingJobStatus::InProgress {
            job.transition(secondary, message, now());
        }
    });
}

/// How a run ended.
#[derive(Debug)]
enum End {
    Completed,
    Failed(String),
    Stopped,
    MaxRuntime,
}

/// The background runner of one job.
pub(crate) fn run(inner: &Arc<Inner>, plan: &JobPlan, cancel: &Arc<Cancel>) {
    let work = inner.ctx.work_dir().join(&plan.key);
    let logs = JobLogs::new(inner, plan);
    let end = catch_unwind(AssertUnwindSafe(|| {
        run_job(inner, plan, cancel, &logs, &work)
    }))
    .unwrap_or_else(|payload| End::Failed(panic_reason(payload.as_ref())));
    let metrics = catch_unwind(AssertUnwindSafe(|| {
        logs.flush();
        logs.metrics()
    }))
    .unwrap_or_else(|payload| {
        tracing::error!(
            "sagemaker: the logs of {} could not be flushed: {}",
            plan.key,
            panic_message(payload.as_ref())
        );
        Vec::new()
    });
    remove_copies(&work);
    cancel.mark_ended();
    let at = now();
    let cancelled = cancelled_end(cancel);
    update(inner, &plan.key, |job| {
        finish(job, end, cancelled, metrics, at)
    });
    inner.state().cancels.remove(&plan.key);
}

/// Removes a job's File-mode copies (the instances' volumes are gone when a job ends).
pub(crate) fn remove_copies(work: &Path) {
    if let Err(e) = std::fs::remove_dir_all(work)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("sagemaker: could not remove {}: {e}", work.display());
    }
}

/// The final transition. A job already ended (by the watchdog) is left as it is; a job
/// StopTrainingJob turned `Stopping` ends `Stopped` (or `MaxRuntimeExceeded` when that came first),
/// whatever the runner's own end.
fn finish(job: &mut JobRecord, end: End, cancelled: End, metrics: Vec<MetricDatum>, at: f64) {
    if job.is_terminal() {
        return;
    }
    job.metrics = metrics;
    let end = if job.status == TrainingJobStatus::Stopping {
        cancelled
    } else {
        end
    };
    match end {
        End::Completed => job.transition(SecondaryStatus::Completed, "Training job completed", at),
        End::Failed(reason) => {
            job.failure = Some(reason.clone());
            job.transition(
                SecondaryStatus::Failed,
                &format!("Training job failed. {reason}"),
                at,
            );
        }
        End::Stopped => job.transition(SecondaryStatus::Stopped, "Training job stopped", at),
        End::MaxRuntime => job.transition(
            SecondaryStatus::MaxRuntimeExceeded,
            "Training job runtime exceeded MaxRuntimeInSeconds provided",
            at,
        ),
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

/// FailureReason of a job whose runner panicked: SageMaker's words for its own faults, then ours.
fn panic_reason(payload: &(dyn std::any::Any + Send)) -> String {
    format!(
        "InternalServerError: We encountered an internal error. Please try again. \
         (sagemaker-offline: the training job's runner panicked: {})",
        panic_message(payload)
    )
}

fn cancelled_end(cancel: &Cancel) -> End {
    if cancel.reason.load(Ordering::SeqCst) == CANCEL_MAX_RUNTIME {
        End::MaxRuntime
    } else {
        End::Stopped
    }
}

/// Waits for a slot, then runs the job holding it (the guard frees it on return or unwind).
fn run_job(
    inner: &Arc<Inner>,
    plan: &JobPlan,
    cancel: &Arc<Cancel>,
    logs: &JobLogs<'_>,
    work: &Path,
) -> End {
    let Some(_slot) = inner.acquire_slot(|| cancel.raised()) else {
        return cancelled_end(cancel);
    };
    let started = now();
    update(inner, &plan.key, |job| {
        if job.start.is_none() {
            job.start = Some(started);
        }
        if job.status == TrainingJobStatus::InProgress {
            job.transition(
                SecondaryStatus::Downloading,
                "Downloading input data",
                started,
            );
        }
    });
    // MaxRuntimeInSeconds counts from the start of training (after the slot wait).
    Watchdog::start(inner, plan, cancel);
    let hosts = host_names(plan.instance_count);
    for h in &hosts {
        use linear_learner::LogSink as _;
        logs.log(h, "Docker entrypoint called with argument(s): train");
        logs.log(h, "Running default environment configuration script");
    }
    let spec = match download(inner, plan, cancel, &hosts, work) {
        Ok(Some(spec)) => spec,
        Ok(None) => return cancelled_end(cancel),
        Err(reason) => return End::Failed(reason),
    };
    progress(
        inner,
        &plan.key,
        SecondaryStatus::Training,
        "Training image download completed. Training in progress.",
    );
    let model = match linear_learner::train(&spec, logs, &cancel.flag) {
        Ok(o) => o.model,
        Err(linear_learner::TrainError::Stopped) => return cancelled_end(cancel),
        Err(
            e @ (linear_learner::TrainError::Client(_) | linear_learner::TrainError::Algorithm(_)),
        ) => {
            return End::Failed(e.to_string());
        }
    };
    if cancel.raised() {
        return cancelled_end(cancel);
    }
    progress(
        inner,
        &plan.key,
        SecondaryStatus::Uploading,
        "Uploading generated training model",
    );
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
}

/// A thread per running job that sleeps on the job's [`Cancel`] until the runner ends. If
/// MaxRuntimeInSeconds passes first it raises the flag with the MaxRuntimeExceeded reason; once
/// the flag is up (for either reason) it waits [`crate::sagemaker::Options::stop_grace`] more and,
/// if the runner has still not ended, records the job's stopped end itself. Nothing polls.
struct Watchdog;

impl Watchdog {
    fn start(inner: &Arc<Inner>, plan: &JobPlan, cancel: &Arc<Cancel>) {
        let (inner, cancel, key) = (inner.clone(), cancel.clone(), plan.key.clone());
        let limit = Duration::from_secs(plan.max_runtime);
        let grace = inner.opts.stop_grace;
        let spawned = std::thread::Builder::new()
            .name(format!("watch-{}", plan.key))
            .spawn(move || {
                let ended = cancel.lock();
                let (ended, _) = cancel
                    .changed
                    .wait_timeout_while(ended, limit, |ended| !*ended && !cancel.raised())
                    .unwrap_or_else(PoisonError::into_inner);
                if *ended {
                    return;
                }
                if !cancel.raised() {
                    // We hold the lock `raise` notifies under: set the flag without it.
                    cancel.set(CANCEL_MAX_RUNTIME);
                }
                let (ended, _) = cancel
                    .changed
                    .wait_timeout_while(ended, grace, |ended| !*ended)
                    .unwrap_or_else(PoisonError::into_inner);
                if *ended {
                    return;
                }
                drop(ended);
                tracing::warn!(
                    "sagemaker: training job {key} did not end within {grace:?} of its stop; \
                     recording it stopped (its thread keeps its training slot until it ends)"
                );
                update(&inner, &key, |job| {
                    let metrics = std::mem::take(&mut job.metrics);
                    finish(
                        job,
                        cancelled_end(&cancel),
                        cancelled_end(&cancel),
                        metrics,
                        now(),
                    );
                });
            });
        if let Err(e) = spawned {
            tracing::error!("sagemaker: no watchdog for training job {}: {e}", plan.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_keeps_first_reason() {
        let c = Cancel::default();
        assert!(!c.raised());
        c.raise(CANCEL_MAX_RUNTIME);
        c.raise(CANCEL_STOP);
        assert!(c.raised());
        assert!(matches!(cancelled_end(&c), End::MaxRuntime));
    }

    #[test]
    fn a_stopping_job_ends_stopped_whatever_the_runner_says() {
        let stopping = || {
            let mut j = super::super::record::tests::record();
            j.transition(SecondaryStatus::Training, "t", 1.0);
            j.transition(SecondaryStatus::Stopping, "Stopping the training job", 2.0);
            j
        };
        for end in [End::Completed, End::Failed("x".into()), End::Stopped] {
            let mut j = stopping();
            finish(&mut j, end, End::Stopped, vec![], 3.0);
            assert_eq!(
                (j.status.as_str(), j.secondary.as_str()),
                ("Stopped", "Stopped")
            );
            assert_eq!(j.failure, None);
        }
        // An ended job is not ended twice.
        let mut j = stopping();
        finish(&mut j, End::Stopped, End::Stopped, vec![], 3.0);
        finish(
            &mut j,
            End::Failed("late".into()),
            End::Stopped,
            vec![],
            4.0,
        );
        assert_eq!((j.status.as_str(), j.transitions.len()), ("Stopped", 3));
        // Not stopping: the runner's end.
        let mut j = super::super::record::tests::record();
        finish(
            &mut j,
            End::Failed("ClientError: x".into()),
            End::Stopped,
            vec![],
            3.0,
        );
        assert_eq!(j.failure.as_deref(), Some("ClientError: x"));
    }

    #[test]
    fn panic_reasons_carry_the_message() {
        let p = catch_unwind(|| panic!("boom {}", 7)).expect_err("panicked");
        assert_eq!(
            panic_reason(p.as_ref()),
            "InternalServerError: We encountered an internal error. Please try again. \
             (sagemaker-offline: the training job's runner panicked: boom 7)"
        );
        let p = catch_unwind(|| std::panic::panic_any(5u8)).expect_err("panicked");
        assert_eq!(panic_message(p.as_ref()), "a panic without a message");
    }
}
