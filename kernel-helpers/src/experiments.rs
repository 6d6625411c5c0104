//! Notebook 4's experiments: a grid of training jobs that differ from the workshop's request in
//! the instance count, the train channel's distribution and the `epochs` hyperparameter, run
//! together, then scored on 1984 like notebook 3 and written to one JSON file the handout reads.
//!
//! The notebook builds each request itself (the workshop's request with the changed members on
//! the page); this module is the plumbing around it:
//!
//! * [`experiment_grid`] — the settings to run, from the two lists the notebook shows;
//! * [`estimate_grid`] / [`GridEstimate::check`] — how long the grid should take, from the train
//!   channel's rows × each job's instance count × epochs, refused above a limit unless confirmed;
//! * [`run_experiments`] — starts the jobs as the instance limit allows (several at once), waits
//!   for all, one line per finished job, one message per failed job;
//! * [`collect_results`] — per completed job: the per-epoch validation loss and each host's
//!   records from the job's own logs (parsed with `linear_learner::log_lines`), the test errors
//!   on 1984 through a temporary endpoint, the compute spend from the [price table](PRICES_TSV);
//! * [`save_results`] — `$KIT_OUT/experiments.json` (or `KIT_EXPERIMENTS_FILE`).
//!
//! Every resource it creates is named `DEMO-linear-exp-…` ([`NAME_PREFIX`]), which
//! `scripts/cleanup.sh` finds and removes (endpoints, configurations, models; training jobs still
//! running are stopped).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::aws::ObjectInfo;
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::hosting::{create_endpoint, create_endpoint_config, create_model, delete_endpoint};
use crate::hosting::{keep_endpoints, wait_for_endpoints};
use crate::json11::service_error;
use crate::logs::job_log_events;
use crate::sagemaker::{TrainingJob, describe_training_job};
use crate::scoring::predict_batches;
use crate::settings::{Settings, Target};
use crate::stats::{mae, mse};
use crate::training::{CreateTrainingJobRequest, create_training_job};
use gdelt::transform::Prepared;
pub use kit::Kind;

/// The prefix of every training job, model, endpoint configuration and endpoint the experiments
/// create (`scripts/cleanup.sh` sweeps it).
pub const NAME_PREFIX: &str = "DEMO-linear-exp-";

/// The workshop's instance type (the price table's key).
pub const INSTANCE_TYPE: &str = "ml.c4.2xlarge";

/// On-demand prices of training instances, copied by hand (see the file's header).
pub const PRICES_TSV: &str = include_str!("instance-prices.tsv");

/// One point of the grid: which distribution, how many instances, how many epochs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// `replicated` or `sharded`.
    pub kind: String,
    /// ResourceConfig.InstanceCount.
    pub instances: u32,
    /// The `epochs` hyperparameter.
    pub epochs: u32,
}

impl Setting {
    /// A setting.
    pub fn new(kind: Kind, instances: u32, epochs: u32) -> Self {
        Setting {
            kind: kind.as_str().to_string(),
            instances,
            epochs,
        }
    }
    /// The distribution as the request's `Kind`.
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Replicated)
    }
    /// `sharded ×5, 2 epochs`.
    pub fn label(&self) -> String {
        format!(
            "{} ×{}, {} epoch{}",
            self.kind,
            self.instances,
            self.epochs,
            if self.epochs == 1 { "" } else { "s" }
        )
    }
    /// `DEMO-linear-exp-<stamp>-s5-e2` (≤ 63 characters for a 19-character stamp).
    pub fn job_name(&self, stamp: &str) -> String {
        let k = match self.kind() {
            Kind::Replicated => 'r',
            Kind::Sharded => 's',
        };
        format!(
            "{NAME_PREFIX}{stamp}-{k}{}-e{}",
            self.instances, self.epochs
        )
    }
}

/// The workshop's instance count and epochs (`kit::request`).
pub fn workshop_instances() -> u32 {
    kit::request::INSTANCE_COUNT as u32
}

/// The workshop's `epochs`.
pub fn workshop_epochs() -> u32 {
    kit::request::HYPERPARAMETERS
        .iter()
        .find(|(k, _)| *k == "epochs")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(2)
}

/// The grid: both distributions at every instance count of `instance_counts` with the workshop's
/// epochs, then the sharded job at the workshop's instance count with every `sharded_epochs`, and
/// the replicated job at the workshop's settings (the reference the epochs are compared with).
/// Each setting once, in that order.
pub fn experiment_grid(sharded_epochs: &[u32], instance_counts: &[u32]) -> Vec<Setting> {
    let (n0, e0) = (workshop_instances(), workshop_epochs());
    let mut out: Vec<Setting> = Vec::new();
    let mut push = |s: Setting| {
        if s.instances >= 1 && s.epochs >= 1 && !out.contains(&s) {
            out.push(s);
        }
    };
    for &n in instance_counts {
        for kind in Kind::BOTH {
            push(Setting::new(kind, n, e0));
        }
    }
    push(Setting::new(Kind::Replicated, n0, e0));
    for &e in sharded_epochs {
        push(Setting::new(Kind::Sharded, n0, e));
    }
    out
}

