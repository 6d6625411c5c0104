//! Linear Learner's log lines and the metric definitions SageMaker scrapes from them.
//!
//! The server turns a job's log lines into `FinalMetricDataList` with the same regexes SageMaker
//! attaches to `linear-learner:1` jobs, so the lines here must match those regexes exactly.

use std::sync::OnceLock;

use regex::Regex;

use crate::LogSink;

/// Writes lines for one host with LL's `[MM/DD/YYYY HH:MM:SS INFO <thread-id>] ` prefix.
pub struct HostLog<'a> {
    pub host: String,
    thread_id: u64,
    sink: &'a dyn LogSink,
}

impl<'a> HostLog<'a> {
    pub fn new(sink: &'a dyn LogSink, host: &str) -> Self {
        // A stable pseudo thread id per host, shaped like CPython's thread idents.
        let h = host.bytes().fold(1469598103934665603u64, |a, b| {
            (a ^ b as u64).wrapping_mul(1099511628211)
        });
        HostLog {
            host: host.to_string(),
            thread_id: 139_900_000_000_000 + h % 1_000_000_000,
            sink,
        }
    }
    pub fn info(&self, msg: &str) {
        self.level("INFO", msg);
    }
    pub fn warning(&self, msg: &str) {
        self.level("WARNING", msg);
    }
    fn level(&self, level: &str, msg: &str) {
        let ts = chrono::Utc::now().format("%m/%d/%Y %H:%M:%S");
        self.sink.log(
            &self.host,
            &format!("[{ts} {level} {}] {msg}", self.thread_id),
        );
    }
}

/// Formats a metric value like the container (up to 12 significant digits).
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let s = format!("{v:.12}");
    let s = s.trim_end_matches('0');
    s.strip_suffix('.')
        .map(|t| format!("{t}.0"))
        .unwrap_or_else(|| s.to_string())
}

/// Whether a metric name is reported as `<loss>` (lower is better) rather than `<score>`.
pub fn is_loss_metric(name: &str) -> bool {
    name.ends_with("_objective")
        || name == "mse"
        || name == "absolute_loss"
        || name == "rmse"
        || name.ends_with("log_loss")
}

/// `#quality_metric: host=…, <split> <name> <loss|score>=<v>` (final form, no epoch).
pub fn quality_line(host: &str, split: &str, name: &str, v: f64) -> String {
    let tag = if is_loss_metric(name) {
        "loss"
    } else {
        "score"
    };
    format!(
        "#quality_metric: host={host}, {split} {name} <{tag}>={}",
        fmt_value(v)
    )
}

/// The per-epoch form.
pub fn epoch_quality_line(host: &str, epoch: usize, split: &str, name: &str, v: f64) -> String {
    format!(
        "#quality_metric: host={host}, epoch={epoch}, {split} {name} <loss>={}",
        fmt_value(v)
    )
}

/// A `#metrics {...}` line for one model's value.
pub fn metrics_line(
    host: &str,
    metric: &str,
    v: f64,
    model: usize,
    epoch: usize,
    operation: &str,
) -> String {
    let t = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let v = fmt_value(v);
    format!(
        "#metrics {{\"Metrics\": {{\"{metric}\": {{\"count\": 1, \"max\": {v}, \"sum\": {v}, \"min\": {v}}}}}, \"EndTime\": {t:.3}, \"Dimensions\": {{\"model\": {model}, \"Host\": \"{host}\", \"Operation\": \"{operation}\", \"Algorithm\": \"Linear Learner\", \"epoch\": {epoch}}}, \"StartTime\": {t:.3}}}"
    )
}

