//! Training as a library: [`fit`] checked [`Params`] over one [`Shard`] of rows per simulated host.
//! Nothing here knows containers, files or log text; what the container logs, it learns from the
//! [`Event`]s a fit reports.
//!
//! Hosts run as OS threads (one per host with data), each reading only its own shard. After every
//! epoch the hosts' models are averaged, weighted by the rows each host processed (the all-reduce of a
//! parameter server at epoch granularity). Per-epoch averaging was chosen over per-batch gradient
//! averaging because hosts' shards differ in size (sharded years have different row counts), so a
//! per-batch barrier would leave hosts idle waiting for the largest shard's extra batches and cost a
//! barrier per batch; per-epoch averaging lets every host run at full speed and still makes the
//! FullyReplicated/ShardedByS3Key difference come out: replicated hosts each see all data (their
//! average is as good as one full-data model), sharded hosts see 1/N each (their average is a
//! "one-shot" ensemble, which can fit worse — on the workshop's GDELT data it measures the same,
//! see docs/SEMANTICS.md) and take ~1/N of the time.
//!
//! Modules: `shard` (where rows come from: [`Shard`], [`Matrix`]), `engine` (the vectorised
//! multi-model SGD), `select` (evaluation, model selection, threshold calibration, folding the
//! scaler into the weights).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::hyperparams::memory::{self, eval_batch_rows};
use crate::hyperparams::{InitMethod, ModelSettings, Params, PredictorType};
use crate::model::Model;
use crate::{ClientError, ParamError, TrainError};

pub(crate) mod engine;
mod select;
mod shard;

pub use shard::{Batch, Matrix, RowReader, Shard};

use engine::{LossFn, OptSettings, Scaler, ScalerStats, Trainer, Weights};

/// Seed of the weight initialisation (LL has no seed hyperparameter; a fixed seed makes jobs reproducible).
pub const INIT_SEED: u64 = 0x5EED_11AA;

/// One simulated host: its name (for error messages) and its share of the train channel.
pub struct HostShard<'a> {
    /// `algo-N`, or any name a library user gives.
    pub name: String,
    /// `None`: the host has no train data and only waits for the others.
    pub train: Option<&'a dyn Shard>,
}

/// A validation or test channel: the host that reads it (it logs the results) and its rows.
pub struct Split<'a> {
    /// Index into [`Input::hosts`].
    pub host: usize,
    /// The rows.
    pub shard: &'a dyn Shard,
}

/// Everything a fit reads.
pub struct Input<'a> {
    /// Features per row.
    pub dim: usize,
    /// One entry per host, in host order.
    pub hosts: Vec<HostShard<'a>>,
    /// Early stopping, model selection and calibration use it when present (else the train data).
    pub validation: Option<Split<'a>>,
    /// Scored once, with the selected model.
    pub test: Option<Split<'a>>,
}

/// One host's epoch.
#[derive(Debug, Clone)]
pub struct HostEpoch {
    /// Index into [`Input::hosts`].
    pub host: usize,
    /// Rows trained on.
    pub rows: u64,
    /// Sum of the (weighted) training loss per model over those rows.
    pub loss_sums: Vec<f64>,
    /// Wall time of the epoch on this host.
    pub seconds: f64,
}

