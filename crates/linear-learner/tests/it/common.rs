//! Shared helpers for the integration tests: synthetic data files, jobs, a log collector.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use linear_learner::{
    ChannelInput, HostInput, LogSink, TrainError, TrainOutcome, TrainingSpec, log_lines,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Collects every host's lines.
#[derive(Default)]
pub struct Lines(pub Mutex<Vec<(String, String)>>);

impl LogSink for Lines {
    fn log(&self, host: &str, line: &str) {
        self.0
            .lock()
            .expect("lock")
            .push((host.to_string(), line.to_string()));
    }
}

impl Lines {
    pub fn all(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, l)| l.clone())
            .collect()
    }
    /// The last value of a final-form quality line (`#quality_metric: host=…, <split> <name> …`), read
    /// with the crate's own log-line parser.
    pub fn final_metric(&self, split: &str, name: &str) -> Option<f64> {
        self.all()
            .iter()
            .rev()
            .find_map(|l| match log_lines::parse(l) {
                Some(log_lines::MetricLine::Quality {
                    epoch: None,
                    split: s,
                    name: n,
                    value,
                    ..
                }) if s == split && n == name => Some(value),
                _ => None,
            })
    }
    pub fn of(&self, host: &str) -> Vec<String> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .filter(|(h, _)| h == host)
            .map(|(_, l)| l.clone())
            .collect()
    }
}

/// See [`Lines::final_metric`].
pub fn final_metric(lines: &Lines, split: &str, name: &str) -> Option<f64> {
    lines.final_metric(split, name)
}

/// Rows (features row-major) and labels.
#[derive(Clone, Debug)]
pub struct Data {
    pub d: usize,
    pub x: Vec<f32>,
    pub y: Vec<f32>,
}

impl Data {
    pub fn rows(&self) -> usize {
        self.y.len()
    }
    pub fn slice(&self, from: usize, to: usize) -> Data {
        Data {
            d: self.d,
            x: self.x[from * self.d..to * self.d].to_vec(),
            y: self.y[from..to].to_vec(),
        }
    }
}

/// y = x·beta + b + noise·N(0,1)-ish (sum of uniforms), features N-ish with different scales.
pub fn linear(n: usize, beta: &[f32], b: f32, noise: f32, seed: u64) -> Data {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let d = beta.len();
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut t = b;
        for (j, bj) in beta.iter().enumerate() {
            let v: f32 = rng.random_range(-1.0..1.0) * (1.0 + j as f32) + j as f32;
            x.push(v);
            t += v * bj;
        }
        let e: f32 = (0..4).map(|_| rng.random_range(-1.0f32..1.0)).sum::<f32>() * 0.5;
        y.push(t + noise * e);
    }
    Data { d, x, y }
}

pub fn write_csv(path: &Path, data: &Data) {
    let mut s = String::new();
    for r in 0..data.rows() {
        s.push_str(&format!("{}", data.y[r]));
        for v in &data.x[r * data.d..(r + 1) * data.d] {
            s.push_str(&format!(",{v}"));
        }
        s.push('\n');
    }
    std::fs::write(path, s).expect("write csv");
}

pub fn csv_channel(files: Vec<PathBuf>) -> ChannelInput {
    ChannelInput {
        files,
        content_type: Some("text/csv".into()),
    }
}

pub fn hp(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One host with the given channels.
pub fn one_host(channels: Vec<(&str, ChannelInput)>) -> Vec<HostInput> {
    vec![HostInput {
        host: "algo-1".into(),
        channels: channels
            .into_iter()
            .map(|(n, c)| (n.to_string(), c))
            .collect(),
    }]
}

pub fn run(
    hyper: &[(&str, &str)],
    hosts: Vec<HostInput>,
) -> (Result<TrainOutcome, TrainError>, Lines) {
    let lines = Lines::default();
    let spec = TrainingSpec {
        hyperparameters: hp(hyper),
        hosts,
    };
    let r = linear_learner::train(&spec, &lines, &AtomicBool::new(false));
    (r, lines)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Mean squared error of a model's predictions.
pub fn mse(model: &linear_learner::Model, data: &Data) -> f64 {
    let preds = model.predict(&data.x).expect("predict");
    preds
        .iter()
        .zip(&data.y)
        .map(|(p, y)| match p {
            linear_learner::Prediction::Regression { score } => ((score - y) as f64).powi(2),
            _ => panic!("not a regression"),
        })
        .sum::<f64>()
        / data.rows() as f64
}

/// Solves the least-squares problem with intercept by the normal equations (f64 Gaussian elimination).
pub fn ols(data: &Data) -> (Vec<f64>, f64) {
    let d = data.d + 1;
    let mut a = vec![0f64; d * d];
    let mut rhs = vec![0f64; d];
    for r in 0..data.rows() {
        let mut row: Vec<f64> = data.x[r * data.d..(r + 1) * data.d]
            .iter()
            .map(|&v| v as f64)
            .collect();
        row.push(1.0);
        for i in 0..d {
            rhs[i] += row[i] * data.y[r] as f64;
            for j in 0..d {
                a[i * d + j] += row[i] * row[j];
            }
        }
    }
    for c in 0..d {
        let p = (c..d)
            .max_by(|&i, &j| a[i * d + c].abs().total_cmp(&a[j * d + c].abs()))
            .expect("pivot");
        for j in 0..d {
            a.swap(c * d + j, p * d + j);
        }
        rhs.swap(c, p);
        for r in 0..d {
            if r != c {
                let f = a[r * d + c] / a[c * d + c];
                for j in 0..d {
                    a[r * d + j] -= f * a[c * d + j];
                }
                rhs[r] -= f * rhs[c];
            }
        }
    }
    let sol: Vec<f64> = (0..d).map(|i| rhs[i] / a[i * d + i]).collect();
    (sol[..data.d].to_vec(), sol[data.d])
}
