//! Linear Learner's log lines: the one place where each line's text is written and read back.
//!
//! The emulated container writes these lines; SageMaker turns some of them into metrics with the
//! regexes it attaches to `linear-learner:1` jobs ([`metric_definitions`]); the workshop's charts
//! read the throughput lines ([`parse`]). Keeping the format, its parser and the regexes in one
//! module lets a test check all three against each other, so a change to a format cannot silently
//! break a chart or a metric.
//!
//! This module needs neither the training engine nor its dependencies (only `chrono` for the
//! prefix's clock), so it is compiled even with `default-features = false`, which is how a
//! notebook crate can read log lines without compiling the trainer.

use std::fmt;

use crate::LogSink;

/// Writes lines for one host with LL's `[MM/DD/YYYY HH:MM:SS INFO <thread-id>] ` prefix.
pub struct HostLog<'a> {
    host: String,
    thread_id: u64,
    sink: &'a dyn LogSink,
}

impl<'a> HostLog<'a> {
    /// A writer for `host` (e.g. `algo-1`).
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
    /// The host name.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// An `INFO` line.
    pub fn info(&self, msg: &str) {
        self.level("INFO", msg);
    }
    /// A `WARNING` line.
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

/// `<loss>` or `<score>` in a quality line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Lower is better.
    Loss,
    /// Higher is better.
    Score,
}

impl Tag {
    fn as_str(self) -> &'static str {
        match self {
            Tag::Loss => "loss",
            Tag::Score => "score",
        }
    }
}

/// The lines whose values are read back (by SageMaker's metric regexes, the server or the charts).
#[derive(Debug, Clone, PartialEq)]
pub enum MetricLine {
    /// `#quality_metric: host=H, [epoch=E, ]<split> <name> <loss|score>=V`.
    Quality {
        /// `algo-N`.
        host: String,
        /// `Some` for the per-epoch form, `None` for the final form.
        epoch: Option<usize>,
        /// `train`, `validation` or `test`.
        split: String,
        /// Metric name (`mse_objective`, `recall`, …).
        name: String,
        /// `<loss>` or `<score>`.
        tag: Tag,
        /// The value.
        value: f64,
    },
    /// `#progress_metric: host=H, completed P % of epochs`.
    Progress {
        /// `algo-N`.
        host: String,
        /// Percent of the epochs done (an integer, as the container prints it).
        percent: usize,
    },
    /// `#throughput_metric: host=H, train throughput=V records/second`.
    Throughput {
        /// `algo-N`.
        host: String,
        /// Train records per second in the last epoch.
        records_per_second: f64,
    },
    /// `#early_stopping_criteria_metric: host=H, epoch=E, criteria=C, value=V`.
    EarlyStoppingCriteria {
        /// `algo-N`.
        host: String,
        /// Epoch index.
        epoch: usize,
        /// The objective's name.
        criteria: String,
        /// Best model's criterion value this epoch.
        value: f64,
    },
    /// `#validation_score (H) : ('name', V)` or `#test_score (H) : ('name', V)`.
    Score {
        /// `validation` or `test`.
        split: String,
        /// `algo-N`.
        host: String,
        /// Metric name.
        name: String,
        /// The value.
        value: f64,
    },
}

impl MetricLine {
    /// The final-form quality line, tagged `<loss>` or `<score>` by the metric's name.
    pub fn quality(host: &str, split: &str, name: &str, value: f64) -> Self {
        MetricLine::Quality {
            host: host.to_string(),
            epoch: None,
            split: split.to_string(),
            name: name.to_string(),
            tag: if is_loss_metric(name) {
                Tag::Loss
            } else {
                Tag::Score
            },
            value,
        }
    }
    /// The per-epoch quality line (always `<loss>`: only objectives are logged per epoch).
    pub fn epoch_quality(host: &str, epoch: usize, split: &str, name: &str, value: f64) -> Self {
        MetricLine::Quality {
            host: host.to_string(),
            epoch: Some(epoch),
            split: split.to_string(),
            name: name.to_string(),
            tag: Tag::Loss,
            value,
        }
    }
}

