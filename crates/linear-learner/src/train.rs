//! A training job across its hosts: scaler, parallel SGD with per-epoch model averaging, early
//! stopping, model selection, threshold calibration, final metrics and logs.
//!
//! Hosts run as OS threads (one per host with data), each streaming only its own files. After every
//! epoch the hosts' models are averaged, weighted by the rows each host processed (the all-reduce of a
//! parameter server at epoch granularity). Per-epoch averaging was chosen over per-batch gradient
//! averaging because hosts' shards differ in size (sharded years have different row counts), so a
//! per-batch barrier would leave hosts idle waiting for the largest shard's extra batches and cost a
//! barrier per batch; per-epoch averaging lets every host run at full speed and still makes the
//! FullyReplicated/ShardedByS3Key difference come out: replicated hosts each see all data (their
//! average is as good as one full-data model), sharded hosts see 1/N each (their average is a
//! "one-shot" ensemble that fits slightly worse) and take ~1/N of the time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::data::{Batch, ChannelReader, detect_feature_dim, parse_content_type};
use crate::engine::{
    LossFn, OptSettings, Scaler, ScalerStats, Trainer, Weights, normalise_row, sigmoid,
};
use crate::logs::{HostLog, epoch_quality_line, final_metrics, metrics_line, quality_line};
use crate::metrics::{binary_metrics, calibrate, multiclass_metrics, roc_auc};
use crate::model::{Model, Prediction};
use crate::params::{Criterion, DEFAULTS, InitMethod, Loss, ModelSettings, Params, PredictorType};
use crate::{ChannelInput, LogSink, TrainError, TrainOutcome, TrainingSpec};

/// Seed of the weight initialisation (LL has no seed hyperparameter; a fixed seed makes jobs reproducible).
pub const INIT_SEED: u64 = 0x5EED_11AA;

/// Per-host figures of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct HostReport {
    /// `algo-N`.
    pub host: String,
    /// Train rows this host processed per epoch (0 = no data).
    pub rows_per_epoch: u64,
    /// Seconds this host spent in its training epochs (scaler pass excluded).
    pub train_seconds: f64,
}

struct Collect<'a> {
    inner: &'a dyn LogSink,
    lines: Mutex<Vec<String>>,
}

impl LogSink for Collect<'_> {
    fn log(&self, host: &str, line: &str) {
        self.inner.log(host, line);
        if let Ok(mut l) = self.lines.lock() {
            l.push(line.to_string());
        }
    }
}

fn py_dict<'a>(it: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let body: Vec<String> = it.map(|(k, v)| format!("'{k}': '{v}'")).collect();
    format!("{{{}}}", body.join(", "))
}

fn py_list(v: &[f32]) -> String {
    let body: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", body.join(", "))
}

const CHANNELS: [&str; 3] = ["train", "validation", "test"];

fn data_config_error(msg: &str) -> TrainError {
    TrainError::Client(format!(
        "Unable to initialize the algorithm. Failed to validate input data configuration. (caused by ValidationError) Caused by: {msg}"
    ))
}

struct EpochStats {
    rows: u64,
    loss_sums: Vec<f64>,
    seconds: f64,
}

