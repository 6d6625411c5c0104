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

use std::io::{Read, Write};
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt as _;
use s3s::crypto::Checksum as _;
use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use super::store::{
    Attributes, BodyRead, Checksums, MAX_PART_NUMBER, NewObject, ObjectError, ObjectInfo,
    ObjectStore, PartInfo, Precondition, RequestedPart, StagedBody, check_object_key,
};

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

/// The error a failed request body stream stands for. s3s reports a body that does not match its
/// signed `x-amz-content-sha256` as a stream error (`UploadStreamError: Sha256Mismatch`), and a
/// bad aws-chunked signature as `AwsChunkedStreamError: SignatureMismatch`; both types are private
/// to s3s, so they are recognised by their messages.
fn body_error(e: &(dyn std::error::Error + 'static)) -> S3Error {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        let s = x.to_string();
        if s.contains("Sha256Mismatch") {
            let mut err = S3Error::with_message(
                S3ErrorCode::Custom("XAmzContentSHA256Mismatch".into()),
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            );
            err.set_status_code(http::StatusCode::BAD_REQUEST);
            return err;
        }
        if s.contains("SignatureMismatch") {
            return S3Error::with_message(
                S3ErrorCode::SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided (aws-chunked chunk signature).",
            );
        }
        if s.contains("Incomplete") || s.contains("LengthMismatch") || s.contains("FormatError") {
            return S3Error::with_message(
                S3ErrorCode::IncompleteBody,
                format!("The request body is incomplete or malformed: {s}"),
            );
        }
        cur = x.source();
    }
    S3Error::with_message(
        S3ErrorCode::IncompleteBody,
        format!("The request body could not be read: {e}"),
    )
}

/// What was received into a staged body.
struct Received {
    md5_hex: String,
    computed: Checksum,
}

/// Which checksums to compute for a write: those whose value the request carries, the one named
/// by `x-amz-sdk-checksum-algorithm`/`x-amz-checksum-algorithm`, and those announced as trailers.
fn hasher_for(
    given: &Checksum,
    algorithm: Option<&str>,
    headers: &http::HeaderMap,
) -> s3s::checksum::ChecksumHasher {
    let mut h = s3s::checksum::ChecksumHasher::default();
    let trailer = headers
        .get("x-amz-trailer")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let wants = |name: &str, value: &Option<String>| {
        value.is_some()
            || algorithm.is_some_and(|a| a.eq_ignore_ascii_case(name))
            || trailer.contains(&format!("x-amz-checksum-{}", name.to_ascii_lowercase()))
    };
    if wants("CRC32", &given.checksum_crc32) {
        h.crc32 = Some(Default::default());
    }
    if wants("CRC32C", &given.checksum_crc32c) {
        h.crc32c = Some(Default::default());
    }
    if wants("SHA1", &given.checksum_sha1) {
        h.sha1 = Some(Default::default());
    }
    if wants("SHA256", &given.checksum_sha256) {
        h.sha256 = Some(Default::default());
    }
    if wants("CRC64NVME", &given.checksum_crc64nvme) {
        h.crc64nvme = Some(Default::default());
    }
    h
}

/// Streams `body` into `staged` on the blocking pool, hashing as it goes.
async fn receive(
    mut staged: Box<dyn StagedBody>,
    body: Option<StreamingBlob>,
    mut hasher: s3s::checksum::ChecksumHasher,
) -> S3Result<(Box<dyn StagedBody>, Received)> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let mut md5 = s3s::crypto::Md5::new();
        while let Some(b) = rx.blocking_recv() {
            md5.update(&b);
            hasher.update(&b);
            staged.write_all(&b)?;
        }
        staged.flush()?;
        Ok((staged, hex::encode(md5.finalize()), hasher.finalize()))
    });
    let mut failure = None;
    if let Some(mut body) = body {
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(b) => {
                    if tx.send(b).await.is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(e) => {
                    failure = Some(body_error(&*e));
                    break;
                }
            }
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| s3_error!(InternalError, "storage task failed: {e}"))?;
    if let Some(f) = failure {
        return Err(f); // the staged body is dropped: nothing was stored
    }
    let (staged, md5_hex, computed) = written.map_err(|e| s3_error_of(ObjectError::Io(e)))?;
    Ok((staged, Received { md5_hex, computed }))
}

