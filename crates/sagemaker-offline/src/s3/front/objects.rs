//! Object operations: put, get (ranges), head, delete, delete many, copy; the conditional and
//! attribute headers they share with multipart uploads.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::body::{checksums_of, copy_range, hasher_for, receive, source_of, stream_body, verify};
use super::*;
use crate::s3::store::{
    Attributes, Checksums, NewObject, ObjectError, Precondition, check_object_key,
};

pub(super) fn precondition(
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
) -> Precondition {
    if let Some(c) = if_match {
        if c.is_any() {
            return Precondition::IfMatchAny;
        }
        if let Some(e) = c.as_etag() {
            return Precondition::IfMatch(e.value().to_string());
        }
    }
    if if_none_match.is_some_and(ETagCondition::is_any) {
        return Precondition::IfNoneMatchAny;
    }
    Precondition::None
}

pub(super) fn expires_string(t: Option<Timestamp>) -> Option<String> {
    let t = t?;
    let mut buf = Vec::new();
    t.format(TimestampFormat::HttpDate, &mut buf).ok()?;
    String::from_utf8(buf).ok()
}

pub(super) fn expires_of(a: &Attributes) -> Option<Timestamp> {
    a.expires
        .as_deref()
        .and_then(|s| Timestamp::parse(TimestampFormat::HttpDate, s).ok())
}

pub(super) fn etag(s: &str) -> ETag {
    ETag::Strong(s.to_string())
}

pub(super) async fn put_object(
    front: &Front,
    req: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    let S3Request {
        input,
        headers,
        trailing_headers,
        ..
    } = req;
    if let Some(sc) = &input.storage_class
        && !["STANDARD", "REDUCED_REDUNDANCY"].contains(&sc.as_str())
    {
        return Err(s3_error!(InvalidStorageClass));
    }
    key_ok(&input.key)?;
    let given = Checksum {
        checksum_crc32: input.checksum_crc32.clone(),
        checksum_crc32c: input.checksum_crc32c.clone(),
        checksum_sha1: input.checksum_sha1.clone(),
        checksum_sha256: input.checksum_sha256.clone(),
        checksum_crc64nvme: input.checksum_crc64nvme.clone(),
        ..Default::default()
    };
    let hasher = hasher_for(
        &given,
        input
            .checksum_algorithm
            .as_ref()
            .map(ChecksumAlgorithm::as_str),
        &headers,
    );
    let s = front.store.clone();
    let bucket = input.bucket.clone();
    let staged = run(move || s.stage(&bucket)).await?;
    let (staged, rec) = receive(staged, input.body, hasher).await?;
    let trailers = trailing_headers.and_then(|t| t.take());
    verify(
        &rec,
        input.content_md5.as_deref(),
        &given,
        trailers.as_ref(),
    )?;
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
    let meta = NewObject {
        etag: rec.md5_hex,
        checksums: checksums_of(rec.computed),
        attributes,
    };
    let cond = precondition(input.if_match.as_ref(), input.if_none_match.as_ref());
    let s = front.store.clone();
    let (bucket, key) = (input.bucket, input.key);
    let info = run(move || s.commit(&bucket, &key, staged, meta, &cond)).await?;
    let c = info.checksums;
    Ok(S3Response::new(PutObjectOutput {
        e_tag: Some(etag(&info.etag)),
        checksum_crc32: c.crc32,
        checksum_crc32c: c.crc32c,
        checksum_sha1: c.sha1,
        checksum_sha256: c.sha256,
        checksum_crc64nvme: c.crc64nvme,
        ..Default::default()
    }))
}

pub(super) async fn get_object(
    front: &Front,
    req: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let input = req.input;
    key_ok(&input.key)?;
    let s = front.store.clone();
    let (bucket, key) = (input.bucket.clone(), input.key.clone());
    let (info, reader) = run(move || s.open(&bucket, &key)).await?;
    let (start, len, content_range) = match &input.range {
        None => (0, info.size, None),
        Some(r) => {
            let r = r.check(info.size)?;
            let len = r.end - r.start;
            (
                r.start,
                len,
                Some(format!("bytes {}-{}/{}", r.start, r.end - 1, info.size)),
            )
        }
    };
    let whole = content_range.is_none();
    let a = &info.attributes;
    let c = if whole {
        info.checksums.clone()
    } else {
        Checksums::default() // S3 sends no full-object checksum with a part of the object
    };
    let out = GetObjectOutput {
        body: Some(stream_body(reader, start, len)),
        content_length: Some(i64::try_from(len).unwrap_or(i64::MAX)),
        content_range,
        accept_ranges: Some("bytes".into()),
        last_modified: Some(Timestamp::from(info.last_modified)),
        e_tag: Some(etag(&info.etag)),
        content_type: a.content_type.as_deref().and_then(|t| t.parse().ok()),
        content_encoding: a.content_encoding.clone(),
        content_disposition: a.content_disposition.clone(),
        content_language: a.content_language.clone(),
        cache_control: a.cache_control.clone(),
        expires: expires_of(a),
        website_redirect_location: a.website_redirect_location.clone(),
        metadata: (!a.user_metadata.is_empty())
            .then(|| a.user_metadata.clone().into_iter().collect()),
        checksum_crc32: c.crc32,
        checksum_crc32c: c.crc32c,
        checksum_sha1: c.sha1,
        checksum_sha256: c.sha256,
        checksum_crc64nvme: c.crc64nvme,
        ..Default::default()
    };
    Ok(S3Response::new(out))
}