impl fmt::Display for MetricLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricLine::Quality {
                host,
                epoch,
                split,
                name,
                tag,
                value,
            } => {
                write!(f, "#quality_metric: host={host}, ")?;
                if let Some(e) = epoch {
                    write!(f, "epoch={e}, ")?;
                }
                write!(f, "{split} {name} <{}>={}", tag.as_str(), fmt_value(*value))
            }
            MetricLine::Progress { host, percent } => write!(
                f,
                "#progress_metric: host={host}, completed {percent} % of epochs"
            ),
            MetricLine::Throughput {
                host,
                records_per_second,
            } => write!(
                f,
                "#throughput_metric: host={host}, train throughput={} records/second",
                fmt_value(*records_per_second)
            ),
            MetricLine::EarlyStoppingCriteria {
                host,
                epoch,
                criteria,
                value,
            } => write!(
                f,
                "#early_stopping_criteria_metric: host={host}, epoch={epoch}, criteria={criteria}, value={}",
                fmt_value(*value)
            ),
            MetricLine::Score {
                split,
                host,
                name,
                value,
            } => write!(
                f,
                "#{split}_score ({host}) : ('{name}', {})",
                fmt_value(*value)
            ),
        }
    }
}

/// Reads a metric line back, with or without the `[date time LEVEL thread] ` prefix.
/// `None` for any other line.
pub fn parse(line: &str) -> Option<MetricLine> {
    let at = line.find('#')?;
    let body = &line[at..];
    if let Some(rest) = body.strip_prefix("#quality_metric: host=") {
        let (host, rest) = rest.split_once(", ")?;
        let (epoch, rest) = match rest.strip_prefix("epoch=") {
            Some(r) => {
                let (e, r) = r.split_once(", ")?;
                (Some(e.parse().ok()?), r)
            }
            None => (None, rest),
        };
        let (split, rest) = rest.split_once(' ')?;
        let (name, rest) = rest.split_once(" <")?;
        let (tag, value) = rest.split_once(">=")?;
        let tag = match tag {
            "loss" => Tag::Loss,
            "score" => Tag::Score,
            _ => return None,
        };
        return Some(MetricLine::Quality {
            host: host.to_string(),
            epoch,
            split: split.to_string(),
            name: name.to_string(),
            tag,
            value: value.trim_end().parse().ok()?,
        });
    }
    if let Some(rest) = body.strip_prefix("#progress_metric: host=") {
        let (host, rest) = rest.split_once(", completed ")?;
        let percent = rest.strip_suffix(" % of epochs")?.parse().ok()?;
        return Some(MetricLine::Progress {
            host: host.to_string(),
            percent,
        });
    }
    if let Some(rest) = body.strip_prefix("#throughput_metric: host=") {
        let (host, rest) = rest.split_once(", train throughput=")?;
        let v = rest.strip_suffix(" records/second")?.parse().ok()?;
        return Some(MetricLine::Throughput {
            host: host.to_string(),
            records_per_second: v,
        });
    }
    if let Some(rest) = body.strip_prefix("#early_stopping_criteria_metric: host=") {
        let (host, rest) = rest.split_once(", epoch=")?;
        let (epoch, rest) = rest.split_once(", criteria=")?;
        let (criteria, value) = rest.split_once(", value=")?;
        return Some(MetricLine::EarlyStoppingCriteria {
            host: host.to_string(),
            epoch: epoch.parse().ok()?,
            criteria: criteria.to_string(),
            value: value.trim_end().parse().ok()?,
        });
    }
    for split in ["validation", "test"] {
        if let Some(rest) = body
            .strip_prefix('#')
            .and_then(|r| r.strip_prefix(split))
            .and_then(|r| r.strip_prefix("_score ("))
        {
            let (host, rest) = rest.split_once(") : ('")?;
            let (name, rest) = rest.split_once("', ")?;
            let value = rest.strip_suffix(')')?.parse().ok()?;
            return Some(MetricLine::Score {
                split: split.to_string(),
                host: host.to_string(),
                name: name.to_string(),
                value,
            });
        }
    }
    None
}