/// What a fit reports as it goes (host indices are into [`Input::hosts`]). The container turns
/// these into Linear Learner's log lines; `()` ignores them.
#[derive(Debug)]
pub enum Event<'a> {
    /// The scaler was computed from the data hosts' samples.
    Scaled {
        /// Hosts with train data.
        hosts: &'a [usize],
        /// Per-feature standard deviation.
        std: &'a [f32],
        /// Per-feature mean (0 when data is not unbiased).
        mean: &'a [f32],
        /// (std, mean) of the label when it is scaled (regression).
        label: Option<(f32, f32)>,
    },
    /// Every data host finished the epoch and the models were averaged.
    EpochTrained {
        /// Epoch index.
        epoch: usize,
        /// One entry per data host.
        hosts: &'a [HostEpoch],
    },
    /// The averaged models' objective on the validation data.
    EpochValidated {
        /// Epoch index.
        epoch: usize,
        /// The validation host.
        host: usize,
        /// Mean loss per model.
        loss_per_model: &'a [f64],
    },
    /// Early stopping's bookkeeping for the epoch.
    EpochEnded {
        /// Epoch index.
        epoch: usize,
        /// The host that reports selection (the validation host, else the first data host).
        lead: usize,
        /// Best model's criterion value this epoch.
        criterion: f64,
        /// Whether it improved by more than the tolerance.
        improved: bool,
        /// Epochs in a row without improvement.
        epochs_without_improvement: usize,
        /// One entry per data host (for progress and throughput).
        hosts: &'a [HostEpoch],
    },
    /// Training ends before `epochs`.
    EarlyStopped {
        /// The lead host.
        lead: usize,
        /// Last epoch run.
        epoch: usize,
        /// Epochs in a row without improvement.
        epochs_without_improvement: usize,
    },
    /// The selected model's train objective at its best epoch.
    FinalTrainObjective {
        /// The lead host.
        lead: usize,
        /// The value.
        value: f64,
    },
    /// Final metrics of the selected model on `validation` or `test`.
    FinalScores {
        /// `validation` or `test`.
        split: &'static str,
        /// The host that read the split.
        host: usize,
        /// (name, value) in Linear Learner's order.
        metrics: &'a [(String, f64)],
    },
    /// A model was selected (before the test data is scored).
    Selected {
        /// The lead host.
        lead: usize,
        /// Its settings, as JSON.
        hyperparameters: &'a str,
    },
    /// There is no test split.
    NoTestData {
        /// The lead host.
        lead: usize,
    },
}

/// Receives a fit's [`Event`]s, in order, on the fitting thread.
pub trait Progress: Sync {
    /// One event.
    fn event(&self, e: &Event<'_>);
}

impl Progress for () {
    fn event(&self, _: &Event<'_>) {}
}

/// Per-host figures of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct HostReport {
    /// The host's name.
    pub host: String,
    /// Train rows this host processed per epoch (0 = no data).
    pub rows_per_epoch: u64,
    /// Seconds this host spent in its training epochs (scaler pass excluded).
    pub train_seconds: f64,
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The selected model.
    pub model: Model,
    /// Epochs actually run (early stopping may end before `epochs`).
    pub epochs_run: usize,
    /// Index of the selected model among the `num_models` parallel models.
    pub selected_model: usize,
    /// The selected model's settings as JSON (`Best model found for hyperparameters`).
    pub best_model_hyperparameters: String,
    /// Per-host rows and time, in host order.
    pub hosts: Vec<HostReport>,
    /// Final metrics on the validation split, (name, value) in Linear Learner's order (empty without one).
    pub validation_metrics: Vec<(String, f64)>,
    /// Final metrics on the test split (empty without one).
    pub test_metrics: Vec<(String, f64)>,
}

/// Fits `p` over `input`, reporting to `progress`, checking `cancel` between batches.
///
/// Refuses, before allocating, a job whose memory estimate for `input.dim` features over its data
/// hosts is over [`crate::JOB_MEMORY_BUDGET`]. A panic anywhere in the fit (a host thread or this
/// one) is caught and returned as [`crate::AlgorithmError::Panicked`].
pub fn fit(
    p: &Params,
    input: &Input<'_>,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Fitted, TrainError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fit_inner(p, input, progress, cancel)
    }))
    .unwrap_or_else(|e| Err(TrainError::from_panic(e)))
}

/// [`fit`] over in-memory rows: one matrix per simulated host, optional validation and test rows.
pub fn fit_matrices(
    p: &Params,
    train: &[Matrix],
    validation: Option<&Matrix>,
    test: Option<&Matrix>,
) -> Result<Fitted, TrainError> {
    let dim = match p.feature_dim {
        Some(d) => d,
        None => train
            .first()
            .map(Matrix::dim)
            .ok_or(ClientError::NoTrainFiles)?,
    };
    let all = train.iter().chain(validation).chain(test);
    for (i, m) in all.enumerate() {
        if m.dim() != dim {
            return Err(ClientError::ShapeMismatch {
                shard: i,
                values: m.x().len(),
                rows: m.rows(),
                dim,
            }
            .into());
        }
    }
    let input = Input {
        dim,
        hosts: train
            .iter()
            .enumerate()
            .map(|(i, m)| HostShard {
                name: format!("host-{}", i + 1),
                train: (m.rows() > 0).then_some(m as &dyn Shard),
            })
            .collect(),
        validation: validation.map(|m| Split { host: 0, shard: m }),
        test: test.map(|m| Split { host: 0, shard: m }),
    };
    fit(p, &input, &(), &AtomicBool::new(false))
}

