//! Multipart uploads: create, upload part, upload part copy, list parts, list uploads, complete,
//! abort.

use std::io::Write;
use std::sync::Arc;

use s3s::crypto::Checksum as _;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::body::{
    Md5Tee, checksums_of, copy_range, hasher_for, md5_hex, receive, source_of, verify,
};
use super::listing::Enc;
use super::objects::{etag, expires_string, parse_copy_range, precondition};
use super::*;
use crate::s3::store::{
    Attributes, Checksums, MAX_PART_NUMBER, ObjectError, ObjectStore, PartInfo, RequestedPart,
    StagedBody,
};

pub(super) fn part_of(p: &PartInfo) -> Part {
    Part {
        part_number: Some(p.part_number),
        size: Some(i64::try_from(p.size).unwrap_or(i64::MAX)),
        e_tag: Some(etag(&p.etag)),
        last_modified: Some(Timestamp::from(p.last_modified)),
        checksum_crc32: p.checksums.crc32.clone(),
        checksum_crc32c: p.checksums.crc32c.clone(),
        checksum_sha1: p.checksums.sha1.clone(),
        checksum_sha256: p.checksums.sha256.clone(),
        checksum_crc64nvme: p.checksums.crc64nvme.clone(),
    }
}

pub(super) fn check_part_number(n: i32) -> S3Result<()> {
    if (1..=MAX_PART_NUMBER).contains(&n) {
        Ok(())
    } else {
        Err(S3Error::with_message(
            S3ErrorCode::InvalidArgument,
            "Part number must be an integer between 1 and 10000, inclusive",
        ))
    }
}

/// The upload, checked to belong to `bucket`/`key` (S3 answers NoSuchUpload otherwise).
pub(super) async fn upload_for(
    store: &Arc<dyn ObjectStore>,
    upload_id: &str,
    bucket: &str,
    key: &str,
) -> S3Result<crate::s3::store::UploadInfo> {
    let s = store.clone();
    let id = upload_id.to_string();
    let up = run(move || s.upload(&id)).await?;
    if up.bucket != bucket || up.key != key {
        return Err(s3_error_of(ObjectError::NoSuchUpload(upload_id.into())));
    }
    Ok(up)
}

pub(super) async fn create_multipart_upload(
    front: &Front,
    req: S3Request<CreateMultipartUploadInput>,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let input = req.input;
    key_ok(&input.key)?;
    let mut attributes = Attributes {
        content_type: input.content_type.map(|c| c.to_string()),
        content_encoding: input.content_encoding,
        content_disposition: input.content_disposition,
        content_language: input.content_language,
        cache_control: input.cache_control,
        expires: None,
        website_redirect_location: input.website_redirect_location,
        user_metadata: input.metadata.unwrap_or_default().into_iter().collect(),
    };
    attributes.expires = expires_string(input.expires);
    let alg = input
        .checksum_algorithm
        .as_ref()
        .map(|a| a.as_str().to_string());
    let s = front.store.clone();
    let (bucket, key) = (input.bucket.clone(), input.key.clone());
    let id = run(move || s.create_upload(&bucket, &key, attributes, alg)).await?;
    Ok(S3Response::new(CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(id),
        checksum_algorithm: input.checksum_algorithm,
        ..Default::default()
    }))
}

