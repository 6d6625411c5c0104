//! Migration from s3s-fs 0.14's layout (the bytes at `<bucket>/<key>`, ETag and checksums in side
//! files): every object is copied into the current layout, then the old files are removed.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use s3s::crypto::Checksum as _;

use super::DiskStore;
use crate::s3::store::{
    Attributes, Checksums, NewObject, ObjectError, ObjectStore, Precondition, check_object_key,
    valid_bucket_name,
};

impl DiskStore {
    pub(super) fn migrate_old_layout(&self) -> Result<(), ObjectError> {
        for e in std::fs::read_dir(&self.root)? {
            let e = e?;
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !e.file_type()?.is_dir() || !valid_bucket_name(&name) {
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

    pub(super) fn import_old_object(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
    ) -> Result<(), ObjectError> {
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
    pub(super) fn remove_old_layout(&self) -> Result<(), ObjectError> {
        for e in std::fs::read_dir(&self.root)? {
            let e = e?;
            let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let ft = e.file_type()?;
            if ft.is_dir() && valid_bucket_name(&name) {
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