/// Checks Content-MD5 and the given checksums (headers, then trailers) against what was received.
fn verify(
    rec: &Received,
    content_md5: Option<&str>,
    given: &Checksum,
    trailers: Option<&http::HeaderMap>,
) -> S3Result<()> {
    if let Some(m) = content_md5 {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(m.trim())
            .ok()
            .filter(|r| r.len() == 16)
            .ok_or_else(|| {
                S3Error::with_message(
                    S3ErrorCode::InvalidDigest,
                    "The Content-MD5 you specified is not valid.",
                )
            })?;
        if hex::encode(raw) != rec.md5_hex {
            return Err(S3Error::with_message(
                S3ErrorCode::BadDigest,
                "The Content-MD5 you specified did not match what we received.",
            ));
        }
    }
    let from_trailer = |name: &str| {
        trailers
            .and_then(|t| t.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    for (name, header, trailer, computed) in [
        (
            "CRC32",
            &given.checksum_crc32,
            from_trailer("x-amz-checksum-crc32"),
            &rec.computed.checksum_crc32,
        ),
        (
            "CRC32C",
            &given.checksum_crc32c,
            from_trailer("x-amz-checksum-crc32c"),
            &rec.computed.checksum_crc32c,
        ),
        (
            "SHA1",
            &given.checksum_sha1,
            from_trailer("x-amz-checksum-sha1"),
            &rec.computed.checksum_sha1,
        ),
        (
            "SHA256",
            &given.checksum_sha256,
            from_trailer("x-amz-checksum-sha256"),
            &rec.computed.checksum_sha256,
        ),
        (
            "CRC64NVME",
            &given.checksum_crc64nvme,
            from_trailer("x-amz-checksum-crc64nvme"),
            &rec.computed.checksum_crc64nvme,
        ),
    ] {
        for want in [header.as_ref(), trailer.as_ref()].into_iter().flatten() {
            if Some(want) != computed.as_ref() {
                return Err(S3Error::with_message(
                    S3ErrorCode::BadDigest,
                    format!(
                        "The {name} you specified did not match the calculated checksum ({want} given, {} computed).",
                        computed.as_deref().unwrap_or("none")
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn checksums_of(c: Checksum) -> Checksums {
    Checksums {
        crc32: c.checksum_crc32,
        crc32c: c.checksum_crc32c,
        sha1: c.checksum_sha1,
        sha256: c.checksum_sha256,
        crc64nvme: c.checksum_crc64nvme,
    }
}

fn precondition(
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

fn expires_string(t: Option<Timestamp>) -> Option<String> {
    let t = t?;
    let mut buf = Vec::new();
    t.format(TimestampFormat::HttpDate, &mut buf).ok()?;
    String::from_utf8(buf).ok()
}

fn expires_of(a: &Attributes) -> Option<Timestamp> {
    a.expires
        .as_deref()
        .and_then(|s| Timestamp::parse(TimestampFormat::HttpDate, s).ok())
}

fn etag(s: &str) -> ETag {
    ETag::Strong(s.to_string())
}

/// A stream over a blocking reader: a blocking task reads `len` bytes from `start` and sends them.
struct ChanStream(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>);

impl futures::Stream for ChanStream {
    type Item = std::io::Result<Bytes>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

fn stream_body(mut r: Box<dyn BodyRead>, start: u64, len: u64) -> StreamingBlob {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = r.seek_to(start) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut left = len;
        while left > 0 {
            let n = usize::try_from(left.min(256 * 1024)).unwrap_or(256 * 1024);
            let mut buf = vec![0u8; n];
            if let Err(e) = r.read_exact(&mut buf) {
                let _ = tx.blocking_send(Err(e));
                return;
            }
            left -= n as u64;
            if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                return; // the client went away
            }
        }
    });
    StreamingBlob::wrap(ChanStream(rx))
}

fn key_ok(key: &str) -> S3Result<()> {
    check_object_key(key).map_err(s3_error_of)
}

// ---- listings ----

enum Entry {
    Object(Box<ObjectInfo>),
    Prefix(String),
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Object(o) => &o.key,
            Entry::Prefix(p) => p,
        }
    }
}

/// One page of a listing: objects after `after` (whose key starts with `prefix`, sorted), grouped by
/// `delimiter` into common prefixes, at most `max` entries. Returns the page and whether more follow.
fn list_page(
    sorted: Vec<ObjectInfo>,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max: usize,
) -> (Vec<Entry>, bool) {
    let delimiter = delimiter.filter(|d| !d.is_empty());
    let mut out: Vec<Entry> = Vec::new();
    for o in sorted {
        if after.is_some_and(|a| o.key.as_str() <= a) {
            continue;
        }
        let rest = &o.key[prefix.len()..];
        let entry = match delimiter.and_then(|d| rest.find(d).map(|i| (i, d.len()))) {
            Some((i, dl)) => {
                let cp = &o.key[..prefix.len() + i + dl];
                if after.is_some_and(|a| cp <= a)
                    || matches!(out.last(), Some(Entry::Prefix(p)) if p == cp)
                {
                    continue; // this common prefix was returned already
                }
                Entry::Prefix(cp.to_string())
            }
            None => Entry::Object(Box::new(o)),
        };
        out.push(entry);
        if out.len() > max {
            break;
        }
    }
    let more = max > 0 && out.len() > max;
    out.truncate(max);
    (out, more)
}

/// `EncodingType=url`: percent-encodes everything but unreserved characters and `/`.
fn url_encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

struct Enc(bool);

impl Enc {
    fn of(t: Option<&EncodingType>) -> Self {
        Enc(t.is_some_and(|t| t.as_str().eq_ignore_ascii_case("url")))
    }
    fn s(&self, s: &str) -> String {
        if self.0 { url_encode(s) } else { s.to_string() }
    }
    fn o(&self, s: Option<&str>) -> Option<String> {
        s.map(|s| self.s(s))
    }
}

fn token_of(name: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name)
}

fn name_of_token(t: &str) -> S3Result<String> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                "The continuation token provided is incorrect",
            )
        })
}

fn max_keys(m: Option<i32>) -> usize {
    usize::try_from(m.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000)
}

fn object_of(o: &ObjectInfo, enc: &Enc) -> Object {
    Object {
        key: Some(enc.s(&o.key)),
        size: Some(i64::try_from(o.size).unwrap_or(i64::MAX)),
        e_tag: Some(etag(&o.etag)),
        last_modified: Some(Timestamp::from(o.last_modified)),
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        ..Default::default()
    }
}

fn split(entries: Vec<Entry>, enc: &Enc) -> (Option<Vec<Object>>, Option<Vec<CommonPrefix>>) {
    let mut objs = Vec::new();
    let mut cps = Vec::new();
    for e in entries {
        match e {
            Entry::Object(o) => objs.push(object_of(&o, enc)),
            Entry::Prefix(p) => cps.push(CommonPrefix {
                prefix: Some(enc.s(&p)),
            }),
        }
    }
    (
        (!objs.is_empty()).then_some(objs),
        (!cps.is_empty()).then_some(cps),
    )
}

fn part_of(p: &PartInfo) -> Part {
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

fn check_part_number(n: i32) -> S3Result<()> {
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
async fn upload_for(
    store: &Arc<dyn ObjectStore>,
    upload_id: &str,
    bucket: &str,
    key: &str,
) -> S3Result<super::store::UploadInfo> {
    let s = store.clone();
    let id = upload_id.to_string();
    let up = run(move || s.upload(&id)).await?;
    if up.bucket != bucket || up.key != key {
        return Err(s3_error_of(ObjectError::NoSuchUpload(upload_id.into())));
    }
    Ok(up)
}

fn source_of(src: &CopySource) -> S3Result<(String, String)> {
    match src {
        CopySource::Bucket { bucket, key, .. } => Ok((bucket.to_string(), key.to_string())),
        _ => Err(s3_error!(
            NotImplemented,
            "only <bucket>/<key> copy sources are supported"
        )),
    }
}

/// Copies `len` bytes from `start` of `r` into `w`.
fn copy_range(
    r: &mut dyn BodyRead,
    start: u64,
    len: u64,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    r.seek_to(start)?;
    let n = std::io::copy(&mut r.take(len), w)?;
    if n != len {
        return Err(std::io::Error::other(
            "source object shorter than its metadata",
        ));
    }
    Ok(())
}

fn md5_hex(data_md5: s3s::crypto::Md5) -> String {
    hex::encode(data_md5.finalize())
}

/// A writer that hashes with MD5 what it forwards.
struct Md5Tee<'a> {
    inner: &'a mut dyn Write,
    md5: s3s::crypto::Md5,
}

impl Write for Md5Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[async_trait::async_trait]
impl S3 for Front {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let s = self.store.clone();
        let b = req.input.bucket.clone();
        run(move || s.create_bucket(&b)).await?;
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", req.input.bucket)),
        }))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let s = self.store.clone();
        run(move || s.delete_bucket(&req.input.bucket)).await?;
        Ok(S3Response::new(DeleteBucketOutput {}))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        let s = self.store.clone();
        let b = req.input.bucket;
        if !run(move || Ok(s.bucket_exists(&b))).await? {
            return Err(s3_error!(NoSuchBucket));
        }
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        let s = self.store.clone();
        let b = req.input.bucket;
        if !run(move || Ok(s.bucket_exists(&b))).await? {
            return Err(s3_error!(NoSuchBucket));
        }
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    async fn list_buckets(
        &self,
        _req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let s = self.store.clone();
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

    async fn put_object(
        &self,
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
        let s = self.store.clone();
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
        let s = self.store.clone();
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

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        key_ok(&input.key)?;
        let s = self.store.clone();
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

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = req.input;
        key_ok(&input.key)?;
        let s = self.store.clone();
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

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = req.input;
        key_ok(&input.key)?;
        let s = self.store.clone();
        run(move || s.delete(&input.bucket, &input.key)).await?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let input = req.input;
        let quiet = input.delete.quiet.unwrap_or(false);
        let s = self.store.clone();
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

    async fn copy_object(
        &self,
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
        let s = self.store.clone();
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

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let enc = Enc::of(input.encoding_type.as_ref());
        let prefix = input.prefix.clone().unwrap_or_default();
        let after = match (&input.continuation_token, &input.start_after) {
            (Some(t), _) => Some(name_of_token(t)?),
            (None, Some(sa)) => Some(sa.clone()),
            (None, None) => None,
        };
        let max = max_keys(input.max_keys);
        let s = self.store.clone();
        let (bucket, p) = (input.bucket.clone(), prefix.clone());
        let all = run(move || s.list(&bucket, &p)).await?;
        let (page, more) = list_page(
            all,
            &prefix,
            input.delimiter.as_deref(),
            after.as_deref(),
            max,
        );
        let next = if more {
            page.last().map(|e| token_of(e.name()))
        } else {
            None
        };
        let count = page.len();
        let (contents, common_prefixes) = split(page, &enc);
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: Some(enc.s(&prefix)),
            delimiter: enc.o(input.delimiter.as_deref()),
            start_after: enc.o(input.start_after.as_deref()),
            encoding_type: input.encoding_type,
            max_keys: Some(i32::try_from(max).unwrap_or(1000)),
            key_count: Some(i32::try_from(count).unwrap_or(i32::MAX)),
            is_truncated: Some(more),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            contents,
            common_prefixes,
            ..Default::default()
        }))
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        let enc = Enc::of(input.encoding_type.as_ref());
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = max_keys(input.max_keys);
        let s = self.store.clone();
        let (bucket, p) = (input.bucket.clone(), prefix.clone());
        let all = run(move || s.list(&bucket, &p)).await?;
        let (page, more) = list_page(
            all,
            &prefix,
            input.delimiter.as_deref(),
            input.marker.as_deref(),
            max,
        );
        let next = if more {
            page.last().map(|e| enc.s(e.name()))
        } else {
            None
        };
        let (contents, common_prefixes) = split(page, &enc);
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket),
            prefix: Some(enc.s(&prefix)),
            delimiter: enc.o(input.delimiter.as_deref()),
            marker: Some(enc.s(input.marker.as_deref().unwrap_or(""))),
            encoding_type: input.encoding_type,
            max_keys: Some(i32::try_from(max).unwrap_or(1000)),
            is_truncated: Some(more),
            next_marker: next,
            contents,
            common_prefixes,
            ..Default::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
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
        let s = self.store.clone();
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

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let S3Request {
            input,
            headers,
            trailing_headers,
            ..
        } = req;
        check_part_number(input.part_number)?;
        let up = upload_for(&self.store, &input.upload_id, &input.bucket, &input.key).await?;
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
        let s = self.store.clone();
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
        let s = self.store.clone();
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

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let input = req.input;
        check_part_number(input.part_number)?;
        let (sb, sk) = source_of(&input.copy_source)?;
        key_ok(&sk)?;
        upload_for(&self.store, &input.upload_id, &input.bucket, &input.key).await?;
        let range = input.copy_source_range.clone();
        let s = self.store.clone();
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

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let input = req.input;
        let up = upload_for(&self.store, &input.upload_id, &input.bucket, &input.key).await?;
        let s = self.store.clone();
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

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let input = req.input;
        let enc = Enc::of(input.encoding_type.as_ref());
        let prefix = input.prefix.clone().unwrap_or_default();
        let s = self.store.clone();
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

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = req.input;
        upload_for(&self.store, &input.upload_id, &input.bucket, &input.key).await?;
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
        let s = self.store.clone();
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

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = req.input;
        upload_for(&self.store, &input.upload_id, &input.bucket, &input.key).await?;
        let s = self.store.clone();
        run(move || s.abort_upload(&input.upload_id)).await?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }
}