/// Checks a train batch's labels and features (the error names host and record).
fn check_batch(b: &Batch, p: &Params, host: &str, first_row: u64) -> Result<(), ClientError> {
    for (i, &y) in b.y.iter().enumerate() {
        let ok = match p.predictor_type {
            PredictorType::Regressor => y.is_finite(),
            PredictorType::BinaryClassifier => y == 0.0 || y == 1.0,
            PredictorType::MulticlassClassifier => {
                y >= 0.0 && y.fract() == 0.0 && (y as usize) < p.num_classes
            }
        };
        if !ok {
            let allowed = match p.predictor_type {
                PredictorType::Regressor => "a finite number".to_string(),
                PredictorType::BinaryClassifier => "0 or 1 for binary_classifier".to_string(),
                PredictorType::MulticlassClassifier => format!(
                    "an integer 0..{} for num_classes={}",
                    p.num_classes - 1,
                    p.num_classes
                ),
            };
            return Err(ClientError::InvalidLabel {
                host: host.to_string(),
                label: y,
                record: first_row + i as u64,
                allowed,
            });
        }
    }
    if let Some(pos) = b.x.iter().position(|v| !v.is_finite()) {
        let d = b.x.len() / b.rows().max(1);
        return Err(ClientError::NonFiniteFeature {
            host: host.to_string(),
            record: first_row + (pos / d.max(1)) as u64,
            feature: pos % d.max(1),
        });
    }
    Ok(())
}

