//! Why a job fails, as data: the server and the tests match on the variants, and each `Display` is
//! the exact text the job's `FailureReason` (and the `Customer Error:` log line) carries.
//!
//! The hyperparameter texts are the container's own wording (`Unable to initialize the algorithm.
//! Failed to validate input hyperparameters. (caused by ValidationError) Caused by: …`); the stand-in
//! returns them to clients, so they must not change byte for byte.

/// A hyperparameter refused by the checker ([`crate::Params::check`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A key Linear Learner does not know.
    #[error("Additional properties are not allowed ('{0}' was unexpected)")]
    Unknown(String),
    /// A required key is absent.
    #[error("'{0}' is a required property")]
    Missing(&'static str),
    /// A key required by another key's value is absent.
    #[error("'{name}' is a required property when {condition}")]
    MissingWhen {
        /// The absent key.
        name: &'static str,
        /// Why it is required (`predictor_type is 'multiclass_classifier'`).
        condition: &'static str,
    },
    /// A value outside what the key allows.
    #[error("invalid value '{value}' for hyperparameter '{name}': allowed {allowed}")]
    Invalid {
        /// The key.
        name: &'static str,
        /// The value as the job gave it.
        value: String,
        /// What the key accepts.
        allowed: String,
    },
    /// Values that each pass their own check but together need more memory than a job may use.
    #[error(
        "invalid value '{value}' for hyperparameter '{name}': the job would need about {} of memory \
         ({detail}) and a training job may use at most {}",
        human_bytes(*needed), human_bytes(*budget)
    )]
    TooLarge {
        /// The key to lower (the largest factor of the estimate).
        name: &'static str,
        /// Its value (for `feature_dim=auto`, the dimension found in the data).
        value: String,
        /// Estimated bytes.
        needed: u128,
        /// The per-job budget in bytes.
        budget: u128,
        /// The factors, e.g. `feature_dim=…, num_models=…, outputs=…, hosts=…`.
        detail: String,
    },
}

/// `1.5 GiB`-style size.
pub(crate) fn human_bytes(b: u128) -> String {
    const UNITS: [&str; 7] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The user's fault: the job's FailureReason is `ClientError: <this>`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// A hyperparameter refused by the checker or by the memory estimate.
    #[error(
        "Unable to initialize the algorithm. Failed to validate input hyperparameters. (caused by ValidationError) Caused by: {0}"
    )]
    Hyperparameter(#[from] ParamError),
    /// The channels do not fit Linear Learner (unknown channel, no `train`).
    #[error(
        "Unable to initialize the algorithm. Failed to validate input data configuration. (caused by ValidationError) Caused by: {0}"
    )]
    DataConfig(String),
    /// A training label outside what the predictor type allows.
    #[error(
        "Channel 'train' on {host}: label {label} of record {record} is invalid; labels must be {allowed}"
    )]
    InvalidLabel {
        /// `algo-N` (or the shard's name in a library fit).
        host: String,
        /// The label.
        label: f32,
        /// Record index within the host's shard.
        record: u64,
        /// What the predictor type allows.
        allowed: String,
    },
    /// A NaN or infinite feature.
    #[error(
        "Channel 'train' on {host}: record {record} has a non-finite value in feature {feature}"
    )]
    NonFiniteFeature {
        /// `algo-N`.
        host: String,
        /// Record index within the host's shard.
        record: u64,
        /// Feature index.
        feature: usize,
    },
    /// The job has no host at all.
    #[error("The training job has no hosts")]
    NoHosts,
    /// The train channel holds no record at all.
    #[error("No training data: channel 'train' has no records")]
    NoRecords,
    /// No host received a train file.
    #[error("No training data: no host received any file of channel 'train' (check the S3 prefix)")]
    NoTrainFiles,
    /// Records without features.
    #[error("Records of channel 'train' have no features")]
    NoFeatures,
    /// A shard whose rows do not have `feature_dim` values (library fit only).
    #[error(
        "Shard {shard}: {values} values do not make rows of feature_dim={dim} with {rows} labels"
    )]
    ShapeMismatch {
        /// Shard index.
        shard: usize,
        /// Values in the shard's matrix.
        values: usize,
        /// Labels in the shard.
        rows: usize,
        /// The expected dimension.
        dim: usize,
    },
    /// Reading a channel failed (a file, a record, a content type); the text names file and place.
    #[error("{0}")]
    Channel(String),
}

/// Our fault: the job's FailureReason is `AlgorithmError: <this>`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlgorithmError {
    /// Code inside the job panicked; the panic was caught so the job fails instead of hanging.
    #[error("the training code panicked: {0}")]
    Panicked(String),
    /// The model could not be written as `model.tar.gz`.
    #[error("{0}")]
    Artifact(String),
}

/// Why a training job failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The user's fault (bad hyperparameter, bad data); the job's FailureReason is `ClientError: <msg>`.
    #[error("ClientError: {0}")]
    Client(ClientError),
    /// The job was stopped through the cancel flag.
    #[error("training stopped")]
    Stopped,
    /// Our fault; FailureReason `AlgorithmError: <msg>`.
    #[error("AlgorithmError: {0}")]
    Algorithm(AlgorithmError),
}

impl From<ClientError> for TrainError {
    fn from(e: ClientError) -> Self {
        TrainError::Client(e)
    }
}

impl From<ParamError> for TrainError {
    fn from(e: ParamError) -> Self {
        TrainError::Client(ClientError::Hyperparameter(e))
    }
}

impl From<AlgorithmError> for TrainError {
    fn from(e: AlgorithmError) -> Self {
        TrainError::Algorithm(e)
    }
}

#[cfg(feature = "train")]
impl TrainError {
    /// A channel-reading error with its already-placed text.
    pub(crate) fn channel(msg: String) -> Self {
        TrainError::Client(ClientError::Channel(msg))
    }
    /// The panic payload of a caught panic, as an error.
    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into());
        TrainError::Algorithm(AlgorithmError::Panicked(msg))
    }
}
