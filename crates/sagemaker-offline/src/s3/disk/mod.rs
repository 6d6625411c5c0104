//! [`DiskStore`]: the object store in the state directory (`<state>/s3`).
//!
//! Layout (every name the store creates starts with `_`, which no S3 bucket name can, so it never
//! collides with the bucket directories of the previous layout it migrates from):
//!
//! ```text
//! _FORMAT                             "sagemaker-offline object store 2"
//! _buckets/<bucket>/<sha256(key)>.obj one file per object: bytes, then metadata (see below)
//! _regions/<bucket>                   the bucket's region (absent: us-east-1, S3's default)
//! _uploads/<upload-id>/upload.json    a multipart upload in progress
//! _uploads/<upload-id>/part-<n>       its parts (same file format, part metadata)
//! _tmp/                               files being written; emptied at start-up
//! ```
//!
//! **One file per version.** An object file holds the bytes, then its [`ObjectInfo`] as JSON (key,
//! size, ETag, checksums, content type, user metadata), then a 16-byte trailer: the JSON's length
//! (u64, little-endian) and the magic `SMOOBJ02`. A write goes to a new file in `_tmp/`, is
//! `fsync`ed, and is renamed over the key's file (then the directory is `fsync`ed): `rename(2)` is
//! atomic, so a reader — which opens the file once and reads bytes and metadata from that one open
//! file — sees the old version or the new one, whole, and a `kill -9` at any instant leaves one of
//! the two. Metadata at the end (not the start) lets the bytes stream straight into the file before
//! their ETag and checksums are known, with no second copy.
//!
//! **Hashed names.** File names are the SHA-256 of the key, so a key of up to S3's 1,024 bytes
//! never meets the file system's 255-byte name limit, `a` and `a/b` can coexist, and no key (`..`,
//! percent-encodings, NUL) can name a path outside the bucket's directory. The key itself is in the
//! metadata, which is what listings read.
//!
//! **The previous layout** (s3s-fs 0.14's: the bytes at `<bucket>/<key>`, ETag and checksums in side
//! files) is migrated at start-up: every object is copied into the new layout with its ETag,
//! content type and user metadata and with its checksums recomputed from its bytes (so an object
//! whose side file had gone stale is repaired), `_FORMAT` is written, then the old files are
//! removed. A crash during the copy repeats it at the next start; multipart uploads in progress in
//! the old layout are dropped.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::store::{
    Attributes, BodyRead, BucketInfo, Checksums, DEFAULT_BUCKET_REGION, NewObject, ObjectError,
    ObjectInfo, ObjectStore, PartInfo, Precondition, RequestedPart, StagedBody, UploadInfo,
    check_bucket, check_object_key, check_part_list, multipart_etag, parse_upload_id,
};

mod file;
mod migrate;
#[cfg(test)]
mod tests;

use file::{DiskBody, DiskStaged, read_trailer};

const FORMAT: &str = "sagemaker-offline object store 2\n";
const MAGIC: &[u8; 8] = b"SMOOBJ02";
const TRAILER: u64 = 16;
/// Largest metadata block read back (keys ≤ 1 KiB, user metadata ≤ 2 KiB in S3; generous).
const MAX_META: u64 = 1 << 20;

/// A step of a write where a test can inject a fault (see [`DiskStore::inject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Writing the staged bytes (the write fails: a full or failing disk).
    WriteBody,
    /// The staged file is complete and synced; the rename has not happened.
    BeforeRename,
    /// The rename happened; the follow-up (directory sync, dropping a completed upload) has not.
    AfterRename,
}

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The step fails with an I/O error; the store cleans up as it would for a real error.
    Fail,
    /// The process "dies" at the step: the operation stops there and nothing is cleaned up, as
    /// after a `kill -9`. Reopen the store to see what a restart finds.
    Crash,
}

/// The object store in a directory (see the module docs).
#[derive(Debug)]
pub struct DiskStore {
    root: PathBuf,
    /// Serialises the check-and-rename of commits, completes and aborts (not the writing of
    /// bytes), so conditions and upload states are checked atomically with the change.
    publish: Mutex<()>,
    faults: Mutex<Vec<(Step, Fault)>>,
}

fn io_other(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::other(msg.into())
}

