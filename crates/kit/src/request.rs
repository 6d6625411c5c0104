//! The workshop's CreateTrainingJob request, defined once as a `sagemaker-api` value.
//!
//! `scripts/replicated.sh` / `sharded.sh` keep their `aws sagemaker create-training-job` command
//! exactly as the workshop prints it; `crates/kit/tests/scripts.rs` checks their flags against
//! [`workshop_request`] (and the client tests check what the real AWS CLI sends). Notebook 2 builds
//! the same request in a cell, on the page; kernel-helpers compares it with this one before
//! sending and says where the cell differs.

use sagemaker_api::sagemaker::{
    AlgorithmSpecification, Channel, CompressionType, CreateTrainingJobRequest, DataSource,
    OutputDataConfig, RecordWrapper, ResourceConfig, S3DataDistribution, S3DataSource, S3DataType,
    StoppingCondition, TrainingInputMode, TrainingInstanceType,
};

use crate::settings::Settings;

/// Which of the workshop's two jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Every instance gets the whole train channel.
    Replicated,
    /// The train channel's objects are dealt out between the instances.
    Sharded,
}

impl Kind {
    /// `replicated` / `sharded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Replicated => "replicated",
            Kind::Sharded => "sharded",
        }
    }
    /// From `replicated` / `sharded`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "replicated" => Some(Kind::Replicated),
            "sharded" => Some(Kind::Sharded),
            _ => None,
        }
    }
    /// The train channel's S3DataDistributionType.
    pub fn distribution(self) -> S3DataDistribution {
        match self {
            Kind::Replicated => S3DataDistribution::FullyReplicated,
            Kind::Sharded => S3DataDistribution::ShardedByS3Key,
        }
    }
    /// Both, in the workshop's order.
    pub const BOTH: [Kind; 2] = [Kind::Replicated, Kind::Sharded];
}

/// Instances per job.
pub const INSTANCE_COUNT: i32 = 5;
/// Instance type.
pub const INSTANCE_TYPE: TrainingInstanceType = TrainingInstanceType::MlC42xlarge;
/// EBS volume per instance, GB.
pub const VOLUME_SIZE_GB: i32 = 10;
/// StoppingCondition.MaxRuntimeInSeconds.
pub const MAX_RUNTIME_SECONDS: i32 = 1800;
/// The workshop's hyperparameters (all strings, as SageMaker takes them).
pub const HYPERPARAMETERS: [(&str, &str); 6] = [
    ("feature_dim", "25"),
    ("mini_batch_size", "500"),
    ("predictor_type", "regressor"),
    ("epochs", "2"),
    ("num_models", "32"),
    ("loss", "absolute_loss"),
];

/// The default job name: `DEMO-linear-<kind>-<stamp>`.
pub fn job_name(kind: Kind, stamp: &str) -> String {
    format!("DEMO-linear-{}-{stamp}", kind.as_str())
}

/// The workshop's request for `kind`, named `name`, with the settings' bucket, prefix, role and
/// image. The scripts write `S3Uri`s and `S3OutputPath` without a trailing slash (as the workshop
/// prints them); SageMaker treats both spellings of a prefix the same.
pub fn workshop_request(settings: &Settings, name: &str, kind: Kind) -> CreateTrainingJobRequest {
    let base = format!("s3://{}/{}", settings.bucket, settings.prefix);
    let channel = |channel_name: &str, distribution: S3DataDistribution| Channel {
        channel_name: Some(channel_name.into()),
        data_source: Some(DataSource {
            s3_data_source: Some(S3DataSource {
                s3_data_type: Some(S3DataType::S3Prefix),
                s3_uri: Some(format!("{base}/{channel_name}")),
                s3_data_distribution_type: Some(distribution),
                ..Default::default()
            }),
            ..Default::default()
        }),
        compression_type: Some(CompressionType::None),
        record_wrapper_type: Some(RecordWrapper::None),
        ..Default::default()
    };
    CreateTrainingJobRequest {
        training_job_name: Some(name.into()),
        role_arn: Some(settings.role_arn.clone()),
        algorithm_specification: Some(AlgorithmSpecification {
            training_image: Some(settings.training_image.clone()),
            training_input_mode: Some(TrainingInputMode::File),
            ..Default::default()
        }),
        resource_config: Some(ResourceConfig {
            instance_type: Some(INSTANCE_TYPE),
            instance_count: Some(INSTANCE_COUNT),
            volume_size_in_gb: Some(VOLUME_SIZE_GB),
            ..Default::default()
        }),
        input_data_config: Some(vec![
            channel("train", kind.distribution()),
            channel("validation", S3DataDistribution::FullyReplicated),
        ]),
        output_data_config: Some(OutputDataConfig {
            s3_output_path: Some(base.clone()),
            ..Default::default()
        }),
        hyper_parameters: Some(
            HYPERPARAMETERS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        stopping_condition: Some(StoppingCondition {
            max_runtime_in_seconds: Some(MAX_RUNTIME_SECONDS),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Every leaf of a JSON value as (path, value) with paths like `InputDataConfig[0].ChannelName`;
/// S3 URIs compared without a trailing slash (both spellings name the same prefix).
pub fn leaves(v: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    fn walk(
        v: &serde_json::Value,
        path: &str,
        out: &mut std::collections::BTreeMap<String, String>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::String(s) => {
                out.insert(path.to_string(), s.clone());
            }
            other => {
                out.insert(path.to_string(), other.to_string());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(v, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Env, Facts, resolve};

    #[test]
    fn the_request_is_valid_and_the_two_differ_in_the_train_distribution_only() {
        let s = resolve(
            &Env::of([("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]),
            &Facts::default(),
        )
        .unwrap();
        let r = workshop_request(&s, "DEMO-linear-replicated-1", Kind::Replicated);
        let h = workshop_request(&s, "DEMO-linear-replicated-1", Kind::Sharded);
        sagemaker_api::validate(&r).unwrap();
        sagemaker_api::validate(&h).unwrap();
        let (lr, lh) = (
            leaves(&serde_json::to_value(&r).unwrap()),
            leaves(&serde_json::to_value(&h).unwrap()),
        );
        let diff: Vec<&String> = lr.keys().filter(|k| lr.get(*k) != lh.get(*k)).collect();
        assert_eq!(
            diff,
            ["InputDataConfig[0].DataSource.S3DataSource.S3DataDistributionType"]
        );
        assert_eq!(lr["StoppingCondition.MaxRuntimeInSeconds"], "1800");
        assert_eq!(
            lr["InputDataConfig[1].DataSource.S3DataSource.S3Uri"],
            "s3://sagemaker-offline-workshop/sagemaker/data_distribution_types/validation"
        );
    }
}
