//! The service's documented constraints on request members (name patterns, lengths, enums,
//! ranges) and the checker that reports violations in the service's own words.
//!
//! botocore and the AWS CLI validate only required members, types and `min` client-side, and the
//! Rust SDKs validate nothing, so the stand-in must reject what the real service rejects, with the
//! real (Coral-style) message: `N validation error(s) detected: Value '…' at 'memberPath' failed to
//! satisfy constraint: …`. The patterns are the `pattern` traits of the SageMaker API model
//! (<https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html> lists
//! them per member). Written by hand because no crate models the SageMaker shapes' constraints
//! short of the 876k-line `aws-sdk-sagemaker`, which the workspace deliberately avoids.

use std::sync::LazyLock;

use regex::Regex;

use crate::api_error::JsonError;

/// TrainingJobName, EndpointConfigName, EndpointName, VariantName.
pub(crate) const NAME_PATTERN: &str = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
/// ModelName.
pub(crate) const MODEL_NAME_PATTERN: &str = "^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?$";
/// ChannelName.
pub(crate) const CHANNEL_PATTERN: &str = "[A-Za-z0-9\\.\\-_]+";
/// RoleArn.
pub(crate) const ROLE_PATTERN: &str =
    "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$";
/// S3Uri / S3OutputPath / ModelDataUrl.
pub(crate) const S3_PATTERN: &str = "^(https|s3)://([^/]+)/?(.*)$";
/// Instance types (the model's enum lists `ml.<family>.<size>` values; we accept the form).
pub(crate) const INSTANCE_TYPE_PATTERN: &str = "^ml\\.[a-z0-9-]+\\.[a-z0-9]+$";

fn full(re: &str) -> Regex {
    let body = re.trim_start_matches('^').trim_end_matches('$');
    #[allow(clippy::unwrap_used)] // constant patterns, exercised by the unit tests
    Regex::new(&format!("^(?:{body})$")).unwrap()
}

pub(crate) static NAME_RE: LazyLock<Regex> = LazyLock::new(|| full(NAME_PATTERN));
pub(crate) static MODEL_NAME_RE: LazyLock<Regex> = LazyLock::new(|| full(MODEL_NAME_PATTERN));
pub(crate) static CHANNEL_RE: LazyLock<Regex> = LazyLock::new(|| full(CHANNEL_PATTERN));
pub(crate) static ROLE_RE: LazyLock<Regex> = LazyLock::new(|| full(ROLE_PATTERN));
pub(crate) static S3_RE: LazyLock<Regex> = LazyLock::new(|| full(S3_PATTERN));
pub(crate) static INSTANCE_TYPE_RE: LazyLock<Regex> = LazyLock::new(|| full(INSTANCE_TYPE_PATTERN));
/// The built-in Linear Learner image of any region, any tag (`:1`, `:latest`, …).
static LL_IMAGE_RE: LazyLock<Regex> = LazyLock::new(|| {
    full(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/linear-learner(:[A-Za-z0-9_.\-]+)?")
});

/// Whether `image` is a Linear Learner image that the stand-in can run.
pub(crate) fn is_linear_learner_image(image: &str) -> bool {
    LL_IMAGE_RE.is_match(image)
}

/// Collects constraint violations, then reports them all in one Coral-style message.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    errors: Vec<String>,
}

fn shown(v: &str) -> String {
    // Coral truncates nothing for short values; keep the message bounded for huge ones.
    if v.chars().count() > 256 {
        let cut: String = v.chars().take(256).collect();
        format!("{cut}…")
    } else {
        v.to_string()
    }
}

