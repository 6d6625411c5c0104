//! After training: the objective of every model on a split (early stopping's criterion), the choice
//! of the final model (with the threshold calibration of binary classifiers), the scaler folded
//! into its weights, and its final metrics.

use std::sync::atomic::{AtomicBool, Ordering};

use super::engine::{LossFn, Scaler, Weights, normalise_row, sigmoid};
use super::shard::{Batch, Shard};
use crate::TrainError;
use crate::hyperparams::memory::eval_batch_rows;
use crate::hyperparams::{Criterion, Loss, Params, PredictorType};
use crate::metrics::{binary_metrics, calibrate, multiclass_metrics, roc_auc};
use crate::model::{Model, Prediction};

/// Mean unweighted loss per model over a split (regression losses in label units).
pub(super) fn evaluate_objective(
    shard: &dyn Shard,
    dim: usize,
    w: &Weights,
    k: usize,
    sc: &Scaler,
    lf: &LossFn,
    cancel: &AtomicBool,
) -> Result<Vec<f64>, TrainError> {
    let mut reader = shard.reader()?;
    let mut batch = Batch::default();
    let m = w.o / k;
    let mut sums = vec![0f64; m];
    let mut n = 0u64;
    let (mut xs, mut s, mut g) = (vec![0f32; dim], vec![0f32; w.o], vec![0f32; k]);
    while reader.next_batch(eval_batch_rows(dim, 4096), &mut batch)? {
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

/// Chooses the final model among the `best` weights (each model at its best epoch) and returns it
/// with every model's decision threshold. Binary classifiers are calibrated on up to
/// `num_calibration_samples` rows of `calibration` and chosen by the selection criterion; the other
/// predictor types take the lowest objective.
pub(super) fn select(
    p: &Params,
    calibration: &dyn Shard,
    dim: usize,
    best: &Weights,
    best_obj: &[f64],
    sc: &Scaler,
) -> Result<(usize, Vec<f32>), TrainError> {
    let m = best_obj.len();
    let mut thresholds = vec![
        if p.loss == Loss::Logistic {
            0.5f32
        } else {
            0.0
        };
        m
    ];
    if p.predictor_type != PredictorType::BinaryClassifier {
        let mut b = 0usize;
        for mi in 1..m {
            if best_obj[mi] < best_obj[b] {
                b = mi;
            }
        }
        return Ok((b, thresholds));
    }
    let mut reader = calibration.reader()?;
    let mut batch = Batch::default();
    let mut scores: Vec<Vec<f32>> = vec![Vec::new(); m];
    let mut labels = Vec::new();
    let (mut xs, mut s) = (vec![0f32; dim], vec![0f32; m]);
    'outer: while reader.next_batch(eval_batch_rows(dim, 4096), &mut batch)? {
        for r in 0..batch.rows() {
            if labels.len() >= p.num_calibration_samples {
                break 'outer;
            }
            normalise_row(&batch.x[r * dim..(r + 1) * dim], sc, &mut xs);
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
    Ok((best_m, thresholds))
}

/// Folds the scaler into model `sel`'s weights (label units).
pub(super) fn fold(w: &Weights, sel: usize, k: usize, sc: &Scaler) -> (Vec<f32>, Vec<f32>) {
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

/// Final metrics of `model` on a split: (name, value) in LL's order.
pub(super) fn final_eval(
    shard: &dyn Shard,
    model: &Model,
    p: &Params,
    lf: &LossFn,
    cancel: &AtomicBool,
) -> Result<Vec<(String, f64)>, TrainError> {
    let dim = model.feature_dim();
    let mut reader = shard.reader()?;
    let mut batch = Batch::default();
    let k = p.outputs_per_model();
    let (mut n, mut obj, mut se, mut ae) = (0u64, 0f64, 0f64, 0f64);
    let mut scores: Vec<f32> = Vec::new();
    let mut labels: Vec<f32> = Vec::new();
    let mut raw = vec![0f32; k];
    let mut g = vec![0f32; k];
    while reader.next_batch(eval_batch_rows(dim, 4096), &mut batch)? {
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