/// The default grid's two lists (`sharded_epochs`, `instance_counts`): offline 2/4/8 epochs and
/// 1/2/3/5/8 instances (12 jobs, seconds each at `--scale 0.05`); on AWS 2/4 epochs at the
/// workshop's 5 instances only (3 jobs: every AWS job starts real instances and bills at least a
/// few minutes of them, and the account's instance quota caps how many run at once).
pub fn default_grid(target: Target) -> (Vec<u32>, Vec<u32>) {
    match target {
        Target::Aws => (vec![2, 4], vec![workshop_instances()]),
        Target::Offline => (vec![2, 4, 8], vec![1, 2, 3, 5, 8]),
    }
}

/// The grid as a table.
pub fn grid_table(grid: &[Setting]) -> Table {
    let mut t = Table::new(["#", "train distribution", "instances", "epochs"]);
    for (i, s) in grid.iter().enumerate() {
        t.push([
            (i + 1).to_string(),
            s.kind().distribution().to_string(),
            s.instances.to_string(),
            s.epochs.to_string(),
        ]);
    }
    t.with_note(format!("{} training jobs", grid.len()))
}

// ------------------------------------------------------------------------------------ prices

/// One row of the price table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// AWS region.
    pub region: String,
    /// Instance type.
    pub instance_type: String,
    /// On-demand USD per instance-hour.
    pub usd_per_hour: f64,
    /// Where the number was copied from.
    pub source: String,
    /// The date it was copied.
    pub as_of: String,
}

/// Reads a price table (tab-separated: region, instance_type, usd_per_hour, source, as_of; `#`
/// lines and the header skipped).
pub fn parse_prices(tsv: &str) -> KitResult<Vec<Price>> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') || line.starts_with("region\t") {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = || KitError::msg(format!("price table line {}: {line:?}", i + 1));
        if f.len() != 5 {
            return Err(bad());
        }
        out.push(Price {
            region: f[0].into(),
            instance_type: f[1].into(),
            usd_per_hour: f[2].parse().map_err(|_| bad())?,
            source: f[3].into(),
            as_of: f[4].into(),
        });
    }
    Ok(out)
}

/// The price of `instance_type` in `region` from the kit's table, else its us-east-1 price (the
/// stand-in's default region), with a note saying which was used.
pub fn price_for(region: &str, instance_type: &str) -> KitResult<(Price, Option<String>)> {
    let prices = parse_prices(PRICES_TSV)?;
    let find = |r: &str| {
        prices
            .iter()
            .find(|p| p.region == r && p.instance_type == instance_type)
            .cloned()
    };
    if let Some(p) = find(region) {
        return Ok((p, None));
    }
    let p = find("us-east-1").ok_or_else(|| {
        KitError::msg(format!(
            "no price for {instance_type} in kernel-helpers/src/instance-prices.tsv: add it from \
             https://aws.amazon.com/sagemaker/pricing/"
        ))
    })?;
    Ok((
        p,
        Some(format!(
            "no {instance_type} price for {region} in the table; using us-east-1's"
        )),
    ))
}

// ------------------------------------------------------------------------------ estimate

/// What a grid should cost in time, before anything starts.
#[derive(Debug, Clone, PartialEq)]
pub struct GridEstimate {
    /// Jobs in the grid.
    pub jobs: usize,
    /// Records in the train channel (from the objects' sizes).
    pub train_rows: u64,
    /// Objects in the train channel.
    pub objects: usize,
    /// Σ over jobs of instances × records per instance × epochs.
    pub row_visits: f64,
    /// Estimated seconds for training, hosting and scoring every job.
    pub seconds: f64,
    /// The limit above which the grid is refused unless confirmed.
    pub limit_seconds: f64,
    /// What the estimate assumes.
    pub basis: String,
}

