//! The storage seam: [`ObjectStore`], what the S3 front end and the server's own users (seeding,
//! training input, model artifacts, model loading) read and write objects through.
//!
//! Two implementations: [`DiskStore`](super::DiskStore) (the state directory) and
//! [`MemStore`](super::MemStore) (unit tests). The contract every implementation keeps:
//!
//! - **Nothing is visible before it is committed.** New bytes go into a [`StagedBody`]; only
//!   [`ObjectStore::commit`] (or [`ObjectStore::complete_upload`]) makes them the object's current
//!   version, in one step, together with their metadata (ETag, checksums, content type, user
//!   metadata). A reader gets one whole version: the bytes and the metadata of the same write.
//! - **Verification happens before the commit.** The caller checks Content-MD5 and
//!   `x-amz-checksum-*` on the staged bytes and drops the [`StagedBody`] when they do not match;
//!   dropping it discards it, and the previous version is untouched. Multipart part lists are
//!   checked by [`check_part_list`] before anything is assembled.
//! - **Conditions are checked at the commit** ([`Precondition`]), atomically with it.
//! - **Missing buckets are errors** ([`ObjectError::NoSuchBucket`]); nothing creates a bucket as
//!   a side effect of a write.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Component, Path};
use std::time::SystemTime;

use s3s::crypto::Checksum as _;

/// Longest object key S3 accepts, in bytes of UTF-8.
pub const MAX_KEY_LEN: usize = 1024;
/// Smallest size of every multipart part but the last (S3's limit: 5 MiB).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Highest multipart part number (S3's limit).
pub const MAX_PART_NUMBER: i32 = 10_000;
/// The region of a bucket created without a region: S3's own default (a CreateBucket without a
/// LocationConstraint makes a us-east-1 bucket), also the region of buckets created before the
/// store recorded regions.
pub const DEFAULT_BUCKET_REGION: &str = "us-east-1";

/// Error from an object store. The S3 front end maps each variant to S3's error code of the same
/// name (see `front/mod.rs`); `Io` is the only one that becomes a 500.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// No such bucket.
    #[error("The specified bucket does not exist: {0}")]
    NoSuchBucket(String),
    /// No such key.
    #[error("The specified key does not exist: s3://{0}/{1}")]
    NoSuchKey(String, String),
    /// No such multipart upload (never created, completed or aborted).
    #[error(
        "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed: {0}"
    )]
    NoSuchUpload(String),
    /// DeleteBucket of a bucket that still holds objects.
    #[error("The bucket you tried to delete is not empty: {0}")]
    BucketNotEmpty(String),
    /// CreateBucket of a bucket that exists.
    #[error(
        "Your previous request to create the named bucket succeeded and you already own it: {0}"
    )]
    BucketAlreadyOwnedByYou(String),
    /// A key longer than [`MAX_KEY_LEN`].
    #[error("Your key is too long: {0} bytes (the limit is 1024)")]
    KeyTooLong(usize),
    /// Key or bucket name refused (see [`check_key`], [`valid_bucket_name`]).
    #[error("invalid object name: {0}")]
    Invalid(String),
    /// A part named by CompleteMultipartUpload was not uploaded, or its ETag or checksum differs.
    #[error("{0}")]
    InvalidPart(String),
    /// CompleteMultipartUpload's part list is not in ascending order.
    #[error("The list of parts was not in ascending order. Parts must be ordered by part number.")]
    InvalidPartOrder,
    /// A part other than the last is smaller than [`MIN_PART_SIZE`].
    #[error(
        "Your proposed upload is smaller than the minimum allowed size: part {0} has {1} bytes (the minimum is 5 MiB for every part but the last)"
    )]
    EntityTooSmall(i32, u64),
    /// An If-Match / If-None-Match condition failed at the commit.
    #[error("At least one of the pre-conditions you specified did not hold: {0}")]
    PreconditionFailed(String),
    /// The stored object is damaged (should not happen; see the disk format's checks).
    #[error("stored object is damaged: {0}")]
    Corrupt(String),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Whether `bucket` is a valid S3 bucket name (the rules s3s checks, see `s3s::path::check_bucket_name`).