/// The `#metrics {...}` line: one model's value of one metric in one epoch.
pub fn metrics_json(
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

/// The `#metrics {...}` line with `"Meta": "training_data_iter"` that the container writes on
/// every host with data after each epoch: how many records and mini-batches that host read from
/// its own share of the `train` channel. (The real container writes it with more counters —
/// `Total Records Seen`, `Max Records Seen Between Resets`, `Reset Count`, … — under the same
/// dimensions; this one writes the two per-epoch counts and the running totals.)
pub fn records_json(host: &str, epoch: usize, records: u64, batches: u64) -> String {
    let t = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let total = records * (epoch as u64 + 1);
    let total_batches = batches * (epoch as u64 + 1);
    let m = |name: &str, v: u64| {
        format!("\"{name}\": {{\"count\": 1, \"max\": {v}, \"sum\": {v}.0, \"min\": {v}}}")
    };
    format!(
        "#metrics {{\"Metrics\": {{{}, {}, {}, {}}}, \"EndTime\": {t:.3}, \"Dimensions\": {{\"Host\": \"{host}\", \"Meta\": \"training_data_iter\", \"Operation\": \"training\", \"Algorithm\": \"Linear Learner\", \"epoch\": {epoch}}}, \"StartTime\": {t:.3}}}",
        m("Number of Records Since Last Reset", records),
        m("Number of Batches Since Last Reset", batches),
        m("Total Records Seen", total),
        m("Total Batches Seen", total_batches),
    )
}

/// One host's records in one epoch, read back from a [`records_json`] line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochRecords {
    /// `algo-N`.
    pub host: String,
    /// Epoch index.
    pub epoch: usize,
    /// `Number of Records Since Last Reset`: the records this host read this epoch.
    pub records: u64,
    /// `Number of Batches Since Last Reset`.
    pub batches: u64,
}

/// Reads a `training_data_iter` `#metrics` line (with or without the log prefix); `None` for any
/// other line.
pub fn parse_records(line: &str) -> Option<EpochRecords> {
    let body = &line[line.find("#metrics {")?..];
    if !body.contains("\"Meta\": \"training_data_iter\"") {
        return None;
    }
    let after = |key: &str| -> Option<&str> {
        let at = body.find(key)? + key.len();
        Some(&body[at..])
    };
    let number = |key: &str| -> Option<u64> {
        let rest = after(key)?;
        let rest = &rest[rest.find("\"max\": ")? + 7..];
        let end = rest.find(|c: char| !c.is_ascii_digit())?;
        rest[..end].parse().ok()
    };
    let host = after("\"Host\": \"")?;
    let host = &host[..host.find('"')?];
    let epoch = after("\"epoch\": ")?;
    let epoch = epoch[..epoch.find(|c: char| !c.is_ascii_digit())?]
        .parse()
        .ok()?;
    Some(EpochRecords {
        host: host.to_string(),
        epoch,
        records: number("\"Number of Records Since Last Reset\": ")?,
        batches: number("\"Number of Batches Since Last Reset\": ")?,
    })
}