fn not_found(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn key_file_name(key: &str) -> String {
    use sha2::Digest as _;
    format!("{}.obj", hex::encode(sha2::Sha256::digest(key.as_bytes())))
}

impl DiskStore {
    /// Opens (creating or migrating if needed) the store rooted at `root`.
    pub fn open(root: PathBuf) -> Result<Self, ObjectError> {
        std::fs::create_dir_all(&root)?;
        let root = root.canonicalize()?;
        let s = Self {
            root,
            publish: Mutex::new(()),
            faults: Mutex::new(Vec::new()),
        };
        for d in ["_buckets", "_regions", "_uploads", "_tmp"] {
            std::fs::create_dir_all(s.root.join(d))?;
        }
        // Whatever was being written when the process stopped is not an object.
        for e in std::fs::read_dir(s.tmp_dir())? {
            let e = e?;
            let _ = std::fs::remove_file(e.path());
        }
        // An upload directory without its upload.json was being created.
        for e in std::fs::read_dir(s.root.join("_uploads"))? {
            let e = e?;
            if !e.path().join("upload.json").is_file() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        if !s.root.join("_FORMAT").is_file() {
            s.migrate_old_layout()?;
            let tmp = s.tmp_dir().join("FORMAT");
            std::fs::write(&tmp, FORMAT)?;
            File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, s.root.join("_FORMAT"))?;
            sync_dir(&s.root)?;
            // Only now, with every object copied and the new format recorded. (Not at every
            // start: a bucket directory next to `_buckets/` is then none of this version's business.)
            s.remove_old_layout()?;
        } else {
            let f = std::fs::read_to_string(s.root.join("_FORMAT"))?;
            if f != FORMAT {
                return Err(ObjectError::Invalid(format!(
                    "{} was written by another version of sagemaker-offline ({:?}); this version reads {:?}",
                    s.root.display(),
                    f.trim(),
                    FORMAT.trim()
                )));
            }
        }
        Ok(s)
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Injects a fault at the next time `step` is reached (tests of crash and failure windows that
    /// a real `kill -9` cannot hit reliably).
    pub fn inject(&self, step: Step, fault: Fault) {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((step, fault));
    }

    fn fault(&self, step: Step) -> Option<Fault> {
        let mut f = self
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = f.iter().position(|(s, _)| *s == step)?;
        Some(f.remove(i).1)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("_tmp")
    }

    fn bucket_dir(&self, bucket: &str) -> Result<PathBuf, ObjectError> {
        check_bucket(bucket)?;
        Ok(self.root.join("_buckets").join(bucket))
    }

    /// Where a bucket's region is recorded (`_regions/<bucket>`, the region name as text).
    fn region_file(&self, bucket: &str) -> PathBuf {
        self.root.join("_regions").join(bucket)
    }

    fn existing_bucket_dir(&self, bucket: &str) -> Result<PathBuf, ObjectError> {
        let d = self.bucket_dir(bucket)?;
        if d.is_dir() {
            Ok(d)
        } else {
            Err(ObjectError::NoSuchBucket(bucket.to_string()))
        }
    }

    fn object_file(&self, bucket: &str, key: &str) -> Result<PathBuf, ObjectError> {
        check_object_key(key)?;
        Ok(self.existing_bucket_dir(bucket)?.join(key_file_name(key)))
    }

    fn upload_dir(&self, upload_id: &str) -> Result<PathBuf, ObjectError> {
        let id = parse_upload_id(upload_id)?;
        Ok(self.root.join("_uploads").join(id.to_string()))
    }

    fn new_staged(&self) -> Result<DiskStaged, ObjectError> {
        let path = self.tmp_dir().join(uuid::Uuid::new_v4().to_string());
        let file = File::create(&path)?;
        Ok(DiskStaged {
            file: Some(BufWriter::with_capacity(256 * 1024, file)),
            path,
            fail_writes: self.fault(Step::WriteBody).is_some(),
            keep: false,
            written: 0,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.publish
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the current version's metadata at `path` (`None` if there is no object).
    fn read_info(path: &Path) -> Result<Option<ObjectInfo>, ObjectError> {
        match File::open(path) {
            Ok(mut f) => Ok(Some(read_trailer::<ObjectInfo>(&mut f, path)?.0)),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Syncs and renames a finished staged file to `dest` (the one step that publishes it).
    fn publish_file(
        &self,
        mut staged: DiskStaged,
        dest: &Path,
        on_missing: impl FnOnce() -> ObjectError,
    ) -> Result<(), ObjectError> {
        if let Some(f) = self.fault(Step::BeforeRename) {
            if f == Fault::Crash {
                staged.keep = true;
            }
            return Err(io_other("injected fault before the rename").into());
        }
        match std::fs::rename(&staged.path, dest) {
            Ok(()) => {
                staged.keep = true; // it is the object now
                Ok(())
            }
            Err(e) if not_found(&e) => Err(on_missing()),
            Err(e) => Err(e.into()),
        }
    }

    fn downcast(body: Box<dyn StagedBody>) -> Result<Box<DiskStaged>, ObjectError> {
        body.into_any()
            .downcast::<DiskStaged>()
            .map_err(|_| io_other("staged body from another store").into())
    }
}

impl ObjectStore for DiskStore {
    fn create_bucket_in(&self, bucket: &str, region: &str) -> Result<(), ObjectError> {
        let d = self.bucket_dir(bucket)?;
        let _g = self.lock();
        if d.is_dir() {
            return Err(ObjectError::BucketAlreadyOwnedByYou(bucket.to_string()));
        }
        // The region first: a crash before the directory exists leaves a region file for a bucket
        // that does not exist, which the next creation of that name replaces.
        let tmp = self
            .tmp_dir()
            .join(format!("region-{}", uuid::Uuid::new_v4()));
        std::fs::write(&tmp, region)?;
        File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, self.region_file(bucket))?;
        sync_dir(&self.root.join("_regions"))?;
        match std::fs::create_dir(&d) {
            Ok(()) => {
                sync_dir(&self.root.join("_buckets"))?;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(ObjectError::BucketAlreadyOwnedByYou(bucket.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn delete_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        let d = self.existing_bucket_dir(bucket)?;
        let _g = self.lock();
        if std::fs::read_dir(&d)?.next().is_some() {
            return Err(ObjectError::BucketNotEmpty(bucket.to_string()));
        }
        std::fs::remove_dir(&d)?;
        match std::fs::remove_file(self.region_file(bucket)) {
            Err(e) if !not_found(&e) => return Err(e.into()),
            _ => {}
        }
        Ok(())
    }

    fn bucket_region(&self, bucket: &str) -> Result<String, ObjectError> {
        self.existing_bucket_dir(bucket)?;
        match std::fs::read_to_string(self.region_file(bucket)) {
            Ok(r) if !r.trim().is_empty() => Ok(r.trim().to_string()),
            Ok(_) => Ok(DEFAULT_BUCKET_REGION.to_string()),
            Err(e) if not_found(&e) => Ok(DEFAULT_BUCKET_REGION.to_string()),
            Err(e) => Err(e.into()),
        }
    }

    fn bucket_exists(&self, bucket: &str) -> bool {
        self.bucket_dir(bucket).is_ok_and(|d| d.is_dir())
    }

    fn list_buckets(&self) -> Result<Vec<BucketInfo>, ObjectError> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.root.join("_buckets"))? {
            let e = e?;
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let m = e.metadata()?;
            if m.is_dir() && super::store::valid_bucket_name(&name) {
                out.push(BucketInfo {
                    name,
                    created: m.created().or_else(|_| m.modified())?,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        let d = self.existing_bucket_dir(bucket)?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let path = e.path();
            match Self::read_info(&path) {
                Ok(Some(info)) => out.push(info),
                Ok(None) => {} // deleted or replaced since read_dir: the new file is listed itself
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "skipping an unreadable object file");
                }
            }
        }
        Ok(super::store::sorted_with_prefix(out, prefix))
    }

    fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        let p = self.object_file(bucket, key)?;
        Self::read_info(&p)?.ok_or_else(|| ObjectError::NoSuchKey(bucket.into(), key.into()))
    }

    fn open(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectInfo, Box<dyn BodyRead>), ObjectError> {
        let p = self.object_file(bucket, key)?;
        let mut file = match File::open(&p) {
            Ok(f) => f,
            Err(e) if not_found(&e) => {
                return Err(ObjectError::NoSuchKey(bucket.into(), key.into()));
            }
            Err(e) => return Err(e.into()),
        };
        // Metadata and bytes come from this one open file: one version, whatever is renamed later.
        let (info, len): (ObjectInfo, u64) = read_trailer(&mut file, &p)?;
        if info.size != len || info.key != key {
            return Err(ObjectError::Corrupt(format!(
                "{}: metadata for {:?} ({} bytes) on {} bytes",
                p.display(),
                info.key,
                info.size,
                len
            )));
        }
        Ok((
            info,
            Box::new(DiskBody {
                file,
                pos: 0,
                end: len,
            }),
        ))
    }

    fn stage(&self, bucket: &str) -> Result<Box<dyn StagedBody>, ObjectError> {
        self.existing_bucket_dir(bucket)?;
        Ok(Box::new(self.new_staged()?))
    }

    fn commit(
        &self,
        bucket: &str,
        key: &str,
        body: Box<dyn StagedBody>,
        meta: NewObject,
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError> {
        let mut staged = Self::downcast(body)?;
        let dest = self.object_file(bucket, key)?;
        let size = staged.written;
        let info = ObjectInfo {
            key: key.to_string(),
            size,
            etag: meta.etag,
            last_modified: SystemTime::now(),
            checksums: meta.checksums,
            attributes: meta.attributes,
        };
        staged.finish(&info)?;
        let _g = self.lock();
        cond.check(Self::read_info(&dest)?.as_ref())?;
        self.publish_file(*staged, &dest, || ObjectError::NoSuchBucket(bucket.into()))?;
        if let Some(f) = self.fault(Step::AfterRename) {
            let _ = f;
            return Err(io_other("injected fault after the rename").into());
        }
        sync_dir(dest.parent().unwrap_or(&self.root))?;
        Ok(info)
    }

    fn delete(&self, bucket: &str, key: &str) -> Result<(), ObjectError> {
        let p = self.object_file(bucket, key)?;
        let _g = self.lock();
        match std::fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: Attributes,
        checksum_algorithm: Option<String>,
    ) -> Result<String, ObjectError> {
        check_object_key(key)?;
        self.existing_bucket_dir(bucket)?;
        let id = uuid::Uuid::new_v4().to_string();
        let info = UploadInfo {
            upload_id: id.clone(),
            bucket: bucket.into(),
            key: key.into(),
            initiated: SystemTime::now(),
            attributes,
            checksum_algorithm,
        };
        let tmp = self.tmp_dir().join(format!("upload-{id}"));
        std::fs::write(
            &tmp,
            serde_json::to_vec(&info).map_err(|e| io_other(e.to_string()))?,
        )?;
        File::open(&tmp)?.sync_all()?;
        let dir = self.upload_dir(&id)?;
        std::fs::create_dir(&dir)?;
        std::fs::rename(&tmp, dir.join("upload.json"))?;
        sync_dir(&dir)?;
        sync_dir(&self.root.join("_uploads"))?;
        Ok(id)
    }

    fn upload(&self, upload_id: &str) -> Result<UploadInfo, ObjectError> {
        let p = self.upload_dir(upload_id)?.join("upload.json");
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| ObjectError::Corrupt(format!("{}: {e}", p.display()))),
            Err(e) if not_found(&e) => Err(ObjectError::NoSuchUpload(upload_id.into())),
            Err(e) => Err(e.into()),
        }
    }

    fn list_uploads(&self, bucket: &str) -> Result<Vec<UploadInfo>, ObjectError> {
        self.existing_bucket_dir(bucket)?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.root.join("_uploads"))? {
            let e = e?;
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            match self.upload(&name) {
                Ok(u) if u.bucket == bucket => out.push(u),
                Ok(_) | Err(ObjectError::NoSuchUpload(_)) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(out)
    }

    fn stage_part(&self, upload_id: &str) -> Result<Box<dyn StagedBody>, ObjectError> {
        self.upload(upload_id)?;
        Ok(Box::new(self.new_staged()?))
    }

    fn commit_part(
        &self,
        upload_id: &str,
        body: Box<dyn StagedBody>,
        part: PartInfo,
    ) -> Result<(), ObjectError> {
        let mut staged = Self::downcast(body)?;
        let dir = self.upload_dir(upload_id)?;
        staged.finish(&part)?;
        let _g = self.lock();
        if !dir.join("upload.json").is_file() {
            return Err(ObjectError::NoSuchUpload(upload_id.into()));
        }
        let dest = dir.join(format!("part-{:05}", part.part_number));
        self.publish_file(*staged, &dest, || {
            ObjectError::NoSuchUpload(upload_id.into())
        })?;
        sync_dir(&dir)?;
        Ok(())
    }

    fn list_parts(&self, upload_id: &str) -> Result<BTreeMap<i32, PartInfo>, ObjectError> {
        self.upload(upload_id)?;
        let dir = self.upload_dir(upload_id)?;
        let mut out = BTreeMap::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if not_found(&e) => return Err(ObjectError::NoSuchUpload(upload_id.into())),
            Err(e) => return Err(e.into()),
        };
        for e in entries {
            let e = e?;
            let is_part = e
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("part-"));
            if !is_part {
                continue;
            }
            let path = e.path();
            let mut f = match File::open(&path) {
                Ok(f) => f,
                Err(e) if not_found(&e) => continue,
                Err(e) => return Err(e.into()),
            };
            let (p, len): (PartInfo, u64) = read_trailer(&mut f, &path)?;
            if p.size != len {
                return Err(ObjectError::Corrupt(format!("{}: size", path.display())));
            }
            out.insert(p.part_number, p);
        }
        Ok(out)
    }

    fn abort_upload(&self, upload_id: &str) -> Result<(), ObjectError> {
        let dir = self.upload_dir(upload_id)?;
        let _g = self.lock();
        match std::fs::remove_file(dir.join("upload.json")) {
            Ok(()) => {}
            Err(e) if not_found(&e) => return Err(ObjectError::NoSuchUpload(upload_id.into())),
            Err(e) => return Err(e.into()),
        }
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    fn complete_upload(
        &self,
        upload_id: &str,
        parts: &[RequestedPart],
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError> {
        let up = self.upload(upload_id)?;
        let dir = self.upload_dir(upload_id)?;
        let chosen = check_part_list(parts, &self.list_parts(upload_id)?)?;
        let dest = self.object_file(&up.bucket, &up.key)?;
        // Assemble the new version in a staged file; the upload and the old version stay as they are.
        let mut staged = self.new_staged()?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        for p in &chosen {
            let path = dir.join(format!("part-{:05}", p.part_number));
            let mut f = match File::open(&path) {
                Ok(f) => f,
                Err(e) if not_found(&e) => return Err(ObjectError::NoSuchUpload(upload_id.into())),
                Err(e) => return Err(e.into()),
            };
            let (stored, len): (PartInfo, u64) = read_trailer(&mut f, &path)?;
            if stored.etag != p.etag {
                // Replaced by a concurrent UploadPart since the check: S3 would see the new part.
                return Err(ObjectError::InvalidPart(format!(
                    "part {} changed during CompleteMultipartUpload",
                    p.part_number
                )));
            }
            let mut r = (&mut f).take(len);
            loop {
                let n = r.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                staged.write_all(&buf[..n])?;
                size += n as u64;
            }
        }
        let info = ObjectInfo {
            key: up.key.clone(),
            size,
            etag: multipart_etag(&chosen)?,
            last_modified: SystemTime::now(),
            checksums: Checksums::default(),
            attributes: up.attributes.clone(),
        };
        staged.finish(&info)?;
        let _g = self.lock();
        if !dir.join("upload.json").is_file() {
            return Err(ObjectError::NoSuchUpload(upload_id.into()));
        }
        cond.check(Self::read_info(&dest)?.as_ref())?;
        self.publish_file(staged, &dest, || {
            ObjectError::NoSuchBucket(up.bucket.clone())
        })?;
        if self.fault(Step::AfterRename).is_some() {
            return Err(io_other("injected fault after the rename").into());
        }
        sync_dir(dest.parent().unwrap_or(&self.root))?;
        // The object is committed; now the upload goes (a crash here leaves it listed, harmless).
        std::fs::remove_file(dir.join("upload.json"))?;
        std::fs::remove_dir_all(&dir)?;
        Ok(info)
    }
}