pub(super) async fn head_object(
    front: &Front,
    req: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let input = req.input;
    key_ok(&input.key)?;
    let s = front.store.clone();
    let info = run(move || s.head(&input.bucket, &input.key)).await?;
    let a = &info.attributes;
    let c = info.checksums.clone();
    Ok(S3Response::new(HeadObjectOutput {
        content_length: Some(i64::try_from(info.size).unwrap_or(i64::MAX)),
        accept_ranges: Some("bytes".into()),
        last_modified: Some(Timestamp::from(info.last_modified)),
        e_tag: Some(etag(&info.etag)),
        content_type: a.content_type.as_deref().and_then(|t| t.parse().ok()),
        content_encoding: a.content_encoding.clone(),
        content_disposition: a.content_disposition.clone(),
        content_language: a.content_language.clone(),
        cache_control: a.cache_control.clone(),
        expires: expires_of(a),
        website_redirect_location: a.website_redirect_location.clone(),
        metadata: (!a.user_metadata.is_empty())
            .then(|| a.user_metadata.clone().into_iter().collect()),
        checksum_crc32: c.crc32,
        checksum_crc32c: c.crc32c,
        checksum_sha1: c.sha1,
        checksum_sha256: c.sha256,
        checksum_crc64nvme: c.crc64nvme,
        ..Default::default()
    }))
}

pub(super) async fn delete_object(
    front: &Front,
    req: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    let input = req.input;
    key_ok(&input.key)?;
    let s = front.store.clone();
    run(move || s.delete(&input.bucket, &input.key)).await?;
    Ok(S3Response::new(DeleteObjectOutput::default()))
}

pub(super) async fn delete_objects(
    front: &Front,
    req: S3Request<DeleteObjectsInput>,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    let input = req.input;
    let quiet = input.delete.quiet.unwrap_or(false);
    let s = front.store.clone();
    let bucket = input.bucket;
    let keys: Vec<String> = input.delete.objects.into_iter().map(|o| o.key).collect();
    let results = run(move || {
        if !s.bucket_exists(&bucket) {
            return Err(ObjectError::NoSuchBucket(bucket));
        }
        Ok(keys
            .into_iter()
            .map(|k| {
                let r = check_object_key(&k).and_then(|()| s.delete(&bucket, &k));
                (k, r)
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for (k, r) in results {
        match r {
            Ok(()) => {
                if !quiet {
                    deleted.push(DeletedObject {
                        key: Some(k),
                        ..Default::default()
                    });
                }
            }
            Err(e) => {
                let e = s3_error_of(e);
                errors.push(Error {
                    code: Some(e.code().as_str().to_string()),
                    key: Some(k),
                    message: e.message().map(str::to_owned),
                    version_id: None,
                });
            }
        }
    }
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted: (!deleted.is_empty()).then_some(deleted),
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    }))
}

pub(super) async fn copy_object(
    front: &Front,
    req: S3Request<CopyObjectInput>,
) -> S3Result<S3Response<CopyObjectOutput>> {
    let input = req.input;
    let (sb, sk) = source_of(&input.copy_source)?;
    key_ok(&sk)?;
    key_ok(&input.key)?;
    let replace = input
        .metadata_directive
        .as_ref()
        .is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
    let mut new_attrs = Attributes {
        content_type: input.content_type.map(|c| c.to_string()),
        content_encoding: input.content_encoding,
        content_disposition: input.content_disposition,
        content_language: input.content_language,
        cache_control: input.cache_control,
        expires: None,
        website_redirect_location: input.website_redirect_location,
        user_metadata: input.metadata.unwrap_or_default().into_iter().collect(),
    };
    new_attrs.expires = expires_string(input.expires);
    let s = front.store.clone();
    let (db, dk) = (input.bucket, input.key);
    let info = run(move || {
        let (src, mut r) = s.open(&sb, &sk)?;
        let mut staged = s.stage(&db)?;
        copy_range(&mut *r, 0, src.size, &mut staged)?;
        let meta = NewObject {
            etag: src.etag.clone(),
            checksums: src.checksums.clone(),
            attributes: if replace { new_attrs } else { src.attributes },
        };
        s.commit(&db, &dk, staged, meta, &Precondition::None)
    })
    .await?;
    Ok(S3Response::new(CopyObjectOutput {
        copy_object_result: Some(CopyObjectResult {
            e_tag: Some(etag(&info.etag)),
            last_modified: Some(Timestamp::from(info.last_modified)),
            checksum_crc32: info.checksums.crc32,
            checksum_crc32c: info.checksums.crc32c,
            checksum_sha1: info.checksums.sha1,
            checksum_sha256: info.checksums.sha256,
            checksum_crc64nvme: info.checksums.crc64nvme,
            ..Default::default()
        }),
        ..Default::default()
    }))
}

/// Parses `x-amz-copy-source-range: bytes=first-last` against a source of `size` bytes.
pub(super) fn parse_copy_range(r: &str, size: u64) -> Result<(u64, u64), ObjectError> {
    let bad = || {
        ObjectError::Invalid(format!(
            "x-amz-copy-source-range {r:?} is not bytes=first-last within the source"
        ))
    };
    let spec = r.strip_prefix("bytes=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    let first: u64 = a.parse().map_err(|_| bad())?;
    let last: u64 = b.parse().map_err(|_| bad())?;
    if first > last || last >= size {
        return Err(bad());
    }
    Ok((first, last - first + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_ranges() {
        assert_eq!(parse_copy_range("bytes=0-9", 10).unwrap(), (0, 10));
        assert_eq!(parse_copy_range("bytes=5-5", 10).unwrap(), (5, 1));
        assert!(parse_copy_range("bytes=5-10", 10).is_err());
        assert!(parse_copy_range("bytes=6-5", 10).is_err());
        assert!(parse_copy_range("0-5", 10).is_err());
    }
}