/// Offline: records one host trains on per second, summed over the hosts that train at once
/// (the stand-in's hosts are threads sharing the machine's cores). Measured on the 2-core build
/// machine at `--scale 0.05` (docs/BENCHMARKS.md, notebook 4); a slower machine takes longer.
pub const OFFLINE_ROW_VISITS_PER_SECOND: f64 = 1.0e6;
/// Offline: seconds per job besides training (start, download, artifact, endpoint, scoring).
pub const OFFLINE_SECONDS_PER_JOB: f64 = 4.5;
/// AWS: minutes per job besides training: starting the instances and the container (a few
/// minutes per training job) plus creating an endpoint to score on (several minutes). Jobs start
/// together as the instance limit allows, so the grid's time is less than the sum; this is
/// deliberately the pessimistic sum.
pub const AWS_SECONDS_PER_JOB: f64 = 15.0 * 60.0;

/// Bytes of one dense recordIO-protobuf record with `features` features and a label (every
/// record of a dense float32 matrix has the same size), from the kit's own writer.
pub fn bytes_per_record(features: usize) -> usize {
    let row = vec![0.0f32; features.max(1)];
    sagemaker_recordio::write_dense_matrix(Vec::new(), &row, features.max(1), Some(&[0.0]))
        .map(|v| v.len())
        .unwrap_or(1)
}

/// The limit in seconds: `KIT_EXPERIMENTS_MAX_MINUTES` (default 20 offline, 60 on AWS).
pub fn limit_seconds(target: Target) -> f64 {
    let default = match target {
        Target::Offline => 20.0,
        Target::Aws => 60.0,
    };
    std::env::var("KIT_EXPERIMENTS_MAX_MINUTES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
        * 60.0
}

/// Estimates the grid's time from the train objects (their sizes give the records): each job's
/// instance count × the records each instance reads (all of them replicated; the largest share
/// of the sorted objects dealt round-robin, sharded) × its epochs, at
/// [`OFFLINE_ROW_VISITS_PER_SECOND`], plus a fixed time per job.
pub fn estimate_grid(
    target: Target,
    grid: &[Setting],
    train_objects: &[ObjectInfo],
    features: usize,
) -> GridEstimate {
    let objects: Vec<&ObjectInfo> = train_objects
        .iter()
        .filter(|o| !o.key.ends_with('/'))
        .collect();
    let per_record = bytes_per_record(features) as f64;
    let rows_of = |o: &ObjectInfo| (o.size as f64 / per_record).round();
    let train_rows: f64 = objects.iter().map(|o| rows_of(o)).sum();
    let mut visits = 0.0;
    for s in grid {
        let per_host = match s.kind() {
            Kind::Replicated => train_rows,
            Kind::Sharded => {
                let mut sorted: Vec<&&ObjectInfo> = objects.iter().collect();
                sorted.sort_by(|a, b| a.key.cmp(&b.key));
                let shares = deal(&sorted, s.instances as usize);
                shares
                    .iter()
                    .map(|objs| objs.iter().map(|o| rows_of(o)).sum::<f64>())
                    .fold(0.0, f64::max)
            }
        };
        visits += f64::from(s.instances) * per_host * f64::from(s.epochs);
    }
    let (seconds, basis) = match target {
        Target::Offline => (
            visits / OFFLINE_ROW_VISITS_PER_SECOND + OFFLINE_SECONDS_PER_JOB * grid.len() as f64,
            format!(
                "{:.1e} record-visits per second across the hosts + {OFFLINE_SECONDS_PER_JOB} s per job \
                 (measured on a 2-core machine)",
                OFFLINE_ROW_VISITS_PER_SECOND
            ),
        ),
        Target::Aws => (
            AWS_SECONDS_PER_JOB * grid.len() as f64,
            format!(
                "{:.0} min per job for instances, container and an endpoint, jobs one after another \
                 (pessimistic)",
                AWS_SECONDS_PER_JOB / 60.0
            ),
        ),
    };
    GridEstimate {
        jobs: grid.len(),
        train_rows: train_rows as u64,
        objects: objects.len(),
        row_visits: visits,
        seconds,
        limit_seconds: limit_seconds(target),
        basis,
    }
}

impl GridEstimate {
    /// One paragraph: jobs, records, visits, the estimate and the limit.
    pub fn summary(&self) -> String {
        format!(
            "{} jobs over {} train records in {} objects: {:.2e} record-visits (instances × records \
             per instance × epochs, summed); estimated {:.0} s ({:.1} min) — limit {:.0} min \
             (KIT_EXPERIMENTS_MAX_MINUTES). Basis: {}.",
            self.jobs,
            self.train_rows,
            self.objects,
            self.row_visits,
            self.seconds,
            self.seconds / 60.0,
            self.limit_seconds / 60.0,
            self.basis
        )
    }

    /// `Ok` when the estimate is within the limit or the grid is confirmed (`confirmed`, or
    /// `KIT_EXPERIMENTS_CONFIRM=1`); else one message saying what to do.
    pub fn check(&self, confirmed: bool) -> KitResult<()> {
        let env_confirmed = std::env::var("KIT_EXPERIMENTS_CONFIRM")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
        if self.seconds <= self.limit_seconds || confirmed || env_confirmed {
            return Ok(());
        }
        Err(KitError::msg(format!(
            "refused: this grid of {} jobs is estimated to take {:.0} min, above the limit of {:.0} \
             min. Make the grid smaller in the grid cell (fewer instance counts or epochs), or set \
             `confirm_long_grid = true` in this cell (or KIT_EXPERIMENTS_CONFIRM=1, or raise \
             KIT_EXPERIMENTS_MAX_MINUTES) and run it again. Nothing has been started.",
            self.jobs,
            self.seconds / 60.0,
            self.limit_seconds / 60.0
        )))
    }
}

/// Keys dealt round-robin to `hosts` hosts (host i gets keys i, i+N, …): the stand-in's
/// ShardedByS3Key rule for the sorted keys (docs/SEMANTICS.md).
pub fn deal<T: Clone>(sorted: &[T], hosts: usize) -> Vec<Vec<T>> {
    let hosts = hosts.max(1);
    (0..hosts)
        .map(|h| sorted.iter().skip(h).step_by(hosts).cloned().collect())
        .collect()
}

/// On AWS: a warning with what the grid starts and a lower bound of its training cost.
pub fn cost_warning(settings: &Settings, grid: &[Setting]) -> KitResult<Option<String>> {
    if settings.target != Target::Aws {
        return Ok(None);
    }
    let (price, _) = price_for(&settings.region, INSTANCE_TYPE)?;
    let instances: u32 = grid.iter().map(|s| s.instances).sum();
    // A job bills at least its start-up and training; 5 minutes per instance is a floor, not a quote.
    let floor = f64::from(instances) * 5.0 / 60.0 * price.usd_per_hour;
    Ok(Some(format!(
        "COST WARNING (KIT_TARGET=aws): this grid starts {} training jobs on {instances} {INSTANCE_TYPE} \
         instances in all, and one ml.m4.xlarge endpoint per job to score it. At {} USD per \
         instance-hour ({}, {}) the training alone costs at least about {floor:.2} USD (5 billed \
         minutes per instance), plus the endpoints while they run. Endpoints are deleted after \
         scoring; scripts/cleanup.sh removes anything left (names {NAME_PREFIX}*).",
        grid.len(),
        price.usd_per_hour,
        price.source,
        price.as_of
    )))
}

// ----------------------------------------------------------------------------- running

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

// ------------------------------------------------------------------------------ results

/// One host of a job: the objects the round-robin rule gives it and the records its log says it
/// read per epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostShare {
    /// `algo-N`.
    pub host: String,
    /// Train records this host read in its first epoch (its `training_data_iter` line); 0 when
    /// it logged "No training data".
    pub records_per_epoch: u64,
    /// Whether the host logged the "No training data" warning.
    pub no_data_warning: bool,
}

