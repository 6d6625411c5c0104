//! Direct access to S3 objects as the S3 front end (s3s-fs) stores them (contract skeleton).

use std::path::PathBuf;

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
}

impl ObjectStore {
    /// Opens (creating if needed) the store rooted at `root`.
    pub fn open(root: PathBuf) -> Result<Self, ObjectError> {
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }
    /// Root directory (handed to s3s-fs).
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }
    /// Whether a bucket exists.
    pub fn bucket_exists(&self, bucket: &str) -> bool {
        let _ = bucket;
        todo!()
    }
    /// Creates a bucket if missing.
    pub fn create_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        let _ = bucket;
        todo!()
    }
    /// Objects under `prefix`, sorted by key (lexicographic, as S3 lists them).
    pub fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        let _ = (bucket, prefix);
        todo!()
    }
    /// Reads a whole object.
    pub fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, ObjectError> {
        let _ = (bucket, key);
        todo!()
    }
    /// Writes a whole object (atomically: a reader never sees half of it), visible through the S3 API.
    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        let _ = (bucket, key, bytes);
        todo!()
    }
}
