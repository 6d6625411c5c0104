//! The settings rule: one function, [`resolve`], decides the workshop's values (target, region,
//! bucket, prefix, role, image, jobs file) for the bash scripts (through `kit settings export`)
//! and for the notebooks (through kernel-helpers) alike. It does no I/O: the caller looks up what
//! [`needs`] asks for with its own AWS client (the AWS CLI in bash, the SDK in Rust) and passes the
//! answers in [`Facts`].
//!
//! The rule (docs/SEMANTICS.md, "Settings"):
//! 1. `KIT_*` variables win whenever they are set (non-empty).
//! 2. The target is `KIT_TARGET` (`offline` | `aws`); unset, it is `offline` when the SageMaker
//!    endpoint the clients use (`AWS_ENDPOINT_URL_SAGEMAKER`, else `AWS_ENDPOINT_URL`) is a loopback
//!    URL — the stand-in — and `aws` otherwise. Where the credentials come from never matters.
//! 3. Offline defaults (bucket `sagemaker-offline-workshop`, the stand-in account's role, region
//!    `us-east-1`) apply only to the `offline` target, and that target needs a configured endpoint:
//!    offline settings are never sent to a real account.
//! 4. On `aws`, unset values default as the SageMaker Python SDK's do: the bucket is SageMaker's
//!    default bucket `sagemaker-<region>-<account>` (account from STS GetCallerIdentity), the role
//!    is the notebook instance's execution role (`/opt/ml/metadata/resource-metadata.json`:
//!    `ExecutionRoleArn`, else `ResourceName` → DescribeNotebookInstance's `RoleArn`), else — when
//!    that fails, in Studio, or off an instance — the role of the caller's assumed-role session
//!    (STS GetCallerIdentity's `Arn`), as the SageMaker Python SDK's `get_execution_role` derives
//!    it; the region is required.
//! 5. The image is the region's Linear Learner image ([`crate::images`]) on both targets.
//!
//! Every refusal is a [`SettingsError`] that names the one setting to change.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// Where the SageMaker Python SDK (and so the kit) finds the notebook instance's metadata.
pub const NOTEBOOK_METADATA_FILE: &str = "/opt/ml/metadata/resource-metadata.json";
/// The stand-in's account (sagemaker-offline's `config.rs`).
pub const OFFLINE_ACCOUNT: &str = "123456789012";
/// Offline default bucket.
pub const OFFLINE_BUCKET: &str = "sagemaker-offline-workshop";
/// Offline default region.
pub const OFFLINE_REGION: &str = "us-east-1";
/// The endpoints' default instance type (the original notebook's), `KIT_ENDPOINT_INSTANCE_TYPE`.
pub const DEFAULT_ENDPOINT_INSTANCE_TYPE: &str = "ml.m4.xlarge";
/// Tests and rehearsals only: read the notebook-instance metadata from this file instead of
/// [`NOTEBOOK_METADATA_FILE`] (docs/SEMANTICS.md, "The notebook-instance rehearsal"). Not a
/// `KIT_*` setting, so that a rehearsal runs with none of them; the settings' sources name the file.
pub const METADATA_FILE_OVERRIDE: &str = "SAGEMAKER_OFFLINE_METADATA_FILE";
/// Default key prefix of `train/` and `validation/`.
pub const DEFAULT_PREFIX: &str = "sagemaker/data_distribution_types";
/// The public GDELT bucket.
pub const DEFAULT_GDELT_BUCKET: &str = "gdelt-open-data";

/// Offline or real AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The local stand-in `sagemaker-offline`.
    Offline,
    /// A real account.
    Aws,
}

impl Target {
    /// `offline` / `aws`.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Offline => "offline",
            Target::Aws => "aws",
        }
    }
}

/// The workshop's values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Offline or AWS.
    pub target: Target,
    /// The region jobs, bucket and endpoints live in.
    pub region: String,
    /// The workshop bucket (no `s3://`, no slash).
    pub bucket: String,
    /// Key prefix of `train/` and `validation/`, no leading or trailing slash.
    pub prefix: String,
    /// The SageMaker execution role for CreateTrainingJob and CreateModel.
    pub role_arn: String,
    /// The Linear Learner training image.
    pub training_image: String,
    /// The public bucket GDELT is read from.
    pub gdelt_bucket: String,
    /// The endpoints' instance type (`KIT_ENDPOINT_INSTANCE_TYPE`, default `ml.m4.xlarge`).
    pub endpoint_instance_type: String,
    /// The jobs file (`KIT_JOBS_FILE`; else `$KIT_OUT/jobs.json`; else `../out/jobs.json`, the
    /// repository's `out/jobs.json` seen from `notebooks/`).
    pub jobs_file: PathBuf,
    /// Where each of bucket, role, image and region came from (for the settings cell / logs).
    pub sources: BTreeMap<&'static str, String>,
}

