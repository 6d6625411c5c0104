//! The emulated `linear-learner:1` container around [`crate::fit`]: what SageMaker hands a training
//! container (hyperparameters as strings, each host's channel files) in, the container's log lines
//! and the model out.
//!
//! [`train`] checks the hyperparameters and channels as the container does, finds `feature_dim` in
//! the data when it is `auto`, turns each host's files into a [`crate::Shard`], and logs what the
//! fit reports in Linear Learner's own format ([`log_lines`]). Every failure except a stop is also
//! logged as `Customer Error: …` on every host, as the container does before it exits.
//!
//! A panic anywhere in a job is caught here and returned as an `AlgorithmError`, so the job ends
//! `Failed` instead of leaving its thread dead and the job `InProgress`.

use std::collections::BTreeMap;
use std::path::PathBuf;

pub mod log_lines;

#[cfg(feature = "train")]
mod channels;
#[cfg(feature = "train")]
mod logging;

#[cfg(feature = "train")]
pub use self::train_job::{TrainOutcome, train};

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

/// A whole training job as the container sees it.
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

#[cfg(feature = "train")]
mod train_job {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::atomic::AtomicBool;

    use super::channels::{ChannelShard, detect_feature_dim, parse_content_type};
    use super::log_lines::{HostLog, text};
    use super::logging::LogProgress;
    use super::{ChannelInput, LogSink, TrainingSpec};
    use crate::fit::{self, HostReport, HostShard, Input, Split};
    use crate::hyperparams::{DEFAULTS, Params};
    use crate::{ClientError, Model, TrainError};

    const CHANNELS: [&str; 3] = ["train", "validation", "test"];

    /// The result of a successful job.
    #[derive(Debug, Clone)]
    pub struct TrainOutcome {
        /// The selected model.
        pub model: Model,
        /// Epochs actually run (early stopping may end before `epochs`).
        pub epochs_run: usize,
        /// Index of the selected model among the `num_models` parallel models.
        pub selected_model: usize,
        /// The `Best model found for hyperparameters` JSON.
        pub best_model_hyperparameters: String,
        /// Per-host rows and time, in host order.
        pub hosts: Vec<HostReport>,
        /// Final metrics on the validation channel, (name, value) as logged (empty without one).
        pub validation_metrics: Vec<(String, f64)>,
        /// Final metrics on the test channel (empty without one).
        pub test_metrics: Vec<(String, f64)>,
    }

    /// Trains a job across its hosts; logs through `sink`; checks `cancel` between batches.
    ///
    /// Never panics and never aborts on the job's inputs: hyperparameters whose memory need is over
    /// [`crate::JOB_MEMORY_BUDGET`] are refused before anything is allocated, and a panic inside the
    /// job becomes [`crate::AlgorithmError::Panicked`].
    pub fn train(
        spec: &TrainingSpec,
        sink: &dyn LogSink,
        cancel: &AtomicBool,
    ) -> Result<TrainOutcome, TrainError> {
        if spec.hosts.is_empty() {
            return Err(ClientError::NoHosts.into());
        }
        let logs: Vec<HostLog> = spec
            .hosts
            .iter()
            .map(|h| HostLog::new(sink, &h.host))
            .collect();
        let result = catch_unwind(AssertUnwindSafe(|| run(spec, &logs, cancel)))
            .unwrap_or_else(|e| Err(TrainError::from_panic(e)));
        if let Err(e) = &result
            && !matches!(e, TrainError::Stopped)
        {
            // The sink is the caller's; if it is what panicked, do not let it panic again here.
            let _ = catch_unwind(AssertUnwindSafe(|| {
                for l in &logs {
                    l.info(&text::customer_error(e));
                }
            }));
        }
        result
    }

    fn data_config_error(msg: String) -> TrainError {
        ClientError::DataConfig(msg).into()
    }

