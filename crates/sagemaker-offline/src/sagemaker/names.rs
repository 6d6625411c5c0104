//! Request validation in the service's own words: names, ARNs, S3 URIs, enums and ranges.
//!
//! botocore and the AWS CLI validate only required members, types and `min` client-side, and the
//! Rust SDKs validate nothing, so the stand-in must reject what the real service rejects, with the
//! real (Coral-style) message: `N validation error(s) detected: Value '…' at 'memberPath' failed to
//! satisfy constraint: …`. Written by hand because no crate models the SageMaker shapes' constraints
//! short of the 876k-line `aws-sdk-sagemaker`, which the workspace deliberately avoids.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

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

/// `arn:aws:sagemaker:<region>:<account>:<kind>/<lower-cased name>`.
pub(crate) fn arn(region: &str, account: &str, kind: &str, name: &str) -> String {
    format!(
        "arn:aws:sagemaker:{region}:{account}:{kind}/{}",
        name.to_ascii_lowercase()
    )
}

/// Seconds since the epoch with millisecond precision, as the JSON 1.1 protocol carries timestamps.
pub(crate) fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

/// Splits `s3://bucket/key-or-prefix`. `https://` URIs pass the pattern but are not served.
pub(crate) fn split_s3(uri: &str) -> Result<(String, String), JsonError> {
    let Some(rest) = uri.strip_prefix("s3://") else {
        return Err(JsonError::validation(format!(
            "S3 URI \"{uri}\" is not supported by sagemaker-offline: use the s3://bucket/key form."
        )));
    };
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(JsonError::validation(format!(
            "S3 URI \"{uri}\" has no bucket."
        )));
    }
    Ok((bucket.to_string(), key.to_string()))
}

/// A malformed body (wrong JSON type for a member): what AWS JSON services call a
/// `SerializationException`.
pub(crate) fn serialization(msg: impl Into<String>) -> JsonError {
    JsonError::client("SerializationException", msg)
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

/// Typed access to members of a JSON request object; wrong types are SerializationExceptions.
pub(crate) struct Obj<'a> {
    map: Option<&'a Map<String, Value>>,
}

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl<'a> Obj<'a> {
    pub(crate) fn new(v: &'a Value, what: &str) -> Result<Self, JsonError> {
        match v {
            Value::Object(m) => Ok(Self { map: Some(m) }),
            Value::Null => Ok(Self { map: None }),
            _ => Err(serialization(format!("{what} must be a JSON object"))),
        }
    }
    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a string, got {other}"
            ))),
        }
    }
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(serialization(format!(
                    "{key}: expected an integer, got {n}"
                ))),
            },
            Some(other) => Err(serialization(format!(
                "{key}: expected an integer, got {other}"
            ))),
        }
    }
    pub(crate) fn num(&self, key: &str) -> Result<Option<f64>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(serialization(format!(
                "{key}: expected a number, got {other}"
            ))),
        }
    }
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a boolean, got {other}"
            ))),
        }
    }
    pub(crate) fn obj(&self, key: &str) -> Result<Option<Obj<'a>>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(Obj::new(v, key)?)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a structure, got {other}"
            ))),
        }
    }
    pub(crate) fn list(&self, key: &str) -> Result<Option<&'a Vec<Value>>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a list, got {other}"
            ))),
        }
    }
    /// A string→string map (HyperParameters, Environment).
    pub(crate) fn string_map(&self, key: &str) -> Result<Option<Vec<(String, String)>>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(serialization(format!(
                        "{key}.{k}: expected a string value, got {other}"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(serialization(format!("{key}: expected a map, got {other}"))),
        }
    }
    pub(crate) fn map(&self) -> &'a Map<String, Value> {
        self.map.unwrap_or(&EMPTY)
    }
}

/// A required, length-limited, pattern-checked name member.
pub(crate) fn name_member(
    obj: &Obj<'_>,
    key: &str,
    path: &str,
    re: &Regex,
    pattern: &str,
    c: &mut Checker,
) -> Result<Option<String>, JsonError> {
    match obj.str(key)? {
        None => {
            c.missing(path);
            Ok(None)
        }
        Some(v) => {
            c.string(v, path, 1, 63, Some((re, pattern)));
            Ok(Some(v.to_string()))
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
    fn arn_lower_cases_the_name_only() {
        assert_eq!(
            arn("us-east-1", "123456789012", "endpoint", "DEMO-Ep"),
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/demo-ep"
        );
    }

    #[test]
    fn split_s3_forms() {
        assert_eq!(
            split_s3("s3://b/p/train/").ok(),
            Some(("b".into(), "p/train/".into()))
        );
        assert_eq!(split_s3("s3://b").ok(), Some(("b".into(), String::new())));
        assert!(split_s3("https://b.s3.amazonaws.com/k").is_err());
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

    #[test]
    fn wrong_types_are_serialization_errors() {
        let v = serde_json::json!({"InstanceCount": "5", "Name": 3});
        let o = Obj::new(&v, "body").ok();
        let o = o.as_ref();
        assert_eq!(
            o.and_then(|o| o.int("InstanceCount").err()).map(|e| e.code),
            Some("SerializationException".into())
        );
        assert_eq!(
            o.and_then(|o| o.str("Name").err()).map(|e| e.code),
            Some("SerializationException".into())
        );
        assert_eq!(o.and_then(|o| o.str("Missing").ok()), Some(None));
    }
}