/// One host's epoch over its shard.
#[allow(clippy::too_many_arguments)]
fn run_epoch(
    host: usize,
    name: &str,
    shard: &dyn Shard,
    p: &Params,
    trainer: &mut Trainer,
    sc: &Scaler,
    lf: &LossFn,
    os: &OptSettings,
    cancel: &AtomicBool,
) -> Result<HostEpoch, TrainError> {
    let start = Instant::now();
    let mut reader = shard.reader()?;
    let mut batch = Batch::default();
    let mut loss_sums = vec![0f64; trainer.m];
    let mut rows = 0u64;
    while reader.next_batch(p.mini_batch_size, &mut batch)? {
        if cancel.load(Ordering::Relaxed) {
            return Err(TrainError::Stopped);
        }
        check_batch(&batch, p, name, rows)?;
        trainer.step(&batch, sc, lf, os, &mut loss_sums);
        rows += batch.rows() as u64;
    }
    Ok(HostEpoch {
        host,
        rows,
        loss_sums,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn init_weights(p: &Params, d: usize, o: usize) -> Result<Weights, TrainError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(INIT_SEED);
    let w: Vec<f32> = match p.init_method {
        InitMethod::Uniform => {
            let s = p.init_scale as f32;
            (0..d * o).map(|_| rng.random_range(-s..s)).collect()
        }
        InitMethod::Normal => {
            let n = Normal::new(0.0f32, p.init_sigma as f32).map_err(|e| ParamError::Invalid {
                name: "init_sigma",
                value: p.init_sigma.to_string(),
                allowed: format!("a float greater than 0 ({e})"),
            })?;
            (0..d * o).map(|_| n.sample(&mut rng)).collect()
        }
    };
    let b = vec![if p.use_bias { p.init_bias as f32 } else { 0.0 }; o];
    Ok(Weights { d, o, w, b })
}

fn opt_settings(p: &Params, grid: &[ModelSettings]) -> OptSettings {
    OptSettings {
        optimizer: grid.iter().map(|g| g.optimizer).collect(),
        lr: grid.iter().map(|g| g.learning_rate).collect(),
        wd: grid.iter().map(|g| g.wd as f32).collect(),
        l1: grid.iter().map(|g| g.l1 as f32).collect(),
        step: grid.iter().map(|g| g.lr_scheduler_step).collect(),
        factor: grid.iter().map(|g| g.lr_scheduler_factor).collect(),
        min_lr: grid.iter().map(|g| g.lr_scheduler_minimum_lr).collect(),
        use_scheduler: p.use_lr_scheduler,
        momentum: p.momentum as f32,
        beta_1: p.beta_1 as f32,
        beta_2: p.beta_2 as f32,
        bias_lr_mult: p.bias_lr_mult as f32,
        bias_wd_mult: p.bias_wd_mult as f32,
        use_bias: p.use_bias,
    }
}

/// Scaler pass: every data host samples the head of its own shard; the sums are pooled.
fn scaler_pass(
    p: &Params,
    input: &Input<'_>,
    data_hosts: &[usize],
) -> Result<ScalerStats, TrainError> {
    let dim = input.dim;
    let k = p.outputs_per_model();
    let per_host = (p.num_point_for_scaler as u64).div_ceil(data_hosts.len() as u64);
    let stats = per_host_stats(p, input, data_hosts, dim, k, per_host);
    let mut pooled = ScalerStats::new(dim, k);
    for st in stats {
        pooled.merge(&st?);
    }
    if pooled.n == 0 {
        return Err(ClientError::NoRecords.into());
    }
    Ok(pooled)
}

fn per_host_stats(
    p: &Params,
    input: &Input<'_>,
    data_hosts: &[usize],
    dim: usize,
    k: usize,
    per_host: u64,
) -> Vec<Result<ScalerStats, TrainError>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = data_hosts
            .iter()
            .map(|&i| {
                let h = &input.hosts[i];
                s.spawn(move || -> Result<ScalerStats, TrainError> {
                    let mut st = ScalerStats::new(dim, k);
                    let Some(shard) = h.train else {
                        return Ok(st);
                    };
                    let mut r = shard.reader()?;
                    let mut b = Batch::default();
                    while st.n < per_host
                        && r.next_batch(
                            eval_batch_rows(dim, p.mini_batch_size.min(10_000)),
                            &mut b,
                        )?
                    {
                        check_batch(&b, p, &h.name, st.n)?;
                        st.add_batch(&b, dim, per_host);
                    }
                    Ok(st)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| Err(TrainError::from_panic(e))))
            .collect()
    })
}

/// Weighted average of the hosts' models (by rows), copied back into every trainer.
fn average(trainers: &mut [Trainer], stats: &[HostEpoch], total_rows: u64, avg: &mut Weights) {
    avg.w.iter_mut().for_each(|v| *v = 0.0);
    avg.b.iter_mut().for_each(|v| *v = 0.0);
    for (tr, st) in trainers.iter().zip(stats) {
        if st.rows == 0 {
            continue;
        }
        let f = (st.rows as f64 / total_rows as f64) as f32;
        for (a, v) in avg.w.iter_mut().zip(&tr.weights.w) {
            *a += f * v;
        }
        for (a, v) in avg.b.iter_mut().zip(&tr.weights.b) {
            *a += f * v;
        }
    }
    for tr in trainers.iter_mut() {
        tr.weights.w.copy_from_slice(&avg.w);
        tr.weights.b.copy_from_slice(&avg.b);
    }
}

/// Early stopping's state across epochs.
struct EarlyStopping {
    best: f64,
    without_improvement: usize,
}

impl EarlyStopping {
    /// Records an epoch's criterion; true when it improved by more than `tolerance` (relative).
    fn record(&mut self, value: f64, tolerance: f64) -> bool {
        let improved = self.best.is_infinite() || (self.best - value) > tolerance * self.best.abs();
        self.best = self.best.min(value);
        if improved {
            self.without_improvement = 0;
        } else {
            self.without_improvement += 1;
        }
        improved
    }
}

/// What every stage of a fit reads: the inputs, the data hosts and the scaler's results.
struct Setup<'a> {
    p: &'a Params,
    input: &'a Input<'a>,
    progress: &'a dyn Progress,
    cancel: &'a AtomicBool,
    /// Hosts with a train shard.
    data_hosts: Vec<usize>,
    /// The host that reports early stopping and selection: the validation host, else the first
    /// data host.
    lead: usize,
    /// Outputs per model.
    k: usize,
    sc: Scaler,
    lf: LossFn,
    /// `lf` without example weights, for evaluation.
    eval_lf: LossFn,
}

