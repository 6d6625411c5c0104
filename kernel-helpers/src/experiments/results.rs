//! The results of the ended jobs: each host's records and the validation loss from the jobs'
//! logs, the test errors through temporary endpoints, the spend, the tables, and the experiments
//! file. Its own file because it reads what the other parts produced (the runs, the prices).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::cost::{INSTANCE_TYPE, Price, deal, price_for};
use super::run::ExperimentRun;
use super::{Kind, Setting};
use crate::aws::ObjectInfo;
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::hosting::{create_endpoint, create_endpoint_config, create_model, delete_endpoint};
use crate::hosting::{keep_endpoints, wait_for_endpoints};
use crate::logs::job_log_events;
use crate::sagemaker::TrainingJob;
use crate::scoring::predict_batches;
use crate::settings::Settings;
use crate::stats::{mae, mse};
use gdelt::transform::Prepared;

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
