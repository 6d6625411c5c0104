//! Notebook 2's training requests: the notebook builds the workshop's CreateTrainingJob request
//! itself, as a typed value of `sagemaker-api`'s generated types (the same types the stand-in
//! parses requests into), so the request and its one switch, `S3DataDistributionType`, are on the
//! page. This module only shows, compares, checks and sends such requests, and decides from
//! `KIT_START_JOBS` whether the notebook starts its jobs or compares jobs started elsewhere.

use serde_json::Value;

use crate::aws::block_on;
use crate::display::{Html, Table, escape_html};
use crate::error::{KitError, KitResult};
use crate::sagemaker::{Jobs, find_jobs, sm};
use crate::settings::Settings;
pub use kit::Kind;
/// The workshop's CreateTrainingJob request for `kind` (`kit::request::workshop_request`, the one
/// definition the scripts are tested against; notebook 2 builds the same request in a cell).
pub use kit::request::workshop_request;

pub use sagemaker_api::sagemaker::{
    AlgorithmSpecification, Channel, CompressionType, CreateTrainingJobRequest, DataSource,
    OutputDataConfig, RecordWrapper, ResourceConfig, S3DataDistribution, S3DataSource, S3DataType,
    StoppingCondition, TrainingInputMode, TrainingInstanceType,
};

fn to_json(request: &CreateTrainingJobRequest) -> KitResult<Value> {
    Ok(serde_json::to_value(request)?)
}

/// The request as SageMaker receives it: the JSON body, pretty-printed.
pub fn request_json(request: &CreateTrainingJobRequest) -> KitResult<Html> {
    let text = serde_json::to_string_pretty(&to_json(request)?)?;
    Ok(Html(format!("<pre>{}</pre>", escape_html(&text))))
}

/// Every leaf of a JSON value as (path, value), paths like `InputDataConfig[0].ChannelName`.
fn leaves(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => out.push((path.to_string(), s.clone())),
        other => out.push((path.to_string(), other.to_string())),
    }
}

/// The members in which two requests differ: (path, value in `a`, value in `b`), in path order.
pub fn request_differences(
    a: &CreateTrainingJobRequest,
    b: &CreateTrainingJobRequest,
) -> KitResult<Vec<(String, String, String)>> {
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    leaves(&to_json(a)?, "", &mut la);
    leaves(&to_json(b)?, "", &mut lb);
    let ma: std::collections::BTreeMap<_, _> = la.into_iter().collect();
    let mb: std::collections::BTreeMap<_, _> = lb.into_iter().collect();
    let mut paths: Vec<&String> = ma.keys().chain(mb.keys()).collect();
    paths.sort();
    paths.dedup();
    Ok(paths
        .into_iter()
        .filter(|p| ma.get(*p) != mb.get(*p))
        .map(|p| {
            let get = |m: &std::collections::BTreeMap<String, String>| {
                m.get(p).cloned().unwrap_or_else(|| "(absent)".into())
            };
            (p.clone(), get(&ma), get(&mb))
        })
        .collect())
}

/// [`request_differences`] as a table with the two requests' names as column headers.
pub fn differences_table(
    a_name: &str,
    a: &CreateTrainingJobRequest,
    b_name: &str,
    b: &CreateTrainingJobRequest,
) -> KitResult<Table> {
    let mut t = Table::new(["member", a_name, b_name]);
    for (p, x, y) in request_differences(a, b)? {
        t.push([p, x, y]);
    }
    Ok(t)
}

/// Checks the request as SageMaker would (required members, lengths, patterns, enum values) and
/// sends CreateTrainingJob; returns the job's ARN.
pub fn create_training_job(request: &CreateTrainingJobRequest) -> KitResult<String> {
    let name = request.training_job_name.clone().unwrap_or_default();
    sagemaker_api::validate(request).map_err(|e| {
        KitError::msg(format!(
            "the CreateTrainingJob request for {name:?} is not valid (fix it in the request \
             cell): {e}"
        ))
    })?;
    let out =
        block_on(sm(request))?.map_err(|e| e.context(format!("creating training job {name}")))?;
    Ok(out.training_job_arn)
}

/// The members in which a request differs from the workshop's (`kit::request::workshop_request`
/// for the same settings and name: the definition `scripts/replicated.sh` / `sharded.sh` are
/// tested against).
pub fn differences_from_workshop(
    settings: &Settings,
    kind: Kind,
    request: &CreateTrainingJobRequest,
) -> KitResult<Vec<(String, String, String)>> {
    let name = request.training_job_name.clone().unwrap_or_default();
    let canonical = kit::request::workshop_request(settings, &name, kind);
    // S3 prefixes name the same objects with or without the trailing slash.
    let trim = |v: Vec<(String, String, String)>| {
        v.into_iter()
            .filter(|(_, a, b)| a.trim_end_matches('/') != b.trim_end_matches('/'))
            .collect()
    };
    Ok(trim(request_differences(&canonical, request)?))
}

fn note_differences_from_workshop(
    settings: &Settings,
    kind: Kind,
    request: &CreateTrainingJobRequest,
) -> KitResult<()> {
    let d = differences_from_workshop(settings, kind, request)?;
    if !d.is_empty() {
        println!(
            "note: the {} request differs from the workshop's (and the scripts') in:",
            kind.as_str()
        );
        for (path, workshop, here) in d {
            println!("  {path}: workshop {workshop}, here {here}");
        }
    }
    Ok(())
}