/// SageMaker's metric definitions for `linear-learner:1` jobs: (name, regex).
pub fn metric_definitions() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        (
            "train:progress".into(),
            r"#progress_metric: host=\S+, completed (\S+) %".into(),
        ),
        (
            "train:throughput".into(),
            r"#throughput_metric: host=\S+, train throughput=(\S+) records/second".into(),
        ),
        (
            "train:objective_loss".into(),
            r"#quality_metric: host=\S+, epoch=\S+, train \S+_objective <loss>=(\S+)".into(),
        ),
        (
            "train:objective_loss:final".into(),
            r"#quality_metric: host=\S+, train \S+_objective <loss>=(\S+)".into(),
        ),
        (
            "validation:objective_loss".into(),
            r"#quality_metric: host=\S+, epoch=\S+, validation \S+_objective <loss>=(\S+)".into(),
        ),
        (
            "validation:objective_loss:final".into(),
            r"#quality_metric: host=\S+, validation \S+_objective <loss>=(\S+)".into(),
        ),
        (
            "test:objective_loss".into(),
            r"#quality_metric: host=\S+, test \S+_objective <loss>=(\S+)".into(),
        ),
    ];
    for split in ["train", "validation", "test"] {
        v.push((
            format!("{split}:mse"),
            format!(r"#quality_metric: host=\S+, {split} mse <loss>=(\S+)"),
        ));
        v.push((
            format!("{split}:absolute_loss"),
            format!(r"#quality_metric: host=\S+, {split} absolute_loss <loss>=(\S+)"),
        ));
        v.push((
            format!("{split}:binary_classification_accuracy"),
            format!(
                r"#quality_metric: host=\S+, {split} binary_classification_accuracy <score>=(\S+)"
            ),
        ));
        v.push((
            format!("{split}:binary_f_beta"),
            format!(r"#quality_metric: host=\S+, {split} binary_f_\S+ <score>=(\S+)"),
        ));
        v.push((
            format!("{split}:precision"),
            format!(r"#quality_metric: host=\S+, {split} precision <score>=(\S+)"),
        ));
        v.push((
            format!("{split}:recall"),
            format!(r"#quality_metric: host=\S+, {split} recall <score>=(\S+)"),
        ));
    }
    for split in ["validation", "test"] {
        for (name, pat) in [
            ("macro_precision", "macro_precision"),
            ("macro_recall", "macro_recall"),
            ("macro_f_beta", r"macro_f_\S+"),
            ("multiclass_accuracy", "multiclass_accuracy"),
            (
                "multiclass_top_k_accuracy",
                r"multiclass_top_k_accuracy_\S+",
            ),
            ("dcg", "dcg"),
        ] {
            v.push((
                format!("{split}:{name}"),
                format!(r"#quality_metric: host=\S+, {split} {pat} <score>=(\S+)"),
            ));
        }
    }
    v
}

fn compiled() -> &'static Vec<(String, Regex)> {
    static C: OnceLock<Vec<(String, Regex)>> = OnceLock::new();
    C.get_or_init(|| {
        metric_definitions()
            .into_iter()
            .filter_map(|(n, r)| Regex::new(&r).ok().map(|re| (n, re)))
            .collect()
    })
}

/// The last value each metric definition extracts from `lines` (in definition order), as SageMaker's
/// `FinalMetricDataList` does.
pub fn final_metrics(lines: &[String]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (name, re) in compiled() {
        let mut last = None;
        for l in lines {
            if let Some(c) = re.captures(l)
                && let Some(v) = c.get(1).and_then(|m| m.as_str().parse::<f64>().ok())
            {
                last = Some(v);
            }
        }
        if let Some(v) = last {
            out.push((name.clone(), v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_compile_and_match_spec_lines() {
        assert_eq!(compiled().len(), metric_definitions().len());
        let lines: Vec<String> = [
            "[11/26/2026 04:00:00 INFO 1] #quality_metric: host=algo-1, epoch=0, train mse_objective <loss>=0.968532333374",
            "#quality_metric: host=algo-1, epoch=0, validation mse_objective <loss>=88.1902204241",
            "#progress_metric: host=algo-1, completed 6 % of epochs",
            "#throughput_metric: host=algo-1, train throughput=2772.79070404 records/second",
            "#quality_metric: host=algo-1, validation mse <loss>=22.9426204136",
            "#quality_metric: host=algo-1, epoch=1, validation mse_objective <loss>=50.5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = final_metrics(&lines);
        let get = |n: &str| m.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
        assert_eq!(get("train:objective_loss"), Some(0.968532333374));
        assert_eq!(get("validation:objective_loss"), Some(50.5));
        // the final-form regex also matches the per-epoch lines? No: it requires "host=X, validation".
        assert_eq!(get("validation:objective_loss:final"), None);
        assert_eq!(get("validation:mse"), Some(22.9426204136));
        assert_eq!(get("train:progress"), Some(6.0));
        assert_eq!(get("train:throughput"), Some(2772.79070404));
        assert_eq!(get("test:mse"), None);
    }

    #[test]
    fn value_formatting() {
        assert_eq!(fmt_value(0.5), "0.5");
        assert_eq!(fmt_value(22.9426204136), "22.9426204136");
        assert_eq!(fmt_value(3.0), "3.0");
        assert_eq!(
            quality_line("algo-1", "test", "recall", 0.5),
            "#quality_metric: host=algo-1, test recall <score>=0.5"
        );
    }
}
