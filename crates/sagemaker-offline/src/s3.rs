//! The S3 front end: s3s 0.14 (protocol, SigV4 incl. aws-chunked uploads and trailers) over
//! s3s-fs 0.14 (objects as files), rooted at the [`ObjectStore`](crate::objects::ObjectStore)'s
//! directory so both see the same objects.
//!
//! What we add on top of s3s-fs is an access check ([`KeyGuard`]): s3s-fs joins `<bucket>/<key>`
//! onto its root and only refuses paths that leave the *root*, so a key like `../other-bucket/x`
//! or `../.bucket-….internal.json` would reach another bucket or s3s-fs's own side files. The guard
//! refuses anonymous requests (AccessDenied, as s3s's default check does) and any key the object
//! store would refuse (`..` segments, absolute keys, NUL) — in the request path, in
//! `x-amz-copy-source` and in DeleteObjects bodies — with `InvalidArgument`, before s3s-fs sees it.

use s3s::access::{S3Access, S3AccessContext};
use s3s::dto::{CopyObjectInput, CopySource, DeleteObjectsInput, UploadPartCopyInput};
use s3s::{S3Request, S3Result, s3_error};

use crate::objects::check_key;

/// Access control for the S3 front end (see the module docs).
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyGuard;

fn check(key: &str) -> S3Result<()> {
    check_key(key).map_err(|msg| {
        s3_error!(
            InvalidArgument,
            "{msg}; sagemaker-offline stores objects as files and refuses such keys"
        )
    })
}

fn check_copy_source(src: &CopySource) -> S3Result<()> {
    match src {
        CopySource::Bucket { key, .. } => check(key),
        _ => Err(s3_error!(
            NotImplemented,
            "only <bucket>/<key> copy sources are supported"
        )),
    }
}

#[async_trait::async_trait]
impl S3Access for KeyGuard {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3_error!(
                AccessDenied,
                "Anonymous access is not allowed: sign requests with the sagemaker-offline key pair (see `sagemaker-offline env`)"
            ));
        }
        if let Some(key) = cx.s3_path().get_object_key() {
            check(key)?;
        }
        Ok(())
    }

    async fn copy_object(&self, req: &mut S3Request<CopyObjectInput>) -> S3Result<()> {
        check_copy_source(&req.input.copy_source)
    }

    async fn upload_part_copy(&self, req: &mut S3Request<UploadPartCopyInput>) -> S3Result<()> {
        check_copy_source(&req.input.copy_source)
    }

    async fn delete_objects(&self, req: &mut S3Request<DeleteObjectsInput>) -> S3Result<()> {
        for obj in &req.input.delete.objects {
            check(&obj.key)?;
        }
        Ok(())
    }
}

/// The one key pair S3 accepts. (s3s's `SimpleAuth` answers an unknown key with `NotSignedUp`;
/// real S3 says `InvalidAccessKeyId`, which is what clients and scripts expect.)
#[derive(Debug, Clone)]
pub struct SingleKeyAuth {
    access_key: String,
    secret_key: String,
}

#[async_trait::async_trait]
impl s3s::auth::S3Auth for SingleKeyAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<s3s::auth::SecretKey> {
        if access_key == self.access_key {
            Ok(s3s::auth::SecretKey::from(self.secret_key.as_str()))
        } else {
            Err(s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            ))
        }
    }
}

/// Error building the S3 service.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the S3 object directory {path}: {reason}")]
pub struct S3SetupError {
    path: String,
    reason: String,
}

/// Builds the s3s service over `root` accepting exactly one key pair.
pub fn build_service(
    root: &std::path::Path,
    access_key: &str,
    secret_key: &str,
) -> Result<s3s::service::S3Service, S3SetupError> {
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| S3SetupError {
        path: root.display().to_string(),
        reason: format!("{e:?}"),
    })?;
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(SingleKeyAuth {
        access_key: access_key.to_string(),
        secret_key: secret_key.to_string(),
    });
    b.set_access(KeyGuard);
    Ok(b.build())
}
