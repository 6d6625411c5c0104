//! The workshop's summary (`summary.json` and the table the handout and `workshop.sh` print): the
//! two jobs side by side, from files the workshop wrote — never from text a notebook printed.
//!
//! Inputs:
//! * the jobs file ([`crate::jobs_file`]): the two job names, the hosting names `deploy.sh` or
//!   notebook 3 recorded, and the test errors notebook 3 recorded under `evaluation.<kind>`
//!   ([`record_test_errors`]);
//! * each job's final DescribeTrainingJob answer, saved by `replicated.sh`/`sharded.sh --wait`
//!   as `<jobs dir>/<job name>.json` (the AWS CLI's `--output json`), read into
//!   [`sagemaker_api::sagemaker::DescribeTrainingJobResponse`] — the same type the stand-in
//!   answers with and kernel-helpers reads.
//!
//! The AWS CLI v1 prints timestamps as epoch seconds (the wire format); v2 prints ISO 8601 by
//! default (`cli_timestamp_format`). [`normalize_timestamps`] turns the latter into the former
//! before the typed read, so a description saved by either CLI reads the same.
//!
//! The training-time ratio uses `TrainingStartTime → TrainingEndTime` (sub-second). The whole-second
//! fields `TrainingTimeInSeconds` and `BillableTimeInSeconds` get a ratio only when both are at
//! least [`WHOLE_SECOND_RATIO_MIN`] (below that, rounding to whole seconds dominates: at
//! `--scale 0.05` both jobs report 1 s and the ratio would read 1.000).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sagemaker_api::sagemaker::DescribeTrainingJobResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Kind;
use crate::jobs_file::{self, JobsFileError};

/// The shortest whole-second times that get a ratio (see the module doc).
pub const WHOLE_SECOND_RATIO_MIN: f64 = 100.0;

/// What can go wrong building the summary (the message names the file).
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// The jobs file could not be read or written.
    #[error(transparent)]
    JobsFile(#[from] JobsFileError),
    /// A saved job description could not be read.
    #[error("{path}: {what}")]
    Description {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// A recorded test-error entry does not have the expected shape.
    #[error("{path}: 'evaluation.{kind}' is not a test-error record ({detail})")]
    Evaluation {
        /// The jobs file.
        path: PathBuf,
        /// replicated or sharded.
        kind: &'static str,
        /// The parser's message.
        detail: String,
    },
}

/// One model's test errors, as notebook 3 computes them and records them in the jobs file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestErrors {
    /// Mean squared error over the test rows.
    pub mse: f64,
    /// Mean absolute error over the test rows.
    pub mae: f64,
    /// How many test rows were scored.
    pub rows: u64,
    /// The endpoint that scored them.
    pub endpoint: String,
}

/// Records `errors` as `evaluation.<kind>` in the jobs file (locked read-modify-write).
pub fn record_test_errors(
    jobs_file: &Path,
    kind: Kind,
    errors: &TestErrors,
) -> Result<(), JobsFileError> {
    let value = serde_json::to_value(errors).unwrap_or(Value::Null);
    jobs_file::update(jobs_file, |m| {
        m.entry("evaluation")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| JobsFileError::NotAnObject {
                path: jobs_file.into(),
                key: format!("evaluation.{}", kind.as_str()),
                at: "evaluation".into(),
            })?
            .insert(kind.as_str().to_string(), value);
        Ok(())
    })
}

