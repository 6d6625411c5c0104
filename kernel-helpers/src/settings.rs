//! Notebook settings: the kit's one settings rule ([`kit::settings`], the same the scripts use
//! through the `kit` binary), with the look-ups it asks for done by [`crate::lookups`] with the
//! notebooks' own clients: the region from the AWS configuration chain (environment, profile, instance
//! metadata), the account from STS GetCallerIdentity (for SageMaker's default bucket
//! `sagemaker-<region>-<account>`), the notebook instance's execution role (the metadata file
//! `/opt/ml/metadata/resource-metadata.json`, then DescribeNotebookInstance), and the bucket's
//! region (HeadBucket). `KIT_*` variables win; offline defaults apply only against the stand-in.
//! A refusal is one message naming the setting to change (docs/SEMANTICS.md, "Settings").

use crate::error::{KitError, KitResult};
pub use kit::settings::{Env, Facts, SettingsError, Target};

/// The workshop's values: target, region, bucket, prefix, role, image, GDELT bucket, jobs file
/// (`kit::settings::Settings`; [`Settings::s3_uri`] and [`Settings::data_key`] build S3 names).
pub type Settings = kit::settings::Settings;

/// `Settings::from_env()` in the notebooks (the prelude brings this trait into scope; implemented
/// in [`crate::lookups`], the control-plane layer that can make the calls).
pub trait FromEnv: Sized {
    /// Resolves the settings from the environment with the kit's rule; looks up what the rule
    /// needs (region, account, notebook role, bucket region) with the standard AWS configuration.
    fn from_env() -> KitResult<Self>;
}

/// A refusal of the rule as the notebooks' error.
pub fn refused(e: SettingsError) -> KitError {
    KitError::msg(e.message)
}

/// The metadata file's contents ([`kit::settings::metadata_path`]: the notebook instance's, or for
/// tests and rehearsals `SAGEMAKER_OFFLINE_METADATA_FILE`); `None` when there is no such file.
pub fn metadata(env: &Env) -> KitResult<Option<String>> {
    let path = kit::settings::metadata_path(env);
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(KitError::msg(format!("reading {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_keys() {
        let s = kit::settings::resolve(
            &Env::of([
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
                ("KIT_BUCKET", "b"),
                ("KIT_PREFIX", "p/q"),
            ]),
            &Facts::default(),
        )
        .unwrap();
        assert_eq!(s.s3_uri("train"), "s3://b/p/q/train/");
        assert_eq!(s.s3_uri(""), "s3://b/p/q/");
        assert_eq!(s.data_key("validation", 1983), "p/q/validation/1983.data");
    }
}
