//! The numeric core: all parallel models trained on the same mini-batch in one pass.
//!
//! Weights of the M models (K outputs each) are stored feature-major, `w[d * O + o]` with O = M·K, so
//! for every input feature the inner loop runs over the O outputs of all models contiguously: the
//! compiler vectorises it, and a zero feature (one-hot data is mostly zeros) skips the whole row of
//! work. One forward and one gradient pass per row serve every model — that is what makes 32 models
//! cost little more than one, and it is the hot path of the kit.

use super::shard::Batch;
use crate::hyperparams::{Loss, Optimizer, Params, PositiveWeight, PredictorType};

/// Feature and label scaling (mean shift and 1/std), estimated on a sample.
#[derive(Debug, Clone)]
pub struct Scaler {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub inv_std: Vec<f32>,
    pub mean_y: f32,
    pub std_y: f32,
    pub label_scaled: bool,
}

/// Sums for pooling scaler statistics across hosts.
#[derive(Debug, Clone, Default)]
pub struct ScalerStats {
    pub n: u64,
    pub sum: Vec<f64>,
    pub sumsq: Vec<f64>,
    pub sum_y: f64,
    pub sumsq_y: f64,
    pub n_pos: u64,
    pub class_counts: Vec<u64>,
}

impl ScalerStats {
    pub fn new(d: usize, k: usize) -> Self {
        ScalerStats {
            sum: vec![0.0; d],
            sumsq: vec![0.0; d],
            class_counts: vec![0; k],
            ..Default::default()
        }
    }
    pub fn add_batch(&mut self, b: &Batch, d: usize, limit: u64) {
        for (r, &y) in b.y.iter().enumerate() {
            if self.n >= limit {
                return;
            }
            let row = &b.x[r * d..(r + 1) * d];
            for ((s, q), &v) in self.sum.iter_mut().zip(self.sumsq.iter_mut()).zip(row) {
                *s += v as f64;
                *q += (v as f64) * (v as f64);
            }
            self.sum_y += y as f64;
            self.sumsq_y += (y as f64) * (y as f64);
            if y == 1.0 {
                self.n_pos += 1;
            }
            let c = y as usize;
            if y >= 0.0 && (y as usize as f32) == y && c < self.class_counts.len() {
                self.class_counts[c] += 1;
            }
            self.n += 1;
        }
    }
    pub fn merge(&mut self, o: &ScalerStats) {
        self.n += o.n;
        for (a, b) in self.sum.iter_mut().zip(&o.sum) {
            *a += b;
        }
        for (a, b) in self.sumsq.iter_mut().zip(&o.sumsq) {
            *a += b;
        }
        self.sum_y += o.sum_y;
        self.sumsq_y += o.sumsq_y;
        self.n_pos += o.n_pos;
        for (a, b) in self.class_counts.iter_mut().zip(&o.class_counts) {
            *a += b;
        }
    }
    pub fn scaler(&self, p: &Params) -> Scaler {
        let n = self.n.max(1) as f64;
        let d = self.sum.len();
        let mut mean = vec![0f32; d];
        let mut std = vec![1f32; d];
        if p.normalize_data {
            for j in 0..d {
                let m = self.sum[j] / n;
                let var = (self.sumsq[j] / n - m * m).max(0.0);
                let s = var.sqrt();
                std[j] = if s > 1e-12 { s as f32 } else { 1.0 };
                if p.unbias_data {
                    mean[j] = m as f32;
                }
            }
        }
        let my = self.sum_y / n;
        let sy = (self.sumsq_y / n - my * my).max(0.0).sqrt();
        let (mean_y, std_y) = (
            if p.unbias_label { my as f32 } else { 0.0 },
            if p.normalize_label && sy > 1e-12 {
                sy as f32
            } else {
                1.0
            },
        );
        Scaler {
            inv_std: std.iter().map(|s| 1.0 / s).collect(),
            mean,
            std,
            mean_y,
            std_y,
            label_scaled: p.predictor_type == PredictorType::Regressor,
        }
    }
}

/// Per-example loss settings shared by all models.
#[derive(Debug, Clone)]
pub struct LossFn {
    pub loss: Loss,
    pub margin: f32,
    pub quantile: f32,
    pub eps: f32,
    pub delta: f32,
    /// Weight of a positive example (binary).
    pub pos_weight: f32,
    /// Per-class weights (multiclass), empty = all 1.
    pub class_weights: Vec<f32>,
}