/// The end of the epochs: every model at its best epoch.
struct Trained {
    best: Weights,
    best_obj: Vec<f64>,
    best_train: Vec<f64>,
    epochs_run: usize,
    reports: Vec<HostReport>,
}

fn fit_inner(
    p: &Params,
    input: &Input<'_>,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Fitted, TrainError> {
    let dim = input.dim;
    let data_hosts: Vec<usize> = (0..input.hosts.len())
        .filter(|&i| input.hosts[i].train.is_some())
        .collect();
    if data_hosts.is_empty() {
        return Err(ClientError::NoTrainFiles.into());
    }
    if dim == 0 {
        return Err(ClientError::NoFeatures.into());
    }
    // Before the first allocation sized by the data (the scaler's sums).
    memory::check(p, dim, data_hosts.len())?;

    let pooled = scaler_pass(p, input, &data_hosts)?;
    let sc = pooled.scaler(p);
    progress.event(&Event::Scaled {
        hosts: &data_hosts,
        std: &sc.std,
        mean: &sc.mean,
        label: sc.label_scaled.then_some((sc.std_y, sc.mean_y)),
    });
    let lf = LossFn::new(p, &pooled);
    let setup = Setup {
        p,
        input,
        progress,
        cancel,
        lead: input.validation.as_ref().map_or(data_hosts[0], |s| s.host),
        data_hosts,
        k: p.outputs_per_model(),
        sc,
        eval_lf: lf.unweighted(),
        lf,
    };
    let grid = p.model_grid();
    let trained = train_epochs(&setup, &grid)?;
    finish(&setup, &grid, trained)
}

/// Runs one epoch on every data host at once (one thread each); results in data-host order.
fn host_epochs(
    s: &Setup<'_>,
    trainers: &mut [Trainer],
    os: &OptSettings,
) -> Result<Vec<HostEpoch>, TrainError> {
    let results: Vec<Result<HostEpoch, TrainError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = s
            .data_hosts
            .iter()
            .zip(trainers.iter_mut())
            .map(|(&i, tr)| {
                let h = &s.input.hosts[i];
                scope.spawn(move || match h.train {
                    Some(shard) => {
                        run_epoch(i, &h.name, shard, s.p, tr, &s.sc, &s.lf, os, s.cancel)
                    }
                    None => Ok(HostEpoch {
                        host: i,
                        rows: 0,
                        loss_sums: vec![0.0; tr.m],
                        seconds: 0.0,
                    }),
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| Err(TrainError::from_panic(e))))
            .collect()
    });
    results.into_iter().collect()
}