/// The plain-text lines (nothing reads their values back).
pub mod text {
    /// Python's `{'k': 'v', ...}` rendering of a string map, as the container logs its configuration.
    pub fn py_dict<'a>(it: impl Iterator<Item = (&'a str, &'a str)>) -> String {
        let body: Vec<String> = it.map(|(k, v)| format!("'{k}': '{v}'")).collect();
        format!("{{{}}}", body.join(", "))
    }
    /// Python's `[0.1, 2.0]` rendering of a float list.
    pub fn py_list(v: &[f32]) -> String {
        let body: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
        format!("[{}]", body.join(", "))
    }
    /// The first line: the defaults file.
    pub fn reading_defaults(defaults: &str) -> String {
        format!(
            "Reading default configuration from /opt/amazon/lib/python3.8/site-packages/algorithm/resources/default-input.json: {defaults}"
        )
    }
    /// The job's own hyperparameters.
    pub fn merging(provided: &str) -> String {
        format!(
            "Merging with provided configuration from /opt/ml/input/config/hyperparameters.json: {provided}"
        )
    }
    /// The merged configuration.
    pub fn final_configuration(cfg: &str) -> String {
        format!("Final configuration: {cfg}")
    }
    /// Any error that fails the job (except a stop).
    pub fn customer_error(e: &dyn std::fmt::Display) -> String {
        format!("Customer Error: {e}")
    }
    /// A host whose share of `train` is empty (a WARNING line).
    pub fn no_training_data(host: &str) -> String {
        format!(
            "No training data for {host}: its share of channel 'train' is empty (more instances than S3 objects?); this host will not contribute to training"
        )
    }
    /// The key-value store: `dist_sync` across hosts, `local` on one.
    pub fn create_store(distributed: bool) -> &'static str {
        if distributed {
            "Create Store: dist_sync"
        } else {
            "Create Store: local"
        }
    }
    /// Logged by every host with data.
    pub fn using_hosts(hosts: usize, dim: usize) -> String {
        format!("Using {hosts} hosts with data, feature_dim={dim}")
    }
    /// The scaler's parameters (`None` when the label is not scaled).
    pub fn scaler(std: &[f32], mean: &[f32], label: Option<(f32, f32)>) -> String {
        let (sl, ml) = match label {
            Some((std_y, mean_y)) => (format!("[{std_y:?}]"), format!("[{mean_y:?}]")),
            None => ("None".to_string(), "None".to_string()),
        };
        format!(
            "Scaling model computed with parameters: {{'stdev_weight': {}, 'stdev_label': {sl}, 'mean_label': {ml}, 'mean_weight': {}}}",
            py_list(std),
            py_list(mean)
        )
    }
    /// Early stopping's verdict for an epoch.
    pub fn epoch_verdict(
        epoch: usize,
        improved: bool,
        epochs_without_improvement: usize,
    ) -> String {
        if improved {
            format!("Epoch {epoch}: Loss improved. Updating best model")
        } else {
            format!("Epoch {epoch}: Loss has not improved for {epochs_without_improvement} epochs.")
        }
    }
    /// Training ends before `epochs`.
    pub fn early_stop(epoch: usize, epochs_without_improvement: usize, tolerance: f64) -> String {
        format!(
            "Early stop condition met. Stopping training after epoch {epoch} ({epochs_without_improvement} epochs without relative improvement > {tolerance})."
        )
    }
    /// The selected model's settings (a JSON object).
    pub fn best_model(hyper: &str) -> String {
        format!("Best model found for hyperparameters: {hyper}")
    }
    /// The checkpoint the container writes before the artifact.
    pub const SAVED_CHECKPOINT: &str =
        "Saved checkpoint to \"/tmp/tmp-linear-learner/mx-mod-0000.params\"";
    /// No `test` channel.
    pub const NO_TEST_DATA: &str = "Test data is not provided.";
}