impl LossFn {
    pub fn new(p: &Params, stats: &ScalerStats) -> LossFn {
        let pos_weight = match p.positive_example_weight_mult {
            PositiveWeight::Fixed(w) => w as f32,
            PositiveWeight::Balanced => {
                let neg = stats.n.saturating_sub(stats.n_pos);
                if stats.n_pos > 0 && neg > 0 {
                    neg as f32 / stats.n_pos as f32
                } else {
                    1.0
                }
            }
        };
        let k = p.outputs_per_model();
        let class_weights = if p.balance_multiclass_weights && k > 1 {
            let n = stats.class_counts.iter().sum::<u64>().max(1) as f32;
            stats
                .class_counts
                .iter()
                .map(|&c| {
                    if c > 0 {
                        n / (k as f32 * c as f32)
                    } else {
                        1.0
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        LossFn {
            loss: p.loss,
            margin: p.margin as f32,
            quantile: p.quantile as f32,
            eps: p.loss_insensitivity as f32,
            delta: p.huber_delta as f32,
            pos_weight,
            class_weights,
        }
    }

    /// Unweighted copy (for evaluation metrics).
    pub fn unweighted(&self) -> LossFn {
        LossFn {
            pos_weight: 1.0,
            class_weights: Vec::new(),
            ..self.clone()
        }
    }

    /// Loss of scores `s` (K values) for label `y`; writes d loss / d s into `g`. Includes example weights.
    #[inline]
    pub fn eval(&self, s: &[f32], y: f32, g: &mut [f32]) -> f32 {
        match self.loss {
            Loss::Softmax => {
                let mx = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut z = 0f32;
                for (gi, &si) in g.iter_mut().zip(s) {
                    *gi = (si - mx).exp();
                    z += *gi;
                }
                let c = y as usize;
                let w = self.class_weights.get(c).copied().unwrap_or(1.0);
                let inv = 1.0 / z;
                for gi in g.iter_mut() {
                    *gi *= inv * w;
                }
                if let Some(gc) = g.get_mut(c) {
                    *gc -= w;
                }
                let sc = s.get(c).copied().unwrap_or(mx);
                w * (z.ln() + mx - sc)
            }
            _ => {
                let (l, d) = self.eval1(s[0], y);
                g[0] = d;
                l
            }
        }
    }

    #[inline]
    fn eval1(&self, s: f32, y: f32) -> (f32, f32) {
        match self.loss {
            Loss::Squared => {
                let e = s - y;
                (e * e, 2.0 * e)
            }
            Loss::Absolute => {
                let e = s - y;
                (e.abs(), sign(e))
            }
            Loss::EpsInsensitiveSquared => {
                let e = s - y;
                let m = (e.abs() - self.eps).max(0.0);
                (m * m, 2.0 * m * sign(e))
            }
            Loss::EpsInsensitiveAbsolute => {
                let e = s - y;
                let m = e.abs() - self.eps;
                if m > 0.0 { (m, sign(e)) } else { (0.0, 0.0) }
            }
            Loss::Quantile => {
                let r = y - s;
                let q = self.quantile;
                if r >= 0.0 {
                    (q * r, -q)
                } else {
                    ((q - 1.0) * r, 1.0 - q)
                }
            }
            Loss::Huber => {
                let e = s - y;
                let a = e.abs();
                if a <= self.delta {
                    (0.5 * e * e, e)
                } else {
                    (self.delta * (a - 0.5 * self.delta), self.delta * sign(e))
                }
            }
            Loss::Logistic => {
                let w = if y == 1.0 { self.pos_weight } else { 1.0 };
                // softplus(s) - y s, stable
                let sp = if s > 0.0 {
                    s + (-s).exp().ln_1p()
                } else {
                    s.exp().ln_1p()
                };
                let p = sigmoid(s);
                (w * (sp - y * s), w * (p - y))
            }
            Loss::Hinge => {
                let w = if y == 1.0 { self.pos_weight } else { 1.0 };
                let yt = 2.0 * y - 1.0;
                let m = self.margin - yt * s;
                if m > 0.0 {
                    (w * m, -w * yt)
                } else {
                    (0.0, 0.0)
                }
            }
            Loss::Softmax => (0.0, 0.0),
        }
    }
}

#[inline]
fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// σ(s).
#[inline]
pub fn sigmoid(s: f32) -> f32 {
    if s >= 0.0 {
        1.0 / (1.0 + (-s).exp())
    } else {
        let e = s.exp();
        e / (1.0 + e)
    }
}

/// M models × K outputs over D features; `w[d * O + o]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub d: usize,
    pub o: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl Weights {
    /// Copies model `m`'s K columns from `src`.
    pub fn copy_model_from(&mut self, src: &Weights, m: usize, k: usize) {
        for d in 0..self.d {
            let base = d * self.o + m * k;
            self.w[base..base + k].copy_from_slice(&src.w[base..base + k]);
        }
        self.b[m * k..(m + 1) * k].copy_from_slice(&src.b[m * k..(m + 1) * k]);
    }

    /// Raw scores of one normalised row into `s` (length O).
    #[inline]
    pub fn scores(&self, xs: &[f32], s: &mut [f32]) {
        s.copy_from_slice(&self.b);
        for (d, &xv) in xs.iter().enumerate() {
            if xv != 0.0 {
                let row = &self.w[d * self.o..(d + 1) * self.o];
                for (sv, &wv) in s.iter_mut().zip(row) {
                    *sv += xv * wv;
                }
            }
        }
    }
}

/// Normalises one raw row into `xs`.
#[inline]
pub fn normalise_row(row: &[f32], sc: &Scaler, xs: &mut [f32]) {
    for (((x, &r), &m), &i) in xs.iter_mut().zip(row).zip(&sc.mean).zip(&sc.inv_std) {
        *x = (r - m) * i;
    }
}

/// Per-output optimizer settings (resolved from each model's settings).
#[derive(Debug, Clone)]
pub struct OptSettings {
    pub optimizer: Vec<Optimizer>,
    pub lr: Vec<f64>,
    pub wd: Vec<f32>,
    pub l1: Vec<f32>,
    pub step: Vec<usize>,
    pub factor: Vec<f64>,
    pub min_lr: Vec<f64>,
    pub use_scheduler: bool,
    pub momentum: f32,
    pub beta_1: f32,
    pub beta_2: f32,
    pub bias_lr_mult: f32,
    pub bias_wd_mult: f32,
    pub use_bias: bool,
}

/// One host's copy of the models and their optimizer state.
#[derive(Debug, Clone)]
pub struct Trainer {
    pub k: usize,
    pub m: usize,
    pub weights: Weights,
    m1: Vec<f32>,
    m2: Vec<f32>,
    bm1: Vec<f32>,
    bm2: Vec<f32>,
    t: u64,
    grad: Vec<f32>,
    gb: Vec<f32>,
    xs: Vec<f32>,
    s: Vec<f32>,
    g: Vec<f32>,
    lr_now: Vec<f32>,
}

impl Trainer {
    pub fn new(weights: Weights, k: usize) -> Trainer {
        let (n, o, d) = (weights.w.len(), weights.o, weights.d);
        Trainer {
            k,
            m: o / k,
            m1: vec![0.0; n],
            m2: vec![0.0; n],
            bm1: vec![0.0; o],
            bm2: vec![0.0; o],
            t: 0,
            grad: vec![0.0; n],
            gb: vec![0.0; o],
            xs: vec![0.0; d],
            s: vec![0.0; o],
            g: vec![0.0; o],
            lr_now: vec![0.0; o / k],
            weights,
        }
    }

    /// One mini-batch: forward, gradient, update. Adds each model's summed (weighted) loss to `loss_sums`.
    pub fn step(
        &mut self,
        batch: &Batch,
        sc: &Scaler,
        lf: &LossFn,
        os: &OptSettings,
        loss_sums: &mut [f64],
    ) {
        let rows = batch.rows();
        if rows == 0 {
            return;
        }
        let (d, o, k) = (self.weights.d, self.weights.o, self.k);
        self.grad.iter_mut().for_each(|v| *v = 0.0);
        self.gb.iter_mut().for_each(|v| *v = 0.0);
        for r in 0..rows {
            normalise_row(&batch.x[r * d..(r + 1) * d], sc, &mut self.xs);
            let y = if sc.label_scaled {
                (batch.y[r] - sc.mean_y) / sc.std_y
            } else {
                batch.y[r]
            };
            self.weights.scores(&self.xs, &mut self.s);
            for (mi, ls) in loss_sums.iter_mut().enumerate() {
                let l = lf.eval(
                    &self.s[mi * k..(mi + 1) * k],
                    y,
                    &mut self.g[mi * k..(mi + 1) * k],
                );
                *ls += l as f64;
            }
            for (dd, &xv) in self.xs.iter().enumerate() {
                if xv != 0.0 {
                    let row = &mut self.grad[dd * o..(dd + 1) * o];
                    for (gv, &gg) in row.iter_mut().zip(&self.g) {
                        *gv += xv * gg;
                    }
                }
            }
            for (a, &gg) in self.gb.iter_mut().zip(&self.g) {
                *a += gg;
            }
        }
        self.update(rows, os);
    }

    fn update(&mut self, rows: usize, os: &OptSettings) {
        self.t += 1;
        let t = self.t;
        let inv = 1.0 / rows as f32;
        for mi in 0..self.m {
            let mut lr = os.lr[mi];
            if os.use_scheduler {
                let decays = ((t - 1) / os.step[mi].max(1) as u64) as f64;
                lr = (lr * os.factor[mi].powf(decays)).max(os.min_lr[mi].min(lr));
            }
            self.lr_now[mi] = lr as f32;
        }
        let (b1, b2) = (os.beta_1, os.beta_2);
        let c1 = 1.0 - (b1 as f64).powf(t as f64);
        let c2 = 1.0 - (b2 as f64).powf(t as f64);
        let (c1, c2) = (c1.max(1e-12) as f32, c2.max(1e-12) as f32);
        let (o, k) = (self.weights.o, self.k);
        let upd =
            |opt: Optimizer, w: &mut f32, g: f32, m1: &mut f32, m2: &mut f32, lr: f32| match opt {
                Optimizer::Sgd => {
                    *m1 = os.momentum * *m1 - lr * g;
                    *w += *m1;
                }
                Optimizer::Adam => {
                    *m1 = b1 * *m1 + (1.0 - b1) * g;
                    *m2 = b2 * *m2 + (1.0 - b2) * g * g;
                    *w -= lr * (*m1 / c1) / ((*m2 / c2).sqrt() + 1e-8);
                }
                Optimizer::Rmsprop => {
                    *m2 = 0.9 * *m2 + 0.1 * g * g;
                    *w -= lr * g / (m2.sqrt() + 1e-8);
                }
            };
        for (j, w) in self.weights.w.iter_mut().enumerate() {
            let mi = (j % o) / k;
            let mut g = self.grad[j] * inv + os.wd[mi] * *w;
            if os.l1[mi] > 0.0 {
                g += os.l1[mi] * sign(*w);
            }
            upd(
                os.optimizer[mi],
                w,
                g,
                &mut self.m1[j],
                &mut self.m2[j],
                self.lr_now[mi],
            );
        }
        if os.use_bias {
            for (j, b) in self.weights.b.iter_mut().enumerate() {
                let mi = j / k;
                let g = self.gb[j] * inv + os.wd[mi] * os.bias_wd_mult * *b;
                upd(
                    os.optimizer[mi],
                    b,
                    g,
                    &mut self.bm1[j],
                    &mut self.bm2[j],
                    self.lr_now[mi] * os.bias_lr_mult,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lf(loss: Loss) -> LossFn {
        LossFn {
            loss,
            margin: 1.0,
            quantile: 0.3,
            eps: 0.5,
            delta: 1.0,
            pos_weight: 1.0,
            class_weights: vec![],
        }
    }

    /// Every loss's gradient matches a central finite difference.
    #[test]
    fn gradients_match_finite_differences() {
        let cases: &[(Loss, &[f32], f32)] = &[
            (Loss::Squared, &[0.7], 2.0),
            (Loss::Absolute, &[0.7], 2.0),
            (Loss::EpsInsensitiveSquared, &[0.7], 2.0),
            (Loss::EpsInsensitiveAbsolute, &[0.7], 2.0),
            (Loss::Quantile, &[0.7], 2.0),
            (Loss::Quantile, &[2.7], 2.0),
            (Loss::Huber, &[0.7], 1.2),
            (Loss::Huber, &[0.7], 3.0),
            (Loss::Logistic, &[0.7], 1.0),
            (Loss::Logistic, &[-30.0], 1.0),
            (Loss::Hinge, &[0.3], 1.0),
            (Loss::Hinge, &[0.3], 0.0),
            (Loss::Softmax, &[0.1, 0.5, -0.2], 2.0),
        ];
        for (loss, s, y) in cases {
            let f = lf(*loss);
            let mut g = vec![0f32; s.len()];
            let l0 = f.eval(s, *y, &mut g);
            assert!(l0 >= 0.0);
            for i in 0..s.len() {
                let h = 1e-3f32;
                let mut sp = s.to_vec();
                sp[i] += h;
                let mut sm = s.to_vec();
                sm[i] -= h;
                let mut tmp = vec![0f32; s.len()];
                let num = (f.eval(&sp, *y, &mut tmp) - f.eval(&sm, *y, &mut tmp)) / (2.0 * h);
                assert!(
                    (num - g[i]).abs() < 2e-2,
                    "{loss:?} s={s:?} y={y}: analytic {} numeric {num}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn loss_values() {
        let mut g = [0f32];
        assert_eq!(lf(Loss::Squared).eval(&[3.0], 1.0, &mut g), 4.0);
        assert_eq!(lf(Loss::Absolute).eval(&[3.0], 1.0, &mut g), 2.0);
        assert_eq!(
            lf(Loss::EpsInsensitiveAbsolute).eval(&[3.0], 1.0, &mut g),
            1.5
        );
        assert!((lf(Loss::Quantile).eval(&[1.0], 3.0, &mut g) - 0.6).abs() < 1e-6);
        assert!(
            (lf(Loss::Logistic).eval(&[0.0], 1.0, &mut g) - std::f32::consts::LN_2).abs() < 1e-6
        );
        assert_eq!(lf(Loss::Hinge).eval(&[0.25], 1.0, &mut g), 0.75);
    }
}