impl Settings {
    /// `s3://bucket/prefix/<sub>/` (`sub` empty: `s3://bucket/prefix/`).
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

    /// The values as `NAME=value` pairs for the scripts (`kit settings export`).
    pub fn exports(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KIT_TARGET", self.target.as_str().to_string()),
            ("KIT_REGION", self.region.clone()),
            ("KIT_BUCKET", self.bucket.clone()),
            ("KIT_PREFIX", self.prefix.clone()),
            ("KIT_ROLE_ARN", self.role_arn.clone()),
            ("KIT_TRAINING_IMAGE", self.training_image.clone()),
            ("KIT_GDELT_BUCKET", self.gdelt_bucket.clone()),
            (
                "KIT_ENDPOINT_INSTANCE_TYPE",
                self.endpoint_instance_type.clone(),
            ),
            ("KIT_JOBS_FILE", self.jobs_file.display().to_string()),
        ]
    }
}

/// A refusal: the message names the setting to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingsError {
    /// The variable the user should set or change, e.g. `KIT_BUCKET`.
    pub setting: &'static str,
    /// One sentence saying what is wrong and what to do.
    pub message: String,
}

fn refuse(setting: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        setting,
        message: message.into(),
    }
}

/// The environment the rule reads (a snapshot, so that the rule is a pure function).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env(pub BTreeMap<String, String>);

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Env(std::env::vars().collect())
    }
    /// From `NAME, value` pairs (tests).
    pub fn of<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }
    /// A set, non-blank value, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// What the caller has looked up for [`resolve`] (each `Err` carries the lookup's error text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The region the caller's AWS configuration resolved (env, profile, instance metadata).
    pub region: Option<String>,
    /// STS GetCallerIdentity's `Account` (asked for by [`Needs::account`]).
    pub account: Option<Result<String, String>>,
    /// STS GetCallerIdentity's `Arn` (same call): an assumed-role session's role is the execution
    /// role when the notebook instance's cannot be read.
    pub caller_arn: Option<String>,
    /// The contents of [`NOTEBOOK_METADATA_FILE`], `None` when there is no such file.
    pub metadata: Option<String>,
    /// DescribeNotebookInstance's `RoleArn` for the metadata's `ResourceName`
    /// ([`Needs::notebook_instance`]).
    pub described_role: Option<Result<String, String>>,
    /// The workshop bucket's region, when the caller could read it (HeadBucket's
    /// `x-amz-bucket-region`, GetBucketLocation); `None` when unknown or the bucket does not exist.
    pub bucket_region: Option<String>,
}

/// What the caller must look up before [`resolve`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Needs {
    /// The target.
    pub target: Option<Target>,
    /// STS GetCallerIdentity (for the default bucket, and the caller's role as the last resort for
    /// the execution role).
    pub account: bool,
    /// The metadata file (the role is not set on `aws`).
    pub metadata: bool,
    /// DescribeNotebookInstance for this instance name (from the metadata file).
    pub notebook_instance: Option<String>,
}

/// Is `url` an http(s) URL of a loopback host (127.0.0.0/8, localhost, [::1])?
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let Some(rest) = rest else { return false };
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next() == Some("::1");
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host == "localhost" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4 && parts[0] == "127" && parts.iter().all(|p| p.parse::<u8>().is_ok())
}

/// The SageMaker endpoint URL the clients use (`None`: the real AWS endpoint).
pub fn sagemaker_endpoint(env: &Env) -> Option<&str> {
    if env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    env.get("AWS_ENDPOINT_URL_SAGEMAKER")
        .or_else(|| env.get("AWS_ENDPOINT_URL"))
}

/// The target (rule 2).
pub fn target(env: &Env) -> Result<Target, SettingsError> {
    match env.get("KIT_TARGET") {
        Some("offline") => Ok(Target::Offline),
        Some("aws") => Ok(Target::Aws),
        Some(other) => Err(refuse(
            "KIT_TARGET",
            format!("KIT_TARGET must be 'offline' or 'aws', not '{other}'"),
        )),
        None => Ok(match sagemaker_endpoint(env) {
            Some(ep) if is_loopback_url(ep) => Target::Offline,
            _ => Target::Aws,
        }),
    }
}

