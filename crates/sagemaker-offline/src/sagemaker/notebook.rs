//! DescribeNotebookInstance, for the notebook-instance rehearsal (docs/SEMANTICS.md): the kit finds
//! a notebook instance's execution role as the SageMaker Python SDK does — the instance's name from
//! `/opt/ml/metadata/resource-metadata.json`, then this call's `RoleArn`. The stand-in has no
//! notebook instances of its own; `serve --notebook-instance NAME` declares one (`InService`, an
//! `ml.t3.medium`, with the role [`execution_role`]). Any other name is `ValidationException`
//! `RecordNotFound`, SageMaker's answer for a notebook instance that does not exist.

use sagemaker_api::sagemaker::{
    DescribeNotebookInstanceInput, DescribeNotebookInstanceOutput, DirectInternetAccess,
    InstanceType, NotebookInstanceStatus,
};

use super::Inner;
use crate::api_error::JsonError;

/// The execution role of the declared notebook instances: the path and name pattern of the
/// role the SageMaker console creates, in the stand-in's account.
pub fn execution_role(account: &str) -> String {
    format!(
        "arn:aws:iam::{account}:role/service-role/AmazonSageMaker-ExecutionRole-sagemaker-offline"
    )
}

/// DescribeNotebookInstance.
pub(crate) fn describe(
    inner: &Inner,
    req: &DescribeNotebookInstanceInput,
) -> Result<DescribeNotebookInstanceOutput, JsonError> {
    let name = req.notebook_instance_name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err(JsonError::validation(
            "1 validation error detected: Value null at 'notebookInstanceName' failed to satisfy \
             constraint: Member must not be null",
        ));
    }
    if !inner.opts.notebook_instances.contains(&name) {
        return Err(JsonError::validation("RecordNotFound"));
    }
    Ok(DescribeNotebookInstanceOutput {
        notebook_instance_arn: Some(inner.arn("notebook-instance", &name)),
        notebook_instance_name: Some(name.clone()),
        notebook_instance_status: Some(NotebookInstanceStatus::InService),
        url: Some(format!(
            "{}.notebook.{}.sagemaker.aws",
            name.to_ascii_lowercase(),
            inner.ctx.region
        )),
        instance_type: Some(InstanceType::MlT3Medium),
        role_arn: Some(execution_role(&inner.ctx.account_id)),
        direct_internet_access: Some(DirectInternetAccess::Enabled),
        volume_size_in_gb: Some(5),
        ..Default::default()
    })
}
