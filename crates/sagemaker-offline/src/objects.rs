//! Direct access to the S3 objects, in exactly the on-disk layout that s3s-fs uses.
//!
//! Why this exists: the S3 API is served by s3s-fs (we do not hand-write an S3 server), but the
//! SageMaker part must read training input and write model artifacts without an HTTP round trip,
//! and clients must see those artifacts through the S3 API. So this module reads and writes the
//! same files s3s-fs 0.14 reads and writes. The layout (from `s3s-fs/src/fs.rs`):
//!
//! - object bytes: `<root>/<bucket>/<key>` (the key's `/` become directories);
//! - a bucket is a directory directly under `<root>`;
//! - per-object side files in `<root>` itself:
//!   `.bucket-<b64url(bucket)>.object-<b64url(key)>.internal.json` (`{"e_tag": md5hex, "checksum_*": …}`)
//!   and `….metadata.json` (content type, user metadata);
//! - temporary files `<root>/.tmp.*.internal.part`, removed by s3s-fs at start-up.
//!
//! Writes go to a temporary file in `<root>` and are renamed into place, so a reader (S3 GET or a
//! training host) never sees half an object. A write also replaces the `internal.json` side file
//! with the new ETag (MD5) and removes a stale `metadata.json`, so S3 clients never get the ETag or
//! CRC32 of a previous version (the SDKs validate response checksums).
//!
//! Names are checked before they touch the file system: a key with `..` components, an absolute
//! key, a NUL byte or a bucket name outside S3's rules is refused with [`ObjectError::Invalid`], so
//! nothing can escape the store's root (the S3 front end applies the same check, see `s3.rs`).

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use s3s::crypto::Checksum as _;

/// Error from the object store.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// No such bucket.
    #[error("The specified bucket does not exist: {0}")]
    NoSuchBucket(String),
    /// No such key.
    #[error("The specified key does not exist: s3://{0}/{1}")]
    NoSuchKey(String, String),
    /// Key or bucket name that would escape the state directory, or is otherwise invalid.
    #[error("invalid object name: {0}")]
    Invalid(String),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One listed object.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    /// Object key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Path of the object's bytes on disk (read-only use).
    pub path: PathBuf,
}

/// The object store shared by the S3 API and the SageMaker part.
#[derive(Debug)]
pub struct ObjectStore {
    root: PathBuf,
    /// Serialises the final rename + side-file update of this store's writes, so two writers of
    /// the same key never leave one's bytes with the other's ETag.
    publish: std::sync::Mutex<()>,
}

/// Whether `bucket` is a valid S3 bucket name (the rules s3s checks, see `s3s::path::check_bucket_name`).
pub fn valid_bucket_name(bucket: &str) -> bool {
    s3s::path::check_bucket_name(bucket)
}