/// One experiment's results, as written to the experiments file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentResult {
    /// The setting.
    #[serde(flatten)]
    pub setting: Setting,
    /// `FullyReplicated` / `ShardedByS3Key`.
    pub distribution: String,
    /// TrainingJobName.
    pub job: String,
    /// Completed, Failed, Stopped or `NotStarted`.
    pub status: String,
    /// Why there are no results, if so.
    pub failure: Option<String>,
    /// TrainingStartTime → TrainingEndTime, s.
    pub training_seconds: Option<f64>,
    /// TrainingTimeInSeconds (whole seconds).
    pub training_time_in_seconds: Option<f64>,
    /// BillableTimeInSeconds (whole seconds, per instance).
    pub billable_time_in_seconds: Option<f64>,
    /// BillableTimeInSeconds × InstanceCount.
    pub billed_instance_seconds: Option<f64>,
    /// billed instance-seconds × the price per instance-hour / 3600.
    pub compute_usd: Option<f64>,
    /// Test MSE on the test year.
    pub test_mse: Option<f64>,
    /// Test MAE on the test year.
    pub test_mae: Option<f64>,
    /// The validation objective after each epoch, from the job's log (`#quality_metric: …
    /// epoch=E, validation …`), as (epoch, value).
    pub validation_loss_by_epoch: Vec<(usize, f64)>,
    /// FinalMetricDataList.
    pub final_metrics: BTreeMap<String, f64>,
    /// Per host: records read, no-data warnings.
    pub hosts: Vec<HostShare>,
}

