//! Evaluation metrics and binary threshold calibration.
//!
//! Small enough to write here (a sort and a sweep); pulling a metrics crate would not save code.

use crate::hyperparams::Criterion;

/// Accuracy, precision, recall and F-beta of `score >= threshold` against 0/1 labels.
pub fn binary_metrics(scores: &[f32], labels: &[f32], threshold: f32, beta: f64) -> [f64; 4] {
    let (mut tp, mut fp, mut tn, mut fn_) = (0u64, 0u64, 0u64, 0u64);
    for (&s, &y) in scores.iter().zip(labels) {
        match (s >= threshold, y == 1.0) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let n = (tp + fp + tn + fn_).max(1) as f64;
    let precision = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let recall = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    [
        (tp + tn) as f64 / n,
        precision,
        recall,
        f_beta(precision, recall, beta),
    ]
}

fn f_beta(p: f64, r: f64, beta: f64) -> f64 {
    let b2 = beta * beta;
    if p + r > 0.0 {
        (1.0 + b2) * p * r / (b2 * p + r)
    } else {
        0.0
    }
}

/// Area under the ROC curve (ties counted half).
pub fn roc_auc(scores: &[f32], labels: &[f32]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut n_pos) = (0f64, 0u64);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &t in &idx[i..=j] {
            if labels[t] == 1.0 {
                rank_sum += avg_rank;
                n_pos += 1;
            }
        }
        i = j + 1;
    }
    let n_neg = scores.len() as u64 - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return 0.5;
    }
    (rank_sum - (n_pos * (n_pos + 1)) as f64 / 2.0) / (n_pos as f64 * n_neg as f64)
}