/// Starts both jobs (the sharded one first, as the original notebook), records their names in the
/// jobs file and returns them.
pub fn start_training_jobs(
    settings: &Settings,
    replicated: &CreateTrainingJobRequest,
    sharded: &CreateTrainingJobRequest,
) -> KitResult<Jobs> {
    let name = |r: &CreateTrainingJobRequest| {
        r.training_job_name
            .clone()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| KitError::msg("a training request has no TrainingJobName"))
    };
    let jobs = Jobs {
        replicated: name(replicated)?,
        sharded: name(sharded)?,
    };
    for (kind, r) in [(Kind::Sharded, sharded), (Kind::Replicated, replicated)] {
        note_differences_from_workshop(settings, kind, r)?;
        println!("started {}: {}", kind.as_str(), create_training_job(r)?);
    }
    jobs.save(&settings.jobs_file)?;
    println!("job names written to {}", settings.jobs_file.display());
    Ok(jobs)
}

/// How notebook 2 gets the jobs to compare, from `KIT_START_JOBS`:
/// * `1` — always start the two requests (writes the jobs file);
/// * `0` — never start jobs: use the jobs file if it exists, else `None` (the comparison cells
///   then say "no jobs yet"; older jobs are not picked up, so a fresh workshop run never shows
///   a previous run's jobs);
/// * unset / `auto` — the jobs file, else the newest Completed `DEMO-linear-*` jobs, else start the
///   two requests.
pub fn jobs_for_comparison(
    settings: &Settings,
    replicated: &CreateTrainingJobRequest,
    sharded: &CreateTrainingJobRequest,
) -> KitResult<Option<Jobs>> {
    let mode = std::env::var("KIT_START_JOBS").unwrap_or_else(|_| "auto".into());
    let mode = mode.trim().to_ascii_lowercase();
    if matches!(mode.as_str(), "1" | "true" | "yes") {
        println!("KIT_START_JOBS={mode}: starting both training jobs");
        return start_training_jobs(settings, replicated, sharded).map(Some);
    }
    let never = matches!(mode.as_str(), "0" | "false" | "no");
    if never && !settings.jobs_file.exists() {
        println!(
            "KIT_START_JOBS={mode}: no jobs file at {} yet; run scripts/replicated.sh and \
             scripts/sharded.sh, then re-run the cells below",
            settings.jobs_file.display()
        );
        return Ok(None);
    }
    match find_jobs(settings) {
        Ok(j) => Ok(Some(j)),
        Err(e) if never => {
            println!("KIT_START_JOBS={mode}: not starting jobs ({e})");
            println!(
                "run scripts/replicated.sh and scripts/sharded.sh, then re-run the cells below"
            );
            Ok(None)
        }
        Err(e) => {
            println!("no finished jobs found ({e}); starting both training jobs");
            start_training_jobs(settings, replicated, sharded).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, dist: S3DataDistribution) -> CreateTrainingJobRequest {
        let channel = |ch: &str, d: S3DataDistribution| Channel {
            channel_name: Some(ch.into()),
            data_source: Some(DataSource {
                s3_data_source: Some(S3DataSource {
                    s3_data_type: Some(S3DataType::S3Prefix),
                    s3_uri: Some(format!("s3://b/p/{ch}/")),
                    s3_data_distribution_type: Some(d),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        CreateTrainingJobRequest {
            training_job_name: Some(name.into()),
            role_arn: Some("arn:aws:iam::123456789012:role/SageMakerRole".into()),
            algorithm_specification: Some(AlgorithmSpecification {
                training_image: Some("img".into()),
                training_input_mode: Some(TrainingInputMode::File),
                ..Default::default()
            }),
            input_data_config: Some(vec![
                channel("train", dist),
                channel("validation", S3DataDistribution::FullyReplicated),
            ]),
            output_data_config: Some(OutputDataConfig {
                s3_output_path: Some("s3://b/p/".into()),
                ..Default::default()
            }),
            resource_config: Some(ResourceConfig {
                instance_type: Some(TrainingInstanceType::MlC42xlarge),
                instance_count: Some(5),
                volume_size_in_gb: Some(10),
                ..Default::default()
            }),
            stopping_condition: Some(StoppingCondition {
                max_runtime_in_seconds: Some(1800),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_two_requests_differ_in_name_and_train_distribution_only() {
        let r = request(
            "DEMO-linear-replicated-1",
            S3DataDistribution::FullyReplicated,
        );
        let s = request("DEMO-linear-sharded-1", S3DataDistribution::ShardedByS3Key);
        let d = request_differences(&r, &s).unwrap();
        let paths: Vec<&str> = d.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "InputDataConfig[0].DataSource.S3DataSource.S3DataDistributionType",
                "TrainingJobName"
            ]
        );
        assert_eq!(d[0].1, "FullyReplicated");
        assert_eq!(d[0].2, "ShardedByS3Key");
        assert!(sagemaker_api::validate(&s).is_ok());
        let html = request_json(&s).unwrap().0;
        assert!(html.contains("&quot;ShardedByS3Key&quot;") || html.contains("\"ShardedByS3Key\""));
    }

    #[test]
    fn an_invalid_request_is_refused_before_it_is_sent() {
        let mut r = request("bad name with spaces", S3DataDistribution::FullyReplicated);
        r.role_arn = None;
        let e = create_training_job(&r).unwrap_err().to_string();
        assert!(e.contains("not valid") && e.contains("request cell"), "{e}");
    }
}
