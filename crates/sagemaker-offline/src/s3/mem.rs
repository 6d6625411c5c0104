//! [`MemStore`]: the object store in memory, for unit tests of the store's users (training input,
//! model artifacts, model loading) and of the S3 front end, with no directory to set up.
//!
//! It keeps the same contract as the disk store (see `store.rs`): a version is a pair of its bytes
//! and its [`ObjectInfo`] swapped in as one value under a lock, so readers see one whole version.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::Bytes;

use super::store::DEFAULT_BUCKET_REGION;
use super::store::{
    Attributes, BodyRead, BucketInfo, Checksums, NewObject, ObjectError, ObjectInfo, ObjectStore,
    PartInfo, Precondition, RequestedPart, StagedBody, UploadInfo, check_bucket, check_object_key,
    check_part_list, multipart_etag, parse_upload_id,
};

type Version = (ObjectInfo, Bytes);

#[derive(Debug, Default)]
struct Upload {
    info: Option<UploadInfo>,
    parts: BTreeMap<i32, (PartInfo, Bytes)>,
}

#[derive(Debug, Default)]
struct State {
    buckets: BTreeMap<String, (SystemTime, BTreeMap<String, Version>)>,
    uploads: HashMap<String, Upload>,
    regions: HashMap<String, String>,
}

/// The object store in memory (see the module docs).
#[derive(Debug, Default, Clone)]
pub struct MemStore {
    state: Arc<Mutex<State>>,
}

struct MemStaged(Vec<u8>);

impl Write for MemStaged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl StagedBody for MemStaged {
    fn written(&self) -> u64 {
        self.0.len() as u64
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

struct MemBody(std::io::Cursor<Bytes>);

impl std::io::Read for MemBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl BodyRead for MemBody {
    fn seek_to(&mut self, pos: u64) -> std::io::Result<()> {
        self.0.set_position(pos);
        Ok(())
    }
}

fn bytes_of(body: Box<dyn StagedBody>) -> Result<Vec<u8>, ObjectError> {
    body.into_any()
        .downcast::<MemStaged>()
        .map(|b| b.0)
        .map_err(|_| std::io::Error::other("staged body from another store").into())
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn bucket(&self, b: &str) -> Result<&BTreeMap<String, Version>, ObjectError> {
        check_bucket(b)?;
        self.buckets
            .get(b)
            .map(|x| &x.1)
            .ok_or_else(|| ObjectError::NoSuchBucket(b.into()))
    }
    fn bucket_mut(&mut self, b: &str) -> Result<&mut BTreeMap<String, Version>, ObjectError> {
        check_bucket(b)?;
        self.buckets
            .get_mut(b)
            .map(|x| &mut x.1)
            .ok_or_else(|| ObjectError::NoSuchBucket(b.into()))
    }
    fn upload(&self, id: &str) -> Result<&Upload, ObjectError> {
        parse_upload_id(id)?;
        self.uploads
            .get(id)
            .filter(|u| u.info.is_some())
            .ok_or_else(|| ObjectError::NoSuchUpload(id.into()))
    }
}

impl ObjectStore for MemStore {
    fn create_bucket_in(&self, bucket: &str, region: &str) -> Result<(), ObjectError> {
        check_bucket(bucket)?;
        let mut s = self.lock();
        if s.buckets.contains_key(bucket) {
            return Err(ObjectError::BucketAlreadyOwnedByYou(bucket.into()));
        }
        s.buckets
            .insert(bucket.into(), (SystemTime::now(), BTreeMap::new()));
        s.regions.insert(bucket.into(), region.into());
        Ok(())
    }

    fn bucket_region(&self, bucket: &str) -> Result<String, ObjectError> {
        let s = self.lock();
        s.bucket(bucket)?;
        Ok(s.regions
            .get(bucket)
            .cloned()
            .unwrap_or_else(|| DEFAULT_BUCKET_REGION.into()))
    }

    fn delete_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        let mut s = self.lock();
        if !s.bucket(bucket)?.is_empty() {
            return Err(ObjectError::BucketNotEmpty(bucket.into()));
        }
        s.buckets.remove(bucket);
        s.regions.remove(bucket);
        Ok(())
    }

    fn bucket_exists(&self, bucket: &str) -> bool {
        self.lock().bucket(bucket).is_ok()
    }

    fn list_buckets(&self) -> Result<Vec<BucketInfo>, ObjectError> {
        Ok(self
            .lock()
            .buckets
            .iter()
            .map(|(name, (created, _))| BucketInfo {
                name: name.clone(),
                created: *created,
            })
            .collect())
    }

    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        let s = self.lock();
        Ok(super::store::sorted_with_prefix(
            s.bucket(bucket)?.values().map(|v| v.0.clone()),
            prefix,
        ))
    }

    fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        check_object_key(key)?;
        let s = self.lock();
        s.bucket(bucket)?
            .get(key)
            .map(|v| v.0.clone())
            .ok_or_else(|| ObjectError::NoSuchKey(bucket.into(), key.into()))
    }

    fn open(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectInfo, Box<dyn BodyRead>), ObjectError> {
        check_object_key(key)?;
        let s = self.lock();
        let (info, bytes) = s
            .bucket(bucket)?
            .get(key)
            .cloned()
            .ok_or_else(|| ObjectError::NoSuchKey(bucket.into(), key.into()))?;
        Ok((info, Box::new(MemBody(std::io::Cursor::new(bytes)))))
    }

    fn stage(&self, bucket: &str) -> Result<Box<dyn StagedBody>, ObjectError> {
        self.lock().bucket(bucket)?;
        Ok(Box::new(MemStaged(Vec::new())))
    }

    fn commit(
        &self,
        bucket: &str,
        key: &str,
        body: Box<dyn StagedBody>,
        meta: NewObject,
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError> {
        check_object_key(key)?;
        let bytes = Bytes::from(bytes_of(body)?);
        let info = ObjectInfo {
            key: key.into(),
            size: bytes.len() as u64,
            etag: meta.etag,
            last_modified: SystemTime::now(),
            checksums: meta.checksums,
            attributes: meta.attributes,
        };
        let mut s = self.lock();
        let b = s.bucket_mut(bucket)?;
        cond.check(b.get(key).map(|v| &v.0))?;
        b.insert(key.into(), (info.clone(), bytes));
        Ok(info)
    }

    fn delete(&self, bucket: &str, key: &str) -> Result<(), ObjectError> {
        check_object_key(key)?;
        self.lock().bucket_mut(bucket)?.remove(key);
        Ok(())
    }

    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: Attributes,
        checksum_algorithm: Option<String>,
    ) -> Result<String, ObjectError> {
        check_object_key(key)?;
        let mut s = self.lock();
        s.bucket(bucket)?;
        let id = uuid::Uuid::new_v4().to_string();
        s.uploads.insert(
            id.clone(),
            Upload {
                info: Some(UploadInfo {
                    upload_id: id.clone(),
                    bucket: bucket.into(),
                    key: key.into(),
                    initiated: SystemTime::now(),
                    attributes,
                    checksum_algorithm,
                }),
                parts: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    fn upload(&self, upload_id: &str) -> Result<UploadInfo, ObjectError> {
        let s = self.lock();
        Ok(s.upload(upload_id)?.info.clone().expect("filtered"))
    }

    fn list_uploads(&self, bucket: &str) -> Result<Vec<UploadInfo>, ObjectError> {
        let s = self.lock();
        s.bucket(bucket)?;
        let mut v: Vec<_> = s
            .uploads
            .values()
            .filter_map(|u| u.info.clone())
            .filter(|u| u.bucket == bucket)
            .collect();
        v.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(v)
    }

    fn stage_part(&self, upload_id: &str) -> Result<Box<dyn StagedBody>, ObjectError> {
        self.lock().upload(upload_id)?;
        Ok(Box::new(MemStaged(Vec::new())))
    }

    fn commit_part(
        &self,
        upload_id: &str,
        body: Box<dyn StagedBody>,
        part: PartInfo,
    ) -> Result<(), ObjectError> {
        let bytes = Bytes::from(bytes_of(body)?);
        let mut s = self.lock();
        s.upload(upload_id)?;
        let u = s.uploads.get_mut(upload_id).expect("checked");
        u.parts.insert(part.part_number, (part, bytes));
        Ok(())
    }

    fn list_parts(&self, upload_id: &str) -> Result<BTreeMap<i32, PartInfo>, ObjectError> {
        let s = self.lock();
        Ok(s.upload(upload_id)?
            .parts
            .iter()
            .map(|(n, (p, _))| (*n, p.clone()))
            .collect())
    }

    fn abort_upload(&self, upload_id: &str) -> Result<(), ObjectError> {
        let mut s = self.lock();
        s.upload(upload_id)?;
        s.uploads.remove(upload_id);
        Ok(())
    }

    fn complete_upload(
        &self,
        upload_id: &str,
        parts: &[RequestedPart],
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError> {
        let mut s = self.lock();
        let u = s.upload(upload_id)?;
        let up = u.info.clone().expect("filtered");
        let stored: BTreeMap<i32, PartInfo> =
            u.parts.iter().map(|(n, (p, _))| (*n, p.clone())).collect();
        let chosen = check_part_list(parts, &stored)?;
        let mut all = Vec::new();
        for p in &chosen {
            all.extend_from_slice(&u.parts[&p.part_number].1);
        }
        let info = ObjectInfo {
            key: up.key.clone(),
            size: all.len() as u64,
            etag: multipart_etag(&chosen)?,
            last_modified: SystemTime::now(),
            checksums: Checksums::default(),
            attributes: up.attributes.clone(),
        };
        let b = s.bucket_mut(&up.bucket)?;
        cond.check(b.get(&up.key).map(|v| &v.0))?;
        b.insert(up.key.clone(), (info.clone(), Bytes::from(all)));
        s.uploads.remove(upload_id);
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shared_contract_holds_in_memory() {
        let s = super::MemStore::new();
        super::ObjectStore::create_bucket(&s, "bkt").unwrap();
        super::super::store_contract(&s);
    }
}