pub fn valid_bucket_name(bucket: &str) -> bool {
    s3s::path::check_bucket_name(bucket)
}

/// Checks a bucket name, as [`ObjectError::Invalid`].
pub fn check_bucket(bucket: &str) -> Result<(), ObjectError> {
    if valid_bucket_name(bucket) {
        Ok(())
    } else {
        Err(ObjectError::Invalid(format!(
            "bucket name {bucket:?} is not a valid S3 bucket name (3-63 characters of a-z, 0-9, '.', '-')"
        )))
    }
}

/// Checks an object key: non-empty, no NUL, not absolute, no `..` segment. (The length limit is
/// [`check_key_len`].) Keys never become file names (the disk store names files by a hash of the
/// key), so these rules are not needed to keep the store inside its directory; they are kept because
/// training copies objects to files named after their keys, and a client that syncs a listing to
/// disk would do the same.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("empty object key".into());
    }
    if key.contains('\0') {
        return Err(format!("object key {key:?} contains a NUL byte"));
    }
    if key.starts_with('/') || key.starts_with('\\') {
        return Err(format!(
            "object key {key:?} is absolute (starts with a slash)"
        ));
    }
    for comp in Path::new(key).components() {
        match comp {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!("object key {key:?} contains a `..` path segment"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("object key {key:?} is absolute"));
            }
        }
    }
    Ok(())
}

/// S3's key length limit, as [`ObjectError::KeyTooLong`].
pub fn check_key_len(key: &str) -> Result<(), ObjectError> {
    if key.len() > MAX_KEY_LEN {
        Err(ObjectError::KeyTooLong(key.len()))
    } else {
        Ok(())
    }
}

/// Both key checks, as an [`ObjectError`].
pub fn check_object_key(key: &str) -> Result<(), ObjectError> {
    check_key_len(key)?;
    check_key(key).map_err(ObjectError::Invalid)
}

/// Standard and user metadata of an object (what PutObject's headers set and GetObject returns).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attributes {
    /// `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `Content-Encoding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// `Content-Disposition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    /// `Content-Language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    /// `Cache-Control`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// `Expires`, as an HTTP date string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `x-amz-website-redirect-location`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_redirect_location: Option<String>,
    /// `x-amz-meta-*` (names without the prefix).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_metadata: BTreeMap<String, String>,
}

/// Full-object checksums (base64, as in the `x-amz-checksum-*` headers).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checksums {
    /// CRC32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<String>,
    /// CRC32C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32c: Option<String>,
    /// SHA-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// CRC64NVME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64nvme: Option<String>,
}

/// One stored version of an object: everything but its bytes. The disk store writes exactly this,
/// in the same file as the bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectInfo {
    /// Object key.
    pub key: String,
    /// Size of the bytes.
    pub size: u64,
    /// ETag without quotes: the MD5 (hex) for a single PUT, `md5(part md5s)-N` for multipart.
    pub etag: String,
    /// When this version was committed.
    pub last_modified: SystemTime,
    /// Full-object checksums stored with this version.
    #[serde(default)]
    pub checksums: Checksums,
    /// Content type and other metadata.
    #[serde(default)]
    pub attributes: Attributes,
}

/// What the caller of [`ObjectStore::commit`] knows about the staged bytes.
#[derive(Debug, Clone, Default)]
pub struct NewObject {
    /// ETag (without quotes).
    pub etag: String,
    /// Checksums verified or computed over the bytes.
    pub checksums: Checksums,
    /// Metadata.
    pub attributes: Attributes,
}

/// A condition checked atomically with a commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// Always write.
    #[default]
    None,
    /// `If-None-Match: *`: only if the key has no object.
    IfNoneMatchAny,
    /// `If-Match: *`: only if the key has an object.
    IfMatchAny,
    /// `If-Match: "etag"`: only if the current version has this ETag.
    IfMatch(String),
}

