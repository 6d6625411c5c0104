//! The MetricDefinitions SageMaker attaches to `linear-learner` jobs (the regexes verbatim, as
//! DescribeTrainingJob shows them; the metric names are listed at
//! <https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner-tuning.html>) and the scraping of log lines into `FinalMetricDataList` (for each definition, the last value
//! seen, with the time it was seen).
//!
//! The definitions come from `linear_learner::metric_definitions()`; the scraping is done here,
//! line by line as the hosts log, so a long job needs no copy of its whole log.

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// One `{Name, Regex}` metric definition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct MetricDefinition {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Regex")]
    pub regex: String,
}

/// Linear Learner's published metric definitions (from the algorithm crate, which also logs
/// the lines they match).
pub(crate) fn linear_learner_definitions() -> Vec<MetricDefinition> {
    linear_learner::metric_definitions()
        .into_iter()
        .map(|(name, regex)| MetricDefinition { name, regex })
        .collect()
}

/// One entry of FinalMetricDataList.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct MetricDatum {
    #[serde(rename = "MetricName")]
    pub name: String,
    #[serde(rename = "Value")]
    pub value: f64,
    #[serde(rename = "Timestamp")]
    pub timestamp: f64,
}

/// Scrapes lines as they are logged; keeps the last value of each metric.
#[derive(Debug)]
pub(crate) struct Scraper {
    defs: Vec<(String, Regex)>,
    last: BTreeMap<usize, (f64, f64)>,
    all_hash: bool,
}

impl Scraper {
    /// Definitions whose regex does not compile are skipped (the real service would have rejected
    /// them at CreateTrainingJob; we validate there too).
    pub(crate) fn new(defs: &[MetricDefinition]) -> Self {
        let defs: Vec<(String, Regex)> = defs
            .iter()
            .filter_map(|d| Regex::new(&d.regex).ok().map(|r| (d.name.clone(), r)))
            .collect();
        let all_hash = defs
            .iter()
            .all(|(_, r): &(String, Regex)| r.as_str().starts_with('#'));
        Self {
            defs,
            last: BTreeMap::new(),
            all_hash,
        }
    }
    pub(crate) fn line(&mut self, line: &str, at: f64) {
        if self.all_hash && !line.contains('#') {
            // Every Linear Learner metric line carries a `#…_metric:` marker; skip the rest cheaply.
            return;
        }
        for (i, (_, re)) in self.defs.iter().enumerate() {
            if let Some(v) = re
                .captures(line)
                .and_then(|c| c.get(1))
                .and_then(|m| m.as_str().parse::<f64>().ok())
                && v.is_finite()
            {
                self.last.insert(i, (v, at));
            }
        }
    }
    /// FinalMetricDataList in definition order (at most 40 entries, as the service model allows).
    pub(crate) fn finals(&self) -> Vec<MetricDatum> {
        self.last
            .iter()
            .take(40)
            .map(|(i, (v, t))| MetricDatum {
                name: self.defs[*i].0.clone(),
                value: *v,
                timestamp: *t,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_cover_the_published_table() {
        let d = linear_learner_definitions();
        assert!(d.len() >= 7 + 18 + 12, "{} definitions", d.len());
        assert!(d.iter().all(|m| Regex::new(&m.regex).is_ok()));
        let names: Vec<&str> = d.iter().map(|m| m.name.as_str()).collect();
        assert!(names.contains(&"validation:mse"));
        assert!(names.contains(&"test:dcg"));
    }

    #[test]
    fn last_value_wins_per_metric() {
        let mut s = Scraper::new(&linear_learner_definitions());
        s.line("[11/26/2026 04:00:00 INFO 1] #quality_metric: host=algo-1, epoch=0, train mse_objective <loss>=0.96", 1.0);
        s.line(
            "#quality_metric: host=algo-1, epoch=1, train mse_objective <loss>=0.5",
            2.0,
        );
        s.line(
            "#quality_metric: host=algo-1, validation mse <loss>=22.94",
            3.0,
        );
        s.line(
            "#progress_metric: host=algo-1, completed 100 % of epochs",
            4.0,
        );
        s.line(
            "#quality_metric: host=algo-1, validation mse <loss>=nan",
            5.0,
        );
        s.line("unrelated", 6.0);
        let f = s.finals();
        let get = |n: &str| {
            f.iter()
                .find(|m| m.name == n)
                .map(|m| (m.value, m.timestamp))
        };
        assert_eq!(get("train:objective_loss"), Some((0.5, 2.0)));
        assert_eq!(get("validation:mse"), Some((22.94, 3.0)));
        assert_eq!(get("train:progress"), Some((100.0, 4.0)));
        assert_eq!(f.len(), 3);
    }
}