/// The region from the environment alone (`AWS_REGION`, then `AWS_DEFAULT_REGION`).
pub fn env_region(env: &Env) -> Option<&str> {
    env.get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
}

/// The notebook instance's metadata file, as far as the rule reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotebookMetadata {
    /// `ResourceName`: the notebook instance's name.
    pub resource_name: Option<String>,
    /// `ExecutionRoleArn`, present on some instance types; used as is, as the SDK does.
    pub execution_role_arn: Option<String>,
    /// `DomainId`: SageMaker Studio, which the kit does not look up (set KIT_ROLE_ARN there).
    pub domain_id: Option<String>,
}

/// Parses the metadata file's JSON.
pub fn parse_metadata(text: &str) -> Result<NotebookMetadata, SettingsError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        refuse(
            "KIT_ROLE_ARN",
            format!(
                "KIT_ROLE_ARN is not set and {NOTEBOOK_METADATA_FILE} is not valid JSON ({e}): \
                 set KIT_ROLE_ARN to the SageMaker execution role's ARN"
            ),
        )
    })?;
    let s = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(NotebookMetadata {
        resource_name: s("ResourceName"),
        execution_role_arn: s("ExecutionRoleArn"),
        domain_id: s("DomainId"),
    })
}

/// What the caller must look up (call before [`resolve`]; pass the metadata file's contents, or
/// `None` when it does not exist, so that the instance name can be named).
pub fn needs(env: &Env, metadata: Option<&str>) -> Result<Needs, SettingsError> {
    let t = target(env)?;
    let mut n = Needs {
        target: Some(t),
        ..Needs::default()
    };
    if t == Target::Aws {
        n.account = env.get("KIT_BUCKET").is_none() || env.get("KIT_ROLE_ARN").is_none();
        if env.get("KIT_ROLE_ARN").is_none() {
            n.metadata = true;
            if let Some(text) = metadata {
                let m = parse_metadata(text)?;
                if m.execution_role_arn.is_none() && m.domain_id.is_none() {
                    // Studio (DomainId) without ExecutionRoleArn: the SDK asks
                    // DescribeUserProfile/DescribeDomain; the kit takes the caller's role.
                    n.notebook_instance = m.resource_name;
                }
            }
        }
    }
    Ok(n)
}

/// Characters the scripts cannot pass through the AWS CLI shorthand unquoted (as the workshop
/// prints its command): whitespace, quotes, commas, braces, brackets, glob characters, backslash.
fn shorthand_safe(name: &'static str, value: &str) -> Result<(), SettingsError> {
    if value.is_empty()
        || value.chars().any(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '*' | '?' | '[' | ']' | '{' | '}' | ',' | '\'' | '"' | '\\'
                )
        })
    {
        return Err(refuse(
            name,
            format!(
                "{name}='{value}' is empty or contains spaces, quotes, commas, braces or glob \
                 characters, which the workshop's AWS CLI command cannot pass: change {name}"
            ),
        ));
    }
    Ok(())
}

/// Is `region` shaped like a region name (`eu-west-1`, `us-gov-west-1`, `cn-north-1`)?
fn region_shaped(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u32>().is_ok()
}

/// An IAM role ARN (the pattern of CreateTrainingJob's `RoleArn`)?
fn role_shaped(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition_tail, rest)) = rest.split_once(":iam::") else {
        return false;
    };
    let Some((account, role)) = rest.split_once(":role/") else {
        return false;
    };
    partition_tail
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !role.is_empty()
}

/// Is this error text AWS's answer to expired credentials (`ExpiredToken`,
/// `ExpiredTokenException`, "The security token included in the request is expired")?
pub fn is_expired(error: &str) -> bool {
    error.contains("ExpiredToken")
        || error.contains("security token included in the request is expired")
}

/// The jobs file (not an AWS setting: the same on both targets).
pub fn jobs_file(env: &Env) -> PathBuf {
    if let Some(f) = env.get("KIT_JOBS_FILE") {
        PathBuf::from(f)
    } else if let Some(out) = env.get("KIT_OUT") {
        PathBuf::from(out).join("jobs.json")
    } else {
        PathBuf::from("../out/jobs.json")
    }
}

