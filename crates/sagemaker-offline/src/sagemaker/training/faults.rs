//! The runner's endings under faults a real request cannot produce on demand: a panic in the
//! download or in the artifact upload, a download stuck inside one object, a stop while waiting
//! for a training slot. The object store is a [`MemStore`] behind a wrapper that panics or blocks
//! where a test asks it to.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::s3::MemStore;
use crate::s3::store::{
    Attributes, BodyRead, BucketInfo, NewObject, ObjectError, ObjectInfo, ObjectStore, PartInfo,
    Precondition, RequestedPart, StagedBody, UploadInfo,
};
use crate::sagemaker::{Options, SageMaker};

/// What the wrapper does to the next matching call.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Fault {
    #[default]
    None,
    /// `list` panics (the download's first step).
    PanicOnList,
    /// `commit` panics (the artifact upload; the seeding is done before it is set).
    PanicOnCommit,
    /// `open` blocks until [`FaultStore::release`] (a download stuck inside one object).
    BlockOnOpen,
}

#[derive(Debug, Default)]
struct FaultStore {
    mem: MemStore,
    fault: Mutex<Fault>,
    /// Set by `release`; `open` waits for it under [`Fault::BlockOnOpen`].
    released: Mutex<bool>,
    wake: Condvar,
    /// Set when an `open` started blocking.
    blocked: Mutex<bool>,
}

impl FaultStore {
    fn set(&self, f: Fault) {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner) = f;
    }
    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn release(&self) {
        *self.released.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }
    fn is_blocked(&self) -> bool {
        *self.blocked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ObjectStore for FaultStore {
    fn create_bucket_in(&self, bucket: &str, region: &str) -> Result<(), ObjectError> {
        self.mem.create_bucket_in(bucket, region)
    }
    fn bucket_region(&self, bucket: &str) -> Result<String, ObjectError> {
        self.mem.bucket_region(bucket)
    }
    fn delete_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        self.mem.delete_bucket(bucket)
    }
    fn bucket_exists(&self, bucket: &str) -> bool {
        self.mem.bucket_exists(bucket)
    }
    fn list_buckets(&self) -> Result<Vec<BucketInfo>, ObjectError> {
        self.mem.list_buckets()
    }
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        // CreateTrainingJob lists the prefixes too: only the runner's thread panics.
        let runner = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("train-"));
        if runner && self.fault() == Fault::PanicOnList {
            panic!("injected: list panicked");
        }
        self.mem.list(bucket, prefix)
    }
    fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        self.mem.head(bucket, key)
    }
    fn open(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectInfo, Box<dyn BodyRead>), ObjectError> {
        if self.fault() == Fault::BlockOnOpen {
            *self.blocked.lock().unwrap_or_else(PoisonError::into_inner) = true;
            let released = self.released.lock().unwrap_or_else(PoisonError::into_inner);
            let _released = self
                .wake
                .wait_while(released, |r| !*r)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.mem.open(bucket, key)
    }
    fn stage(&self, bucket: &str) -> Result<Box<dyn StagedBody>, ObjectError> {
        self.mem.stage(bucket)
    }
    fn commit(
        &self,
        bucket: &str,
        key: &str,
        body: Box<dyn StagedBody>,
        meta: NewObject,
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError> {
        if self.fault() == Fault::PanicOnCommit {
            panic!("injected: commit panicked");
        }
        self.mem.commit(bucket, key, body, meta, cond)
    }
    fn delete(&self, bucket: &str, key: &str) -> Result<(), ObjectError> {
        self.mem.delete(bucket, key)
    }
    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: Attributes,
        checksum_algorithm: Option<String>,
    ) -> Result<String, ObjectError> {
        self.mem
            .create_upload(bucket, key, attributes, checksum_algorithm)
    }
    fn upload(&self, upload_id: &str) -> Result<UploadInfo, ObjectError> {
        self.mem.upload(upload_id)
    }
    fn list_uploads(&self, bucket: &str) -> Result<Vec<UploadInfo>, ObjectError> {
        self.mem.list_uploads(bucket)
    }
    fn stage_part(&self, upload_id: &str) -> Result<Box<dyn StagedBody>, ObjectError> {
        self.mem.stage_part(upload_id)
    }
    fn commit_part(
        &self,
        upload_id: &str,
        body: Box<dyn StagedBody>,
        part: PartInfo,
    ) -> Result<(), ObjectError> {
        self.mem.commit_part(upload_id, body, part)
    }
    fn list_parts(&self, upload_id: &str) -> Result<BTreeMap<i32, PartInfo>, ObjectError> {
        self.mem.list_parts(upload_id)
    }
    fn abort_upload(&self, upload_id: &str) -> Result<(), ObjectError> {
        self.mem.abort_upload(upload_id)
    }
    fn complete_upload(
        &self,
        upload_id: &str,
        parts: &[RequestedPart],
        cond: &Precondition,
    ) -> Result<ObjectInfo, ObjectError> {
        self.mem.complete_upload(upload_id, parts, cond)
    }
}

