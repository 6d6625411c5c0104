//! Shared context handed to every part of the stand-in.

use std::path::PathBuf;
use std::sync::Arc;

/// Everything a request handler or background job needs.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Region reported in ARNs and accepted in signatures (e.g. `us-east-1`).
    pub region: String,
    /// 12-digit account id used in ARNs.
    pub account_id: String,
    /// Root of all persistent state.
    pub state_dir: PathBuf,
    /// The S3 objects.
    pub objects: Arc<dyn crate::s3::ObjectStore>,
    /// CloudWatch Logs.
    pub logs: Arc<crate::logs::LogStore>,
}

impl Ctx {
    /// Directory where the SageMaker part keeps its own records (jobs, models, configs, endpoints).
    pub fn sagemaker_dir(&self) -> PathBuf {
        self.state_dir.join("sagemaker")
    }
    /// Scratch directory for training hosts' File-mode input copies.
    pub fn work_dir(&self) -> PathBuf {
        self.state_dir.join("work")
    }
}
