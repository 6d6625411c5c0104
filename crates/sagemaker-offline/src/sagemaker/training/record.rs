//! The training job record: what is persisted per job, its status model, and the
//! DescribeTrainingJob / ListTrainingJobs views of it.
//!
//! Status model (as DescribeTrainingJob documents it,
//! <https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html>):
//! `InProgress` with secondary statuses Starting → Downloading → Training → Uploading → Completed,
//! or Failed / Stopping → Stopped / MaxRuntimeExceeded. Each transition's EndTime is the next
//! one's StartTime; TrainingStartTime is the end of Starting (time spent waiting for a training
//! slot is not training time); TrainingEndTime is the start of the final status.

use serde::{Deserialize, Serialize};

use sagemaker_api::sagemaker::{
    DescribeTrainingJobResponse, MetricData, ModelArtifacts, ProfilingStatus, SecondaryStatus,
    SecondaryStatusTransition, TrainingJobStatus, TrainingJobSummary,
};

use super::validate::TrainingEcho;
use crate::sagemaker::list::Row;
use crate::sagemaker::metrics::MetricDatum;

/// One entry of SecondaryStatusTransitions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Transition {
    #[serde(rename = "Status")]
    pub status: SecondaryStatus,
    #[serde(rename = "StartTime")]
    pub start: f64,
    #[serde(rename = "EndTime", skip_serializing_if = "Option::is_none", default)]
    pub end: Option<f64>,
    #[serde(rename = "StatusMessage")]
    pub message: String,
}

/// A training job as persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JobRecord {
    pub name: String,
    pub arn: String,
    /// The request members echoed by DescribeTrainingJob (defaults filled).
    pub echo: TrainingEcho,
    pub status: TrainingJobStatus,
    pub secondary: SecondaryStatus,
    pub transitions: Vec<Transition>,
    pub creation: f64,
    pub modified: f64,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub failure: Option<String>,
    pub metrics: Vec<MetricDatum>,
    pub artifacts: String,
    pub instance_count: u32,
    /// Epoch seconds used in the log stream names `JOB/algo-N-<secs>`.
    pub log_epoch: i64,
}

impl JobRecord {
    pub(crate) fn is_terminal(&self) -> bool {
        is_terminal(&self.status)
    }

    /// Closes the current transition at `at` and opens `secondary`; terminal ones end at once.
    pub(crate) fn transition(&mut self, secondary: SecondaryStatus, message: &str, at: f64) {
        if let Some(last) = self.transitions.last_mut()
            && last.end.is_none()
        {
            last.end = Some(at);
        }
        let status = primary_status(&secondary);
        let terminal = is_terminal(&status);
        self.transitions.push(Transition {
            status: secondary.clone(),
            start: at,
            end: terminal.then_some(at),
            message: message.to_string(),
        });
        self.secondary = secondary;
        self.status = status;
        self.modified = at;
        if terminal {
            self.end = Some(at);
            if self.start.is_none() {
                self.start = Some(at);
            }
        }
    }

    /// Whole seconds between TrainingStartTime and TrainingEndTime, at least 1.
    pub(crate) fn training_seconds(&self) -> Option<i64> {
        match (self.start, self.end) {
            (Some(s), Some(e)) => Some(((e - s).floor() as i64).max(1)),
            _ => None,
        }
    }