/// The rule (module docs). `facts` holds what [`needs`] asked the caller to look up.
pub fn resolve(env: &Env, facts: &Facts) -> Result<Settings, SettingsError> {
    let target = target(env)?;
    let mut sources = BTreeMap::new();
    let endpoint = sagemaker_endpoint(env);
    if target == Target::Offline && endpoint.is_none() {
        return Err(refuse(
            "AWS_ENDPOINT_URL",
            "KIT_TARGET=offline but AWS_ENDPOINT_URL is not set, so the requests would go to real \
             AWS with the stand-in's defaults: start the stand-in and load its settings \
             (sagemaker-offline serve, then eval \"$(sagemaker-offline env)\"), or set \
             KIT_TARGET=aws",
        ));
    }

    // Region.
    let region_given = env_region(env)
        .map(str::to_string)
        .or_else(|| facts.region.clone().filter(|r| !r.trim().is_empty()));
    let region = match (target, region_given) {
        (_, Some(r)) => {
            sources.insert("region", "AWS configuration".to_string());
            r
        }
        (Target::Offline, None) => {
            sources.insert("region", "offline default".to_string());
            OFFLINE_REGION.to_string()
        }
        (Target::Aws, None) => {
            return Err(refuse(
                "AWS_REGION",
                "no region is configured: set AWS_REGION to the region you run the workshop in \
                 (e.g. export AWS_REGION=eu-west-1), or `region` in your AWS profile",
            ));
        }
    };
    if !region_shaped(&region) {
        return Err(refuse(
            "AWS_REGION",
            format!("'{region}' is not a region name (like eu-west-1): change AWS_REGION"),
        ));
    }

    // Image: the region's, unless KIT_TRAINING_IMAGE.
    let training_image = match env.get("KIT_TRAINING_IMAGE") {
        Some(i) => {
            sources.insert("training_image", "KIT_TRAINING_IMAGE".to_string());
            i.to_string()
        }
        None => match crate::images::row(&region) {
            Some(row) => match row.image() {
                Some(i) => {
                    sources.insert(
                        "training_image",
                        format!("the Linear Learner image of {region}"),
                    );
                    i
                }
                None => {
                    return Err(refuse(
                        "KIT_TRAINING_IMAGE",
                        format!(
                            "SageMaker runs in {region}, but the SageMaker Python SDK publishes \
                             no Linear Learner image there: set KIT_TRAINING_IMAGE to an image \
                             you can use in {region}, or AWS_REGION to another region"
                        ),
                    ));
                }
            },
            None => {
                return Err(refuse(
                    "AWS_REGION",
                    format!(
                        "'{region}' is not a region SageMaker offers (no Linear Learner image \
                         known for it): change AWS_REGION, or set KIT_TRAINING_IMAGE if the \
                         region is new"
                    ),
                ));
            }
        },
    };

    // Bucket.
    let bucket = match env.get("KIT_BUCKET") {
        Some(b) => {
            sources.insert("bucket", "KIT_BUCKET".to_string());
            b.trim_start_matches("s3://")
                .trim_end_matches('/')
                .to_string()
        }
        None if target == Target::Offline => {
            sources.insert("bucket", "offline default".to_string());
            OFFLINE_BUCKET.to_string()
        }
        None => match &facts.account {
            Some(Ok(account))
                if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
            {
                sources.insert(
                    "bucket",
                    "SageMaker's default bucket (account from STS)".to_string(),
                );
                format!("sagemaker-{region}-{account}")
            }
            Some(Ok(other)) => {
                return Err(refuse(
                    "KIT_BUCKET",
                    format!(
                        "KIT_BUCKET is not set and STS GetCallerIdentity gave no account id \
                         ('{other}'): set KIT_BUCKET"
                    ),
                ));
            }
            Some(Err(e)) if is_expired(e) => {
                let e = e.trim().trim_end_matches('.');
                return Err(refuse(
                    "AWS_PROFILE",
                    format!(
                        "the AWS credentials have expired (STS GetCallerIdentity: {e}): refresh \
                         them — `aws sso login` for an SSO profile, new keys or session token in \
                         AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or the \
                         profile named by AWS_PROFILE — and run again"
                    ),
                ));
            }
            Some(Err(e)) => {
                let e = e.trim().trim_end_matches('.');
                return Err(refuse(
                    "KIT_BUCKET",
                    format!(
                        "KIT_BUCKET is not set and the account for SageMaker's default bucket \
                         (sagemaker-{region}-<account>) could not be read with STS \
                         GetCallerIdentity: {e}. Configure credentials (AWS_PROFILE, `aws \
                         configure`, an instance role), or set KIT_BUCKET"
                    ),
                ));
            }
            None => {
                return Err(refuse(
                    "KIT_BUCKET",
                    "KIT_BUCKET is not set and the account was not looked up: set KIT_BUCKET",
                ));
            }
        },
    };
    if let Some(br) = facts.bucket_region.as_deref().filter(|r| !r.is_empty())
        && br != region
    {
        return Err(refuse(
            "KIT_BUCKET",
            format!(
                "bucket {bucket} is in {br}, but the workshop runs in {region} (training jobs \
                 read from a bucket in their own region): set KIT_BUCKET to a bucket in {region}, \
                 or AWS_REGION={br}"
            ),
        ));
    }

    // Role.
    let role_arn = match env.get("KIT_ROLE_ARN") {
        Some(r) => {
            sources.insert("role_arn", "KIT_ROLE_ARN".to_string());
            r.to_string()
        }
        None if target == Target::Offline => {
            sources.insert("role_arn", "offline default".to_string());
            offline_role()
        }
        None => {
            let (role, from) = notebook_role(env, facts)?;
            sources.insert("role_arn", from);
            role
        }
    };
    if !role_shaped(&role_arn) {
        return Err(refuse(
            "KIT_ROLE_ARN",
            format!(
                "'{role_arn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>): \
                 change KIT_ROLE_ARN"
            ),
        ));
    }
    // The offline default role left in a shell (workshop.sh and lab.sh export it) must not reach a
    // real account. Only that exact ARN: a role the rule itself found in the stand-in's account
    // (the notebook-instance rehearsal's, which the scripts then export and resolve again) is fine.
    if target == Target::Aws && role_arn == offline_role() {
        return Err(refuse(
            "KIT_ROLE_ARN",
            format!(
                "KIT_ROLE_ARN={role_arn} is the stand-in's default role, but the target is \
                 AWS: set KIT_ROLE_ARN to your SageMaker execution role"
            ),
        ));
    }

    let prefix = env
        .get("KIT_PREFIX")
        .unwrap_or(DEFAULT_PREFIX)
        .trim_matches('/')
        .to_string();
    let gdelt_bucket = env
        .get("KIT_GDELT_BUCKET")
        .unwrap_or(DEFAULT_GDELT_BUCKET)
        .to_string();
    shorthand_safe("KIT_ROLE_ARN", &role_arn)?;
    shorthand_safe("KIT_TRAINING_IMAGE", &training_image)?;
    shorthand_safe("KIT_BUCKET", &bucket)?;
    shorthand_safe("AWS_REGION", &region)?;
    shorthand_safe("KIT_PREFIX", &prefix)?;
    let endpoint_instance_type = env
        .get("KIT_ENDPOINT_INSTANCE_TYPE")
        .unwrap_or(DEFAULT_ENDPOINT_INSTANCE_TYPE)
        .to_string();
    if !instance_type_shaped(&endpoint_instance_type) {
        return Err(refuse(
            "KIT_ENDPOINT_INSTANCE_TYPE",
            format!(
                "KIT_ENDPOINT_INSTANCE_TYPE='{endpoint_instance_type}' is not a SageMaker \
                 instance type (like ml.m5.xlarge): change KIT_ENDPOINT_INSTANCE_TYPE"
            ),
        ));
    }
    Ok(Settings {
        target,
        region,
        bucket,
        prefix,
        role_arn,
        training_image,
        gdelt_bucket,
        endpoint_instance_type,
        jobs_file: jobs_file(env),
        sources,
    })
}

