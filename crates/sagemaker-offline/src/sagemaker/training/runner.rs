//! The background runner of one training job: wait for a training slot, give each host its
//! File-mode copy of its objects, call `linear_learner::train` (narrow, synchronous, cancellable:
//! `train(spec, sink, cancel)`), upload `model.tar.gz`, and record each secondary status on the
//! way. StopTrainingJob and MaxRuntimeInSeconds both end a run through the [`Cancel`] flag, which
//! remembers which of the two came first.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::download::{download, host_names};
use super::job_logs::JobLogs;
use super::record::JobRecord;
use super::validate::JobPlan;
use crate::sagemaker::records::JOBS;
use crate::sagemaker::{Inner, now};
use sagemaker_api::sagemaker::SecondaryStatus;

/// Why the cancel flag was raised.
const CANCEL_NONE: u8 = 0;
pub(crate) const CANCEL_STOP: u8 = 1;
const CANCEL_MAX_RUNTIME: u8 = 2;

/// The cancel flag handed to `linear_learner::train`, with the reason.
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    flag: AtomicBool,
    reason: AtomicU8,
}

impl Cancel {
    pub(crate) fn raise(&self, reason: u8) {
        let _ =
            self.reason
                .compare_exchange(CANCEL_NONE, reason, Ordering::SeqCst, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
    }
    pub(crate) fn raised(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
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
pub(crate) fn run(inner: &Arc<Inner>, plan: &JobPlan, cancel: &Arc<Cancel>) {
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
    let at = now();
    update(inner, &plan.key, |job| {
        job.metrics = metrics;
        match end {
            End::Completed => {
                job.transition(SecondaryStatus::Completed, "Training job completed", at)
            }
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
    let started = now();
    update(inner, &plan.key, |job| {
        job.start = Some(started);
        job.transition(
            SecondaryStatus::Downloading,
            "Downloading input data",
            started,
        );
    });
    // MaxRuntimeInSeconds counts from the start of training (after the slot wait).
    let watchdog = MaxRuntime::start(plan, cancel);
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
                SecondaryStatus::Training,
                "Training image download completed. Training in progress.",
                now(),
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
                SecondaryStatus::Uploading,
                "Uploading generated training model",
                now(),
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
    watchdog.disarm();
    end
}

/// The MaxRuntimeInSeconds watchdog: a thread that sleeps on a condition variable until the job
/// ends ([`MaxRuntime::disarm`]) or the limit passes, and then raises the cancel flag with the
/// MaxRuntimeExceeded reason. Nothing polls.
struct MaxRuntime {
    ended: Arc<(Mutex<bool>, Condvar)>,
}

impl MaxRuntime {
    fn start(plan: &JobPlan, cancel: &Arc<Cancel>) -> Self {
        let ended = Arc::new((Mutex::new(false), Condvar::new()));
        let (watch, cancel) = (ended.clone(), cancel.clone());
        let limit = Duration::from_secs(plan.max_runtime);
        let spawned = std::thread::Builder::new()
            .name(format!("watch-{}", plan.key))
            .spawn(move || {
                let (lock, cv) = &*watch;
                let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
                let (guard, _) = cv
                    .wait_timeout_while(guard, limit, |ended| !*ended)
                    .unwrap_or_else(PoisonError::into_inner);
                if !*guard {
                    cancel.raise(CANCEL_MAX_RUNTIME);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(
                "sagemaker: no MaxRuntimeInSeconds watchdog for {}: {e}",
                plan.key
            );
        }
        Self { ended }
    }

    /// The job ended: the watchdog thread wakes and exits without raising anything.
    fn disarm(self) {
        let (lock, cv) = &*self.ended;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        cv.notify_all();
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
    fn max_runtime_raises_only_when_not_disarmed() {
        let plan = |secs| JobPlan {
            key: "j".into(),
            name: "J".into(),
            hyperparameters: Default::default(),
            channels: vec![],
            instance_count: 1,
            output_bucket: "b".into(),
            output_key: "k".into(),
            max_runtime: secs,
            metric_defs: vec![],
            log_epoch: 0,
        };
        let c = Arc::new(Cancel::default());
        MaxRuntime::start(&plan(0), &c);
        let t0 = std::time::Instant::now();
        while !c.raised() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(matches!(cancelled_end(&c), End::MaxRuntime));
        let c = Arc::new(Cancel::default());
        MaxRuntime::start(&plan(3600), &c).disarm();
        std::thread::sleep(Duration::from_millis(50));
        assert!(!c.raised());
    }
}