/// What a job's logs say: per-epoch validation objective, per-host records and no-data warnings.
pub fn read_job_logs(
    events: &BTreeMap<String, Vec<(i64, String)>>,
) -> (Vec<(usize, f64)>, Vec<HostShare>) {
    use linear_learner::log_lines::{MetricLine, parse, parse_records, text};
    let mut validation: BTreeMap<usize, f64> = BTreeMap::new();
    let mut records: BTreeMap<String, u64> = BTreeMap::new();
    let mut warned: BTreeMap<String, bool> = BTreeMap::new();
    for (stream, evs) in events {
        // Streams are `<job>/algo-N-<epoch seconds>`.
        let host = stream
            .rsplit_once('/')
            .map(|(_, h)| h)
            .and_then(|h| h.rsplit_once('-').map(|(a, _)| a))
            .unwrap_or(stream)
            .to_string();
        records.entry(host.clone()).or_insert(0);
        let no_data = text::no_training_data(&host);
        for (_, msg) in evs {
            if let Some(MetricLine::Quality {
                epoch: Some(e),
                split,
                value,
                ..
            }) = parse(msg)
                && split == "validation"
            {
                validation.insert(e, value);
            } else if let Some(r) = parse_records(msg)
                && r.epoch == 0
            {
                records.insert(r.host, r.records);
            } else if msg.ends_with(&no_data) {
                warned.insert(host.clone(), true);
            }
        }
    }
    let mut hosts: Vec<HostShare> = records
        .into_iter()
        .map(|(host, n)| HostShare {
            no_data_warning: warned.get(&host).copied().unwrap_or(false),
            host,
            records_per_epoch: n,
        })
        .collect();
    hosts.sort_by_key(|h| (h.host.len(), h.host.clone()));
    (validation.into_iter().collect(), hosts)
}

/// A result without the scoring (from the job's description and its logs).
pub fn result_of(run: &ExperimentRun, price_per_hour: f64) -> ExperimentResult {
    let j = run.job.as_ref();
    let billed = j.and_then(TrainingJob::billed_instance_seconds);
    ExperimentResult {
        setting: run.setting.clone(),
        distribution: run.setting.kind().distribution().to_string(),
        job: run.name.clone(),
        status: j.map_or("NotStarted".into(), |j| j.status.clone()),
        failure: run.failure.clone(),
        training_seconds: j.and_then(TrainingJob::training_seconds),
        training_time_in_seconds: j.and_then(|j| j.training_time_s),
        billable_time_in_seconds: j.and_then(|j| j.billable_time_s),
        billed_instance_seconds: billed,
        compute_usd: billed.map(|s| s * price_per_hour / 3600.0),
        test_mse: None,
        test_mae: None,
        validation_loss_by_epoch: Vec::new(),
        final_metrics: j
            .map(|j| j.final_metrics.iter().cloned().collect())
            .unwrap_or_default(),
        hosts: Vec::new(),
    }
}

/// Hosts a completed job's model on a temporary endpoint named after the job, scores `test` on
/// it and deletes it (unless `KIT_KEEP_ENDPOINTS=1`); returns (MSE, MAE).
pub fn score_job(settings: &Settings, job: &TrainingJob, test: &Prepared) -> KitResult<(f64, f64)> {
    let name = job.name.clone();
    create_model(settings, &name, job)?;
    create_endpoint_config(&name, &name, &settings.endpoint_instance_type)?;
    create_endpoint(&name, &name)?;
    let scored = wait_for_endpoints(
        &[name.as_str()],
        crate::sagemaker::poll_interval(),
        Duration::from_secs(1800),
    )
    .and_then(|()| predict_batches(&name, test, 4));
    let keep = keep_endpoints();
    if !keep {
        delete_endpoint(&name, &name, &name)?;
    }
    let pred = scored?;
    Ok((mse(&test.labels, &pred)?, mae(&test.labels, &pred)?))
}

/// For every run: its result from the description and the logs, and for each completed job the
/// test errors on `test` through a temporary endpoint ([`score_job`]). Prints one line per job.
pub fn collect_results(
    settings: &Settings,
    runs: &[ExperimentRun],
    test: &Prepared,
) -> KitResult<Vec<ExperimentResult>> {
    let (price, note) = price_for(&settings.region, INSTANCE_TYPE)?;
    if let Some(n) = note {
        println!("note: {n}");
    }
    let mut out = Vec::new();
    for run in runs {
        let mut r = result_of(run, price.usd_per_hour);
        if let Some(job) = run.job.as_ref().filter(|_| run.is_completed()) {
            let (losses, hosts) = read_job_logs(&job_log_events(&job.name)?);
            r.validation_loss_by_epoch = losses;
            r.hosts = hosts;
            let (m2, m1) = score_job(settings, job, test).map_err(|e| {
                e.context(format!("scoring {} ({})", run.setting.label(), job.name))
            })?;
            r.test_mse = Some(m2);
            r.test_mae = Some(m1);
            println!(
                "scored {:<28} test MSE {m2:.4}  MAE {m1:.4}  ({} epochs logged)",
                run.setting.label(),
                r.validation_loss_by_epoch.len()
            );
        }
        out.push(r);
    }
    Ok(out)
}