impl Checker {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    pub(crate) fn add(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        let v = match value {
            Some(v) => format!("'{}'", shown(v)),
            None => "null".to_string(),
        };
        self.errors.push(format!(
            "Value {v} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }
    pub(crate) fn missing(&mut self, path: &str) {
        self.add(None, path, "Member must not be null");
    }
    /// Length and full-string pattern of a string member.
    pub(crate) fn string(
        &mut self,
        v: &str,
        path: &str,
        min: usize,
        max: usize,
        re: Option<(&Regex, &str)>,
    ) {
        let n = v.chars().count();
        if n < min {
            self.add(
                Some(v),
                path,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if n > max {
            self.add(
                Some(v),
                path,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
        if let Some((re, pat)) = re
            && !re.is_match(v)
        {
            self.add(
                Some(v),
                path,
                &format!("Member must satisfy regular expression pattern: {pat}"),
            );
        }
    }
    pub(crate) fn one_of(&mut self, v: &str, path: &str, allowed: &[&str]) {
        if !allowed.contains(&v) {
            self.add(
                Some(v),
                path,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
    }
    pub(crate) fn at_least(&mut self, v: i64, path: &str, min: i64) {
        if v < min {
            self.add(
                Some(&v.to_string()),
                path,
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
    }
    pub(crate) fn at_most(&mut self, v: i64, path: &str, max: i64) {
        if v > max {
            self.add(
                Some(&v.to_string()),
                path,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }
    /// `Ok` when nothing was found, else the ValidationException.
    pub(crate) fn finish(self) -> Result<(), JsonError> {
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(JsonError::validation(format!(
                "1 validation error detected: {}",
                self.errors[0]
            ))),
            n => Err(JsonError::validation(format!(
                "{n} validation errors detected: {}",
                self.errors.join("; ")
            ))),
        }
    }
}

/// A required name member: length 1 to 63 and the full-string `pattern`.
pub(crate) fn name_member(
    value: Option<&str>,
    path: &str,
    re: &Regex,
    pattern: &str,
    c: &mut Checker,
) -> Option<String> {
    match value {
        None => {
            c.missing(path);
            None
        }
        Some(v) => {
            c.string(v, path, 1, 63, Some((re, pattern)));
            Some(v.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_full_string_matches() {
        assert!(NAME_RE.is_match("DEMO-linear-sharded-2024"));
        assert!(NAME_RE.is_match("a"));
        assert!(NAME_RE.is_match("a--b"));
        assert!(!NAME_RE.is_match("a_b"), "underscores are rejected");
        assert!(!NAME_RE.is_match("-ab"));
        assert!(!NAME_RE.is_match("ab-"));
        assert!(!NAME_RE.is_match("ab c"));
        assert!(NAME_RE.is_match(&"a".repeat(63)));
        assert!(!NAME_RE.is_match(&"a".repeat(64)));
        assert!(MODEL_NAME_RE.is_match("m-1"));
        assert!(!MODEL_NAME_RE.is_match("m-"));
        assert!(CHANNEL_RE.is_match("train.v1_x-y"));
        assert!(!CHANNEL_RE.is_match("tr ain"));
    }

    #[test]
    fn roles_uris_images() {
        assert!(ROLE_RE.is_match("arn:aws:iam::123456789012:role/SageMakerRole"));
        assert!(ROLE_RE.is_match("arn:aws-cn:iam::123456789012:role/service-role/X"));
        assert!(!ROLE_RE.is_match("arn:aws:iam::12345:role/x"));
        assert!(!ROLE_RE.is_match("SageMakerRole"));
        assert!(S3_RE.is_match("s3://bucket/prefix/train/"));
        assert!(S3_RE.is_match("s3://bucket"));
        assert!(!S3_RE.is_match("bucket/prefix"));
        assert!(is_linear_learner_image(
            "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
        ));
        assert!(is_linear_learner_image(
            "174872318107.dkr.ecr.us-west-2.amazonaws.com/linear-learner:latest"
        ));
        assert!(is_linear_learner_image(
            "390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/linear-learner"
        ));
        assert!(!is_linear_learner_image(
            "382416733822.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"
        ));
        assert!(!is_linear_learner_image("linear-learner:1"));
        assert!(INSTANCE_TYPE_RE.is_match("ml.c4.2xlarge"));
        assert!(!INSTANCE_TYPE_RE.is_match("c4.2xlarge"));
    }

    #[test]
    fn coral_messages() {
        let mut c = Checker::new();
        c.string(
            "bad_name",
            "trainingJobName",
            1,
            63,
            Some((&NAME_RE, NAME_PATTERN)),
        );
        let e = c.finish().err().map(|e| (e.code, e.message));
        assert_eq!(
            e,
            Some((
                "ValidationException".to_string(),
                format!(
                    "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: \
                     Member must satisfy regular expression pattern: {NAME_PATTERN}"
                )
            ))
        );
        let mut c = Checker::new();
        c.missing("roleArn");
        c.at_least(0, "resourceConfig.instanceCount", 1);
        let msg = c.finish().err().map(|e| e.message).unwrap_or_default();
        assert_eq!(
            msg,
            "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; \
             Value '0' at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
    }
}