/// Checks an object key: non-empty, ≤ 1024 bytes, no NUL, not absolute, no `..` component, and not
/// a "directory" key ending in `/` for whole-object writes is allowed by S3 but not by this store
/// (s3s-fs turns such keys into directories), so callers that write must avoid it.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("empty object key".into());
    }
    if key.len() > 1024 {
        return Err(format!(
            "object key longer than 1024 bytes ({} bytes)",
            key.len()
        ));
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

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A writer that forwards to a file and hashes what passes through (MD5 = S3's single-part ETag).
struct HashingWriter<W> {
    inner: W,
    md5: s3s::crypto::Md5,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl ObjectStore {
    /// Opens (creating if needed) the store rooted at `root`.
    pub fn open(root: PathBuf) -> Result<Self, ObjectError> {
        std::fs::create_dir_all(&root)?;
        // s3s-fs canonicalizes its root; do the same so paths handed out agree with it.
        let root = root.canonicalize()?;
        Ok(Self {
            root,
            publish: std::sync::Mutex::new(()),
        })
    }
    /// Root directory (handed to s3s-fs).
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    fn bucket_path(&self, bucket: &str) -> Result<PathBuf, ObjectError> {
        if !valid_bucket_name(bucket) {
            return Err(ObjectError::Invalid(format!(
                "bucket name {bucket:?} is not a valid S3 bucket name (3-63 characters of a-z, 0-9, '.', '-')"
            )));
        }
        Ok(self.root.join(bucket))
    }

    /// Path of an object's bytes (whether or not it exists), after checking the names.
    pub fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, ObjectError> {
        let dir = self.bucket_path(bucket)?;
        check_key(key).map_err(ObjectError::Invalid)?;
        let mut p = dir;
        for comp in Path::new(key).components() {
            if let Component::Normal(c) = comp {
                p.push(c);
            }
        }
        Ok(p)
    }

    fn side_file(&self, bucket: &str, key: &str, suffix: &str) -> PathBuf {
        self.root.join(format!(
            ".bucket-{}.object-{}.{suffix}",
            b64(bucket),
            b64(key)
        ))
    }

    /// Whether a bucket exists.
    pub fn bucket_exists(&self, bucket: &str) -> bool {
        match self.bucket_path(bucket) {
            Ok(p) => p.is_dir(),
            Err(_) => false,
        }
    }
    /// Creates a bucket if missing.
    pub fn create_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        let p = self.bucket_path(bucket)?;
        std::fs::create_dir_all(p)?;
        Ok(())
    }

    /// Objects under `prefix`, sorted by key (lexicographic, as S3 lists them).
    pub fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        let dir = self.bucket_path(bucket)?;
        if !dir.is_dir() {
            return Err(ObjectError::NoSuchBucket(bucket.to_string()));
        }
        let mut out = Vec::new();
        let mut stack = vec![(dir, String::new())];
        while let Some((d, rel)) = stack.pop() {
            for entry in std::fs::read_dir(&d)? {
                let entry = entry?;
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    continue; // not representable as a key; s3s-fs skips these too
                };
                let key = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                let ft = entry.file_type()?;
                if ft.is_dir() {
                    // Only descend where keys under this directory can still match the prefix.
                    let as_dir = format!("{key}/");
                    if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                        stack.push((entry.path(), key));
                    }
                } else if ft.is_file() && key.starts_with(prefix) {
                    let size = entry.metadata()?.len();
                    out.push(ObjectInfo {
                        key,
                        size,
                        path: entry.path(),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn existing_object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, ObjectError> {
        let p = self.object_path(bucket, key)?;
        if !self.root.join(bucket).is_dir() {
            return Err(ObjectError::NoSuchBucket(bucket.to_string()));
        }
        if !p.is_file() {
            return Err(ObjectError::NoSuchKey(bucket.to_string(), key.to_string()));
        }
        Ok(p)
    }

    /// Size and path of one object.
    pub fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        let path = self.existing_object_path(bucket, key)?;
        let size = std::fs::metadata(&path)?.len();
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            path,
        })
    }

    /// Reads a whole object.
    pub fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, ObjectError> {
        let p = self.existing_object_path(bucket, key)?;
        let mut f = std::fs::File::open(&p).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ObjectError::NoSuchKey(bucket.to_string(), key.to_string())
            } else {
                ObjectError::Io(e)
            }
        })?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Writes a whole object (atomically: a reader never sees half of it), visible through the S3 API.
    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        self.put_with(bucket, key, |w| w.write_all(bytes))
            .map(|_| ())
    }

    /// Copies a local file into an object (atomically). Returns the size.
    pub fn put_file(&self, bucket: &str, key: &str, src: &Path) -> Result<u64, ObjectError> {
        let mut f = std::fs::File::open(src)?;
        self.put_with(bucket, key, |w| std::io::copy(&mut f, w).map(|_| ()))
    }

    /// Streams an object into the store: `write` gets a writer; the object appears (atomically)
    /// only if it returns `Ok`. Returns the number of bytes written. The bucket must exist.
    pub fn put_with<F>(&self, bucket: &str, key: &str, write: F) -> Result<u64, ObjectError>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        let dest = self.object_path(bucket, key)?;
        if key.ends_with('/') {
            return Err(ObjectError::Invalid(format!(
                "object key {key:?} ends with '/', which this store keeps as a directory marker"
            )));
        }
        if !self.root.join(bucket).is_dir() {
            return Err(ObjectError::NoSuchBucket(bucket.to_string()));
        }
        let tmp = self.root.join(format!(
            ".tmp.objstore-{}.internal.part",
            uuid::Uuid::new_v4()
        ));
        let result = self.write_and_publish(&tmp, &dest, bucket, key, write);
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn write_and_publish<F>(
        &self,
        tmp: &Path,
        dest: &Path,
        bucket: &str,
        key: &str,
        write: F,
    ) -> Result<u64, ObjectError>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        // Same naming pattern as s3s-fs's temporaries, so a crash leaves nothing that survives the
        // next start-up (s3s-fs deletes `.tmp.*.internal.part` in the root).
        let file = std::fs::File::create(tmp)?;
        let mut hw = HashingWriter {
            inner: std::io::BufWriter::new(file),
            md5: s3s::crypto::Md5::new(),
            written: 0,
        };
        write(&mut hw)?;
        hw.flush()?;
        let HashingWriter {
            inner,
            md5,
            written,
        } = hw;
        let file = inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        let etag = hex::encode(md5.finalize());
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let _guard = self
            .publish
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Drop the previous version's side files first (without them s3s-fs computes the MD5 of
        // whatever bytes it serves and sends no checksum), then publish the bytes, then the new
        // ETag: a concurrent GET never pairs new bytes with an old ETag or CRC32.
        let internal = self.side_file(bucket, key, "internal.json");
        for f in [&internal, &self.side_file(bucket, key, "metadata.json")] {
            match std::fs::remove_file(f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        std::fs::rename(tmp, dest)?;
        let info = serde_json::json!({ "e_tag": etag });
        self.write_side_file(&internal, info.to_string().as_bytes())?;
        Ok(written)
    }

    fn write_side_file(&self, path: &Path, bytes: &[u8]) -> Result<(), ObjectError> {
        let tmp = self.root.join(format!(
            ".tmp.objstore-{}.internal.part",
            uuid::Uuid::new_v4()
        ));
        std::fs::write(&tmp, bytes)?;
        if let Err(e) = std::fs::rename(&tmp, path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        Ok(())
    }

    /// Deletes an object (no error if it does not exist, as in S3).
    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), ObjectError> {
        let p = self.object_path(bucket, key)?;
        for f in [
            p,
            self.side_file(bucket, key, "internal.json"),
            self.side_file(bucket, key, "metadata.json"),
        ] {
            match std::fs::remove_file(&f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, ObjectStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = ObjectStore::open(dir.path().join("s3")).unwrap();
        (dir, s)
    }

    #[test]
    fn put_get_list_sorted() {
        let (_d, s) = store();
        s.create_bucket("bkt").unwrap();
        assert!(s.bucket_exists("bkt"));
        assert!(!s.bucket_exists("other"));
        s.put("bkt", "p/train/b.data", b"bb").unwrap();
        s.put("bkt", "p/train/a.data", b"a").unwrap();
        s.put("bkt", "p/validation/a.data", b"vvv").unwrap();
        s.put("bkt", "q.txt", b"q").unwrap();
        let l = s.list("bkt", "p/train/").unwrap();
        let keys: Vec<_> = l.iter().map(|o| (o.key.as_str(), o.size)).collect();
        assert_eq!(keys, vec![("p/train/a.data", 1), ("p/train/b.data", 2)]);
        let all: Vec<_> = s
            .list("bkt", "")
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(
            all,
            vec![
                "p/train/a.data",
                "p/train/b.data",
                "p/validation/a.data",
                "q.txt"
            ]
        );
        let partial: Vec<_> = s
            .list("bkt", "p/tr")
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(partial, vec!["p/train/a.data", "p/train/b.data"]);
        assert_eq!(s.get("bkt", "p/validation/a.data").unwrap(), b"vvv");
        // side file carries the MD5 ETag
        let info = std::fs::read_to_string(s.side_file("bkt", "q.txt", "internal.json")).unwrap();
        assert_eq!(info, r#"{"e_tag":"7694f4a66316e53c8cdd9d9954bd611d"}"#);
    }

    #[test]
    fn overwrite_replaces_bytes_and_etag() {
        let (_d, s) = store();
        s.create_bucket("bkt").unwrap();
        s.put("bkt", "k", b"first").unwrap();
        std::fs::write(s.side_file("bkt", "k", "metadata.json"), b"{}").unwrap();
        s.put("bkt", "k", b"second").unwrap();
        assert_eq!(s.get("bkt", "k").unwrap(), b"second");
        assert!(!s.side_file("bkt", "k", "metadata.json").exists());
        assert_eq!(s.head("bkt", "k").unwrap().size, 6);
    }

    #[test]
    fn missing_things() {
        let (_d, s) = store();
        assert!(matches!(
            s.get("nope", "k"),
            Err(ObjectError::NoSuchBucket(_))
        ));
        assert!(matches!(
            s.list("nope", ""),
            Err(ObjectError::NoSuchBucket(_))
        ));
        assert!(matches!(
            s.put("nope", "k", b"x"),
            Err(ObjectError::NoSuchBucket(_))
        ));
        s.create_bucket("bkt").unwrap();
        assert!(matches!(
            s.get("bkt", "k"),
            Err(ObjectError::NoSuchKey(_, _))
        ));
        s.put("bkt", "dir/k", b"x").unwrap();
        // a "directory" is not an object
        assert!(matches!(
            s.get("bkt", "dir"),
            Err(ObjectError::NoSuchKey(_, _))
        ));
    }

    #[test]
    fn names_cannot_escape() {
        let (d, s) = store();
        s.create_bucket("bkt").unwrap();
        for key in ["../x", "a/../../x", "/etc/passwd", "", "a\0b", "..", "a/.."] {
            assert!(
                matches!(s.put("bkt", key, b"x"), Err(ObjectError::Invalid(_))),
                "key {key:?}"
            );
            assert!(
                matches!(s.get("bkt", key), Err(ObjectError::Invalid(_))),
                "key {key:?}"
            );
        }
        for bucket in ["..", "../s3", "A", "a/b", "x"] {
            assert!(
                matches!(s.create_bucket(bucket), Err(ObjectError::Invalid(_))),
                "bucket {bucket:?}"
            );
            assert!(!s.bucket_exists(bucket));
        }
        // nothing was written outside the bucket
        assert!(!d.path().join("x").exists());
        assert!(!d.path().join("s3/x").exists());
    }

    #[test]
    fn concurrent_writers_keep_bytes_and_etag_together() {
        let (_d, s) = store();
        s.create_bucket("bkt").unwrap();
        let s = std::sync::Arc::new(s);
        let hs: Vec<_> = (0..4u8)
            .map(|t| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for i in 0..25u8 {
                        s.put(
                            "bkt",
                            "same/key",
                            &vec![t.wrapping_mul(31).wrapping_add(i); 1000 + usize::from(i)],
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        let bytes = s.get("bkt", "same/key").unwrap();
        let mut md5 = s3s::crypto::Md5::new();
        md5.update(&bytes);
        let info: serde_json::Value = serde_json::from_slice(
            &std::fs::read(s.side_file("bkt", "same/key", "internal.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(info["e_tag"], hex::encode(md5.finalize()));
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let (_d, s) = store();
        s.create_bucket("bkt").unwrap();
        s.put("bkt", "k", b"old").unwrap();
        let r = s.put_with("bkt", "k", |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert_eq!(s.get("bkt", "k").unwrap(), b"old");
        let tmp: Vec<_> = std::fs::read_dir(s.root())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp."))
            .collect();
        assert!(tmp.is_empty());
    }
}
