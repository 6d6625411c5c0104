//! Notebook settings, all from environment variables with defaults, so the workshop script, CI
//! and a user at the keyboard run the same cells unchanged.

use std::path::PathBuf;

/// Where the notebooks put and find things.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `KIT_BUCKET`, default `sagemaker-offline-workshop`.
    pub bucket: String,
    /// `KIT_PREFIX`, default `sagemaker/data_distribution_types`.
    pub prefix: String,
    /// `KIT_JOBS_FILE`; default `../out/jobs.json`, i.e. `out/jobs.json` at the repository root
    /// seen from `notebooks/` (where `scripts/*.sh` write it).
    pub jobs_file: PathBuf,
    /// `KIT_ROLE_ARN`, the execution role passed to CreateTrainingJob / CreateModel.
    pub role_arn: String,
    /// `KIT_TRAINING_IMAGE`, default the us-east-1 Linear Learner image.
    pub training_image: String,
    /// The public bucket the GDELT files are read from (`KIT_GDELT_BUCKET`, default `gdelt-open-data`).
    pub gdelt_bucket: String,
}

fn env_or(name: &str, default: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => default.to_string(),
    }
}

/// `KIT_JOBS_FILE` if set; else `../out/jobs.json`: the notebooks run in `notebooks/`, and
/// `scripts/*.sh` write the file to `$KIT_OUT/jobs.json` (`KIT_OUT` defaults to `<repo>/out`), so
/// scripts and notebooks share one file and the notebooks say where it is.
fn default_jobs_file() -> PathBuf {
    match std::env::var("KIT_JOBS_FILE") {
        Ok(v) if !v.trim().is_empty() => PathBuf::from(v.trim()),
        _ => PathBuf::from("../out/jobs.json"),
    }
}

impl Settings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Self {
        Settings {
            bucket: env_or("KIT_BUCKET", "sagemaker-offline-workshop"),
            prefix: env_or("KIT_PREFIX", "sagemaker/data_distribution_types")
                .trim_matches('/')
                .to_string(),
            jobs_file: default_jobs_file(),
            role_arn: env_or(
                "KIT_ROLE_ARN",
                "arn:aws:iam::123456789012:role/SageMakerRole",
            ),
            training_image: env_or(
                "KIT_TRAINING_IMAGE",
                "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1",
            ),
            gdelt_bucket: env_or("KIT_GDELT_BUCKET", "gdelt-open-data"),
        }
    }

    /// `s3://bucket/prefix/<sub>/`.
    pub fn s3_uri(&self, sub: &str) -> String {
        if sub.is_empty() {
            format!("s3://{}/{}/", self.bucket, self.prefix)
        } else {
            format!(
                "s3://{}/{}/{}/",
                self.bucket,
                self.prefix,
                sub.trim_matches('/')
            )
        }
    }

    /// The object key `prefix/<channel>/<year>.data`.
    pub fn data_key(&self, channel: &str, year: i32) -> String {
        format!("{}/{}/{}.data", self.prefix, channel, year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_keys() {
        let s = Settings {
            bucket: "b".into(),
            prefix: "p/q".into(),
            jobs_file: "jobs.json".into(),
            role_arn: "r".into(),
            training_image: "i".into(),
            gdelt_bucket: "g".into(),
        };
        assert_eq!(s.s3_uri("train"), "s3://b/p/q/train/");
        assert_eq!(s.s3_uri(""), "s3://b/p/q/");
        assert_eq!(s.data_key("validation", 1983), "p/q/validation/1983.data");
    }
}