/// The offline target's default role (the stand-in's account).
pub fn offline_role() -> String {
    format!("arn:aws:iam::{OFFLINE_ACCOUNT}:role/SageMakerRole")
}

/// `ml.<family>.<size>` (`ml.m5.xlarge`, `ml.g4dn.2xlarge`, `ml.m5d.large`).
fn instance_type_shaped(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && parts[0] == "ml"
        && parts[1..].iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The role of an assumed-role session ARN, as the SageMaker Python SDK derives it
/// (`Session.get_caller_identity_arn` in aws/sagemaker-python-sdk `src/sagemaker/session.py`):
/// `arn:<p>:sts::<account>:assumed-role/<name>/<session>` → `arn:<p>:iam::<account>:role/<name>`,
/// with the `service-role/` path for the console-made `AmazonSageMaker-ExecutionRole-*` roles
/// (what the SDK falls back to when it may not call iam:GetRole for the path; the kit has no IAM
/// client, so a role with another path must be given as KIT_ROLE_ARN). `None` for anything that is
/// not an assumed-role session (an IAM user, a federated user, root).
pub fn role_of_assumed_role(caller_arn: &str) -> Option<String> {
    let (prefix, rest) = caller_arn.split_once(":sts::")?;
    if !prefix.starts_with("arn:") {
        return None;
    }
    let (account, rest) = rest.split_once(":assumed-role/")?;
    let (name, _session) = rest.split_once('/')?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    let path = if name.contains("AmazonSageMaker-ExecutionRole") {
        "service-role/"
    } else {
        ""
    };
    Some(format!("{prefix}:iam::{account}:role/{path}{name}"))
}

/// The notebook-instance metadata file: [`NOTEBOOK_METADATA_FILE`], or the tests' and
/// rehearsals' [`METADATA_FILE_OVERRIDE`].
pub fn metadata_path(env: &Env) -> PathBuf {
    PathBuf::from(
        env.get(METADATA_FILE_OVERRIDE)
            .unwrap_or(NOTEBOOK_METADATA_FILE),
    )
}

/// [`metadata_path`] as the sources and messages name it.
fn metadata_file(env: &Env) -> String {
    metadata_path(env).display().to_string()
}

/// The role on a notebook instance (rule 4), from the facts, with where it came from. The order
/// is the SageMaker Python SDK's `get_execution_role` (`Session.get_caller_identity_arn`): the
/// metadata file's `ExecutionRoleArn`; on a notebook instance (no `DomainId`)
/// DescribeNotebookInstance's `RoleArn`; when that fails, in Studio (whose user profile the kit
/// does not describe), or off an instance, the caller's assumed role ([`role_of_assumed_role`]).
/// An IAM user, or no identity at all, is a refusal naming KIT_ROLE_ARN.
fn notebook_role(env: &Env, facts: &Facts) -> Result<(String, String), SettingsError> {
    let file = metadata_file(env);
    let mut why_not = match facts.metadata.as_deref() {
        None => format!("this is not a SageMaker notebook instance (no {file})"),
        Some(text) => {
            let m = parse_metadata(text)?;
            if let Some(r) = m.execution_role_arn {
                return Ok((r, format!("ExecutionRoleArn in {file}")));
            }
            if m.domain_id.is_some() {
                format!("{file} is SageMaker Studio's and names no ExecutionRoleArn")
            } else if let Some(name) = m.resource_name {
                match &facts.described_role {
                    Some(Ok(r)) if !r.trim().is_empty() => {
                        return Ok((
                            r.trim().to_string(),
                            format!("notebook instance {name}'s role (DescribeNotebookInstance)"),
                        ));
                    }
                    Some(Ok(_)) => format!("notebook instance {name} has no RoleArn"),
                    Some(Err(e)) => format!(
                        "DescribeNotebookInstance {name} failed ({}; allow \
                         sagemaker:DescribeNotebookInstance)",
                        e.trim().trim_end_matches('.')
                    ),
                    None => format!("notebook instance {name}'s role was not looked up"),
                }
            } else {
                format!("{file} names no notebook instance (ResourceName)")
            }
        }
    };
    if let Some(arn) = facts.caller_arn.as_deref() {
        if let Some(role) = role_of_assumed_role(arn) {
            return Ok((
                role,
                "the caller's assumed role (STS GetCallerIdentity, as the SageMaker SDK's \
                 get_execution_role)"
                    .to_string(),
            ));
        }
        why_not.push_str(&format!(
            ", and the caller {arn} is not an assumed role (an IAM user's keys cannot be a \
             SageMaker execution role)"
        ));
    }
    Err(refuse(
        "KIT_ROLE_ARN",
        format!(
            "KIT_ROLE_ARN is not set and {why_not}: set KIT_ROLE_ARN to the ARN of a SageMaker \
             execution role, e.g. export \
             KIT_ROLE_ARN=arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1"
        ),
    ))
}

#[cfg(test)]
mod tests;
