//! Bucket operations: create, delete, head, location, list.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::*;

pub(super) async fn create_bucket(
    front: &Front,
    req: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let s = front.store.clone();
    let b = req.input.bucket.clone();
    run(move || s.create_bucket(&b)).await?;
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
    if !run(move || Ok(s.bucket_exists(&b))).await? {
        return Err(s3_error!(NoSuchBucket));
    }
    Ok(S3Response::new(HeadBucketOutput::default()))
}

pub(super) async fn get_bucket_location(
    front: &Front,
    req: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    let s = front.store.clone();
    let b = req.input.bucket;
    if !run(move || Ok(s.bucket_exists(&b))).await? {
        return Err(s3_error!(NoSuchBucket));
    }
    Ok(S3Response::new(GetBucketLocationOutput::default()))
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