/// The epochs: train on every host, average, evaluate, keep each model's best epoch, stop early.
fn train_epochs(s: &Setup<'_>, grid: &[ModelSettings]) -> Result<Trained, TrainError> {
    let (p, dim, k) = (s.p, s.input.dim, s.k);
    let m = grid.len();
    let os = opt_settings(p, grid);
    let init = init_weights(p, dim, m * k)?;
    let mut trainers: Vec<Trainer> = s
        .data_hosts
        .iter()
        .map(|_| Trainer::new(init.clone(), k))
        .collect();
    let mut t = Trained {
        best: init.clone(),
        best_obj: vec![f64::INFINITY; m],
        best_train: vec![f64::NAN; m],
        epochs_run: 0,
        reports: s
            .input
            .hosts
            .iter()
            .map(|h| HostReport {
                host: h.name.clone(),
                rows_per_epoch: 0,
                train_seconds: 0.0,
            })
            .collect(),
    };
    let mut avg = init;
    let mut es = EarlyStopping {
        best: f64::INFINITY,
        without_improvement: 0,
    };
    for epoch in 0..p.epochs {
        let stats = host_epochs(s, &mut trainers, &os)?;
        t.epochs_run = epoch + 1;
        let total_rows: u64 = stats.iter().map(|h| h.rows).sum();
        if total_rows == 0 {
            return Err(ClientError::NoRecords.into());
        }
        average(&mut trainers, &stats, total_rows, &mut avg);
        let mut train_obj = vec![0f64; m];
        for st in &stats {
            t.reports[st.host].rows_per_epoch = st.rows;
            t.reports[st.host].train_seconds += st.seconds;
            for (mi, v) in st.loss_sums.iter().enumerate() {
                train_obj[mi] += v;
            }
        }
        s.progress.event(&Event::EpochTrained {
            epoch,
            hosts: &stats,
        });
        for v in train_obj.iter_mut() {
            *v /= total_rows as f64;
        }
        let crit: Vec<f64> = match &s.input.validation {
            Some(v) => {
                let loss =
                    select::evaluate_objective(v.shard, dim, &avg, k, &s.sc, &s.eval_lf, s.cancel)?;
                s.progress.event(&Event::EpochValidated {
                    epoch,
                    host: v.host,
                    loss_per_model: &loss,
                });
                loss
            }
            None => train_obj.clone(),
        };
        for mi in 0..m {
            if crit[mi] < t.best_obj[mi] {
                t.best_obj[mi] = crit[mi];
                t.best_train[mi] = train_obj[mi];
                t.best.copy_model_from(&avg, mi, k);
            }
        }
        let value = crit.iter().copied().fold(f64::INFINITY, f64::min);
        let improved = es.record(value, p.early_stopping_tolerance);
        s.progress.event(&Event::EpochEnded {
            epoch,
            lead: s.lead,
            criterion: value,
            improved,
            epochs_without_improvement: es.without_improvement,
            hosts: &stats,
        });
        if es.without_improvement >= p.early_stopping_patience && epoch + 1 < p.epochs {
            s.progress.event(&Event::EarlyStopped {
                lead: s.lead,
                epoch,
                epochs_without_improvement: es.without_improvement,
            });
            break;
        }
    }
    Ok(t)
}

/// Selection, the model in label units, and its final metrics on validation and test.
fn finish(s: &Setup<'_>, grid: &[ModelSettings], t: Trained) -> Result<Fitted, TrainError> {
    let (p, input, lead, dim) = (s.p, s.input, s.lead, s.input.dim);
    let calibration = input
        .validation
        .as_ref()
        .map(|v| v.shard)
        .or(input.hosts[s.data_hosts[0]].train)
        .ok_or(ClientError::NoTrainFiles)?;
    let (sel, thresholds) = select::select(p, calibration, dim, &t.best, &t.best_obj, &s.sc)?;
    let (weights, bias) = select::fold(&t.best, sel, s.k, &s.sc);
    let hyper = grid[sel].to_json();
    let model = Model {
        feature_dim: dim,
        predictor_type: p.predictor_type,
        outputs: s.k,
        weights,
        bias,
        loss: p.loss,
        threshold: thresholds[sel],
        hyperparameters: hyper.clone(),
    };
    if t.best_train[sel].is_finite() {
        s.progress.event(&Event::FinalTrainObjective {
            lead,
            value: t.best_train[sel],
        });
    }
    let mut validation_metrics = Vec::new();
    if let Some(v) = &input.validation {
        validation_metrics = select::final_eval(v.shard, &model, p, &s.eval_lf, s.cancel)?;
        s.progress.event(&Event::FinalScores {
            split: "validation",
            host: v.host,
            metrics: &validation_metrics,
        });
    }
    s.progress.event(&Event::Selected {
        lead,
        hyperparameters: &hyper,
    });
    let mut test_metrics = Vec::new();
    match &input.test {
        Some(v) => {
            test_metrics = select::final_eval(v.shard, &model, p, &s.eval_lf, s.cancel)?;
            s.progress.event(&Event::FinalScores {
                split: "test",
                host: v.host,
                metrics: &test_metrics,
            });
        }
        None => s.progress.event(&Event::NoTestData { lead }),
    }
    Ok(Fitted {
        model,
        epochs_run: t.epochs_run,
        selected_model: sel,
        best_model_hyperparameters: hyper,
        hosts: t.reports,
        validation_metrics,
        test_metrics,
    })
}

#[cfg(test)]
mod tests;
