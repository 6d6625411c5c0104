//! Serde types of the SageMaker, SageMaker runtime and CloudWatch Logs operations the kit serves
//! (`sagemaker-offline`) or calls (kernel-helpers, the `kit` binary): one request, response and
//! error type per operation, the status and error-code enums, and the documented constraints.
//!
//! # Why generated
//! One type per operation, shared by the client and the server, is what keeps the two from
//! drifting (mini-redis's `cmd/` modules do it by hand for five commands). SageMaker's shapes are
//! too many and too deep to copy by hand without mistakes — `CreateTrainingJob`'s request alone reaches 37
//! structures — and AWS publishes them as data: botocore's `service-2.json` models, the same
//! files the AWS CLI and boto3 validate against. So, as s3s does for S3
//! (<https://github.com/s3s-project/s3s>, `codegen/` → `crates/s3s/src/dto/generated.rs`):
//! - `model/extract.py` cuts the listed operations and every shape they reach out of botocore's
//!   models into `model/{sagemaker,sagemaker-runtime,logs}.json` (small, reviewable, checked in,
//!   each recording the botocore version it came from);
//! - `codegen/` (the `sagemaker-api-codegen` crate) renders them into `src/generated/*.rs`;
//! - `tests/codegen.rs` renders again and fails when the checked-in code differs.
//!
//! The alternative, `aws-sdk-sagemaker`, is 876k lines of generated Rust; here
//! only the kit's operations are generated, with no builders, to keep `:dep` builds short.
//!
//! # Regenerating
//! ```text
//! .venv/bin/python crates/sagemaker-api/model/extract.py   # a new botocore or a new operation
//! cargo run -p sagemaker-api-codegen                        # rewrite src/generated/*.rs
//! cargo test -p sagemaker-api                               # the diff test and round trips
//! ```
//!
//! # Conventions of the generated types
//! - Modules: [`sagemaker`] (JSON 1.1, target prefix `SageMaker`), [`runtime`] (REST-JSON:
//!   `InvokeEndpoint`'s members travel in headers, the URI and the raw body, so its input and
//!   output are plain structs with the header names as constants) and [`logs`] (JSON 1.1,
//!   `Logs_20140328`). Each has an `Operation` enum (wire name, target, HTTP binding, modelled
//!   errors), `ERRORS` (code and status of every error shape) and a `rules` module (one [`Rule`] per
//!   constrained shape). The JSON services also have a `Request` enum whose `parse(op, body)`
//!   reads any operation's body (a server dispatches on it), and every input type implements
//!   [`JsonOperation`] (its target and output type: a client sends `T` and reads `T::Output`).
//! - Field names are the snake-case member names; serde renames give the exact wire names.
//! - A member is an `Option` unless the model requires it *and* the structure is reached only by
//!   responses. Required members of request structures stay `Option` so that a request missing
//!   one still parses and the server can answer SageMaker's own `ValidationException`
//!   ("Member must not be null", listed with every other violation) rather than a parse error;
//!   the generated [`Validate`] impls report them.
//! - String enums keep a value the model does not list in `Unknown(String)`: a status AWS adds
//!   later never fails a parse.
//! - Timestamps are [`Timestamp`]: epoch seconds as JSON 1.1 sends them. Integers are `i32`
//!   (`integer`) or `i64` (`long`); `float`/`double` are `f64`; maps are `BTreeMap`s.
//! - Doc comments are the first sentence of the model's documentation.
//!
//! # Example
//! A client builds a request (required members are `Some`, the rest default to `None`), checks
//! it as the service would, and reads the answer:
//! ```
//! use sagemaker_api::sagemaker::{
//!     AlgorithmSpecification, CreateTrainingJobRequest, DescribeTrainingJobResponse,
//!     OutputDataConfig, ResourceConfig, StoppingCondition, TrainingInputMode,
//!     TrainingInstanceType, TrainingJobStatus,
//! };
//! use sagemaker_api::{JsonOperation, validate};
//!
//! let req = CreateTrainingJobRequest {
//!     training_job_name: Some("DEMO-linear-sharded".into()),
//!     role_arn: Some("arn:aws:iam::123456789012:role/SageMakerRole".into()),
//!     algorithm_specification: Some(AlgorithmSpecification {
//!         training_image: Some("382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1".into()),
//!         training_input_mode: Some(TrainingInputMode::File),
//!         ..Default::default()
//!     }),
//!     resource_config: Some(ResourceConfig {
//!         instance_type: Some(TrainingInstanceType::MlC42xlarge),
//!         instance_count: Some(5),
//!         volume_size_in_gb: Some(10),
//!         ..Default::default()
//!     }),
//!     output_data_config: Some(OutputDataConfig {
//!         s3_output_path: Some("s3://bucket/sagemaker/DEMO-linear".into()),
//!         ..Default::default()
//!     }),
//!     stopping_condition: Some(StoppingCondition {
//!         max_runtime_in_seconds: Some(1800),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! assert_eq!(validate(&req), Ok(()));
//! assert_eq!(CreateTrainingJobRequest::TARGET, "SageMaker.CreateTrainingJob");
//! let body = serde_json::to_string(&req)?;
//! assert!(body.contains(r#""VolumeSizeInGB":10"#));
//!
//! let d: DescribeTrainingJobResponse = serde_json::from_str(
//!     r#"{"TrainingJobName":"j","TrainingJobArn":"arn:aws:sagemaker:us-east-1:123456789012:training-job/j",
//!         "ModelArtifacts":{"S3ModelArtifacts":"s3://b/j/output/model.tar.gz"},
//!         "TrainingJobStatus":"Completed","SecondaryStatus":"Completed",
//!         "StoppingCondition":{"MaxRuntimeInSeconds":1800},"CreationTime":1700000000.5}"#,
//! )?;
//! assert_eq!(d.training_job_status, TrainingJobStatus::Completed);
//! // A response lacking a member the model requires does not parse:
//! assert!(serde_json::from_str::<DescribeTrainingJobResponse>(r#"{"TrainingJobName":"j"}"#).is_err());
//! # Ok::<(), serde_json::Error>(())
//! ```

