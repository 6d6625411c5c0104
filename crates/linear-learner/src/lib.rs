//! SageMaker's built-in Linear Learner (contract skeleton; implementation in progress).
//!
//! Contract used by `sagemaker-offline` (keep these signatures; add freely):
//! - [`TrainingSpec`], [`HostInput`], [`ChannelInput`], [`LogSink`], [`train`], [`TrainOutcome`], [`TrainError`]
//! - [`Model::to_model_tar_gz`], [`Model::from_model_tar_gz`], [`Model::feature_dim`]
//! - [`serve::invoke`]: request body + content type + accept → response body + content type, or a client error.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

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
}

/// A trained model, loadable for prediction.
#[derive(Debug, Clone)]
pub struct Model {
    feature_dim: usize,
}

impl Model {
    /// Number of features the model expects.
    pub fn feature_dim(&self) -> usize {
        self.feature_dim
    }
    /// Serialises as SageMaker's `model.tar.gz` (one member `model_algo-1`).
    pub fn to_model_tar_gz(&self) -> Result<Vec<u8>, TrainError> {
        todo!()
    }
    /// Loads a `model.tar.gz` written by [`Model::to_model_tar_gz`].
    pub fn from_model_tar_gz(bytes: &[u8]) -> Result<Self, String> {
        let _ = bytes;
        todo!()
    }
}

/// Trains a job across its hosts; logs through `sink`; checks `cancel` between batches.
pub fn train(spec: &TrainingSpec, sink: &dyn LogSink, cancel: &AtomicBool) -> Result<TrainOutcome, TrainError> {
    let _ = (spec, sink, cancel);
    todo!()
}

pub mod serve {
    //! The inference side of the container.

    /// A response body and its content type.
    #[derive(Debug, Clone)]
    pub struct Response {
        /// Content-Type of the body.
        pub content_type: String,
        /// Body bytes.
        pub body: Vec<u8>,
    }

    /// Scores a request. `Err((status, message))` is what the container answers for a bad payload
    /// (e.g. `(400, "unable to evaluate payload provided")`); the server wraps it as ModelError.
    pub fn invoke(
        model: &super::Model,
        content_type: &str,
        accept: Option<&str>,
        body: &[u8],
    ) -> Result<Response, (u16, String)> {
        let _ = (model, content_type, accept, body);
        todo!()
    }
}
