//! SageMaker's built-in Linear Learner, offline: hyperparameters, distributed training across
//! simulated hosts, the `model.tar.gz` artifact, and inference.
//!
//! Contract used by `sagemaker-offline` (keep these signatures; add freely):
//! - [`TrainingSpec`], [`HostInput`], [`ChannelInput`], [`LogSink`], [`train`], [`TrainOutcome`], [`TrainError`]
//! - [`Model::to_model_tar_gz`], [`Model::from_model_tar_gz`], [`Model::feature_dim`]
//! - [`serve::invoke`]: request body + content type + accept → response body + content type, or a client error.
//! - [`metric_definitions`] / [`final_metrics`]: SageMaker's MetricDefinitions for LL and the
//!   FinalMetricDataList values extracted from a job's log lines.
//!
//! Modules: [`params`] (hyperparameters), `data` (channel streaming), `engine` (vectorised multi-model
//! SGD), `train` (hosts, averaging, early stopping, selection, logs), [`model`] (artifact, prediction),
//! [`serve`] (request/response formats), `logs` (LL log format, metric regexes), `metrics`.

use std::collections::BTreeMap;
use std::path::PathBuf;

mod data;
mod engine;
mod logs;
mod metrics;
pub mod model;
pub mod params;
pub mod serve;
mod train;

pub use logs::{final_metrics, metric_definitions};
pub use model::{Model, Prediction};
pub use params::{Params, PredictorType};
pub use train::{HostReport, INIT_SEED, train};

/// One channel's files as one host sees them (File mode: the host's own local copies).
#[derive(Debug, Clone)]
pub struct ChannelInput {
    /// Local files, in key order.
    pub files: Vec<PathBuf>,
    /// The channel's ContentType (None = recordIO-protobuf, as SageMaker's LL treats it).
    pub content_type: Option<String>,
}

/// What one host (algo-N) receives.
#[derive(Debug, Clone)]
pub struct HostInput {
    /// Host name, `algo-1` … `algo-N`.
    pub host: String,
    /// Channel name (`train`, `validation`, `test`) → that host's files.
    pub channels: BTreeMap<String, ChannelInput>,
}

/// A whole training job as the engine sees it.
#[derive(Debug, Clone)]
pub struct TrainingSpec {
    /// HyperParameters exactly as the job received them.
    pub hyperparameters: BTreeMap<String, String>,
    /// One entry per host, in host order.
    pub hosts: Vec<HostInput>,
}

/// Receives log lines (already in Linear Learner's format, with its prefix) per host.
pub trait LogSink: Send + Sync {
    /// One line from `host` (e.g. `algo-1`).
    fn log(&self, host: &str, line: &str);
}

/// Why a training job failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The user's fault (bad hyperparameter, bad data); the job's FailureReason is `ClientError: <msg>`.
    #[error("ClientError: {0}")]
    Client(String),
    /// The job was stopped through the cancel flag.
    #[error("training stopped")]
    Stopped,
    /// Our fault; FailureReason `AlgorithmError: <msg>`.
    #[error("AlgorithmError: {0}")]
    Algorithm(String),
}

/// The result of a successful job.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The selected model.
    pub model: Model,
    /// Last value of every SageMaker metric definition found in the job's logs (for FinalMetricDataList).
    pub final_metrics: Vec<(String, f64)>,
    /// Epochs actually run (early stopping may end before `epochs`).
    pub epochs_run: usize,
    /// Index of the selected model among the `num_models` parallel models.
    pub selected_model: usize,
    /// The `Best model found for hyperparameters` JSON.
    pub best_model_hyperparameters: String,
    /// Per-host rows and time, in host order.
    pub hosts: Vec<HostReport>,
}
