//! Where a resource lives: SageMaker ARNs and the `s3://bucket/key` URIs of requests.

use crate::api_error::JsonError;

/// `arn:aws:sagemaker:<region>:<account>:<kind>/<lower-cased name>`.
pub(crate) fn arn(region: &str, account: &str, kind: &str, name: &str) -> String {
    format!(
        "arn:aws:sagemaker:{region}:{account}:{kind}/{}",
        name.to_ascii_lowercase()
    )
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
