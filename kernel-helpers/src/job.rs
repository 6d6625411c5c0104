//! One training job as the notebooks see it: the parts of DescribeTrainingJob they use, as plain
//! values (no client, no runtime) that can cross evcxr cells and feed tables and charts.
//!
//! Read from `sagemaker-api`'s typed answer by [`TrainingJob::from_response`]; the calls that fetch
//! it are in [`crate::sagemaker`].

use sagemaker_api::sagemaker::{
    DescribeTrainingJobResponse, S3DataDistribution, TrainingJobStatus,
};

/// One entry of `SecondaryStatusTransitions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Secondary status (Starting, Downloading, Training, Uploading, Completed, …).
    pub status: String,
    /// Start, epoch seconds.
    pub start: f64,
    /// End, epoch seconds (the last transition ends when it starts).
    pub end: Option<f64>,
    /// StatusMessage.
    pub message: String,
}

/// The parts of DescribeTrainingJob the notebooks use.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingJob {
    /// TrainingJobName.
    pub name: String,
    /// TrainingJobStatus.
    pub status: String,
    /// SecondaryStatus.
    pub secondary_status: String,
    /// FailureReason, if any.
    pub failure_reason: Option<String>,
    /// ModelArtifacts.S3ModelArtifacts.
    pub model_artifacts: String,
    /// AlgorithmSpecification.TrainingImage (hosting uses the same image).
    pub training_image: String,
    /// ResourceConfig.InstanceCount.
    pub instance_count: u32,
    /// S3DataDistributionType of the `train` channel.
    pub train_distribution: String,
    /// CreationTime, epoch seconds.
    pub creation_time: f64,
    /// TrainingStartTime, epoch seconds.
    pub training_start: Option<f64>,
    /// TrainingEndTime, epoch seconds.
    pub training_end: Option<f64>,
    /// TrainingTimeInSeconds.
    pub training_time_s: Option<f64>,
    /// BillableTimeInSeconds.
    pub billable_time_s: Option<f64>,
    /// SecondaryStatusTransitions.
    pub transitions: Vec<Transition>,
    /// FinalMetricDataList as (name, value).
    pub final_metrics: Vec<(String, f64)>,
}

impl TrainingJob {
    /// Reads a DescribeTrainingJob answer.
    pub fn from_response(d: &DescribeTrainingJobResponse) -> Self {
        let train_distribution = d
            .input_data_config
            .iter()
            .flatten()
            .find(|c| c.channel_name.as_deref() == Some("train"))
            .and_then(|c| c.data_source.as_ref()?.s3_data_source.as_ref())
            .and_then(|s3| s3.s3_data_distribution_type.as_ref())
            .map_or(S3DataDistribution::FullyReplicated, Clone::clone);
        let transitions = d
            .secondary_status_transitions
            .iter()
            .flatten()
            .map(|t| Transition {
                status: t.status.to_string(),
                start: t.start_time,
                end: t.end_time,
                message: t.status_message.clone().unwrap_or_default(),
            })
            .collect();
        let final_metrics = d
            .final_metric_data_list
            .iter()
            .flatten()
            .filter_map(|m| Some((m.metric_name.clone()?, m.value?)))
            .collect();
        let algorithm = d.algorithm_specification.as_ref();
        TrainingJob {
            name: d.training_job_name.clone(),
            status: d.training_job_status.to_string(),
            secondary_status: d.secondary_status.to_string(),
            failure_reason: d.failure_reason.clone(),
            model_artifacts: d.model_artifacts.s3_model_artifacts.clone(),
            training_image: algorithm
                .and_then(|a| a.training_image.clone())
                .unwrap_or_default(),
            instance_count: d
                .resource_config
                .as_ref()
                .and_then(|r| r.instance_count)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1),
            train_distribution: train_distribution.to_string(),
            creation_time: d.creation_time,
            training_start: d.training_start_time,
            training_end: d.training_end_time,
            training_time_s: d.training_time_in_seconds.map(f64::from),
            billable_time_s: d.billable_time_in_seconds.map(f64::from),
            transitions,
            final_metrics,
        }
    }

    /// TrainingEndTime − TrainingStartTime in seconds, with the timestamps' sub-second precision.
    ///
    /// `TrainingTimeInSeconds` and `BillableTimeInSeconds` are whole seconds: on a quick run both
    /// jobs can report the same 1 s although one took four times as long, so every ratio the
    /// notebooks and the handout print is computed from these timestamps instead.
    pub fn training_seconds(&self) -> Option<f64> {
        match (self.training_start, self.training_end) {
            (Some(s), Some(e)) if e >= s => Some(e - s),
            _ => None,
        }
    }

    /// Billed compute in instance-seconds: `BillableTimeInSeconds` (per instance) × InstanceCount.
    pub fn billed_instance_seconds(&self) -> Option<f64> {
        self.billable_time_s
            .map(|b| b * f64::from(self.instance_count))
    }

    /// Whether the job reached a final state.
    pub fn is_finished(&self) -> bool {
        matches!(
            TrainingJobStatus::from(self.status.as_str()),
            TrainingJobStatus::Completed | TrainingJobStatus::Failed | TrainingJobStatus::Stopped
        )
    }

    /// Whether the job completed (only a completed job has a model to host).
    pub fn is_completed(&self) -> bool {
        TrainingJobStatus::from(self.status.as_str()) == TrainingJobStatus::Completed
    }
}