impl Precondition {
    /// Checks the condition against the current version (`None` = no object).
    pub fn check(&self, current: Option<&ObjectInfo>) -> Result<(), ObjectError> {
        match (self, current) {
            (Precondition::None, _) => Ok(()),
            (Precondition::IfNoneMatchAny, Some(_)) => Err(ObjectError::PreconditionFailed(
                "If-None-Match: the object exists".into(),
            )),
            (Precondition::IfNoneMatchAny, None) => Ok(()),
            (Precondition::IfMatchAny | Precondition::IfMatch(_), None) => Err(
                ObjectError::PreconditionFailed("If-Match: the object does not exist".into()),
            ),
            (Precondition::IfMatchAny, Some(_)) => Ok(()),
            (Precondition::IfMatch(e), Some(cur)) if *e == cur.etag => Ok(()),
            (Precondition::IfMatch(_), Some(_)) => Err(ObjectError::PreconditionFailed(
                "If-Match: the ETag does not match".into(),
            )),
        }
    }
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadInfo {
    /// The upload id.
    pub upload_id: String,
    /// Target bucket.
    pub bucket: String,
    /// Target key.
    pub key: String,
    /// When CreateMultipartUpload ran.
    pub initiated: SystemTime,
    /// Metadata the object gets at CompleteMultipartUpload.
    #[serde(default)]
    pub attributes: Attributes,
    /// `x-amz-checksum-algorithm` given at creation (parts must carry that checksum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartInfo {
    /// Part number (1–10,000).
    pub part_number: i32,
    /// Size of the part's bytes.
    pub size: u64,
    /// MD5 (hex) of the part's bytes.
    pub etag: String,
    /// When the part was stored.
    pub last_modified: SystemTime,
    /// Checksums verified or computed over the part.
    #[serde(default)]
    pub checksums: Checksums,
}

/// One entry of a CompleteMultipartUpload part list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestedPart {
    /// Part number.
    pub part_number: i32,
    /// ETag as sent by the client (quotes removed).
    pub etag: Option<String>,
    /// Part checksums as sent by the client.
    pub checksums: Checksums,
}

/// Checks a CompleteMultipartUpload part list against the stored parts, as S3 does: at least one
/// part, ascending part numbers (`InvalidPartOrder`), every part uploaded with this ETag and
/// checksums (`InvalidPart`), every part but the last at least 5 MiB (`EntityTooSmall`). Returns the
/// stored parts in list order. Runs before anything is assembled, and a failure keeps the upload.
pub fn check_part_list(
    requested: &[RequestedPart],
    stored: &BTreeMap<i32, PartInfo>,
) -> Result<Vec<PartInfo>, ObjectError> {
    if requested.is_empty() {
        return Err(ObjectError::InvalidPart(
            "You must specify at least one part".into(),
        ));
    }
    for w in requested.windows(2) {
        if w[1].part_number <= w[0].part_number {
            return Err(ObjectError::InvalidPartOrder);
        }
    }
    let mut out = Vec::with_capacity(requested.len());
    for r in requested {
        let invalid = |why: &str| {
            ObjectError::InvalidPart(format!(
                "One or more of the specified parts could not be found. The part may not have been uploaded, \
                 or the specified entity tag may not match the part's entity tag: part {} {why}",
                r.part_number
            ))
        };
        let Some(p) = stored.get(&r.part_number) else {
            return Err(invalid("was not uploaded"));
        };
        match &r.etag {
            Some(e) if *e == p.etag => {}
            Some(e) => {
                return Err(invalid(&format!("has ETag \"{}\", not \"{e}\"", p.etag)));
            }
            None => return Err(invalid("has no ETag in the request")),
        }
        for (name, want, have) in [
            ("CRC32", &r.checksums.crc32, &p.checksums.crc32),
            ("CRC32C", &r.checksums.crc32c, &p.checksums.crc32c),
            ("SHA1", &r.checksums.sha1, &p.checksums.sha1),
            ("SHA256", &r.checksums.sha256, &p.checksums.sha256),
            ("CRC64NVME", &r.checksums.crc64nvme, &p.checksums.crc64nvme),
        ] {
            if let Some(w) = want
                && have.as_ref().is_some_and(|h| h != w)
            {
                return Err(invalid(&format!("has a different {name} checksum")));
            }
        }
        out.push(p.clone());
    }
    for p in &out[..out.len() - 1] {
        if p.size < MIN_PART_SIZE {
            return Err(ObjectError::EntityTooSmall(p.part_number, p.size));
        }
    }
    Ok(out)
}

