//! Running the grid: the experiments (setting and request), starting their jobs within the
//! instance limit and waiting for all of them. Its own file because it only talks to the
//! training API; reading the ended jobs is `results.rs`, which uses these runs (never the reverse).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::Setting;
use crate::error::{KitError, KitResult};
use crate::json11::service_error;
use crate::sagemaker::{TrainingJob, describe_training_job};
use crate::settings::Target;
use crate::training::{CreateTrainingJobRequest, create_training_job};

/// One experiment: its setting and the request the notebook built for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The setting.
    pub setting: Setting,
    /// The CreateTrainingJob request.
    pub request: CreateTrainingJobRequest,
}

impl Experiment {
    /// An experiment.
    pub fn new(setting: Setting, request: CreateTrainingJobRequest) -> Self {
        Experiment { setting, request }
    }
    /// The request's TrainingJobName.
    pub fn name(&self) -> String {
        self.request.training_job_name.clone().unwrap_or_default()
    }
}

/// One experiment after its job ended (or could not be started).
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentRun {
    /// The setting.
    pub setting: Setting,
    /// TrainingJobName.
    pub name: String,
    /// The job's description at its end; `None` if CreateTrainingJob was refused.
    pub job: Option<TrainingJob>,
    /// Why it has no model (refused, Failed or Stopped), `None` when Completed.
    pub failure: Option<String>,
}

impl ExperimentRun {
    /// Whether the job completed.
    pub fn is_completed(&self) -> bool {
        self.failure.is_none() && self.job.as_ref().is_some_and(TrainingJob::is_completed)
    }
}

/// Instances of one type that the experiments keep busy at once: `KIT_TRAINING_INSTANCE_LIMIT`,
/// default 20 offline (the stand-in's default quota per instance type) and 10 on AWS (a common
/// account quota for ml.c4.2xlarge training, docs/aws.md).
pub fn instance_limit(target: Target) -> u32 {
    let default = match target {
        Target::Offline => 20,
        Target::Aws => 10,
    };
    std::env::var("KIT_TRAINING_INSTANCE_LIMIT")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|v| *v >= 1)
        .unwrap_or(default)
}

/// Which of the `pending` jobs (instance counts) start next: in order, as long as the running
/// instances plus theirs stay within `limit`; a job larger than the limit starts alone.
pub fn next_to_start(pending: &[u32], running_instances: u32, limit: u32) -> Vec<usize> {
    let mut used = running_instances;
    let mut out = Vec::new();
    for (i, &n) in pending.iter().enumerate() {
        if used + n <= limit || (used == 0 && out.is_empty()) {
            used += n;
            out.push(i);
        }
    }
    out
}

fn is_limit_error(e: &KitError) -> bool {
    service_error(e).is_some_and(|s| s.code.contains("ResourceLimitExceeded"))
}

/// Starts the experiments' jobs — as many at once as `KIT_TRAINING_INSTANCE_LIMIT` instances
/// allow, the next ones as earlier ones end — and waits for all of them, printing a line when each
/// starts and one when each ends. A job that is refused, fails or stops gets one message with its
/// reason and is left out of the results; the others go on.
pub fn run_experiments(
    target: Target,
    experiments: &[Experiment],
    poll: Duration,
) -> KitResult<Vec<ExperimentRun>> {
    let limit = instance_limit(target);
    let start = Instant::now();
    let t = || start.elapsed().as_secs_f64();
    let total = experiments.len();
    let mut pending: Vec<usize> = (0..total).collect();
    let mut running: BTreeMap<usize, u32> = BTreeMap::new();
    let mut done: BTreeMap<usize, ExperimentRun> = BTreeMap::new();
    println!("{total} jobs, at most {limit} instances at once (KIT_TRAINING_INSTANCE_LIMIT)");
    while done.len() < total {
        // Start what fits.
        let sizes: Vec<u32> = pending
            .iter()
            .map(|&i| experiments[i].setting.instances)
            .collect();
        let used: u32 = running.values().sum();
        let picks = next_to_start(&sizes, used, limit);
        let mut started = Vec::new();
        for p in picks {
            let i = pending[p];
            let e = &experiments[i];
            match create_training_job(&e.request) {
                Ok(_) => {
                    println!(
                        "[{:>6.1} s] started {:<28} {}",
                        t(),
                        e.setting.label(),
                        e.name()
                    );
                    running.insert(i, e.setting.instances);
                    started.push(p);
                }
                Err(err) if is_limit_error(&err) && !running.is_empty() => {
                    // The account's quota is smaller than the limit: wait for a running job.
                    break;
                }
                Err(err) => {
                    println!("[{:>6.1} s] NOT STARTED {}: {err}", t(), e.setting.label());
                    done.insert(
                        i,
                        ExperimentRun {
                            setting: e.setting.clone(),
                            name: e.name(),
                            job: None,
                            failure: Some(format!("CreateTrainingJob refused: {err}")),
                        },
                    );
                    started.push(p);
                }
            }
        }
        for p in started.into_iter().rev() {
            pending.remove(p);
        }
        if running.is_empty() && !pending.is_empty() {
            return Err(KitError::msg(
                "no experiment job could be started (see the messages above); nothing is running",
            ));
        }
        std::thread::sleep(poll);
        // Look at every running job.
        let ids: Vec<usize> = running.keys().copied().collect();
        for i in ids {
            let e = &experiments[i];
            let j = describe_training_job(&e.name())?;
            if !j.is_finished() {
                continue;
            }
            running.remove(&i);
            let failure = (!j.is_completed()).then(|| {
                format!(
                    "{}: {}",
                    j.status,
                    j.failure_reason.as_deref().unwrap_or("no reason given")
                )
            });
            let n = done.len() + 1;
            match &failure {
                None => println!(
                    "[{:>6.1} s] {n:>2}/{total} done   {:<28} {:.3} s training ({})",
                    t(),
                    e.setting.label(),
                    j.training_seconds().unwrap_or(f64::NAN),
                    e.name()
                ),
                Some(f) => println!(
                    "[{:>6.1} s] {n:>2}/{total} FAILED {:<28} {f} — left out of the results; its \
                     logs: /aws/sagemaker/TrainingJobs {}",
                    t(),
                    e.setting.label(),
                    e.name()
                ),
            }
            done.insert(
                i,
                ExperimentRun {
                    setting: e.setting.clone(),
                    name: e.name(),
                    job: Some(j),
                    failure,
                },
            );
        }
    }
    let completed = done.values().filter(|r| r.is_completed()).count();
    println!(
        "all {total} jobs ended in {:.1} s: {completed} completed, {} not",
        t(),
        total - completed
    );
    Ok(done.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_start_within_the_instance_limit() {
        // 20 instances: 1+1+2+2+3+3+5 = 17 start, the 5 would exceed, the later 1… none fit.
        assert_eq!(
            next_to_start(&[1, 1, 2, 2, 3, 3, 5, 5], 0, 20),
            vec![0, 1, 2, 3, 4, 5, 6]
        );
        assert_eq!(next_to_start(&[8, 8], 15, 20), Vec::<usize>::new());
        assert_eq!(next_to_start(&[8, 1], 15, 20), vec![1]);
        // A job larger than the limit starts when nothing runs.
        assert_eq!(next_to_start(&[30, 1], 0, 20), vec![0]);
    }
}
