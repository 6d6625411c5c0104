//! Bucket operations: create, delete, head, location, list.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::*;

pub(super) async fn create_bucket(
    front: &Front,
    req: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    // The region the request was signed for stands for the regional endpoint it was sent to.
    let constraint = req
        .input
        .create_bucket_configuration
        .as_ref()
        .and_then(|c| c.location_constraint.as_ref())
        .map(|c| c.as_str().to_string());
    let signed = req.region.as_ref().map(|r| r.as_str().to_string());
    let region = crate::regions::create_bucket_region(constraint.as_deref(), signed.as_deref())
        .map_err(|e| {
            let code = match e.code {
                "InvalidLocationConstraint" => S3ErrorCode::InvalidLocationConstraint,
                _ => S3ErrorCode::IllegalLocationConstraintException,
            };
            S3Error::with_message(code, e.message)
        })?;
    let s = front.store.clone();
    let b = req.input.bucket.clone();
    run(move || s.create_bucket_in(&b, &region)).await?;
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{}", req.input.bucket)),
    }))
}

pub(super) async fn delete_bucket(
    front: &Front,
    req: S3Request<DeleteBucketInput>,
) -> S3Result<S3Response<DeleteBucketOutput>> {
    let s = front.store.clone();
    run(move || s.delete_bucket(&req.input.bucket)).await?;
    Ok(S3Response::new(DeleteBucketOutput {}))
}

pub(super) async fn head_bucket(
    front: &Front,
    req: S3Request<HeadBucketInput>,
) -> S3Result<S3Response<HeadBucketOutput>> {
    let s = front.store.clone();
    let b = req.input.bucket;
    let region = run(move || s.bucket_region(&b)).await?;
    Ok(S3Response::new(HeadBucketOutput {
        bucket_region: Some(region),
        ..Default::default()
    }))
}

pub(super) async fn get_bucket_location(
    front: &Front,
    req: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    let s = front.store.clone();
    let b = req.input.bucket;
    let region = run(move || s.bucket_region(&b)).await?;
    // S3 answers an empty LocationConstraint for us-east-1.
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint: (region != crate::s3::store::DEFAULT_BUCKET_REGION)
            .then(|| BucketLocationConstraint::from(region)),
    }))
}

pub(super) async fn list_buckets(
    front: &Front,
    _req: S3Request<ListBucketsInput>,
) -> S3Result<S3Response<ListBucketsOutput>> {
    let s = front.store.clone();
    let buckets = run(move || s.list_buckets()).await?;
    Ok(S3Response::new(ListBucketsOutput {
        buckets: Some(
            buckets
                .into_iter()
                .map(|b| Bucket {
                    name: Some(b.name),
                    creation_date: Some(Timestamp::from(b.created)),
                    bucket_region: None,
                })
                .collect(),
        ),
        ..Default::default()
    }))
}
