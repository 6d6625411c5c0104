//! SageMaker's built-in Linear Learner, offline: a library first, a container emulation on top.
//!
//! As a library: check hyperparameters into [`Params`] ([`HyperParameters::check`], linfa's
//! "params → checked params" pattern), then [`fit()`] them over one [`Shard`] of rows per simulated
//! host — [`fit_matrices`] takes in-memory [`Matrix`]es. Nothing in the fit knows files, containers
//! or log text.
//!
//! As the `linear-learner:1` container ([`container`]): [`train`] takes a [`TrainingSpec`] (the
//! job's hyperparameter strings and each host's channel files), checks and logs as the container
//! does, and returns the model; [`Model::to_model_tar_gz`] is the artifact, [`serve::invoke`] the
//! inference container.
//!
//! Contract used by `sagemaker-offline` (keep these signatures; add freely):
//! - [`TrainingSpec`], [`HostInput`], [`ChannelInput`], [`LogSink`], [`train`], [`TrainOutcome`], [`TrainError`]
//! - [`Model::to_model_tar_gz`], [`Model::from_model_tar_gz`], [`Model::feature_dim`]
//! - [`serve::invoke`]: request body + content type + accept → response body + content type, or a client error.
//! - [`metric_definitions`]: SageMaker's MetricDefinitions for LL (the server scrapes the log lines
//!   with them into FinalMetricDataList).
//!
//! Modules: [`hyperparams`] (the checker, upper bounds and the memory estimate), [`fit`] (shards,
//! the vectorised multi-model SGD, averaging, early stopping, selection), [`container`] (channels,
//! [`log_lines`], the job), [`model`] (artifact, prediction), [`serve`] (request/response
//! formats), `metrics` (evaluation metrics), `error` (why a job fails, as data).
//!
//! Features: `train` (default) is everything above. Without it only [`log_lines`] (each log line's
//! format and parser, with SageMaker's metric regexes) and the [`LogSink`]/[`TrainingSpec`] types
//! are compiled, with no dependency but `chrono` and `thiserror`: what a notebook crate needs to
//! read a job's log lines.

pub mod container;
mod error;
#[cfg(feature = "train")]
pub mod fit;
#[cfg(feature = "train")]
pub mod hyperparams;
#[cfg(feature = "train")]
mod metrics;
#[cfg(feature = "train")]
pub mod model;
#[cfg(feature = "train")]
pub mod serve;

pub use container::log_lines::{self, metric_definitions};
pub use container::{ChannelInput, HostInput, LogSink, TrainingSpec};
pub use error::{AlgorithmError, ClientError, ParamError, TrainError};

#[cfg(feature = "train")]
pub use container::{TrainOutcome, train};
#[cfg(feature = "train")]
pub use fit::{Fitted, HostReport, INIT_SEED, Matrix, Shard, fit, fit_matrices};
#[cfg(feature = "train")]
pub use hyperparams::{HyperParameters, JOB_MEMORY_BUDGET, Params, PredictorType};
#[cfg(feature = "train")]
pub use model::{Model, Prediction};