    fn run(
        spec: &TrainingSpec,
        logs: &[HostLog<'_>],
        cancel: &AtomicBool,
    ) -> Result<TrainOutcome, TrainError> {
        let defaults = text::py_dict(DEFAULTS.iter().copied());
        let provided = text::py_dict(
            spec.hyperparameters
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        for l in logs {
            l.info(&text::reading_defaults(&defaults));
            l.info(&text::merging(&provided));
        }
        let p = Params::check(&spec.hyperparameters)?;
        let final_cfg = text::py_dict(
            p.final_configuration()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        for l in logs {
            l.info(&text::final_configuration(&final_cfg));
        }
        check_channels(spec)?;
        let has_files = |i: usize, name: &str| {
            spec.hosts[i]
                .channels
                .get(name)
                .is_some_and(|c| !c.files.is_empty())
        };
        let data_hosts: Vec<usize> = (0..spec.hosts.len())
            .filter(|&i| has_files(i, "train"))
            .collect();
        if data_hosts.is_empty() {
            return Err(ClientError::NoTrainFiles.into());
        }
        for (i, h) in spec.hosts.iter().enumerate() {
            if !data_hosts.contains(&i) {
                logs[i].warning(&text::no_training_data(&h.host));
            }
        }
        let dim = feature_dim(&p, spec, &data_hosts)?;
        if dim == 0 {
            return Err(ClientError::NoFeatures.into());
        }
        for (i, l) in logs.iter().enumerate() {
            l.info(text::create_store(spec.hosts.len() > 1));
            if data_hosts.contains(&i) {
                l.info(&text::using_hosts(data_hosts.len(), dim));
            }
        }

        let shard = |channel: &'static str, i: usize| {
            spec.hosts[i]
                .channels
                .get(channel)
                .map(|c: &ChannelInput| ChannelShard {
                    channel,
                    input: c,
                    dim,
                })
        };
        let train: Vec<Option<ChannelShard>> = (0..spec.hosts.len())
            .map(|i| shard("train", i).filter(|_| has_files(i, "train")))
            .collect();
        let first_with = |name: &'static str| {
            (0..spec.hosts.len())
                .find(|&i| has_files(i, name))
                .and_then(|i| Some((i, shard(name, i)?)))
        };
        let validation = first_with("validation");
        let test = first_with("test");
        let input = Input {
            dim,
            hosts: spec
                .hosts
                .iter()
                .zip(&train)
                .map(|(h, t)| HostShard {
                    name: h.host.clone(),
                    train: t.as_ref().map(|s| s as &dyn crate::Shard),
                })
                .collect(),
            validation: validation
                .as_ref()
                .map(|(i, s)| Split { host: *i, shard: s }),
            test: test.as_ref().map(|(i, s)| Split { host: *i, shard: s }),
        };
        let progress = LogProgress { logs, p: &p };
        let f = fit::fit(&p, &input, &progress, cancel)?;
        Ok(TrainOutcome {
            model: f.model,
            epochs_run: f.epochs_run,
            selected_model: f.selected_model,
            best_model_hyperparameters: f.best_model_hyperparameters,
            hosts: f.hosts,
            validation_metrics: f.validation_metrics,
            test_metrics: f.test_metrics,
        })
    }

    /// Only `train` (required), `validation` and `test`, each with a content type LL reads.
    fn check_channels(spec: &TrainingSpec) -> Result<(), TrainError> {
        for h in &spec.hosts {
            for (name, ch) in &h.channels {
                if !CHANNELS.contains(&name.as_str()) {
                    return Err(data_config_error(format!(
                        "Additional properties are not allowed ('{name}' was unexpected); channels are 'train' (required), 'validation' and 'test'"
                    )));
                }
                parse_content_type(name, ch.content_type.as_deref())?;
            }
        }
        if !spec.hosts.iter().any(|h| h.channels.contains_key("train")) {
            return Err(data_config_error("'train' is a required property".into()));
        }
        Ok(())
    }

    /// `feature_dim`, or for `auto` the width of the first row of the first data host's files.
    fn feature_dim(
        p: &Params,
        spec: &TrainingSpec,
        data_hosts: &[usize],
    ) -> Result<usize, TrainError> {
        if let Some(d) = p.feature_dim() {
            return Ok(d);
        }
        for &i in data_hosts {
            if let Some(ch) = spec.hosts[i].channels.get("train")
                && let Some(d) = detect_feature_dim("train", ch)?
            {
                return Ok(d);
            }
        }
        Err(ClientError::NoRecords.into())
    }
}