/// S3's multipart ETag: the MD5 of the concatenated binary part MD5s, then `-<number of parts>`.
pub fn multipart_etag(parts: &[PartInfo]) -> Result<String, ObjectError> {
    let mut md5 = s3s::crypto::Md5::new();
    for p in parts {
        let raw = hex::decode(&p.etag)
            .map_err(|_| ObjectError::Corrupt(format!("part ETag {:?} is not hex", p.etag)))?;
        md5.update(&raw);
    }
    Ok(format!("{}-{}", hex::encode(md5.finalize()), parts.len()))
}

/// Bytes being written for a new object or part. Nothing is visible until it is committed;
/// dropping it discards it.
pub trait StagedBody: Write + Send + 'static {
    /// Bytes written so far.
    fn written(&self) -> u64;
    /// For the store that made it (to get its own type back at the commit).
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send>;
}

/// A reader over one stored version's bytes.
pub trait BodyRead: Read + Send + 'static {
    /// Moves to byte `pos` of the object.
    fn seek_to(&mut self, pos: u64) -> std::io::Result<()>;
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketInfo {
    /// Bucket name.
    pub name: String,
    /// When it was created.
    pub created: SystemTime,
}

/// The object store (see the module docs for the contract).
pub trait ObjectStore: Send + Sync + std::fmt::Debug + 'static {
    /// Creates a bucket in `region` ([`ObjectError::BucketAlreadyOwnedByYou`] if it exists).
    fn create_bucket_in(&self, bucket: &str, region: &str) -> Result<(), ObjectError>;
    /// Creates a bucket in [`DEFAULT_BUCKET_REGION`].
    fn create_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        self.create_bucket_in(bucket, DEFAULT_BUCKET_REGION)
    }
    /// The region a bucket is in ([`ObjectError::NoSuchBucket`] if it does not exist).
    fn bucket_region(&self, bucket: &str) -> Result<String, ObjectError>;
    /// Deletes an empty bucket.
    fn delete_bucket(&self, bucket: &str) -> Result<(), ObjectError>;
    /// Whether a bucket exists.
    fn bucket_exists(&self, bucket: &str) -> bool;
    /// All buckets, sorted by name.
    fn list_buckets(&self) -> Result<Vec<BucketInfo>, ObjectError>;
    /// Objects whose key starts with `prefix`, sorted by key (byte order of UTF-8, as S3 lists).
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError>;
    /// The current version's metadata.
    fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError>;
    /// The current version's metadata and a reader over the same version's bytes.
    fn open(&self, bucket: &str, key: &str)
    -> Result<(ObjectInfo, Box<dyn BodyRead>), ObjectError>;
    /// A place for new bytes of an object in `bucket` ([`ObjectError::NoSuchBucket`] first).
    fn stage(&self, bucket: &str) -> Result<Box<dyn StagedBody>, ObjectError>;
    /// Makes staged bytes the current version of `key`, with `meta`, in one step, if `cond`
    /// holds. Returns the committed version.
    fn commit(
        &self,
        bucket: &str,
        key: &str,
        body: Box<dyn StagedBody>,
        meta: NewObject,
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError>;
    /// Deletes an object (no error if it does not exist, as in S3; an error if the bucket does not).
    fn delete(&self, bucket: &str, key: &str) -> Result<(), ObjectError>;

    /// Starts a multipart upload; returns its id.
    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: Attributes,
        checksum_algorithm: Option<String>,
    ) -> Result<String, ObjectError>;
    /// An upload in progress.
    fn upload(&self, upload_id: &str) -> Result<UploadInfo, ObjectError>;
    /// Uploads in progress in a bucket, sorted by key then initiation.
    fn list_uploads(&self, bucket: &str) -> Result<Vec<UploadInfo>, ObjectError>;
    /// A place for a new part's bytes.
    fn stage_part(&self, upload_id: &str) -> Result<Box<dyn StagedBody>, ObjectError>;
    /// Stores a part (replacing a part with the same number).
    fn commit_part(
        &self,
        upload_id: &str,
        body: Box<dyn StagedBody>,
        part: PartInfo,
    ) -> Result<(), ObjectError>;
    /// The stored parts, by number.
    fn list_parts(&self, upload_id: &str) -> Result<BTreeMap<i32, PartInfo>, ObjectError>;
    /// Drops an upload and its parts.
    fn abort_upload(&self, upload_id: &str) -> Result<(), ObjectError>;
    /// Checks `parts` ([`check_part_list`]) and, if they hold, commits the concatenation as the
    /// object's new version (ETag [`multipart_etag`], the upload's metadata, no full-object
    /// checksums) and drops the upload. On any error the upload is kept.
    fn complete_upload(
        &self,
        upload_id: &str,
        parts: &[RequestedPart],
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError>;

    // ---- conveniences for the server's own users (seeding, training, hosting) ----

    /// Reads a whole object.
    fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, ObjectError> {
        let (info, mut r) = self.open(bucket, key)?;
        let mut buf = Vec::with_capacity(usize::try_from(info.size).unwrap_or(0));
        r.read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Copies an object's bytes into a new local file `dest`. Returns the size.
    fn copy_to_file(&self, bucket: &str, key: &str, dest: &Path) -> Result<u64, ObjectError> {
        let (_, mut r) = self.open(bucket, key)?;
        let mut f = std::fs::File::create(dest)?;
        let n = std::io::copy(&mut r, &mut f)?;
        f.sync_all()?;
        Ok(n)
    }

    /// Writes a whole object (content type `application/octet-stream`, ETag = MD5).
    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<ObjectInfo, ObjectError> {
        self.put_with(bucket, key, &mut |w| w.write_all(bytes))
    }

    /// Streams a new object: `write` gets a writer; the object is committed only if it returns
    /// `Ok`. The bucket must exist.
    fn put_with(
        &self,
        bucket: &str,
        key: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<ObjectInfo, ObjectError> {
        check_object_key(key)?;
        let mut w = Md5Writer {
            inner: self.stage(bucket)?,
            md5: s3s::crypto::Md5::new(),
        };
        write(&mut w)?;
        w.flush()?;
        let meta = NewObject {
            etag: hex::encode(w.md5.finalize()),
            checksums: Checksums::default(),
            attributes: Attributes {
                content_type: Some("application/octet-stream".into()),
                ..Attributes::default()
            },
        };
        self.commit(bucket, key, w.inner, meta, &Precondition::None)
    }
}

/// Hashes what passes through (MD5 = S3's single-part ETag).
struct Md5Writer {
    inner: Box<dyn StagedBody>,
    md5: s3s::crypto::Md5,
}

impl Write for Md5Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Keeps the objects whose key starts with `prefix`, sorted by key.
pub(crate) fn sorted_with_prefix(
    it: impl IntoIterator<Item = ObjectInfo>,
    prefix: &str,
) -> Vec<ObjectInfo> {
    let mut v: Vec<_> = it
        .into_iter()
        .filter(|o| o.key.starts_with(prefix))
        .collect();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    v
}

/// Parses an upload id (a UUID) so that it can name a directory safely.
pub(crate) fn parse_upload_id(upload_id: &str) -> Result<uuid::Uuid, ObjectError> {
    uuid::Uuid::parse_str(upload_id).map_err(|_| ObjectError::NoSuchUpload(upload_id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(n: i32, size: u64, etag: &str) -> PartInfo {
        PartInfo {
            part_number: n,
            size,
            etag: etag.into(),
            last_modified: SystemTime::UNIX_EPOCH,
            checksums: Checksums::default(),
        }
    }

    fn req(n: i32, etag: &str) -> RequestedPart {
        RequestedPart {
            part_number: n,
            etag: Some(etag.into()),
            checksums: Checksums::default(),
        }
    }

    #[test]
    fn part_lists_are_checked_like_s3() {
        let a = "0".repeat(32);
        let b = "1".repeat(32);
        let stored: BTreeMap<i32, PartInfo> =
            [(1, part(1, MIN_PART_SIZE, &a)), (2, part(2, 3, &b))].into();
        assert_eq!(
            check_part_list(&[req(1, &a), req(2, &b)], &stored)
                .unwrap()
                .len(),
            2
        );
        assert!(matches!(
            check_part_list(&[req(2, &b), req(1, &a)], &stored),
            Err(ObjectError::InvalidPartOrder)
        ));
        assert!(matches!(
            check_part_list(&[req(1, &a), req(1, &a)], &stored),
            Err(ObjectError::InvalidPartOrder)
        ));
        assert!(matches!(
            check_part_list(&[req(1, &a), req(3, &b)], &stored),
            Err(ObjectError::InvalidPart(_))
        ));
        assert!(matches!(
            check_part_list(&[req(1, &b), req(2, &b)], &stored),
            Err(ObjectError::InvalidPart(_))
        ));
        assert!(matches!(
            check_part_list(&[], &stored),
            Err(ObjectError::InvalidPart(_))
        ));
        let small: BTreeMap<i32, PartInfo> = [(1, part(1, 3, &a)), (2, part(2, 3, &b))].into();
        assert!(matches!(
            check_part_list(&[req(1, &a), req(2, &b)], &small),
            Err(ObjectError::EntityTooSmall(1, 3))
        ));
        let mut bad_crc = req(1, &a);
        bad_crc.checksums.crc32 = Some("AAAAAA==".into());
        let mut with_crc = stored.clone();
        with_crc.get_mut(&1).unwrap().checksums.crc32 = Some("BBBBBB==".into());
        assert!(matches!(
            check_part_list(&[bad_crc, req(2, &b)], &with_crc),
            Err(ObjectError::InvalidPart(_))
        ));
    }

    #[test]
    fn multipart_etag_is_md5_of_part_md5s() {
        // Two parts "a" and "b": md5("a") = 0cc175b9c0f1b6a831c399e269772661, md5("b") = 92eb5ffee6ae2fec3ad71c777531578f.
        let p = [
            part(1, 1, "0cc175b9c0f1b6a831c399e269772661"),
            part(2, 1, "92eb5ffee6ae2fec3ad71c777531578f"),
        ];
        let mut md5 = s3s::crypto::Md5::new();
        md5.update(
            &hex::decode("0cc175b9c0f1b6a831c399e26977266192eb5ffee6ae2fec3ad71c777531578f")
                .unwrap(),
        );
        assert_eq!(
            multipart_etag(&p).unwrap(),
            format!("{}-2", hex::encode(md5.finalize()))
        );
    }

    #[test]
    fn key_rules() {
        assert!(check_object_key(&"k".repeat(1024)).is_ok());
        assert!(matches!(
            check_object_key(&"k".repeat(1025)),
            Err(ObjectError::KeyTooLong(1025))
        ));
        for bad in ["", "../x", "a/../../x", "/etc/passwd", "a\0b", "..", "a/.."] {
            assert!(check_object_key(bad).is_err(), "{bad:?}");
        }
        for good in [
            "a+b.txt",
            "100%25.txt",
            "été/x",
            "dir/",
            "a b",
            "%2e%2e%2fx",
        ] {
            assert!(check_object_key(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn preconditions() {
        let cur = ObjectInfo {
            key: "k".into(),
            size: 0,
            etag: "e".into(),
            last_modified: SystemTime::UNIX_EPOCH,
            checksums: Checksums::default(),
            attributes: Attributes::default(),
        };
        assert!(Precondition::IfNoneMatchAny.check(None).is_ok());
        assert!(Precondition::IfNoneMatchAny.check(Some(&cur)).is_err());
        assert!(Precondition::IfMatch("e".into()).check(Some(&cur)).is_ok());
        assert!(Precondition::IfMatch("f".into()).check(Some(&cur)).is_err());
        assert!(Precondition::IfMatchAny.check(None).is_err());
        assert!(Precondition::None.check(None).is_ok());
    }
}
