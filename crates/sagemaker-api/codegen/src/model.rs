//! The parts of a botocore `service-2.json` model the generator reads (serde mirrors of its
//! JSON: metadata, operations, shapes and their members).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct Model {
    pub(crate) source: Source,
    pub(crate) metadata: Metadata,
    pub(crate) operations: BTreeMap<String, Operation>,
    pub(crate) shapes: BTreeMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Source {
    pub(crate) botocore: String,
    pub(crate) file: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Metadata {
    pub(crate) api_version: String,
    pub(crate) protocol: String,
    pub(crate) target_prefix: Option<String>,
    pub(crate) service_id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Operation {
    pub(crate) http: Http,
    pub(crate) documentation: Option<String>,
    pub(crate) input: Option<String>,
    pub(crate) output: Option<String>,
    #[serde(default)]
    pub(crate) errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Http {
    pub(crate) method: String,
    pub(crate) request_uri: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Shape {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) required: Vec<String>,
    #[serde(default)]
    pub(crate) members: Vec<Member>,
    pub(crate) member: Option<Ref>,
    pub(crate) key: Option<Ref>,
    pub(crate) value: Option<Ref>,
    #[serde(rename = "enum")]
    pub(crate) values: Option<Vec<String>>,
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
    pub(crate) pattern: Option<String>,
    #[serde(rename = "messagePattern")]
    pub(crate) message_pattern: Option<String>,
    pub(crate) documentation: Option<String>,
    #[serde(default)]
    pub(crate) exception: bool,
    #[serde(default)]
    pub(crate) fault: bool,
    pub(crate) error: Option<ErrorInfo>,
    pub(crate) payload: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorInfo {
    pub(crate) code: Option<String>,
    pub(crate) http_status_code: Option<u16>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Ref {
    pub(crate) shape: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) shape: String,
    pub(crate) location: Option<String>,
    pub(crate) location_name: Option<String>,
    pub(crate) documentation: Option<String>,
}