const BUCKET: &str = "faults";

/// A SageMaker over a [`FaultStore`] holding two small training objects; one training slot.
fn setup(dir: &Path, stop_grace: Duration) -> (SageMaker, Arc<FaultStore>) {
    let store = Arc::new(FaultStore::default());
    store.create_bucket(BUCKET).expect("bucket");
    for (i, key) in ["d/train/a.data", "d/train/b.data"].iter().enumerate() {
        let x: Vec<f32> = (0..400).map(|j| ((j * 7 + i) % 13) as f32 / 13.0).collect();
        let y: Vec<f32> = x.chunks(4).map(|r| r.iter().sum()).collect();
        let bytes =
            sagemaker_recordio::write_dense_matrix(Vec::new(), &x, 4, Some(&y)).expect("recordio");
        store.put(BUCKET, key, &bytes).expect("put");
    }
    let ctx = Ctx {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        state_dir: dir.to_path_buf(),
        objects: store.clone(),
        logs: Arc::new(crate::logs::LogStore::open(dir.join("logs")).expect("logs")),
    };
    let opts = Options {
        max_concurrent_training_jobs: 1,
        endpoint_load_wait: Duration::from_secs(1),
        training_instance_limit: 20,
        stop_grace,
        notebook_instances: Vec::new(),
    };
    (SageMaker::with_options(ctx, opts), store)
}

fn job(name: &str, epochs: u32) -> Value {
    json!({
        "TrainingJobName": name,
        "HyperParameters": {"feature_dim": "4", "mini_batch_size": "10", "predictor_type": "regressor",
                            "epochs": epochs.to_string(), "num_models": "2",
                            "early_stopping_patience": epochs.to_string()},
        "AlgorithmSpecification": {"TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1",
                                   "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": format!("s3://{BUCKET}/d/train/")}}}],
        "OutputDataConfig": {"S3OutputPath": format!("s3://{BUCKET}/out/")},
        "ResourceConfig": {"InstanceCount": 2, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600}
    })
}

