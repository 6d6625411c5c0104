//! [`DiskStore`]: the object store in the state directory (`<state>/s3`).
//!
//! Layout (every name the store creates starts with `_`, which no S3 bucket name can, so it never
//! collides with the bucket directories of the previous layout it migrates from):
//!
//! ```text
//! _FORMAT                             "sagemaker-offline object store 2"
//! _buckets/<bucket>/<sha256(key)>.obj one file per object: bytes, then metadata (see below)
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
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use s3s::crypto::Checksum as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::store::{
    Attributes, BodyRead, BucketInfo, Checksums, NewObject, ObjectError, ObjectInfo, ObjectStore,
    PartInfo, Precondition, RequestedPart, StagedBody, UploadInfo, check_bucket, check_object_key,
    check_part_list, multipart_etag, parse_upload_id,
};

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

/// Appends `meta` and the trailer to a file holding the bytes.
fn write_trailer<T: Serialize>(w: &mut impl Write, meta: &T) -> Result<(), ObjectError> {
    let json = serde_json::to_vec(meta).map_err(|e| io_other(e.to_string()))?;
    w.write_all(&json)?;
    w.write_all(&(json.len() as u64).to_le_bytes())?;
    w.write_all(MAGIC)?;
    Ok(())
}

/// Reads the metadata of an open object or part file; returns it and the length of the bytes.
fn read_trailer<T: DeserializeOwned>(f: &mut File, what: &Path) -> Result<(T, u64), ObjectError> {
    let corrupt = |why: &str| ObjectError::Corrupt(format!("{}: {why}", what.display()));
    let len = f.metadata()?.len();
    if len < TRAILER {
        return Err(corrupt("shorter than its trailer"));
    }
    let mut tr = [0u8; 16];
    f.seek(SeekFrom::Start(len - TRAILER))?;
    f.read_exact(&mut tr)?;
    if &tr[8..] != MAGIC {
        return Err(corrupt("no trailer"));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&tr[..8]);
    let meta_len = u64::from_le_bytes(n);
    if meta_len > MAX_META || meta_len > len - TRAILER {
        return Err(corrupt("bad metadata length"));
    }
    let body_len = len - TRAILER - meta_len;
    f.seek(SeekFrom::Start(body_len))?;
    let mut json = vec![0u8; usize::try_from(meta_len).map_err(|_| corrupt("too long"))?];
    f.read_exact(&mut json)?;
    let meta = serde_json::from_slice(&json).map_err(|e| corrupt(&e.to_string()))?;
    f.seek(SeekFrom::Start(0))?;
    Ok((meta, body_len))
}

/// The bytes of one open object file.
struct DiskBody {
    file: File,
    pos: u64,
    end: u64,
}