    /// The DescribeTrainingJob answer: the echoed request members, then the job's state.
    pub(crate) fn describe(&self) -> DescribeTrainingJobResponse {
        let e = self.echo.clone();
        let seconds = self.training_seconds().and_then(|t| i32::try_from(t).ok());
        DescribeTrainingJobResponse {
            training_job_name: self.name.clone(),
            training_job_arn: self.arn.clone(),
            tuning_job_arn: None,
            labeling_job_arn: None,
            auto_ml_job_arn: None,
            model_artifacts: ModelArtifacts {
                s3_model_artifacts: self.artifacts.clone(),
            },
            training_job_status: self.status.clone(),
            secondary_status: self.secondary.clone(),
            failure_reason: self.failure.clone(),
            hyper_parameters: e.hyper_parameters,
            algorithm_specification: e.algorithm_specification,
            role_arn: e.role_arn,
            input_data_config: e.input_data_config,
            output_data_config: e.output_data_config,
            resource_config: e.resource_config,
            warm_pool_status: None,
            vpc_config: e.vpc_config,
            stopping_condition: e.stopping_condition.unwrap_or_default(),
            creation_time: self.creation,
            training_start_time: self.start,
            training_end_time: self.end,
            last_modified_time: Some(self.modified),
            secondary_status_transitions: Some(
                self.transitions
                    .iter()
                    .map(|t| SecondaryStatusTransition {
                        status: t.status.clone(),
                        start_time: t.start,
                        end_time: t.end,
                        status_message: Some(t.message.clone()),
                    })
                    .collect(),
            ),
            final_metric_data_list: (!self.metrics.is_empty()).then(|| {
                self.metrics
                    .iter()
                    .map(|m| MetricData {
                        metric_name: Some(m.name.clone()),
                        value: Some(m.value),
                        timestamp: Some(m.timestamp),
                    })
                    .collect()
            }),
            enable_network_isolation: e.enable_network_isolation,
            enable_inter_container_traffic_encryption: e.enable_inter_container_traffic_encryption,
            enable_managed_spot_training: e.enable_managed_spot_training,
            checkpoint_config: e.checkpoint_config,
            training_time_in_seconds: seconds,
            // Per instance, as the service defines it: billed compute = this × InstanceCount.
            billable_time_in_seconds: seconds,
            billable_token_count: None,
            debug_hook_config: None,
            experiment_config: None,
            debug_rule_configurations: None,
            tensor_board_output_config: None,
            debug_rule_evaluation_statuses: None,
            profiler_config: None,
            profiler_rule_configurations: None,
            profiler_rule_evaluation_statuses: None,
            profiling_status: Some(ProfilingStatus::Disabled),
            environment: e.environment,
            retry_strategy: e.retry_strategy,
            remote_debug_config: None,
            serverless_job_config: None,
            infra_check_config: None,
            output_model_package_arn: None,
            model_package_config: None,
            mlflow_config: None,
            mlflow_details: None,
            progress_info: None,
        }
    }

    pub(crate) fn summary(&self) -> Row<TrainingJobSummary> {
        Row {
            name: self.name.clone(),
            creation: self.creation,
            modified: self.modified,
            status: Some(self.status.as_str().to_string()),
            summary: TrainingJobSummary {
                training_job_name: self.name.clone(),
                training_job_arn: self.arn.clone(),
                creation_time: self.creation,
                training_end_time: self.end,
                last_modified_time: Some(self.modified),
                training_job_status: self.status.clone(),
                secondary_status: Some(self.secondary.clone()),
                warm_pool_status: None,
                training_plan_arn: None,
            },
        }
    }
}

fn primary_status(secondary: &SecondaryStatus) -> TrainingJobStatus {
    match secondary {
        SecondaryStatus::Completed => TrainingJobStatus::Completed,
        SecondaryStatus::Failed => TrainingJobStatus::Failed,
        SecondaryStatus::Stopping => TrainingJobStatus::Stopping,
        SecondaryStatus::Stopped
        | SecondaryStatus::MaxRuntimeExceeded
        | SecondaryStatus::MaxWaitTimeExceeded => TrainingJobStatus::Stopped,
        _ => TrainingJobStatus::InProgress,
    }
}