/// The results as a table: setting, time, billed compute and its price, test errors.
pub fn results_table(results: &[ExperimentResult]) -> Table {
    let mut t = Table::new([
        "train distribution",
        "instances",
        "epochs",
        "status",
        "training time (start→end), s",
        "BillableTimeInSeconds (per instance)",
        "billed instance-seconds",
        "compute, USD",
        "epochs run",
        "test MSE",
        "test MAE",
    ]);
    let f = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |x| format!("{x:.d$}"));
    for r in results {
        t.push([
            r.distribution.clone(),
            r.setting.instances.to_string(),
            r.setting.epochs.to_string(),
            r.status.clone(),
            f(r.training_seconds, 3),
            f(r.billable_time_in_seconds, 0),
            f(r.billed_instance_seconds, 0),
            f(r.compute_usd, 5),
            r.validation_loss_by_epoch.len().to_string(),
            f(r.test_mse, 4),
            f(r.test_mae, 4),
        ]);
    }
    t
}

/// Per host of the jobs with the given instance counts: the train objects the round-robin rule
/// deals it (from the train channel's listing) and the records its own log says it read.
pub fn host_shares_table(
    results: &[ExperimentResult],
    train_objects: &[ObjectInfo],
    instance_counts: &[u32],
) -> Table {
    let mut keys: Vec<String> = train_objects
        .iter()
        .filter(|o| !o.key.ends_with('/'))
        .map(|o| o.key.rsplit('/').next().unwrap_or(&o.key).to_string())
        .collect();
    keys.sort();
    let mut t = Table::new([
        "job",
        "host",
        "objects (sharded: sorted keys dealt round-robin)",
        "records per epoch (from the host's log)",
        "log says",
    ]);
    for r in results
        .iter()
        .filter(|r| instance_counts.contains(&r.setting.instances) && r.status == "Completed")
    {
        let dealt = match r.setting.kind() {
            Kind::Sharded => deal(&keys, r.setting.instances as usize),
            Kind::Replicated => vec![keys.clone(); r.setting.instances as usize],
        };
        for (i, h) in r.hosts.iter().enumerate() {
            let objs = dealt.get(i).cloned().unwrap_or_default();
            t.push([
                r.setting.label(),
                h.host.clone(),
                if objs.is_empty() {
                    "—".to_string()
                } else {
                    objs.join(", ")
                },
                h.records_per_epoch.to_string(),
                if h.no_data_warning {
                    "WARNING No training data".to_string()
                } else {
                    "trained".to_string()
                },
            ]);
        }
    }
    t
}

/// The experiments file: the run's context and every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentsFile {
    /// When it was written (UTC, RFC 3339).
    pub generated_at: String,
    /// `offline` or `aws`.
    pub target: String,
    /// Region.
    pub region: String,
    /// The training instance type.
    pub instance_type: String,
    /// The price used.
    pub price: Price,
    /// The test year.
    pub test_year: i32,
    /// Test rows.
    pub test_rows: usize,
    /// Train records and objects.
    pub train_rows: u64,
    /// Train objects.
    pub train_objects: usize,
    /// Seconds from the first CreateTrainingJob to the last job's end.
    pub wall_seconds: Option<f64>,
    /// Every experiment.
    pub results: Vec<ExperimentResult>,
}

/// Where the experiments file goes: `KIT_EXPERIMENTS_FILE`, else `experiments.json` next to the
/// jobs file (`$KIT_OUT/experiments.json`).
pub fn experiments_file(settings: &Settings) -> PathBuf {
    if let Ok(p) = std::env::var("KIT_EXPERIMENTS_FILE")
        && !p.trim().is_empty()
    {
        return PathBuf::from(p);
    }
    settings.jobs_file.parent().map_or_else(
        || PathBuf::from("experiments.json"),
        |d| d.join("experiments.json"),
    )
}