impl Read for DiskBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        if left == 0 {
            return Ok(0);
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl BodyRead for DiskBody {
    fn seek_to(&mut self, pos: u64) -> std::io::Result<()> {
        let pos = pos.min(self.end);
        self.file.seek(SeekFrom::Start(pos))?;
        self.pos = pos;
        Ok(())
    }
}

/// A file being written in `_tmp/`; removed on drop unless committed (or "crashed").
struct DiskStaged {
    file: Option<BufWriter<File>>,
    path: PathBuf,
    /// Injected [`Step::WriteBody`] fault.
    fail_writes: bool,
    keep: bool,
    written: u64,
}

impl Write for DiskStaged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.fail_writes {
            return Err(io_other("injected fault: the disk write failed"));
        }
        match &mut self.file {
            Some(f) => {
                let n = f.write(buf)?;
                self.written += n as u64;
                Ok(n)
            }
            None => Err(io_other("staged body already finished")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for DiskStaged {
    fn drop(&mut self) {
        self.file = None;
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl StagedBody for DiskStaged {
    fn written(&self) -> u64 {
        self.written
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

impl DiskStaged {
    /// Appends the metadata and syncs the file; returns the file's path.
    fn finish<T: Serialize>(&mut self, meta: &T) -> Result<(), ObjectError> {
        let mut w = self
            .file
            .take()
            .ok_or_else(|| io_other("staged body already finished"))?;
        write_trailer(&mut w, meta)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(())
    }
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
        for d in ["_buckets", "_uploads", "_tmp"] {
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

    // ---- migration from s3s-fs 0.14's layout ----

    fn migrate_old_layout(&self) -> Result<(), ObjectError> {
        for e in std::fs::read_dir(&self.root)? {
            let e = e?;
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !e.file_type()?.is_dir() || !super::store::valid_bucket_name(&name) {
                continue;
            }
            match self.create_bucket(&name) {
                Ok(()) | Err(ObjectError::BucketAlreadyOwnedByYou(_)) => {}
                Err(e) => return Err(e),
            }
            let mut stack = vec![(e.path(), String::new())];
            while let Some((dir, rel)) = stack.pop() {
                for f in std::fs::read_dir(&dir)? {
                    let f = f?;
                    let Some(n) = f.file_name().to_str().map(str::to_owned) else {
                        continue;
                    };
                    let key = if rel.is_empty() {
                        n
                    } else {
                        format!("{rel}/{n}")
                    };
                    if f.file_type()?.is_dir() {
                        stack.push((f.path(), key));
                    } else if check_object_key(&key).is_ok() {
                        self.import_old_object(&name, &key, &f.path())?;
                    }
                }
            }
        }
        Ok(())
    }

    fn import_old_object(&self, bucket: &str, key: &str, path: &Path) -> Result<(), ObjectError> {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let side = |suffix: &str| -> Option<serde_json::Value> {
            let p = self.root.join(format!(
                ".bucket-{}.object-{}.{suffix}",
                b64(bucket),
                b64(key)
            ));
            serde_json::from_slice(&std::fs::read(p).ok()?).ok()
        };
        let internal = side("internal.json").unwrap_or_default();
        let metadata = side("metadata.json").unwrap_or_default();
        let mut hasher = s3s::checksum::ChecksumHasher::default();
        if internal.get("checksum_crc32").is_some() {
            hasher.crc32 = Some(Default::default());
        }
        if internal.get("checksum_crc32c").is_some() {
            hasher.crc32c = Some(Default::default());
        }
        if internal.get("checksum_sha1").is_some() {
            hasher.sha1 = Some(Default::default());
        }
        if internal.get("checksum_sha256").is_some() {
            hasher.sha256 = Some(Default::default());
        }
        if internal.get("checksum_crc64nvme").is_some() {
            hasher.crc64nvme = Some(Default::default());
        }
        let mut md5 = s3s::crypto::Md5::new();
        let mut staged = self.new_staged()?;
        let mut src = File::open(path)?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = src.read(&mut buf)?;
            if n == 0 {
                break;
            }
            md5.update(&buf[..n]);
            hasher.update(&buf[..n]);
            staged.write_all(&buf[..n])?;
        }
        let md5 = hex::encode(md5.finalize());
        // A multipart ETag cannot be recomputed from the bytes; keep it. Otherwise the MD5.
        let etag = match internal.get("e_tag").and_then(|v| v.as_str()) {
            Some(e) if e.contains('-') => e.to_string(),
            _ => md5,
        };
        let c = hasher.finalize();
        let attributes: Attributes = serde_json::from_value(metadata).unwrap_or_default();
        let meta = NewObject {
            etag,
            checksums: Checksums {
                crc32: c.checksum_crc32,
                crc32c: c.checksum_crc32c,
                sha1: c.checksum_sha1,
                sha256: c.checksum_sha256,
                crc64nvme: c.checksum_crc64nvme,
            },
            attributes,
        };
        self.commit(bucket, key, Box::new(staged), meta, &Precondition::None)?;
        Ok(())
    }

    /// Removes what is left of the previous layout (after `_FORMAT` says the migration is done).
    fn remove_old_layout(&self) -> Result<(), ObjectError> {
        for e in std::fs::read_dir(&self.root)? {
            let e = e?;
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let ft = e.file_type()?;
            if ft.is_dir() && super::store::valid_bucket_name(&name) {
                std::fs::remove_dir_all(e.path())?;
            } else if ft.is_file()
                && (name.starts_with(".bucket-")
                    || name.starts_with(".upload")
                    || name.starts_with(".tmp."))
            {
                std::fs::remove_file(e.path())?;
            }
        }
        Ok(())
    }
}

impl ObjectStore for DiskStore {
    fn create_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        let d = self.bucket_dir(bucket)?;
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
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, DiskStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = DiskStore::open(dir.path().join("s3")).unwrap();
        s.create_bucket("bkt").unwrap();
        (dir, s)
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_shared_contract_holds_on_disk() {
        let (_d, s) = store();
        super::super::store_contract(&s);
    }

    #[test]
    fn long_and_odd_keys_are_files_with_bounded_names() {
        let (_d, s) = store();
        let long = format!("p/{}", "x".repeat(1020));
        let seg = "y".repeat(600);
        for k in [
            long.as_str(),
            &seg,
            "a",
            "a/b",
            "../x/..x",
            "%2e%2e%2fx",
            "été/x",
        ] {
            if check_object_key(k).is_err() {
                continue;
            }
            s.put("bkt", k, k.as_bytes()).unwrap();
            assert_eq!(s.get("bkt", k).unwrap(), k.as_bytes());
        }
        for name in files_in(&s.root().join("_buckets/bkt")) {
            assert_eq!(name.len(), 68, "{name}");
        }
        assert!(s.get("bkt", "a").is_ok() && s.get("bkt", "a/b").is_ok());
    }

    #[test]
    fn a_failing_disk_write_keeps_the_old_version() {
        let (_d, s) = store();
        s.put("bkt", "k", b"old").unwrap();
        s.inject(Step::WriteBody, Fault::Fail);
        assert!(s.put("bkt", "k", b"new bytes").is_err());
        assert_eq!(s.get("bkt", "k").unwrap(), b"old");
        assert!(files_in(&s.root().join("_tmp")).is_empty());
        s.inject(Step::BeforeRename, Fault::Fail);
        assert!(s.put("bkt", "k", b"new bytes").is_err());
        assert_eq!(s.get("bkt", "k").unwrap(), b"old");
        assert_eq!(
            s.head("bkt", "k").unwrap().etag,
            "149603e6c03516362a8da23f624db945"
        );
        assert!(files_in(&s.root().join("_tmp")).is_empty());
    }

    #[test]
    fn a_crash_before_or_after_the_rename_leaves_one_whole_version() {
        let (d, s) = store();
        s.put("bkt", "k", b"old").unwrap();
        s.inject(Step::BeforeRename, Fault::Crash);
        assert!(s.put("bkt", "k", b"new").is_err());
        assert_eq!(
            files_in(&s.root().join("_tmp")).len(),
            1,
            "the crash left its temp file"
        );
        drop(s);
        let s = DiskStore::open(d.path().join("s3")).unwrap();
        assert!(
            files_in(&s.root().join("_tmp")).is_empty(),
            "restart removes it"
        );
        let (info, mut r) = s.open("bkt", "k").unwrap();
        let mut b = Vec::new();
        r.read_to_end(&mut b).unwrap();
        assert_eq!(
            (b.as_slice(), info.etag.as_str()),
            (&b"old"[..], "149603e6c03516362a8da23f624db945")
        );

        s.inject(Step::AfterRename, Fault::Crash);
        assert!(s.put("bkt", "k", b"new").is_err());
        drop(s);
        let s = DiskStore::open(d.path().join("s3")).unwrap();
        let (info, mut r) = s.open("bkt", "k").unwrap();
        let mut b = Vec::new();
        r.read_to_end(&mut b).unwrap();
        assert_eq!(
            (b.as_slice(), info.etag.as_str()),
            (&b"new"[..], "22af645d1859cb5ca6da0c484f1f37ea")
        );
    }

    #[test]
    fn a_crash_between_complete_and_upload_removal_keeps_the_new_object() {
        let (d, s) = store();
        s.put("bkt", "mp", b"old").unwrap();
        let id = s
            .create_upload("bkt", "mp", Attributes::default(), None)
            .unwrap();
        let p = super::super::store_tests_put_part(&s, &id, 1, b"part one");
        s.inject(Step::AfterRename, Fault::Crash);
        assert!(
            s.complete_upload(&id, std::slice::from_ref(&p), &Precondition::None)
                .is_err()
        );
        drop(s);
        let s = DiskStore::open(d.path().join("s3")).unwrap();
        assert_eq!(s.get("bkt", "mp").unwrap(), b"part one");
        assert!(s.head("bkt", "mp").unwrap().etag.ends_with("-1"));
        // the upload is still there and can be completed again or aborted
        assert!(s.complete_upload(&id, &[p], &Precondition::None).is_ok());
        assert!(matches!(s.upload(&id), Err(ObjectError::NoSuchUpload(_))));
    }

    #[test]
    fn a_crash_before_the_complete_rename_keeps_old_object_and_upload() {
        let (d, s) = store();
        s.put("bkt", "mp", b"old").unwrap();
        let id = s
            .create_upload("bkt", "mp", Attributes::default(), None)
            .unwrap();
        let p = super::super::store_tests_put_part(&s, &id, 1, b"part one");
        s.inject(Step::BeforeRename, Fault::Crash);
        assert!(
            s.complete_upload(&id, std::slice::from_ref(&p), &Precondition::None)
                .is_err()
        );
        drop(s);
        let s = DiskStore::open(d.path().join("s3")).unwrap();
        assert_eq!(s.get("bkt", "mp").unwrap(), b"old");
        assert_eq!(s.list_parts(&id).unwrap().len(), 1);
        assert_eq!(
            s.complete_upload(&id, &[p], &Precondition::None)
                .unwrap()
                .size,
            8
        );
    }

    #[test]
    fn the_s3s_fs_layout_is_migrated_and_stale_checksums_repaired() {
        use base64::Engine as _;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("s3");
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        std::fs::create_dir_all(root.join("old-bucket/p/q")).unwrap();
        std::fs::create_dir_all(root.join("empty-bucket")).unwrap();
        std::fs::write(root.join("old-bucket/p/q/data.csv"), b"the bytes").unwrap();
        std::fs::write(root.join("old-bucket/top"), b"top").unwrap();
        // a stale side file, as D3 left them: the CRC32 of another version
        std::fs::write(
            root.join(format!(
                ".bucket-{}.object-{}.internal.json",
                b64("old-bucket"),
                b64("p/q/data.csv")
            )),
            br#"{"e_tag":"0123456789abcdef0123456789abcdef","checksum_crc32":"zWy0cg=="}"#,
        )
        .unwrap();
        std::fs::write(
            root.join(format!(
                ".bucket-{}.object-{}.metadata.json",
                b64("old-bucket"),
                b64("p/q/data.csv")
            )),
            br#"{"content_type":"text/csv","user_metadata":{"a":"b"}}"#,
        )
        .unwrap();
        std::fs::write(root.join(".tmp.3.internal.part"), b"junk").unwrap();
        std::fs::write(root.join(".upload-x.json"), b"null").unwrap();
        let s = DiskStore::open(root.clone()).unwrap();
        let names: Vec<_> = s
            .list_buckets()
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(names, ["empty-bucket", "old-bucket"]);
        let objs = s.list("old-bucket", "").unwrap();
        assert_eq!(
            objs.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
            ["p/q/data.csv", "top"]
        );
        let d = &objs[0];
        assert_eq!(s.get("old-bucket", "p/q/data.csv").unwrap(), b"the bytes");
        let mut md5 = s3s::crypto::Md5::new();
        md5.update(b"the bytes");
        assert_eq!(d.etag, hex::encode(md5.finalize()));
        let mut crc = s3s::crypto::Crc32::new();
        crc.update(b"the bytes");
        assert_eq!(
            d.checksums.crc32.as_deref(),
            Some(
                base64::engine::general_purpose::STANDARD
                    .encode(crc.finalize())
                    .as_str()
            )
        );
        assert_eq!(d.attributes.content_type.as_deref(), Some("text/csv"));
        assert_eq!(d.attributes.user_metadata["a"], "b");
        let mut left = files_in(&root);
        left.retain(|n| !n.starts_with('_'));
        assert!(left.is_empty(), "old files left: {left:?}");
        drop(s);
        // reopening is a no-op
        let s = DiskStore::open(root).unwrap();
        assert_eq!(s.get("old-bucket", "top").unwrap(), b"top");
    }

    #[test]
    fn another_format_is_refused_clearly() {
        let (d, s) = store();
        drop(s);
        std::fs::write(
            d.path().join("s3/_FORMAT"),
            "sagemaker-offline object store 9\n",
        )
        .unwrap();
        let e = DiskStore::open(d.path().join("s3"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("another version"), "{e}");
    }
}