/// SageMaker's metric definitions for `linear-learner:1` jobs: (name, regex), as SageMaker attaches
/// them to a job of that image (the regexes are SageMaker's, so the lines above must match them).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<MetricLine> {
        vec![
            MetricLine::epoch_quality("algo-1", 0, "train", "mse_objective", 0.968532333374),
            MetricLine::epoch_quality("algo-2", 14, "validation", "mse_objective", 88.1902204241),
            MetricLine::quality("algo-1", "validation", "mse", 22.9426204136),
            MetricLine::quality("algo-3", "test", "recall", 0.5),
            MetricLine::quality("algo-1", "test", "binary_f_1.000", 0.75),
            MetricLine::quality("algo-1", "validation", "multiclass_top_k_accuracy_3", 1.0),
            MetricLine::Progress {
                host: "algo-1".into(),
                percent: 6,
            },
            MetricLine::Throughput {
                host: "algo-3".into(),
                records_per_second: 2772.79070404,
            },
            MetricLine::EarlyStoppingCriteria {
                host: "algo-1".into(),
                epoch: 3,
                criteria: "mse_objective".into(),
                value: 1.25,
            },
            MetricLine::Score {
                split: "test".into(),
                host: "algo-2".into(),
                name: "mse".into(),
                value: 3.0,
            },
        ]
    }

    #[test]
    fn records_lines_parse_back() {
        let line = records_json("algo-3", 2, 4313, 9);
        let want = EpochRecords {
            host: "algo-3".into(),
            epoch: 2,
            records: 4313,
            batches: 9,
        };
        assert_eq!(parse_records(&line), Some(want.clone()), "{line}");
        let prefixed = format!("[11/26/2026 04:00:00 INFO 139900000000001] {line}");
        assert_eq!(parse_records(&prefixed), Some(want));
        assert!(line.contains("\"Total Records Seen\": {\"count\": 1, \"max\": 12939,"));
        assert_eq!(parse(&line), None, "not one of the metric lines");
        let other = metrics_json("algo-1", "train_mse_objective", 1.5, 0, 0, "training");
        assert_eq!(parse_records(&other), None);
    }

    #[test]
    fn every_format_parses_back_with_and_without_the_prefix() {
        for m in samples() {
            let line = m.to_string();
            assert_eq!(parse(&line).as_ref(), Some(&m), "{line}");
            let prefixed = format!("[11/26/2026 04:00:00 INFO 139900000000001] {line}");
            assert_eq!(parse(&prefixed).as_ref(), Some(&m), "{prefixed}");
        }
        assert_eq!(parse("Epoch 3: Loss improved. Updating best model"), None);
        assert_eq!(
            parse("#progress_metric: host=algo-1, completed six % of epochs"),
            None
        );
    }

    #[test]
    fn the_exact_text_of_each_format() {
        let s: Vec<String> = samples().iter().map(|m| m.to_string()).collect();
        assert_eq!(
            s[0],
            "#quality_metric: host=algo-1, epoch=0, train mse_objective <loss>=0.968532333374"
        );
        assert_eq!(
            s[2],
            "#quality_metric: host=algo-1, validation mse <loss>=22.9426204136"
        );
        assert_eq!(
            s[3],
            "#quality_metric: host=algo-3, test recall <score>=0.5"
        );
        assert_eq!(
            s[6],
            "#progress_metric: host=algo-1, completed 6 % of epochs"
        );
        assert_eq!(
            s[7],
            "#throughput_metric: host=algo-3, train throughput=2772.79070404 records/second"
        );
        assert_eq!(
            s[8],
            "#early_stopping_criteria_metric: host=algo-1, epoch=3, criteria=mse_objective, value=1.25"
        );
        assert_eq!(s[9], "#test_score (algo-2) : ('mse', 3.0)");
    }

    #[test]
    fn value_formatting() {
        assert_eq!(fmt_value(0.5), "0.5");
        assert_eq!(fmt_value(22.9426204136), "22.9426204136");
        assert_eq!(fmt_value(3.0), "3.0");
        assert_eq!(fmt_value(f64::NAN), "NaN");
    }

    /// SageMaker's regexes read the same values as [`parse`] from the lines written here.
    #[test]
    fn sagemaker_regexes_agree_with_the_parser() {
        let defs: Vec<(String, regex::Regex)> = metric_definitions()
            .into_iter()
            .map(|(n, r)| (n, regex::Regex::new(&r).expect("regex compiles")))
            .collect();
        assert_eq!(defs.len(), 7 + 18 + 12);
        let value_of = |name: &str, line: &str| -> Option<f64> {
            let (_, re) = defs.iter().find(|(n, _)| n == name).expect("definition");
            re.captures(line)?.get(1)?.as_str().parse().ok()
        };
        let s: Vec<String> = samples().iter().map(|m| m.to_string()).collect();
        assert_eq!(
            value_of("train:objective_loss", &s[0]),
            Some(0.968532333374)
        );
        assert_eq!(value_of("train:objective_loss:final", &s[0]), None);
        assert_eq!(
            value_of("validation:objective_loss", &s[1]),
            Some(88.1902204241)
        );
        assert_eq!(value_of("validation:mse", &s[2]), Some(22.9426204136));
        assert_eq!(value_of("test:recall", &s[3]), Some(0.5));
        assert_eq!(value_of("test:binary_f_beta", &s[4]), Some(0.75));
        assert_eq!(
            value_of("validation:multiclass_top_k_accuracy", &s[5]),
            Some(1.0)
        );
        assert_eq!(value_of("train:progress", &s[6]), Some(6.0));
        assert_eq!(value_of("train:throughput", &s[7]), Some(2772.79070404));
        let fin = MetricLine::quality("algo-1", "train", "mse_objective", 0.25).to_string();
        assert_eq!(value_of("train:objective_loss:final", &fin), Some(0.25));
        assert_eq!(value_of("train:objective_loss", &fin), None);
    }
}