/// One job's line of the summary; `None` where the workshop left no file to read it from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobSummary {
    /// The training job's name.
    pub job: Option<String>,
    /// `TrainingJobStatus`.
    pub status: Option<String>,
    /// The train channel's `S3DataDistributionType`.
    pub distribution: Option<String>,
    /// `ResourceConfig.InstanceCount`.
    pub instance_count: Option<i32>,
    /// `ResourceConfig.InstanceType`.
    pub instance_type: Option<String>,
    /// `TrainingStartTime`, epoch seconds.
    pub training_start: Option<f64>,
    /// `TrainingEndTime`, epoch seconds.
    pub training_end: Option<f64>,
    /// End − start, seconds (sub-second).
    pub training_seconds: Option<f64>,
    /// `TrainingTimeInSeconds` (whole seconds).
    pub training_time_in_seconds: Option<i32>,
    /// `BillableTimeInSeconds` (whole seconds, per instance).
    pub billable_time_in_seconds: Option<i32>,
    /// `FinalMetricDataList` as name → value.
    pub final_metrics: BTreeMap<String, f64>,
    /// The description file read.
    pub description_file: Option<String>,
    /// The endpoint recorded for this kind.
    pub endpoint: Option<String>,
    /// Test MSE recorded by notebook 3.
    pub test_mse: Option<f64>,
    /// Test MAE recorded by notebook 3.
    pub test_mae: Option<f64>,
    /// Test rows scored.
    pub test_rows: Option<u64>,
}

/// Sharded over replicated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    /// From the start/end timestamps.
    pub training_seconds: Option<f64>,
    /// From `TrainingTimeInSeconds`, when both are long enough.
    pub training_time_in_seconds: Option<f64>,
    /// From `BillableTimeInSeconds`, when both are long enough.
    pub billable_time_in_seconds: Option<f64>,
}

/// The whole summary, as written to `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// When it was built (UTC, ISO 8601).
    pub generated_at: String,
    /// `replicated` and `sharded`.
    pub jobs: BTreeMap<String, JobSummary>,
    /// The executed notebooks the handout is made of (file names).
    pub notebooks: Vec<String>,
    /// Sharded over replicated.
    pub ratio_sharded_over_replicated: Ratios,
    /// The table: a header row and one row per measure (label, replicated, sharded, ratio).
    pub table: Vec<[String; 4]>,
}

/// Builds the summary from the jobs file and the descriptions saved in `jobs_dir`.
pub fn build(
    jobs_file_path: &Path,
    jobs_dir: &Path,
    notebooks: Vec<String>,
    now: SystemTime,
) -> Result<Summary, SummaryError> {
    let file = jobs_file::read(jobs_file_path)?;
    let mut jobs = BTreeMap::new();
    for kind in [Kind::Replicated, Kind::Sharded] {
        let mut entry = JobSummary::default();
        let name = file
            .get(kind.as_str())
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if let Some(name) = name {
            entry.job = Some(name.to_string());
            let path = jobs_dir.join(format!("{name}.json"));
            if path.exists() {
                fill_from_description(&mut entry, &read_description(&path)?);
                entry.description_file = Some(path.display().to_string());
            }
        }
        entry.endpoint = file
            .get("endpoints")
            .and_then(|e| e.get(kind.as_str()))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(v) = file.get("evaluation").and_then(|e| e.get(kind.as_str())) {
            let e: TestErrors =
                serde_json::from_value(v.clone()).map_err(|e| SummaryError::Evaluation {
                    path: jobs_file_path.into(),
                    kind: kind.as_str(),
                    detail: e.to_string(),
                })?;
            entry.test_mse = Some(e.mse);
            entry.test_mae = Some(e.mae);
            entry.test_rows = Some(e.rows);
        }
        jobs.insert(kind.as_str().to_string(), entry);
    }
    let r = &jobs["replicated"];
    let s = &jobs["sharded"];
    let whole = |a: Option<i32>, b: Option<i32>| match (a, b) {
        (Some(a), Some(b)) if f64::from(a.min(b)) >= WHOLE_SECOND_RATIO_MIN => {
            Some(f64::from(b) / f64::from(a))
        }
        _ => None,
    };
    let ratios = Ratios {
        training_seconds: match (r.training_seconds, s.training_seconds) {
            (Some(a), Some(b)) if a > 0.0 => Some(b / a),
            _ => None,
        },
        training_time_in_seconds: whole(r.training_time_in_seconds, s.training_time_in_seconds),
        billable_time_in_seconds: whole(r.billable_time_in_seconds, s.billable_time_in_seconds),
    };
    let table = table(r, s, &ratios);
    Ok(Summary {
        generated_at: iso_utc(now),
        jobs,
        notebooks,
        ratio_sharded_over_replicated: ratios,
        table,
    })
}