fn check_batch(b: &Batch, p: &Params, host: &str, first_row: u64) -> Result<(), TrainError> {
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
            return Err(TrainError::Client(format!(
                "Channel 'train' on {host}: label {y} of record {} is invalid; labels must be {allowed}",
                first_row + i as u64
            )));
        }
    }
    if let Some(pos) = b.x.iter().position(|v| !v.is_finite()) {
        let d = b.x.len() / b.rows().max(1);
        return Err(TrainError::Client(format!(
            "Channel 'train' on {host}: record {} has a non-finite value in feature {}",
            first_row + (pos / d.max(1)) as u64,
            pos % d.max(1)
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_epoch(
    host: &str,
    input: &ChannelInput,
    dim: usize,
    p: &Params,
    trainer: &mut Trainer,
    sc: &Scaler,
    lf: &LossFn,
    os: &OptSettings,
    cancel: &AtomicBool,
) -> Result<EpochStats, TrainError> {
    let start = Instant::now();
    let mut reader = ChannelReader::new("train", input, dim)?;
    let mut batch = Batch::default();
    let mut loss_sums = vec![0f64; trainer.m];
    let mut rows = 0u64;
    while reader.next_batch(p.mini_batch_size, &mut batch)? {
        if cancel.load(Ordering::Relaxed) {
            return Err(TrainError::Stopped);
        }
        check_batch(&batch, p, host, rows)?;
        trainer.step(&batch, sc, lf, os, &mut loss_sums);
        rows += batch.rows() as u64;
    }
    Ok(EpochStats {
        rows,
        loss_sums,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Mean unweighted loss per model over a channel (regression losses in label units).
#[allow(clippy::too_many_arguments)]
fn evaluate_objective(
    channel: &str,
    input: &ChannelInput,
    dim: usize,
    w: &Weights,
    k: usize,
    sc: &Scaler,
    lf: &LossFn,
    cancel: &AtomicBool,
) -> Result<Vec<f64>, TrainError> {
    let mut reader = ChannelReader::new(channel, input, dim)?;
    let mut batch = Batch::default();
    let m = w.o / k;
    let mut sums = vec![0f64; m];
    let mut n = 0u64;
    let (mut xs, mut s, mut g) = (vec![0f32; dim], vec![0f32; w.o], vec![0f32; k]);
    while reader.next_batch(4096, &mut batch)? {
        if cancel.load(Ordering::Relaxed) {
            return Err(TrainError::Stopped);
        }
        for r in 0..batch.rows() {
            normalise_row(&batch.x[r * dim..(r + 1) * dim], sc, &mut xs);
            w.scores(&xs, &mut s);
            if sc.label_scaled {
                for v in s.iter_mut() {
                    *v = *v * sc.std_y + sc.mean_y;
                }
            }
            for (mi, sum) in sums.iter_mut().enumerate() {
                *sum += lf.eval(&s[mi * k..(mi + 1) * k], batch.y[r], &mut g) as f64;
            }
        }
        n += batch.rows() as u64;
    }
    Ok(sums.into_iter().map(|v| v / n.max(1) as f64).collect())
}

/// Folds the scaler into model `sel`'s weights (label units).
fn fold(w: &Weights, sel: usize, k: usize, sc: &Scaler) -> (Vec<f32>, Vec<f32>) {
    let d = w.d;
    let mut weights = vec![0f32; k * d];
    let mut bias = vec![0f32; k];
    for kk in 0..k {
        let o = sel * k + kk;
        let mut shift = 0f64;
        for j in 0..d {
            let wn = w.w[j * w.o + o];
            weights[kk * d + j] = wn * sc.inv_std[j] * sc.std_y;
            shift += (wn * sc.mean[j] * sc.inv_std[j]) as f64;
        }
        bias[kk] = (sc.std_y as f64 * (w.b[o] as f64 - shift) + sc.mean_y as f64) as f32;
    }
    (weights, bias)
}

/// Final metrics of `model` on a channel: (name, value) in LL's order.
fn final_eval(
    channel: &str,
    input: &ChannelInput,
    model: &Model,
    p: &Params,
    lf: &LossFn,
    cancel: &AtomicBool,
) -> Result<Vec<(String, f64)>, TrainError> {
    let dim = model.feature_dim();
    let mut reader = ChannelReader::new(channel, input, dim)?;
    let mut batch = Batch::default();
    let k = p.outputs_per_model();
    let (mut n, mut obj, mut se, mut ae) = (0u64, 0f64, 0f64, 0f64);
    let mut scores: Vec<f32> = Vec::new();
    let mut labels: Vec<f32> = Vec::new();
    let mut raw = vec![0f32; k];
    let mut g = vec![0f32; k];
    while reader.next_batch(4096, &mut batch)? {
        if cancel.load(Ordering::Relaxed) {
            return Err(TrainError::Stopped);
        }
        for r in 0..batch.rows() {
            let row = &batch.x[r * dim..(r + 1) * dim];
            let y = batch.y[r];
            for (kk, rv) in raw.iter_mut().enumerate() {
                *rv = model.bias()[kk]
                    + model.weights()[kk * dim..(kk + 1) * dim]
                        .iter()
                        .zip(row)
                        .map(|(a, b)| a * b)
                        .sum::<f32>();
            }
            obj += lf.eval(&raw, y, &mut g) as f64;
            match model.predict_row(row) {
                Prediction::Regression { score } => {
                    let e = (score - y) as f64;
                    se += e * e;
                    ae += e.abs();
                }
                Prediction::Binary { score, .. } => {
                    scores.push(score);
                    labels.push(y);
                }
                Prediction::Multiclass { score, .. } => {
                    scores.extend_from_slice(&score);
                    labels.push(y);
                }
            }
            n += 1;
        }
    }
    let nf = n.max(1) as f64;
    let mut out = vec![(p.loss.objective_name().to_string(), obj / nf)];
    match p.predictor_type {
        PredictorType::Regressor => {
            out.push(("mse".into(), se / nf));
            out.push(("absolute_loss".into(), ae / nf));
        }
        PredictorType::BinaryClassifier => {
            let m = binary_metrics(&scores, &labels, model.threshold(), p.f_beta);
            out.push(("binary_classification_accuracy".into(), m[0]));
            out.push((format!("binary_f_{:.3}", p.f_beta), m[3]));
            out.push(("precision".into(), m[1]));
            out.push(("recall".into(), m[2]));
            out.push(("roc_auc_score".into(), roc_auc(&scores, &labels)));
        }
        PredictorType::MulticlassClassifier => {
            out.extend(multiclass_metrics(
                &scores,
                &labels,
                k,
                p.accuracy_top_k,
                p.f_beta,
            ));
        }
    }
    Ok(out)
}

fn init_weights(p: &Params, d: usize, o: usize) -> Result<Weights, TrainError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(INIT_SEED);
    let w: Vec<f32> = match p.init_method {
        InitMethod::Uniform => {
            let s = p.init_scale as f32;
            (0..d * o).map(|_| rng.random_range(-s..s)).collect()
        }
        InitMethod::Normal => {
            let n = Normal::new(0.0f32, p.init_sigma as f32)
                .map_err(|e| TrainError::Client(format!("init_sigma {}: {e}", p.init_sigma)))?;
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

fn join_err(e: Box<dyn std::any::Any + Send>) -> TrainError {
    let msg = e
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a host thread panicked".into());
    TrainError::Algorithm(msg)
}

/// Trains a job across its hosts; logs through `sink`; checks `cancel` between batches.
pub fn train(
    spec: &TrainingSpec,
    sink: &dyn LogSink,
    cancel: &AtomicBool,
) -> Result<TrainOutcome, TrainError> {
    let collect = Collect {
        inner: sink,
        lines: Mutex::new(Vec::new()),
    };
    let mut outcome = train_inner(spec, &collect, cancel)?;
    let lines = collect.lines.lock().map(|l| l.clone()).unwrap_or_default();
    outcome.final_metrics = final_metrics(&lines);
    Ok(outcome)
}

fn train_inner(
    spec: &TrainingSpec,
    sink: &dyn LogSink,
    cancel: &AtomicBool,
) -> Result<TrainOutcome, TrainError> {
    if spec.hosts.is_empty() {
        return Err(TrainError::Client("The training job has no hosts".into()));
    }
    let logs: Vec<HostLog> = spec
        .hosts
        .iter()
        .map(|h| HostLog::new(sink, &h.host))
        .collect();
    let defaults = py_dict(DEFAULTS.iter().copied());
    let provided = py_dict(
        spec.hyperparameters
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    for l in &logs {
        l.info(&format!(
            "Reading default configuration from /opt/amazon/lib/python3.8/site-packages/algorithm/resources/default-input.json: {defaults}"
        ));
        l.info(&format!("Merging with provided configuration from /opt/ml/input/config/hyperparameters.json: {provided}"));
    }
    let p = match Params::from_hyperparameters(&spec.hyperparameters) {
        Ok(p) => p,
        Err(e) => {
            for l in &logs {
                l.info(&format!("Customer Error: {e}"));
            }
            return Err(e);
        }
    };
    let final_cfg = py_dict(
        p.final_configuration
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    for l in &logs {
        l.info(&format!("Final configuration: {final_cfg}"));
    }
    let fail = |e: TrainError| -> TrainError {
        for l in &logs {
            l.info(&format!("Customer Error: {e}"));
        }
        e
    };
    // Channels.
    for h in &spec.hosts {
        for (name, ch) in &h.channels {
            if !CHANNELS.contains(&name.as_str()) {
                return Err(fail(data_config_error(&format!(
                    "Additional properties are not allowed ('{name}' was unexpected); channels are 'train' (required), 'validation' and 'test'"
                ))));
            }
            parse_content_type(name, ch.content_type.as_deref()).map_err(fail)?;
        }
    }
    if !spec.hosts.iter().any(|h| h.channels.contains_key("train")) {
        return Err(fail(data_config_error("'train' is a required property")));
    }
    let data_hosts: Vec<usize> = (0..spec.hosts.len())
        .filter(|&i| {
            spec.hosts[i]
                .channels
                .get("train")
                .is_some_and(|c| !c.files.is_empty())
        })
        .collect();
    if data_hosts.is_empty() {
        return Err(fail(TrainError::Client(
            "No training data: no host received any file of channel 'train' (check the S3 prefix)"
                .into(),
        )));
    }
    for (i, h) in spec.hosts.iter().enumerate() {
        if !data_hosts.contains(&i) {
            logs[i].warning(&format!(
                "No training data for {}: its share of channel 'train' is empty (more instances than S3 objects?); this host will not contribute to training",
                h.host
            ));
        }
    }
    let dim = match p.feature_dim {
        Some(d) => d,
        None => {
            let mut found = None;
            for &i in &data_hosts {
                if let Some(ch) = spec.hosts[i].channels.get("train")
                    && let Some(d) = detect_feature_dim("train", ch).map_err(fail)?
                {
                    found = Some(d);
                    break;
                }
            }
            found.ok_or_else(|| {
                fail(TrainError::Client(
                    "No training data: channel 'train' has no records".into(),
                ))
            })?
        }
    };
    if dim == 0 {
        return Err(fail(TrainError::Client(
            "Records of channel 'train' have no features".into(),
        )));
    }
    let k = p.outputs_per_model();
    for (i, l) in logs.iter().enumerate() {
        if spec.hosts.len() > 1 {
            l.info("Create Store: dist_sync");
        } else {
            l.info("Create Store: local");
        }
        if data_hosts.contains(&i) {
            l.info(&format!(
                "Using {} hosts with data, feature_dim={dim}",
                data_hosts.len()
            ));
        }
    }

    // Scaler pass: every data host samples the head of its own shard; the sums are pooled.
    let per_host = (p.num_point_for_scaler as u64).div_ceil(data_hosts.len() as u64);
    let stats: Vec<Result<ScalerStats, TrainError>> = std::thread::scope(|s| {
        let handles: Vec<_> = data_hosts
            .iter()
            .map(|&i| {
                let h = &spec.hosts[i];
                let pr = &p;
                s.spawn(move || -> Result<ScalerStats, TrainError> {
                    let mut st = ScalerStats::new(dim, k);
                    let Some(ch) = h.channels.get("train") else {
                        return Ok(st);
                    };
                    let mut r = ChannelReader::new("train", ch, dim)?;
                    let mut b = Batch::default();
                    while st.n < per_host && r.next_batch(pr.mini_batch_size.min(10_000), &mut b)? {
                        check_batch(&b, pr, &h.host, st.n)?;
                        st.add_batch(&b, dim, per_host);
                    }
                    Ok(st)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| Err(join_err(e))))
            .collect()
    });
    let mut pooled = ScalerStats::new(dim, k);
    for st in stats {
        pooled.merge(&st.map_err(fail)?);
    }
    if pooled.n == 0 {
        return Err(fail(TrainError::Client(
            "No training data: channel 'train' has no records".into(),
        )));
    }
    let sc = pooled.scaler(&p);
    let lf = LossFn::new(&p, &pooled);
    let eval_lf = lf.unweighted();
    let (sl, ml) = if sc.label_scaled {
        (format!("[{:?}]", sc.std_y), format!("[{:?}]", sc.mean_y))
    } else {
        ("None".to_string(), "None".to_string())
    };
    let scaler_line = format!(
        "Scaling model computed with parameters: {{'stdev_weight': {}, 'stdev_label': {sl}, 'mean_label': {ml}, 'mean_weight': {}}}",
        py_list(&sc.std),
        py_list(&sc.mean)
    );
    for &i in &data_hosts {
        logs[i].info(&scaler_line);
    }

    let grid = p.model_grid();
    let m = grid.len();
    let os = opt_settings(&p, &grid);
    let init = init_weights(&p, dim, m * k).map_err(fail)?;
    let mut trainers: Vec<Trainer> = data_hosts
        .iter()
        .map(|_| Trainer::new(init.clone(), k))
        .collect();
    let mut best = init.clone();
    let mut best_obj = vec![f64::INFINITY; m];
    let mut best_train = vec![f64::NAN; m];
    let first_with = |name: &str| {
        (0..spec.hosts.len()).find(|&i| {
            spec.hosts[i]
                .channels
                .get(name)
                .is_some_and(|c| !c.files.is_empty())
        })
    };
    let val_host = first_with("validation");
    let test_host = first_with("test");
    let lead = val_host.unwrap_or(data_hosts[0]);
    let obj_name = p.loss.objective_name();
    let mut reports: Vec<HostReport> = spec
        .hosts
        .iter()
        .map(|h| HostReport {
            host: h.host.clone(),
            rows_per_epoch: 0,
            train_seconds: 0.0,
        })
        .collect();
    let mut es_best = f64::INFINITY;
    let mut no_improve = 0usize;
    let mut epochs_run = 0usize;

    for epoch in 0..p.epochs {
        let results: Vec<Result<EpochStats, TrainError>> = std::thread::scope(|s| {
            let handles: Vec<_> = data_hosts
                .iter()
                .zip(trainers.iter_mut())
                .map(|(&i, tr)| {
                    let h = &spec.hosts[i];
                    let (pr, scr, lfr, osr) = (&p, &sc, &lf, &os);
                    s.spawn(move || match h.channels.get("train") {
                        Some(ch) => run_epoch(&h.host, ch, dim, pr, tr, scr, lfr, osr, cancel),
                        None => Ok(EpochStats {
                            rows: 0,
                            loss_sums: vec![0.0; tr.m],
                            seconds: 0.0,
                        }),
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| Err(join_err(e))))
                .collect()
        });
        let mut stats = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(s) => stats.push(s),
                Err(TrainError::Stopped) => return Err(TrainError::Stopped),
                Err(e) => return Err(fail(e)),
            }
        }
        epochs_run = epoch + 1;
        // Average the hosts' models, weighted by rows.
        let total_rows: u64 = stats.iter().map(|s| s.rows).sum();
        if total_rows == 0 {
            return Err(fail(TrainError::Client(
                "No training data: channel 'train' has no records".into(),
            )));
        }
        let mut avg = Weights {
            d: dim,
            o: m * k,
            w: vec![0.0; dim * m * k],
            b: vec![0.0; m * k],
        };
        for (tr, st) in trainers.iter().zip(&stats) {
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
        // Per-host train logs.
        let mut train_obj = vec![0f64; m];
        for (&i, st) in data_hosts.iter().zip(&stats) {
            let l = &logs[i];
            let host = &spec.hosts[i].host;
            reports[i].rows_per_epoch = st.rows;
            reports[i].train_seconds += st.seconds;
            for (mi, v) in st.loss_sums.iter().enumerate() {
                train_obj[mi] += v;
            }
            if st.rows > 0 {
                let rows = st.rows as f64;
                for (mi, v) in st.loss_sums.iter().enumerate() {
                    l.info(&metrics_line(
                        host,
                        &format!("train_{obj_name}"),
                        v / rows,
                        mi,
                        epoch,
                        "training",
                    ));
                }
                l.info(&epoch_quality_line(
                    host,
                    epoch,
                    "train",
                    obj_name,
                    st.loss_sums[0] / rows,
                ));
            }
        }
        for v in train_obj.iter_mut() {
            *v /= total_rows as f64;
        }
        let crit: Vec<f64> = match val_host {
            Some(vi) => {
                let host = &spec.hosts[vi].host;
                let ch = &spec.hosts[vi].channels["validation"];
                let v = evaluate_objective("validation", ch, dim, &avg, k, &sc, &eval_lf, cancel)
                    .map_err(|e| {
                    if matches!(e, TrainError::Stopped) {
                        e
                    } else {
                        fail(e)
                    }
                })?;
                for (mi, val) in v.iter().enumerate() {
                    logs[vi].info(&metrics_line(
                        host,
                        &format!("validation_{obj_name}"),
                        *val,
                        mi,
                        epoch,
                        "training",
                    ));
                }
                logs[vi].info(&epoch_quality_line(
                    host,
                    epoch,
                    "validation",
                    obj_name,
                    v[0],
                ));
                v
            }
            None => train_obj.clone(),
        };
        for mi in 0..m {
            if crit[mi] < best_obj[mi] {
                best_obj[mi] = crit[mi];
                best_train[mi] = train_obj[mi];
                best.copy_model_from(&avg, mi, k);
            }
        }
        let value = crit.iter().copied().fold(f64::INFINITY, f64::min);
        let lead_log = &logs[lead];
        let lead_host = &spec.hosts[lead].host;
        lead_log.info(&format!(
            "#early_stopping_criteria_metric: host={lead_host}, epoch={epoch}, criteria={obj_name}, value={}",
            crate::logs::fmt_value(value)
        ));
        let improved =
            es_best.is_infinite() || (es_best - value) > p.early_stopping_tolerance * es_best.abs();
        if improved {
            es_best = es_best.min(value);
            no_improve = 0;
            lead_log.info(&format!(
                "Epoch {epoch}: Loss improved. Updating best model"
            ));
        } else {
            es_best = es_best.min(value);
            no_improve += 1;
            lead_log.info(&format!(
                "Epoch {epoch}: Loss has not improved for {no_improve} epochs."
            ));
        }
        for (&i, st) in data_hosts.iter().zip(&stats) {
            let host = &spec.hosts[i].host;
            logs[i].info(&format!(
                "#progress_metric: host={host}, completed {} % of epochs",
                100 * (epoch + 1) / p.epochs
            ));
            let tp = if st.seconds > 0.0 {
                st.rows as f64 / st.seconds
            } else {
                0.0
            };
            logs[i].info(&format!(
                "#throughput_metric: host={host}, train throughput={} records/second",
                crate::logs::fmt_value(tp)
            ));
        }
        if no_improve >= p.early_stopping_patience && epoch + 1 < p.epochs {
            lead_log.info(&format!(
                "Early stop condition met. Stopping training after epoch {epoch} ({no_improve} epochs without relative improvement > {}).",
                p.early_stopping_tolerance
            ));
            break;
        }
    }

    // Model selection (and threshold calibration for binary classifiers).
    let mut thresholds = vec![
        if p.loss == Loss::Logistic {
            0.5f32
        } else {
            0.0
        };
        m
    ];
    let sel = if p.predictor_type == PredictorType::BinaryClassifier {
        let (ci, cname) = match val_host {
            Some(vi) => (vi, "validation"),
            None => (data_hosts[0], "train"),
        };
        let ch = &spec.hosts[ci].channels[cname];
        let mut reader = ChannelReader::new(cname, ch, dim).map_err(fail)?;
        let mut batch = Batch::default();
        let mut scores: Vec<Vec<f32>> = vec![Vec::new(); m];
        let mut labels = Vec::new();
        let (mut xs, mut s) = (vec![0f32; dim], vec![0f32; m]);
        'outer: while reader.next_batch(4096, &mut batch).map_err(fail)? {
            for r in 0..batch.rows() {
                if labels.len() >= p.num_calibration_samples {
                    break 'outer;
                }
                normalise_row(&batch.x[r * dim..(r + 1) * dim], &sc, &mut xs);
                best.scores(&xs, &mut s);
                for (mi, sv) in s.iter().enumerate() {
                    scores[mi].push(if p.loss == Loss::Logistic {
                        sigmoid(*sv)
                    } else {
                        *sv
                    });
                }
                labels.push(batch.y[r]);
            }
        }
        let mut best_m = 0usize;
        let mut best_v = f64::NEG_INFINITY;
        for mi in 0..m {
            let (thr, v) = calibrate(
                &scores[mi],
                &labels,
                p.criterion,
                p.f_beta,
                p.target_recall,
                p.target_precision,
                thresholds[mi],
            );
            thresholds[mi] = thr;
            let v = if p.criterion == Criterion::LossFunction {
                -best_obj[mi]
            } else {
                v
            };
            if v > best_v {
                best_v = v;
                best_m = mi;
            }
        }
        best_m
    } else {
        let mut b = 0usize;
        for mi in 1..m {
            if best_obj[mi] < best_obj[b] {
                b = mi;
            }
        }
        b
    };
    let (weights, bias) = fold(&best, sel, k, &sc);
    let hyper = grid[sel].to_json();
    let model = Model {
        feature_dim: dim,
        predictor_type: p.predictor_type,
        outputs: k,
        weights,
        bias,
        loss: p.loss,
        threshold: thresholds[sel],
        hyperparameters: hyper.clone(),
    };

    // Final logs on the lead host.
    let lead_log = &logs[lead];
    let lead_host = spec.hosts[lead].host.clone();
    if best_train[sel].is_finite() {
        lead_log.info(&quality_line(
            &lead_host,
            "train",
            obj_name,
            best_train[sel],
        ));
    }
    if let Some(vi) = val_host {
        let ch = &spec.hosts[vi].channels["validation"];
        let ms = final_eval("validation", ch, &model, &p, &eval_lf, cancel).map_err(|e| {
            if matches!(e, TrainError::Stopped) {
                e
            } else {
                fail(e)
            }
        })?;
        let host = &spec.hosts[vi].host;
        for (name, v) in &ms {
            logs[vi].info(&format!(
                "#validation_score ({host}) : ('{name}', {})",
                crate::logs::fmt_value(*v)
            ));
        }
        for (name, v) in &ms {
            logs[vi].info(&quality_line(host, "validation", name, *v));
        }
    }
    lead_log.info(&format!("Best model found for hyperparameters: {hyper}"));
    lead_log.info("Saved checkpoint to \"/tmp/tmp-linear-learner/mx-mod-0000.params\"");
    match test_host {
        Some(ti) => {
            let ch = &spec.hosts[ti].channels["test"];
            let ms = final_eval("test", ch, &model, &p, &eval_lf, cancel).map_err(|e| {
                if matches!(e, TrainError::Stopped) {
                    e
                } else {
                    fail(e)
                }
            })?;
            let host = &spec.hosts[ti].host;
            for (name, v) in &ms {
                logs[ti].info(&format!(
                    "#test_score ({host}) : ('{name}', {})",
                    crate::logs::fmt_value(*v)
                ));
            }
            for (name, v) in &ms {
                logs[ti].info(&quality_line(host, "test", name, *v));
            }
        }
        None => lead_log.info("Test data is not provided."),
    }
    Ok(TrainOutcome {
        model,
        final_metrics: Vec::new(),
        epochs_run,
        selected_model: sel,
        best_model_hyperparameters: hyper,
        hosts: reports,
    })
}