/// Picks the decision threshold for `criterion`; returns (threshold, criterion value; higher is better).
/// `default_threshold` is used for [`Criterion::LossFunction`] and when no cut meets a target.
pub fn calibrate(
    scores: &[f32],
    labels: &[f32],
    criterion: Criterion,
    beta: f64,
    target_recall: f64,
    target_precision: f64,
    default_threshold: f32,
) -> (f32, f64) {
    if criterion == Criterion::LossFunction || scores.is_empty() {
        let m = binary_metrics(scores, labels, default_threshold, beta);
        return (default_threshold, m[0]);
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let n = scores.len() as f64;
    let total_pos = labels.iter().filter(|&&y| y == 1.0).count() as f64;
    // Cut "predict 1 for everything with score >= s[i]"; the all-negative cut is threshold = +inf.
    let eval = |tp: f64, fp: f64| -> (f64, f64, f64, f64) {
        let tn = n - total_pos - fp;
        let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
        let recall = if total_pos > 0.0 { tp / total_pos } else { 0.0 };
        (
            (tp + tn) / n,
            precision,
            recall,
            f_beta(precision, recall, beta),
        )
    };
    let value = |m: (f64, f64, f64, f64)| -> Option<f64> {
        match criterion {
            Criterion::Accuracy => Some(m.0),
            Criterion::FBeta => Some(m.3),
            Criterion::PrecisionAtTargetRecall => (m.2 >= target_recall).then_some(m.1),
            Criterion::RecallAtTargetPrecision => (m.1 >= target_precision).then_some(m.2),
            Criterion::LossFunction => Some(m.0),
        }
    };
    let mut best: Option<(f32, f64)> = value(eval(0.0, 0.0)).map(|v| (f32::INFINITY, v));
    let (mut tp, mut fp) = (0f64, 0f64);
    let mut i = 0;
    while i < idx.len() {
        let s = scores[idx[i]];
        while i < idx.len() && scores[idx[i]] == s {
            if labels[idx[i]] == 1.0 {
                tp += 1.0
            } else {
                fp += 1.0
            }
            i += 1;
        }
        if let Some(v) = value(eval(tp, fp))
            && best.is_none_or(|(_, bv)| v > bv)
        {
            // midpoint to the next lower score generalises better than the exact score
            let thr = match idx.get(i) {
                Some(&nx) => (s + scores[nx]) / 2.0,
                None => s,
            };
            best = Some((thr, v));
        }
    }
    best.unwrap_or((default_threshold, 0.0))
}

/// Multiclass metrics from per-class probabilities (row-major rows × k) and integer labels.
pub fn multiclass_metrics(
    probs: &[f32],
    labels: &[f32],
    k: usize,
    top_k: usize,
    beta: f64,
) -> Vec<(String, f64)> {
    let n = labels.len();
    let mut correct = 0u64;
    let mut topk = 0u64;
    let mut dcg = 0f64;
    let mut log_loss = 0f64;
    let mut tp = vec![0u64; k];
    let mut pred_count = vec![0u64; k];
    let mut true_count = vec![0u64; k];
    for (r, &y) in labels.iter().enumerate() {
        let p = &probs[r * k..(r + 1) * k];
        let c = y as usize;
        let mut arg = 0;
        for i in 0..k {
            if p[i] > p[arg] {
                arg = i;
            }
        }
        let pc = p.get(c).copied().unwrap_or(0.0);
        let rank = p.iter().filter(|&&v| v > pc).count();
        if rank < top_k {
            topk += 1;
        }
        dcg += 1.0 / ((rank + 2) as f64).log2();
        log_loss -= (pc.max(1e-15) as f64).ln();
        pred_count[arg] += 1;
        if c < k {
            true_count[c] += 1;
        }
        if arg == c {
            correct += 1;
            tp[c] += 1;
        }
    }
    let nf = n.max(1) as f64;
    let precision: Vec<f64> = (0..k)
        .map(|i| {
            if pred_count[i] > 0 {
                tp[i] as f64 / pred_count[i] as f64
            } else {
                0.0
            }
        })
        .collect();
    let recall: Vec<f64> = (0..k)
        .map(|i| {
            if true_count[i] > 0 {
                tp[i] as f64 / true_count[i] as f64
            } else {
                0.0
            }
        })
        .collect();
    let macro_p = precision.iter().sum::<f64>() / k as f64;
    let macro_r = recall.iter().sum::<f64>() / k as f64;
    let macro_f = (0..k)
        .map(|i| f_beta(precision[i], recall[i], beta))
        .sum::<f64>()
        / k as f64;
    let present = true_count.iter().filter(|&&c| c > 0).count().max(1) as f64;
    let balanced = (0..k)
        .filter(|&i| true_count[i] > 0)
        .map(|i| recall[i])
        .sum::<f64>()
        / present;
    vec![
        ("multiclass_accuracy".into(), correct as f64 / nf),
        (
            format!("multiclass_top_k_accuracy_{top_k}"),
            topk as f64 / nf,
        ),
        ("dcg".into(), dcg / nf),
        ("macro_recall".into(), macro_r),
        ("macro_precision".into(), macro_p),
        (format!("macro_f_{beta:.3}"), macro_f),
        ("multiclass_balanced_accuracy".into(), balanced),
        ("multiclass_log_loss".into(), log_loss / nf),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_auc() {
        let s = [0.9, 0.8, 0.3, 0.1];
        let y = [1.0, 0.0, 1.0, 0.0];
        let m = binary_metrics(&s, &y, 0.5, 1.0);
        assert_eq!(m[0], 0.5);
        assert_eq!(m[1], 0.5);
        assert_eq!(m[2], 0.5);
        assert_eq!(m[3], 0.5);
        assert_eq!(roc_auc(&s, &y), 0.75);
        assert_eq!(roc_auc(&[0.1, 0.9], &[0.0, 1.0]), 1.0);
    }

    #[test]
    fn calibration_finds_the_separating_cut() {
        let s = [0.95, 0.9, 0.85, 0.3, 0.2, 0.1];
        let y = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let (t, v) = calibrate(&s, &y, Criterion::Accuracy, 1.0, 0.8, 0.8, 0.5);
        assert_eq!(v, 1.0);
        assert!(t > 0.3 && t <= 0.85, "{t}");
        let (_, v) = calibrate(
            &s,
            &y,
            Criterion::RecallAtTargetPrecision,
            1.0,
            0.8,
            0.8,
            0.5,
        );
        assert_eq!(v, 1.0);
        // shifted scores: the threshold moves with them
        let s2: Vec<f32> = s.iter().map(|v| v - 0.6).collect();
        let (t2, v2) = calibrate(&s2, &y, Criterion::FBeta, 1.0, 0.8, 0.8, 0.5);
        assert_eq!(v2, 1.0);
        assert!(t2 > -0.3 && t2 <= 0.25, "{t2}");
    }

    #[test]
    fn multiclass() {
        let p = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.5, 0.4, 0.1];
        let y = [0.0, 2.0, 1.0];
        let m = multiclass_metrics(&p, &y, 3, 2, 1.0);
        let get = |n: &str| m.iter().find(|(k, _)| k == n).map(|(_, v)| *v).expect(n);
        assert!((get("multiclass_accuracy") - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(get("multiclass_top_k_accuracy_2"), 1.0);
        assert!((get("dcg") - (1.0 + 1.0 + 1.0 / 3f64.log2()) / 3.0).abs() < 1e-12);
    }
}