/// Commits a part, taking its size from what was staged.
fn commit_part_sized(
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

/// Parses `x-amz-copy-source-range: bytes=first-last` against a source of `size` bytes.
fn parse_copy_range(r: &str, size: u64) -> Result<(u64, u64), ObjectError> {
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

    fn obj(k: &str) -> ObjectInfo {
        ObjectInfo {
            key: k.into(),
            size: 1,
            etag: "e".into(),
            last_modified: std::time::SystemTime::UNIX_EPOCH,
            checksums: Checksums::default(),
            attributes: Attributes::default(),
        }
    }

    fn names(v: &[Entry]) -> Vec<&str> {
        v.iter().map(Entry::name).collect()
    }

    #[test]
    fn delimiters_of_any_utf8_and_the_empty_one() {
        let all: Vec<_> = ["été/x", "ét", "a/b", "a/c", "b"]
            .iter()
            .map(|k| obj(k))
            .collect();
        let mut all = all;
        all.sort_by(|a, b| a.key.cmp(&b.key));
        let (p, more) = list_page(all.clone(), "", Some("é"), None, 1000);
        assert_eq!(names(&p), ["a/b", "a/c", "b", "é"]);
        assert!(!more);
        let (p, _) = list_page(all.clone(), "", Some(""), None, 1000);
        assert_eq!(p.len(), 5, "an empty delimiter is no delimiter");
        let (p, _) = list_page(all.clone(), "", Some("/"), None, 1000);
        assert_eq!(names(&p), ["a/", "b", "ét", "été/"]);
        let (p, _) = list_page(all.clone(), "", Some("té/"), None, 1000);
        assert_eq!(names(&p), ["a/b", "a/c", "b", "ét", "été/"]);
    }

    #[test]
    fn pages_resume_after_a_common_prefix() {
        let mut all: Vec<_> = ["a/1", "a/2", "b/1", "c", "d/1"]
            .iter()
            .map(|k| obj(k))
            .collect();
        all.sort_by(|a, b| a.key.cmp(&b.key));
        let mut after: Option<String> = None;
        let mut seen = Vec::new();
        for _ in 0..10 {
            let (p, more) = list_page(all.clone(), "", Some("/"), after.as_deref(), 2);
            seen.extend(names(&p).iter().map(|s| s.to_string()));
            after = p.last().map(|e| e.name().to_string());
            if !more {
                break;
            }
        }
        assert_eq!(seen, ["a/", "b/", "c", "d/"]);
    }

    #[test]
    fn url_encoding_matches_what_botocore_decodes() {
        assert_eq!(url_encode("plus/a+b.txt"), "plus/a%2Bb.txt");
        assert_eq!(url_encode("pct/100%.txt"), "pct/100%25.txt");
        assert_eq!(url_encode("%2e%2e%2fx"), "%252e%252e%252fx");
        assert_eq!(url_encode("été x"), "%C3%A9t%C3%A9%20x");
        assert_eq!(token_of("a"), "YQ");
        assert_eq!(name_of_token("YQ").unwrap(), "a");
        assert!(name_of_token("%%").is_err());
    }

    #[test]
    fn copy_ranges() {
        assert_eq!(parse_copy_range("bytes=0-9", 10).unwrap(), (0, 10));
        assert_eq!(parse_copy_range("bytes=5-5", 10).unwrap(), (5, 1));
        assert!(parse_copy_range("bytes=5-10", 10).is_err());
        assert!(parse_copy_range("bytes=6-5", 10).is_err());
        assert!(parse_copy_range("0-5", 10).is_err());
    }

    #[test]
    fn body_errors_are_s3_codes() {
        #[derive(Debug, thiserror::Error)]
        #[error("UploadStreamError: Sha256Mismatch")]
        struct Sha;
        let e = body_error(&Sha);
        assert_eq!(e.code().as_str(), "XAmzContentSHA256Mismatch");
        assert_eq!(e.status_code(), Some(http::StatusCode::BAD_REQUEST));
        #[derive(Debug, thiserror::Error)]
        #[error("AwsChunkedStreamError: SignatureMismatch")]
        struct Sig;
        assert_eq!(body_error(&Sig).code(), &S3ErrorCode::SignatureDoesNotMatch);
    }
}