async fn call(sm: &SageMaker, op: &str, body: Value) -> Value {
    sm.handle(op, body.to_string().as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
}

async fn describe(sm: &SageMaker, name: &str) -> Value {
    call(sm, "DescribeTrainingJob", json!({"TrainingJobName": name})).await
}

/// Waits until `name`'s status is one of `statuses` (a minute at most).
async fn wait_status(sm: &SageMaker, name: &str, statuses: &[&str]) -> Value {
    let t0 = Instant::now();
    loop {
        let d = describe(sm, name).await;
        if statuses.iter().any(|s| d["TrainingJobStatus"] == *s) {
            return d;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "{name}: {d}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(60), "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The job ended `Failed` with the runner's panic in its reason, and a later job completes on the
/// freed slot.
async fn assert_panic_failed_then_next_completes(sm: &SageMaker, store: &FaultStore, name: &str) {
    let d = wait_status(sm, name, &["Completed", "Failed", "Stopped"]).await;
    assert_eq!(d["TrainingJobStatus"], "Failed", "{d}");
    let reason = d["FailureReason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("InternalServerError: We encountered an internal error.")
            && reason.contains("injected:"),
        "{reason}"
    );
    assert_eq!(sm.inner.slots_in_use(), 0);
    store.set(Fault::None);
    let next = format!("{name}-next");
    call(sm, "CreateTrainingJob", job(&next, 2)).await;
    let d = wait_status(sm, &next, &["Completed", "Failed", "Stopped"]).await;
    assert_eq!(d["TrainingJobStatus"], "Completed", "{d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_download_fails_the_job_and_frees_its_slot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (sm, store) = setup(dir.path(), Duration::from_secs(120));
    store.set(Fault::PanicOnList);
    call(&sm, "CreateTrainingJob", job("list-panics", 2)).await;
    assert_panic_failed_then_next_completes(&sm, &store, "list-panics").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_artifact_upload_fails_the_job_and_frees_its_slot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (sm, store) = setup(dir.path(), Duration::from_secs(120));
    store.set(Fault::PanicOnCommit);
    call(&sm, "CreateTrainingJob", job("upload-panics", 2)).await;
    assert_panic_failed_then_next_completes(&sm, &store, "upload-panics").await;
    // The job's File-mode copies were removed although its runner panicked.
    let work = dir.path().join("work");
    let left: Vec<_> = std::fs::read_dir(&work)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_reaches_stopped_while_waiting_for_a_slot_and_when_stuck_in_the_download() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (sm, store) = setup(dir.path(), Duration::from_millis(300));
    store.set(Fault::BlockOnOpen);
    call(&sm, "CreateTrainingJob", job("stuck", 2)).await;
    wait_until("the download blocks", || store.is_blocked()).await;
    // One slot: the second job waits in Starting.
    call(&sm, "CreateTrainingJob", job("waiting", 2)).await;
    let d = describe(&sm, "waiting").await;
    assert_eq!(
        (
            d["TrainingJobStatus"].as_str(),
            d["SecondaryStatus"].as_str()
        ),
        (Some("InProgress"), Some("Starting")),
        "{d}"
    );
    call(
        &sm,
        "StopTrainingJob",
        json!({"TrainingJobName": "waiting"}),
    )
    .await;
    let d = wait_status(&sm, "waiting", &["Stopped", "Completed", "Failed"]).await;
    assert_eq!(d["SecondaryStatus"], "Stopped", "{d}");

    // The stuck job: Stopping, then Stopped once the grace has passed, although its runner is
    // still inside `open`; its slot stays taken until the runner really ends.
    call(&sm, "StopTrainingJob", json!({"TrainingJobName": "stuck"})).await;
    assert_eq!(
        describe(&sm, "stuck").await["TrainingJobStatus"],
        "Stopping"
    );
    let d = wait_status(&sm, "stuck", &["Stopped", "Completed", "Failed"]).await;
    assert_eq!(
        (
            d["TrainingJobStatus"].as_str(),
            d["SecondaryStatus"].as_str()
        ),
        (Some("Stopped"), Some("Stopped")),
        "{d}"
    );
    assert!(store.is_blocked());
    assert_eq!(sm.inner.slots_in_use(), 1);
    store.set(Fault::None);
    store.release();
    wait_until("the stuck runner frees its slot", || {
        sm.inner.slots_in_use() == 0
    })
    .await;
    // Its late end changes nothing.
    wait_until("the stuck runner ends", || {
        !sm.inner.state().cancels.contains_key("stuck")
    })
    .await;
    let again = describe(&sm, "stuck").await;
    assert_eq!(
        again["SecondaryStatusTransitions"],
        d["SecondaryStatusTransitions"]
    );
    call(&sm, "CreateTrainingJob", job("after", 2)).await;
    let d = wait_status(&sm, "after", &["Completed", "Failed", "Stopped"]).await;
    assert_eq!(d["TrainingJobStatus"], "Completed", "{d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_stops_a_stopping_job_and_removes_every_file_mode_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (sm, store) = setup(dir.path(), Duration::from_secs(120));
    store.set(Fault::BlockOnOpen);
    call(&sm, "CreateTrainingJob", job("interrupted", 2)).await;
    wait_until("the download blocks", || store.is_blocked()).await;
    call(
        &sm,
        "StopTrainingJob",
        json!({"TrainingJobName": "interrupted"}),
    )
    .await;
    // What a `kill -9` leaves: the record says Stopping, copies are on disk.
    let copies = dir.path().join("work").join("interrupted");
    assert!(copies.join("algo-1").join("train").is_dir());
    std::fs::create_dir_all(dir.path().join("work/older-job/algo-1")).expect("mkdir");

    let (restarted, _) = setup(dir.path(), Duration::from_secs(120));
    let d = describe(&restarted, "interrupted").await;
    assert_eq!(
        (
            d["TrainingJobStatus"].as_str(),
            d["SecondaryStatus"].as_str()
        ),
        (Some("Stopped"), Some("Stopped")),
        "{d}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path().join("work"))
        .expect("work dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    store.release();
}