fn read_description(path: &Path) -> Result<DescribeTrainingJobResponse, SummaryError> {
    let err = |what: String| SummaryError::Description {
        path: path.into(),
        what,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("reading: {e}")))?;
    let mut v: Value =
        serde_json::from_str(&text).map_err(|e| err(format!("not valid JSON ({e})")))?;
    normalize_timestamps(&mut v);
    serde_path_to_error::deserialize(v)
        .map_err(|e| err(format!("not a DescribeTrainingJob answer: {e}")))
}

fn fill_from_description(entry: &mut JobSummary, d: &DescribeTrainingJobResponse) {
    entry.status = Some(d.training_job_status.as_str().to_string());
    entry.distribution = d.input_data_config.iter().flatten().find_map(|c| {
        (c.channel_name.as_deref() == Some("train"))
            .then(|| c.data_source.as_ref()?.s3_data_source.as_ref())
            .flatten()
            .and_then(|s| s.s3_data_distribution_type.as_ref())
            .map(|t| t.as_str().to_string())
    });
    if let Some(rc) = &d.resource_config {
        entry.instance_count = rc.instance_count;
        entry.instance_type = rc.instance_type.as_ref().map(|t| t.as_str().to_string());
    }
    entry.training_start = d.training_start_time;
    entry.training_end = d.training_end_time;
    entry.training_seconds = match (d.training_start_time, d.training_end_time) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    entry.training_time_in_seconds = d.training_time_in_seconds;
    entry.billable_time_in_seconds = d.billable_time_in_seconds;
    entry.final_metrics = d
        .final_metric_data_list
        .iter()
        .flatten()
        .filter_map(|m| Some((m.metric_name.clone()?, m.value?)))
        .collect();
}

fn fmt_f(v: Option<f64>, digits: usize) -> String {
    match v {
        None => "-".into(),
        Some(x) if x.is_nan() => "nan".into(),
        Some(x) => format!("{x:.digits$}"),
    }
}

fn fmt_s<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn table(r: &JobSummary, s: &JobSummary, rat: &Ratios) -> Vec<[String; 4]> {
    let whole = "(whole seconds: no ratio below 100 s)";
    let or_whole = |v: Option<f64>| v.map_or_else(|| whole.to_string(), |v| format!("{v:.3}"));
    let instances = |j: &JobSummary| {
        format!(
            "{} x {}",
            fmt_s(j.instance_count),
            fmt_s(j.instance_type.as_deref())
        )
    };
    vec![
        [
            String::new(),
            "replicated".into(),
            "sharded".into(),
            "sharded / replicated".into(),
        ],
        [
            "training job".into(),
            fmt_s(r.job.as_deref()),
            fmt_s(s.job.as_deref()),
            String::new(),
        ],
        [
            "train channel".into(),
            fmt_s(r.distribution.as_deref()),
            fmt_s(s.distribution.as_deref()),
            String::new(),
        ],
        [
            "instances".into(),
            instances(r),
            instances(s),
            String::new(),
        ],
        [
            "training time (start→end), s".into(),
            fmt_f(r.training_seconds, 3),
            fmt_f(s.training_seconds, 3),
            fmt_f(rat.training_seconds, 3),
        ],
        [
            "TrainingTimeInSeconds (whole s)".into(),
            fmt_s(r.training_time_in_seconds),
            fmt_s(s.training_time_in_seconds),
            or_whole(rat.training_time_in_seconds),
        ],
        [
            "BillableTimeInSeconds (whole s, per instance)".into(),
            fmt_s(r.billable_time_in_seconds),
            fmt_s(s.billable_time_in_seconds),
            or_whole(rat.billable_time_in_seconds),
        ],
        [
            "test MSE (1984)".into(),
            fmt_f(r.test_mse, 4),
            fmt_f(s.test_mse, 4),
            String::new(),
        ],
        [
            "test MAE (1984)".into(),
            fmt_f(r.test_mae, 4),
            fmt_f(s.test_mae, 4),
            String::new(),
        ],
    ]
}