pub(super) async fn upload_part(
    front: &Front,
    req: S3Request<UploadPartInput>,
) -> S3Result<S3Response<UploadPartOutput>> {
    let S3Request {
        input,
        headers,
        trailing_headers,
        ..
    } = req;
    check_part_number(input.part_number)?;
    let up = upload_for(&front.store, &input.upload_id, &input.bucket, &input.key).await?;
    let given = Checksum {
        checksum_crc32: input.checksum_crc32.clone(),
        checksum_crc32c: input.checksum_crc32c.clone(),
        checksum_sha1: input.checksum_sha1.clone(),
        checksum_sha256: input.checksum_sha256.clone(),
        checksum_crc64nvme: input.checksum_crc64nvme.clone(),
        ..Default::default()
    };
    let alg = input
        .checksum_algorithm
        .as_ref()
        .map(|a| a.as_str().to_string())
        .or(up.checksum_algorithm);
    let hasher = hasher_for(&given, alg.as_deref(), &headers);
    let s = front.store.clone();
    let id = input.upload_id.clone();
    let staged = run(move || s.stage_part(&id)).await?;
    let (staged, rec) = receive(staged, input.body, hasher).await?;
    let trailers = trailing_headers.and_then(|t| t.take());
    verify(
        &rec,
        input.content_md5.as_deref(),
        &given,
        trailers.as_ref(),
    )?;
    let s = front.store.clone();
    let id = input.upload_id;
    let number = input.part_number;
    let part = run(move || {
        let part = PartInfo {
            part_number: number,
            size: 0,
            etag: rec.md5_hex,
            last_modified: std::time::SystemTime::now(),
            checksums: checksums_of(rec.computed),
        };
        commit_part_sized(&*s, &id, staged, part)
    })
    .await?;
    let c = part.checksums;
    Ok(S3Response::new(UploadPartOutput {
        e_tag: Some(etag(&part.etag)),
        checksum_crc32: c.crc32,
        checksum_crc32c: c.crc32c,
        checksum_sha1: c.sha1,
        checksum_sha256: c.sha256,
        checksum_crc64nvme: c.crc64nvme,
        ..Default::default()
    }))
}