/// Defines a string enum whose unknown values are kept: `Name { Variant = "wire", … }`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($var:ident = $val:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(#[doc = $val] $var,)*
            /// A value the model does not list, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The values the model lists, in its order.
            pub const VALUES: &'static [&'static str] = &[$($val),*];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$var => $val,)*
                    Self::Unknown(s) => s,
                }
            }

            /// Whether the value is one the model lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($val => Self::$var,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str($crate::StrVisitor(std::marker::PhantomData))
            }
        }
    };
}

/// Deserializes a string enum from a borrowed or owned string without an extra allocation.
struct StrVisitor<T>(std::marker::PhantomData<T>);

impl<T: for<'a> From<&'a str>> serde::de::Visitor<'_> for StrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }
}

mod error;
mod validate;

#[rustfmt::skip]
mod generated {
    pub mod logs;
    pub mod runtime;
    pub mod sagemaker;
}

pub use error::{ErrorBody, ErrorCode};
pub use generated::{logs, runtime, sagemaker};
pub use validate::{Checker, MemberRule, Rule, Validate, full_regex, member_rule, validate};

/// The input type of a JSON 1.1 operation, for typed clients: `POST /` with
/// `X-Amz-Target: TARGET` and the serialized input as the body; a 200 answer parses as `Output`.
pub trait JsonOperation: serde::Serialize {
    /// The operation's wire name, e.g. `CreateTrainingJob`.
    const OPERATION: &'static str;
    /// The `X-Amz-Target` header value, e.g. `SageMaker.CreateTrainingJob`.
    const TARGET: &'static str;
    /// What a successful call answers.
    type Output: serde::de::DeserializeOwned + serde::Serialize;
}

/// The answer of an operation without an output shape: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Empty {}

/// A JSON 1.1 timestamp: seconds since the Unix epoch, fractional (SageMaker sends milliseconds
/// as the fraction, e.g. `1700000000.123`).
pub type Timestamp = f64;
