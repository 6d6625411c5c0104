//! [`Front`]: s3s's [`S3`] trait over an [`ObjectStore`] — the S3 operations the kit, the AWS CLI,
//! boto3 and aws-sdk-rust use: buckets (create, head, list, location, delete), objects (put, get
//! with ranges, head, delete, delete many, copy, list v1/v2) and multipart uploads (create, upload
//! part, upload part copy, list parts, list uploads, complete, abort). Every other operation keeps
//! s3s's default answer, `NotImplemented`.
//!
//! Order of a write (PutObject, UploadPart): the bucket or upload is checked first (so a PUT into a
//! missing bucket is `NoSuchBucket` and creates nothing), the body is streamed into a staged file
//! while MD5 and the requested checksums are computed, then Content-MD5 (`BadDigest`,
//! `InvalidDigest`) and every `x-amz-checksum-*` header or trailer (`BadDigest`) are compared, and
//! only then is the staged file committed. A body that fails its signed `x-amz-content-sha256`
//! is `XAmzContentSHA256Mismatch` (400), as S3 answers, not a 500 that SDKs would retry.
//!
//! Listings implement S3's rules directly: any UTF-8 delimiter (an empty one is no delimiter),
//! `EncodingType=url` (keys, prefixes, delimiter and markers percent-encoded — boto3 and the AWS
//! CLI always ask for it and decode what they get), and opaque continuation tokens.

mod body;
mod buckets;
mod listing;
mod multipart;
mod objects;

use std::sync::Arc;

use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use super::store::{ObjectError, ObjectStore, check_object_key};

/// The S3 service over an object store.
#[derive(Debug, Clone)]
pub struct Front {
    store: Arc<dyn ObjectStore>,
}

impl Front {
    /// The S3 front end of `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }
}

/// Maps a store error to S3's error of the same meaning.
pub fn s3_error_of(e: ObjectError) -> S3Error {
    use S3ErrorCode as C;
    let msg = e.to_string();
    let code = match &e {
        ObjectError::NoSuchBucket(_) => C::NoSuchBucket,
        ObjectError::NoSuchKey(..) => C::NoSuchKey,
        ObjectError::NoSuchUpload(_) => C::NoSuchUpload,
        ObjectError::BucketNotEmpty(_) => C::BucketNotEmpty,
        ObjectError::BucketAlreadyOwnedByYou(_) => C::BucketAlreadyOwnedByYou,
        ObjectError::KeyTooLong(_) => C::KeyTooLongError,
        ObjectError::Invalid(m) if m.starts_with("bucket name") => C::InvalidBucketName,
        ObjectError::Invalid(_) => C::InvalidArgument,
        ObjectError::InvalidPart(_) => C::InvalidPart,
        ObjectError::InvalidPartOrder => C::InvalidPartOrder,
        ObjectError::EntityTooSmall(..) => C::EntityTooSmall,
        ObjectError::PreconditionFailed(_) => C::PreconditionFailed,
        ObjectError::Corrupt(_) | ObjectError::Io(_) => {
            tracing::error!(error = %e, "object store failure");
            C::InternalError
        }
    };
    S3Error::with_message(code, msg)
}

/// Runs a store call on the blocking pool (the disk store does file I/O).
async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ObjectError> + Send + 'static,
) -> S3Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| s3_error!(InternalError, "storage task failed: {e}"))?
        .map_err(s3_error_of)
}

fn key_ok(key: &str) -> S3Result<()> {
    check_object_key(key).map_err(s3_error_of)
}

#[async_trait::async_trait]
impl S3 for Front {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        buckets::create_bucket(self, req).await
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        buckets::delete_bucket(self, req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        buckets::head_bucket(self, req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        buckets::get_bucket_location(self, req).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        buckets::list_buckets(self, req).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        objects::put_object(self, req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        objects::get_object(self, req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        objects::head_object(self, req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        objects::delete_object(self, req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        objects::delete_objects(self, req).await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        objects::copy_object(self, req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        listing::list_objects_v2(self, req).await
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        listing::list_objects(self, req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        multipart::create_multipart_upload(self, req).await
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        multipart::upload_part(self, req).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        multipart::upload_part_copy(self, req).await
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        multipart::list_parts(self, req).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        multipart::list_multipart_uploads(self, req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        multipart::complete_multipart_upload(self, req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        multipart::abort_multipart_upload(self, req).await
    }
}