pub(super) async fn upload_part_copy(
    front: &Front,
    req: S3Request<UploadPartCopyInput>,
) -> S3Result<S3Response<UploadPartCopyOutput>> {
    let input = req.input;
    check_part_number(input.part_number)?;
    let (sb, sk) = source_of(&input.copy_source)?;
    key_ok(&sk)?;
    upload_for(&front.store, &input.upload_id, &input.bucket, &input.key).await?;
    let range = input.copy_source_range.clone();
    let s = front.store.clone();
    let id = input.upload_id;
    let number = input.part_number;
    let part = run(move || {
        let (src, mut r) = s.open(&sb, &sk)?;
        let (start, len) = match range {
            None => (0, src.size),
            Some(r) => parse_copy_range(&r, src.size)?,
        };
        let mut staged = s.stage_part(&id)?;
        let mut tee = Md5Tee {
            inner: &mut staged,
            md5: s3s::crypto::Md5::new(),
        };
        copy_range(&mut *r, start, len, &mut tee)?;
        let md5 = md5_hex(tee.md5);
        let part = PartInfo {
            part_number: number,
            size: len,
            etag: md5,
            last_modified: std::time::SystemTime::now(),
            checksums: Checksums::default(),
        };
        commit_part_sized(&*s, &id, staged, part)
    })
    .await?;
    Ok(S3Response::new(UploadPartCopyOutput {
        copy_part_result: Some(CopyPartResult {
            e_tag: Some(etag(&part.etag)),
            last_modified: Some(Timestamp::from(part.last_modified)),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

pub(super) async fn list_parts(
    front: &Front,
    req: S3Request<ListPartsInput>,
) -> S3Result<S3Response<ListPartsOutput>> {
    let input = req.input;
    let up = upload_for(&front.store, &input.upload_id, &input.bucket, &input.key).await?;
    let s = front.store.clone();
    let id = input.upload_id.clone();
    let parts = run(move || s.list_parts(&id)).await?;
    let marker = input.part_number_marker.unwrap_or(0);
    let max = usize::try_from(input.max_parts.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000);
    let mut page: Vec<Part> = parts
        .values()
        .filter(|p| p.part_number > marker)
        .map(part_of)
        .take(max + 1)
        .collect();
    let more = page.len() > max;
    page.truncate(max);
    Ok(S3Response::new(ListPartsOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(input.upload_id),
        part_number_marker: input.part_number_marker,
        next_part_number_marker: if more {
            page.last().and_then(|p| p.part_number)
        } else {
            None
        },
        max_parts: Some(i32::try_from(max).unwrap_or(1000)),
        is_truncated: Some(more),
        checksum_algorithm: up.checksum_algorithm.map(ChecksumAlgorithm::from),
        parts: Some(page),
        ..Default::default()
    }))
}

pub(super) async fn list_multipart_uploads(
    front: &Front,
    req: S3Request<ListMultipartUploadsInput>,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let input = req.input;
    let enc = Enc::of(input.encoding_type.as_ref());
    let prefix = input.prefix.clone().unwrap_or_default();
    let s = front.store.clone();
    let bucket = input.bucket.clone();
    let ups = run(move || s.list_uploads(&bucket)).await?;
    let uploads: Vec<MultipartUpload> = ups
        .into_iter()
        .filter(|u| u.key.starts_with(&prefix))
        .map(|u| MultipartUpload {
            key: Some(enc.s(&u.key)),
            upload_id: Some(u.upload_id),
            initiated: Some(Timestamp::from(u.initiated)),
            checksum_algorithm: u.checksum_algorithm.map(ChecksumAlgorithm::from),
            ..Default::default()
        })
        .collect();
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: Some(enc.s(&prefix)),
        encoding_type: input.encoding_type,
        max_uploads: Some(1000),
        is_truncated: Some(false),
        uploads: (!uploads.is_empty()).then_some(uploads),
        ..Default::default()
    }))
}

pub(super) async fn complete_multipart_upload(
    front: &Front,
    req: S3Request<CompleteMultipartUploadInput>,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let input = req.input;
    upload_for(&front.store, &input.upload_id, &input.bucket, &input.key).await?;
    let mut parts = Vec::new();
    for p in input
        .multipart_upload
        .and_then(|m| m.parts)
        .unwrap_or_default()
    {
        let Some(n) = p.part_number else {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidPart,
                "A part in the list has no PartNumber",
            ));
        };
        parts.push(RequestedPart {
            part_number: n,
            etag: p.e_tag.map(|e| e.value().trim_matches('"').to_string()),
            checksums: Checksums {
                crc32: p.checksum_crc32,
                crc32c: p.checksum_crc32c,
                sha1: p.checksum_sha1,
                sha256: p.checksum_sha256,
                crc64nvme: p.checksum_crc64nvme,
            },
        });
    }
    let cond = precondition(input.if_match.as_ref(), input.if_none_match.as_ref());
    let s = front.store.clone();
    let id = input.upload_id;
    let info = run(move || s.complete_upload(&id, &parts, &cond)).await?;
    Ok(S3Response::new(CompleteMultipartUploadOutput {
        bucket: Some(input.bucket.clone()),
        key: Some(input.key.clone()),
        e_tag: Some(etag(&info.etag)),
        location: Some(format!("/{}/{}", input.bucket, input.key)),
        ..Default::default()
    }))
}

pub(super) async fn abort_multipart_upload(
    front: &Front,
    req: S3Request<AbortMultipartUploadInput>,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    let input = req.input;
    upload_for(&front.store, &input.upload_id, &input.bucket, &input.key).await?;
    let s = front.store.clone();
    run(move || s.abort_upload(&input.upload_id)).await?;
    Ok(S3Response::new(AbortMultipartUploadOutput::default()))
}

/// Commits a part, taking its size from what was staged.
pub(super) fn commit_part_sized(
    s: &dyn ObjectStore,
    id: &str,
    mut staged: Box<dyn StagedBody>,
    mut part: PartInfo,
) -> Result<PartInfo, ObjectError> {
    staged.flush()?;
    part.size = staged.written();
    s.commit_part(id, staged, part.clone())?;
    Ok(part)
}
