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
//!
//! One job per file, imports pointing down this list: this file holds the grid (the settings
//! every other part reads); `cost.rs` the price table, the time estimate and the cost warning;
//! `run.rs` starting and waiting for the jobs; `results.rs` the logs, scoring, tables and the
//! experiments file (it reads the prices and the runs). Everything is re-exported here, so every
//! `kernel_helpers::experiments::…` path is the one it was.

use serde::{Deserialize, Serialize};

use crate::display::Table;
use crate::settings::Target;
pub use kit::Kind;

mod cost;
mod results;
mod run;

pub use cost::{
    AWS_SECONDS_PER_JOB, GridEstimate, INSTANCE_TYPE, OFFLINE_ROW_VISITS_PER_SECOND,
    OFFLINE_SECONDS_PER_JOB, PRICES_TSV, Price, bytes_per_record, cost_warning, deal,
    estimate_grid, limit_seconds, parse_prices, price_for,
};
pub use results::{
    ExperimentResult, ExperimentsFile, HostShare, collect_results, experiments_file,
    host_shares_table, load_results, read_job_logs, result_of, results_table, save_results,
    score_job, series, spread_percent, utc_now, wall_seconds,
};
pub use run::{Experiment, ExperimentRun, instance_limit, next_to_start, run_experiments};

/// The prefix of every training job, model, endpoint configuration and endpoint the experiments
/// create (`scripts/cleanup.sh` sweeps it).
pub const NAME_PREFIX: &str = "DEMO-linear-exp-";

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
}
