//! The training job's log sink: the hosts' lines go to CloudWatch Logs streams
//! `/aws/sagemaker/TrainingJobs` / `<job>/algo-N-<epoch seconds>` (the names SageMaker uses), in
//! batches of up to 256 lines or 500 ms, and every line passes the metric scraper that fills
//! FinalMetricDataList.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::validate::JobPlan;
use crate::logs::LogEvent;
use crate::sagemaker::Inner;
use crate::sagemaker::metrics::{MetricDatum, Scraper};

/// Log group of all training jobs.
pub(crate) const TRAINING_LOG_GROUP: &str = "/aws/sagemaker/TrainingJobs";

/// Collects the hosts' log lines into CloudWatch Logs streams and scrapes metrics.
pub(crate) struct JobLogs<'a> {
    inner: &'a Inner,
    job: String,
    log_epoch: i64,
    pending: Mutex<(BTreeMap<String, Vec<LogEvent>>, std::time::Instant)>,
    scraper: Mutex<Scraper>,
}

impl<'a> JobLogs<'a> {
    pub(crate) fn new(inner: &'a Inner, plan: &JobPlan) -> Self {
        Self {
            inner,
            job: plan.name.clone(),
            log_epoch: plan.log_epoch,
            pending: Mutex::new((BTreeMap::new(), std::time::Instant::now())),
            scraper: Mutex::new(Scraper::new(&plan.metric_defs)),
        }
    }
    fn stream(&self, host: &str) -> String {
        format!("{}/{host}-{}", self.job, self.log_epoch)
    }
    fn flush_locked(&self, pending: &mut BTreeMap<String, Vec<LogEvent>>) {
        for (host, events) in std::mem::take(pending) {
            if events.is_empty() {
                continue;
            }
            if let Err(e) =
                self.inner
                    .ctx
                    .logs
                    .append(TRAINING_LOG_GROUP, &self.stream(&host), &events)
            {
                tracing::error!(
                    "sagemaker: could not append training logs of {}: {e}",
                    self.job
                );
            }
        }
    }
    pub(crate) fn flush(&self) {
        let mut p = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.flush_locked(&mut p.0);
        p.1 = std::time::Instant::now();
    }
    pub(crate) fn metrics(&self) -> Vec<MetricDatum> {
        self.scraper
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .finals()
    }
}

impl linear_learner::LogSink for JobLogs<'_> {
    fn log(&self, host: &str, line: &str) {
        let ms = chrono::Utc::now().timestamp_millis();
        self.scraper
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .line(line, ms as f64 / 1000.0);
        let mut p = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        p.0.entry(host.to_string()).or_default().push(LogEvent {
            timestamp: ms,
            message: line.to_string(),
        });
        let count: usize = p.0.values().map(Vec::len).sum();
        if count >= 256 || p.1.elapsed() >= std::time::Duration::from_millis(500) {
            let mut pending = std::mem::take(&mut p.0);
            self.flush_locked(&mut pending);
            p.1 = std::time::Instant::now();
        }
    }
}