/// Completed, Failed and Stopped are final.
fn is_terminal(status: &TrainingJobStatus) -> bool {
    matches!(
        status,
        TrainingJobStatus::Completed | TrainingJobStatus::Failed | TrainingJobStatus::Stopped
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn record() -> JobRecord {
        JobRecord {
            name: "J".into(),
            arn: "arn".into(),
            echo: TrainingEcho::default(),
            status: TrainingJobStatus::InProgress,
            secondary: SecondaryStatus::Starting,
            transitions: vec![],
            creation: 100.0,
            modified: 100.0,
            start: None,
            end: None,
            failure: None,
            metrics: vec![],
            artifacts: "s3://b/p/J/output/model.tar.gz".into(),
            instance_count: 5,
            log_epoch: 100,
        }
    }

    #[test]
    fn transitions_chain_and_times() {
        let mut j = record();
        j.transition(
            SecondaryStatus::Starting,
            "Preparing the instances for training",
            100.0,
        );
        j.start = Some(101.5);
        j.transition(
            SecondaryStatus::Downloading,
            "Downloading input data",
            101.5,
        );
        j.transition(
            SecondaryStatus::Training,
            "Training image download completed. Training in progress.",
            102.0,
        );
        assert_eq!(j.status, TrainingJobStatus::InProgress);
        j.transition(
            SecondaryStatus::Uploading,
            "Uploading generated training model",
            103.2,
        );
        j.transition(SecondaryStatus::Completed, "Training job completed", 103.4);
        assert_eq!(j.status, TrainingJobStatus::Completed);
        assert!(j.is_terminal());
        let ts: Vec<(f64, Option<f64>)> = j.transitions.iter().map(|t| (t.start, t.end)).collect();
        assert_eq!(
            ts,
            vec![
                (100.0, Some(101.5)),
                (101.5, Some(102.0)),
                (102.0, Some(103.2)),
                (103.2, Some(103.4)),
                (103.4, Some(103.4))
            ]
        );
        assert_eq!(j.end, Some(103.4));
        // 1.9 s of training reports 1 (floor, at least 1).
        assert_eq!(j.training_seconds(), Some(1));
        let d = j.describe();
        assert_eq!(d.training_time_in_seconds, Some(1));
        assert_eq!(d.billable_time_in_seconds, Some(1));
        assert_eq!(d.training_start_time, Some(101.5));
        let transitions = d.secondary_status_transitions.unwrap_or_default();
        assert_eq!(transitions[4].status, SecondaryStatus::Completed);
        assert_eq!(
            d.model_artifacts.s3_model_artifacts,
            "s3://b/p/J/output/model.tar.gz"
        );
    }

    /// A record written before the echo was typed (a JSON map of the same wire names) still loads
    /// and describes the same members.
    #[test]
    fn records_with_the_untyped_echo_still_load() {
        let old = r#"{"name":"J","arn":"arn","status":"Completed","secondary":"Completed",
            "transitions":[],"creation":1.0,"modified":2.0,"start":1.5,"end":2.0,"failure":null,
            "metrics":[],"artifacts":"s3://b/J/output/model.tar.gz","instance_count":5,"log_epoch":1,
            "echo":{"AlgorithmSpecification":{"TrainingImage":"img","TrainingInputMode":"File",
                "MetricDefinitions":[{"Name":"train:objective_loss","Regex":"x"}],
                "EnableSageMakerMetricsTimeSeries":false},
              "HyperParameters":{"epochs":"2"},"RoleArn":"arn:aws:iam::123456789012:role/R",
              "InputDataConfig":[{"ChannelName":"train","DataSource":{"S3DataSource":{
                "S3DataType":"S3Prefix","S3Uri":"s3://b/train/","S3DataDistributionType":"ShardedByS3Key"}},
                "CompressionType":"None","RecordWrapperType":"None"}],
              "OutputDataConfig":{"S3OutputPath":"s3://b/","KmsKeyId":"","CompressionType":"GZIP"},
              "ResourceConfig":{"InstanceType":"ml.c4.2xlarge","InstanceCount":5,"VolumeSizeInGB":10},
              "StoppingCondition":{"MaxRuntimeInSeconds":1800},"EnableNetworkIsolation":false,
              "EnableInterContainerTrafficEncryption":false,"EnableManagedSpotTraining":false}}"#;
        let j: JobRecord = serde_json::from_str(old).expect("old record");
        let d = j.describe();
        let channel = &d.input_data_config.unwrap_or_default()[0];
        let s3 = channel
            .data_source
            .as_ref()
            .and_then(|d| d.s3_data_source.as_ref())
            .expect("s3 source");
        assert_eq!(
            s3.s3_data_distribution_type.as_ref().map(|d| d.as_str()),
            Some("ShardedByS3Key")
        );
        assert_eq!(d.stopping_condition.max_runtime_in_seconds, Some(1800));
        assert_eq!(
            d.hyper_parameters
                .unwrap_or_default()
                .get("epochs")
                .map(String::as_str),
            Some("2")
        );
        // And it is written back in the same shape.
        let again = serde_json::to_value(&j).expect("serialize");
        assert_eq!(again["echo"]["ResourceConfig"]["InstanceCount"], 5);
    }

    #[test]
    fn stop_and_max_runtime_map_to_stopped() {
        let mut j = record();
        j.transition(SecondaryStatus::Stopping, "Stopping the training job", 1.0);
        assert_eq!(j.status, TrainingJobStatus::Stopping);
        j.transition(SecondaryStatus::Stopped, "Training job stopped", 2.0);
        assert_eq!(
            (j.status.as_str(), j.secondary.as_str()),
            ("Stopped", "Stopped")
        );
        let mut j = record();
        j.transition(SecondaryStatus::MaxRuntimeExceeded, "x", 2.0);
        assert_eq!(
            (j.status.as_str(), j.secondary.as_str()),
            ("Stopped", "MaxRuntimeExceeded")
        );
        assert_eq!(j.training_seconds(), Some(1));
    }
}
