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
use serde_json::{Map, Value, json};

use sagemaker_api::sagemaker::{SecondaryStatus, TrainingJobStatus};

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
    pub echo: Map<String, Value>,
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

    pub(crate) fn describe(&self) -> Value {
        let mut out = self.echo.clone();
        out.insert("TrainingJobName".into(), json!(self.name));
        out.insert("TrainingJobArn".into(), json!(self.arn));
        out.insert(
            "ModelArtifacts".into(),
            json!({ "S3ModelArtifacts": self.artifacts }),
        );
        out.insert("TrainingJobStatus".into(), json!(self.status));
        out.insert("SecondaryStatus".into(), json!(self.secondary));
        out.insert("CreationTime".into(), json!(self.creation));
        out.insert("LastModifiedTime".into(), json!(self.modified));
        if let Some(s) = self.start {
            out.insert("TrainingStartTime".into(), json!(s));
        }
        if let Some(e) = self.end {
            out.insert("TrainingEndTime".into(), json!(e));
        }
        out.insert("SecondaryStatusTransitions".into(), json!(self.transitions));
        if !self.metrics.is_empty() {
            out.insert("FinalMetricDataList".into(), json!(self.metrics));
        }
        if let Some(f) = &self.failure {
            out.insert("FailureReason".into(), json!(f));
        }
        if let Some(t) = self.training_seconds() {
            out.insert("TrainingTimeInSeconds".into(), json!(t));
            // Per instance, as the service defines it: billed compute = this × InstanceCount.
            out.insert("BillableTimeInSeconds".into(), json!(t));
        }
        out.insert("ProfilingStatus".into(), json!("Disabled"));
        Value::Object(out)
    }

    pub(crate) fn summary(&self) -> Row {
        let mut s = json!({
            "TrainingJobName": self.name,
            "TrainingJobArn": self.arn,
            "CreationTime": self.creation,
            "LastModifiedTime": self.modified,
            "TrainingJobStatus": self.status,
            "SecondaryStatus": self.secondary,
        });
        if let Some(e) = self.end {
            s["TrainingEndTime"] = json!(e);
        }
        Row {
            name: self.name.clone(),
            creation: self.creation,
            modified: self.modified,
            status: Some(self.status.as_str().to_string()),
            summary: s,
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
            echo: Map::new(),
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
        assert_eq!(d["TrainingTimeInSeconds"], 1);
        assert_eq!(d["BillableTimeInSeconds"], 1);
        assert_eq!(d["TrainingStartTime"], 101.5);
        assert_eq!(d["SecondaryStatusTransitions"][4]["Status"], "Completed");
        assert_eq!(
            d["ModelArtifacts"]["S3ModelArtifacts"],
            "s3://b/p/J/output/model.tar.gz"
        );
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