/// Writes the experiments file (atomically: a temporary file, then a rename).
pub fn save_results(path: &Path, file: &ExperimentsFile) -> KitResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| KitError::msg(format!("creating {}: {e}", dir.display())))?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(file)? + "\n";
    std::fs::write(&tmp, text)
        .map_err(|e| KitError::msg(format!("writing {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| KitError::msg(format!("writing {}: {e}", path.display())))?;
    Ok(())
}

/// Reads an experiments file.
pub fn load_results(path: &Path) -> KitResult<ExperimentsFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| KitError::msg(format!("reading {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| KitError::msg(format!("{}: not an experiments file: {e}", path.display())))
}

/// The results of `kind` with `pred`, as (x, y) points sorted by x: the plain series the charts
/// take. Results without both values are left out.
pub fn series(
    results: &[ExperimentResult],
    keep: impl Fn(&ExperimentResult) -> bool,
    x: impl Fn(&ExperimentResult) -> Option<f64>,
    y: impl Fn(&ExperimentResult) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = results
        .iter()
        .filter(|r| keep(r))
        .filter_map(|r| Some((x(r)?, y(r)?)))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v
}

/// Now, UTC, RFC 3339 to the second (the experiments file's `generated_at`).
pub fn utc_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Seconds from the first job's CreationTime to the last job's TrainingEndTime.
pub fn wall_seconds(runs: &[ExperimentRun]) -> Option<f64> {
    let jobs: Vec<&TrainingJob> = runs.iter().filter_map(|r| r.job.as_ref()).collect();
    let first = jobs.iter().map(|j| j.creation_time).reduce(f64::min)?;
    let last = jobs
        .iter()
        .filter_map(|j| j.training_end)
        .reduce(f64::max)?;
    (last >= first).then_some(last - first)
}

/// Relative spread (max − min) / min of the values, in percent; `None` for fewer than two.
pub fn spread_percent(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo > 0.0).then(|| 100.0 * (hi - lo) / lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_grid_has_twelve_jobs_each_once() {
        let (e, n) = default_grid(Target::Offline);
        let g = experiment_grid(&e, &n);
        assert_eq!(g.len(), 12, "{g:?}");
        assert_eq!(g[0], Setting::new(Kind::Replicated, 1, 2));
        assert!(g.contains(&Setting::new(Kind::Sharded, 5, 8)));
        assert!(g.contains(&Setting::new(Kind::Replicated, 5, 2)));
        let (e, n) = default_grid(Target::Aws);
        let g = experiment_grid(&e, &n);
        assert_eq!(
            g,
            vec![
                Setting::new(Kind::Replicated, 5, 2),
                Setting::new(Kind::Sharded, 5, 2),
                Setting::new(Kind::Sharded, 5, 4),
            ]
        );
    }

    #[test]
    fn job_names_are_valid_training_job_names() {
        let s = Setting::new(Kind::Sharded, 8, 8);
        let n = s.job_name("2026-12-02-13-40-00");
        assert_eq!(n, "DEMO-linear-exp-2026-12-02-13-40-00-s8-e8");
        assert!(n.len() <= 63 && n.starts_with(NAME_PREFIX));
        assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_eq!(s.label(), "sharded ×8, 8 epochs");
    }

    #[test]
    fn the_price_table_reads_and_has_the_workshops_instance() {
        let (p, note) = price_for("us-east-1", INSTANCE_TYPE).unwrap();
        assert!(p.usd_per_hour > 0.0 && note.is_none());
        assert!(
            p.source
                .starts_with("https://aws.amazon.com/sagemaker/pricing")
        );
        let (_, note) = price_for("xx-nowhere-1", INSTANCE_TYPE).unwrap();
        assert!(note.unwrap().contains("us-east-1"));
        assert!(parse_prices("us-east-1\tml.x\tcheap\ts\td").is_err());
    }

    fn obj(key: &str, rows: u64) -> ObjectInfo {
        ObjectInfo {
            key: key.into(),
            size: rows * bytes_per_record(25) as u64,
            last_modified: String::new(),
        }
    }

    #[test]
    fn the_estimate_counts_instances_times_records_times_epochs() {
        let objects: Vec<ObjectInfo> = (1979..1984)
            .map(|y| obj(&format!("p/train/{y}.data"), 1000))
            .collect();
        let one = |s: Setting| estimate_grid(Target::Offline, &[s], &objects, 25);
        assert_eq!(one(Setting::new(Kind::Replicated, 5, 2)).train_rows, 5000);
        assert_eq!(
            one(Setting::new(Kind::Replicated, 5, 2)).row_visits,
            50_000.0
        );
        // Sharded on 3 hosts: shares of 2, 2 and 1 objects; the largest decides (3 × 2000 × 2).
        assert_eq!(one(Setting::new(Kind::Sharded, 3, 2)).row_visits, 12_000.0);
        assert_eq!(one(Setting::new(Kind::Sharded, 5, 4)).row_visits, 20_000.0);
        let e = one(Setting::new(Kind::Replicated, 5, 2));
        assert!(e.check(false).is_ok());
        let big = GridEstimate {
            seconds: 10.0 * e.limit_seconds,
            ..e
        };
        let msg = big.check(false).unwrap_err().to_string();
        assert!(
            msg.starts_with("refused:") && msg.contains("confirm_long_grid"),
            "{msg}"
        );
        assert!(big.check(true).is_ok());
    }

    #[test]
    fn objects_are_dealt_round_robin() {
        let keys = ["1979", "1980", "1981", "1982", "1983"];
        let d = deal(&keys, 3);
        assert_eq!(
            d,
            vec![vec!["1979", "1982"], vec!["1980", "1983"], vec!["1981"]]
        );
        let d = deal(&keys, 8);
        assert_eq!(d.len(), 8);
        assert!(d[5..].iter().all(Vec::is_empty));
    }

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

    #[test]
    fn the_logs_give_validation_losses_records_and_warnings() {
        use linear_learner::log_lines::{MetricLine, records_json, text};
        let stream = |h: &str| format!("DEMO-linear-exp-x-s8-e2/{h}-1700000000");
        let mut ev: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        ev.insert(
            stream("algo-1"),
            vec![
                (
                    1,
                    format!("[x INFO 1] {}", records_json("algo-1", 0, 700, 2)),
                ),
                (
                    2,
                    format!("[x INFO 1] {}", records_json("algo-1", 1, 700, 2)),
                ),
                (
                    3,
                    MetricLine::epoch_quality(
                        "algo-1",
                        0,
                        "validation",
                        "absolute_loss_objective",
                        1.5,
                    )
                    .to_string(),
                ),
                (
                    4,
                    MetricLine::epoch_quality(
                        "algo-1",
                        1,
                        "validation",
                        "absolute_loss_objective",
                        1.4,
                    )
                    .to_string(),
                ),
                (
                    5,
                    MetricLine::epoch_quality("algo-1", 1, "train", "absolute_loss_objective", 9.0)
                        .to_string(),
                ),
            ],
        );
        ev.insert(
            stream("algo-8"),
            vec![(
                1,
                format!("[x WARNING 2] {}", text::no_training_data("algo-8")),
            )],
        );
        let (losses, hosts) = read_job_logs(&ev);
        assert_eq!(losses, vec![(0, 1.5), (1, 1.4)]);
        assert_eq!(hosts.len(), 2);
        assert_eq!(hosts[0].host, "algo-1");
        assert_eq!(hosts[0].records_per_epoch, 700);
        assert!(!hosts[0].no_data_warning);
        assert_eq!(hosts[1].records_per_epoch, 0);
        assert!(hosts[1].no_data_warning);
    }

    #[test]
    fn results_round_trip_through_the_file() {
        let run = ExperimentRun {
            setting: Setting::new(Kind::Sharded, 3, 2),
            name: "DEMO-linear-exp-x-s3-e2".into(),
            job: None,
            failure: Some("CreateTrainingJob refused: quota".into()),
        };
        let r = result_of(&run, 0.557);
        assert_eq!(r.status, "NotStarted");
        assert_eq!(r.compute_usd, None);
        let file = ExperimentsFile {
            generated_at: "2026-12-02T13:40:00Z".into(),
            target: "offline".into(),
            region: "us-east-1".into(),
            instance_type: INSTANCE_TYPE.into(),
            price: price_for("us-east-1", INSTANCE_TYPE).unwrap().0,
            test_year: 1984,
            test_rows: 10,
            train_rows: 100,
            train_objects: 5,
            wall_seconds: Some(1.0),
            results: vec![r],
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/experiments.json");
        save_results(&p, &file).unwrap();
        assert_eq!(load_results(&p).unwrap(), file);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(
            v["results"][0]["kind"], "sharded",
            "the setting is flattened: {v}"
        );
        let t = results_table(&file.results);
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn series_and_spread() {
        let mk = |n: u32, mae: f64| ExperimentResult {
            test_mae: Some(mae),
            ..result_of(
                &ExperimentRun {
                    setting: Setting::new(Kind::Sharded, n, 2),
                    name: String::new(),
                    job: None,
                    failure: None,
                },
                1.0,
            )
        };
        let rs = [mk(5, 1.2), mk(1, 1.0), mk(3, 1.1)];
        let s = series(
            &rs,
            |_| true,
            |r| Some(f64::from(r.setting.instances)),
            |r| r.test_mae,
        );
        assert_eq!(s, vec![(1.0, 1.0), (3.0, 1.1), (5.0, 1.2)]);
        let sp = spread_percent(&[1.0, 1.1, 1.2]).unwrap();
        assert!((sp - 20.0).abs() < 1e-9);
        assert_eq!(spread_percent(&[1.0]), None);
    }
}