/// The table as aligned text, a rule under the header.
pub fn render_text(summary: &Summary) -> String {
    let rows = &summary.table;
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&line(row));
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&line(&rule));
            out.push('\n');
        }
    }
    out
}

/// Replaces ISO 8601 timestamps (the AWS CLI v2's default output) with epoch seconds in every
/// member whose name ends in `Time` or is `Timestamp` — the names of the DescribeTrainingJob
/// answer's timestamp members (`CreationTime`, `TrainingStartTime`, `TrainingEndTime`,
/// `LastModifiedTime`, `StartTime`/`EndTime` of `SecondaryStatusTransitions`, `Timestamp` of
/// `FinalMetricDataList`). Other strings are left alone.
pub fn normalize_timestamps(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if (k.ends_with("Time") || k == "Timestamp")
                    && let Some(t) = x.as_str().and_then(parse_rfc3339)
                    && let Some(n) = serde_json::Number::from_f64(t)
                {
                    *x = Value::Number(n);
                } else {
                    normalize_timestamps(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize_timestamps),
        _ => {}
    }
}

/// Epoch seconds of an RFC 3339 timestamp (`2026-12-02T13:20:13.123+00:00`, `…Z`), `None` if
/// the text is not one.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac = 0.0;
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        frac = format!("0.{}", &r[..n]).parse().ok()?;
        rest = &r[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = if rest.len() == 6 && rest.as_bytes()[3] == b':' {
                (
                    rest[1..3].parse::<i64>().ok()?,
                    rest[4..6].parse::<i64>().ok()?,
                )
            } else {
                return None;
            };
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Some(secs as f64 + frac)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
/// <https://howardhinnant.github.io/date_algorithms.html#days_from_civil>).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`] (same source, `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `now` as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub fn iso_utc(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn description(name: &str, dist: &str, start: Value, end: Value, secs: i32) -> Value {
        serde_json::json!({
            "TrainingJobName": name,
            "TrainingJobArn": format!("arn:aws:sagemaker:eu-west-1:123456789012:training-job/{name}"),
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/out/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "InputDataConfig": [
                {"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                    "S3Uri": "s3://b/train/", "S3DataDistributionType": dist}}},
                {"ChannelName": "validation", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                    "S3Uri": "s3://b/validation/", "S3DataDistributionType": "FullyReplicated"}}}
            ],
            "ResourceConfig": {"InstanceType": "ml.c4.2xlarge", "InstanceCount": 5, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": start.clone(),
            "TrainingStartTime": start,
            "TrainingEndTime": end,
            "TrainingTimeInSeconds": secs,
            "BillableTimeInSeconds": secs,
            "FinalMetricDataList": [{"MetricName": "test:mse", "Value": 2.5, "Timestamp": 1.0}]
        })
    }

    #[test]
    fn rfc3339_and_back() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_rfc3339("2026-12-02T13:20:13.5+01:00"),
            Some(1_796_217_613.5 - 3600.0)
        );
        assert_eq!(parse_rfc3339("2026-12-02"), None);
        assert_eq!(parse_rfc3339("2026-13-02T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("not a time at all, no"), None);
        assert_eq!(
            iso_utc(UNIX_EPOCH + Duration::from_secs(1_796_217_613)),
            "2026-12-02T13:20:13+00:00"
        );
        for days in [-1000_i64, 0, 59, 60, 365, 11_016, 20_789, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn builds_from_the_jobs_file_cli_v1_and_v2_descriptions() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = dir.path().join("jobs.json");
        let jobs_dir = dir.path().join("jobs");
        std::fs::create_dir_all(&jobs_dir).unwrap();
        jobs_file::set(
            &jobs,
            &[
                ("replicated", "r-job"),
                ("sharded", "s-job"),
                ("endpoints.sharded", "distributed-sharded"),
            ],
        )
        .unwrap();
        // CLI v1: epoch numbers; CLI v2: ISO 8601.
        let r = description(
            "r-job",
            "FullyReplicated",
            serde_json::json!(1000.25),
            serde_json::json!(1200.75),
            200,
        );
        let s = description(
            "s-job",
            "ShardedByS3Key",
            serde_json::json!("1970-01-01T00:16:40.250000+00:00"),
            serde_json::json!("1970-01-01T00:17:30.250000+00:00"),
            50,
        );
        std::fs::write(jobs_dir.join("r-job.json"), r.to_string()).unwrap();
        std::fs::write(jobs_dir.join("s-job.json"), s.to_string()).unwrap();
        let errors = TestErrors {
            mse: 3.45,
            mae: 1.46,
            rows: 1000,
            endpoint: "distributed-replicated".into(),
        };
        record_test_errors(&jobs, Kind::Replicated, &errors).unwrap();
        // An "evaluation" that is not an object is refused, not replaced.
        let other = dir.path().join("other.json");
        jobs_file::set(&other, &[("evaluation", "x")]).unwrap();
        let e = record_test_errors(&other, Kind::Sharded, &errors).unwrap_err();
        assert!(e.to_string().contains("'evaluation'"), "{e}");
        assert_eq!(
            jobs_file::get(&other, "evaluation").unwrap().as_deref(),
            Some("x")
        );
        // Recording keeps what others wrote.
        assert_eq!(
            jobs_file::get(&jobs, "endpoints.sharded")
                .unwrap()
                .as_deref(),
            Some("distributed-sharded")
        );

        let sum = build(&jobs, &jobs_dir, vec!["1.ipynb".into()], UNIX_EPOCH).unwrap();
        let rj = &sum.jobs["replicated"];
        let sj = &sum.jobs["sharded"];
        assert_eq!(rj.status.as_deref(), Some("Completed"));
        assert_eq!(rj.distribution.as_deref(), Some("FullyReplicated"));
        assert_eq!(sj.distribution.as_deref(), Some("ShardedByS3Key"));
        assert_eq!(rj.training_seconds, Some(200.5));
        assert_eq!(sj.training_seconds, Some(50.0));
        assert_eq!(rj.final_metrics.get("test:mse"), Some(&2.5));
        assert_eq!(rj.test_mse, Some(3.45));
        assert_eq!(sj.test_mse, None);
        assert_eq!(sj.endpoint.as_deref(), Some("distributed-sharded"));
        let rat = &sum.ratio_sharded_over_replicated;
        assert!((rat.training_seconds.unwrap() - 50.0 / 200.5).abs() < 1e-12);
        // 50 s is below the whole-second threshold: no ratio.
        assert_eq!(rat.training_time_in_seconds, None);
        let text = render_text(&sum);
        let row = text
            .lines()
            .find(|l| l.starts_with("training time (start→end), s"))
            .unwrap();
        assert_eq!(
            row.split_whitespace().rev().take(3).collect::<Vec<_>>(),
            ["0.249", "50.000", "200.500"]
        );
        assert!(
            text.contains("(whole seconds: no ratio below 100 s)"),
            "{text}"
        );
        assert!(text.contains("test MSE (1984)"), "{text}");
        assert_eq!(sum.generated_at, "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn bad_files_name_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = dir.path().join("jobs.json");
        jobs_file::set(&jobs, &[("replicated", "r"), ("sharded", "s")]).unwrap();
        std::fs::write(dir.path().join("r.json"), "{\"TrainingJobName\": 3}").unwrap();
        let e = build(&jobs, dir.path(), vec![], UNIX_EPOCH)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("r.json") && e.contains("DescribeTrainingJob"),
            "{e}"
        );
        std::fs::remove_file(dir.path().join("r.json")).unwrap();
        jobs_file::set(&jobs, &[("evaluation.sharded.mse", "x")]).unwrap();
        let e = build(&jobs, dir.path(), vec![], UNIX_EPOCH)
            .unwrap_err()
            .to_string();
        assert!(e.contains("evaluation.sharded"), "{e}");
    }
}
