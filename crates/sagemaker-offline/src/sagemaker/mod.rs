//! SageMaker control plane and runtime.
//!
//! The router calls [`SageMaker::handle`] for `X-Amz-Target: SageMaker.<Op>` requests (after SigV4
//! passed) and [`SageMaker::invoke_endpoint`] for `POST /endpoints/{name}/invocations`.
//!
//! Layout:
//! - (requests and responses are `sagemaker_api::sagemaker` types: [`SageMaker::handle`] reads
//!   each body into its operation's request type.)
//! - `constraints` — the documented member constraints and the Coral-style ValidationException.
//! - `arn` — ARNs and `s3://` URIs.
//! - `records` — atomic JSON records of jobs, models, configs and endpoints under
//!   `ctx.sagemaker_dir()`.
//! - `list` — the List* operations' filtering, sorting and paging.
//! - `metrics` — Linear Learner's metric definitions and FinalMetricDataList.
//! - `training` — training jobs: validation, records, the runner, File-mode download, job logs.
//! - `hosting` — models, endpoint configs, endpoints, and the loaded models they serve.
//! - `runtime` — InvokeEndpoint.
//!
//! Concurrency: one `Mutex` guards the records and is only held for in-memory updates and the
//! small record writes; training runs on its own threads; scoring takes an `Arc` of the loaded
//! model out of an `RwLock` and scores without holding any lock.

mod arn;
mod constraints;
mod hosting;
mod list;
mod metrics;
pub mod notebook;
mod records;
mod runtime;
mod training;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};

use sagemaker_api::ErrorCode;
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use crate::api_error::JsonError;
use crate::ctx::Ctx;
use crate::wire::{BodyError, parse_body};

/// The body of `op` as its request type; what does not fit is a `SerializationException`.
fn request<T: DeserializeOwned>(op: &str, body: &[u8]) -> Result<T, JsonError> {
    parse_body(body).map_err(|e| {
        let message = match e {
            BodyError::NotJson(e) => format!("The request body of {op} is not valid JSON: {e}"),
            BodyError::NotObject => format!("The request body of {op} must be a JSON object"),
            BodyError::Member(path, e) => format!("{path}: {e}"),
        };
        JsonError::of(&ErrorCode::SerializationException, message)
    })
}

/// A response type as the JSON body.
pub(crate) fn response<T: Serialize>(r: &T) -> Result<Value, JsonError> {
    serde_json::to_value(r).map_err(|e| JsonError::internal(format!("response not encodable: {e}")))
}

/// A handler's typed answer as the response body.
fn answer<T: Serialize>(r: Result<T, JsonError>) -> Result<Value, JsonError> {
    response(&r?)
}

/// Seconds since the epoch with millisecond precision, as the JSON 1.1 protocol carries
/// timestamps: the control plane's clock.
pub(crate) fn now() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

/// Settings of the SageMaker part.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many training jobs train at the same time; the others wait in `Starting`
    /// (`Preparing the instances for training`), which is not counted in TrainingTimeInSeconds.
    /// Default 1 on this 2-core target, so each job's measured time is its own; override with
    /// the environment variable `SAGEMAKER_OFFLINE_MAX_TRAINING_JOBS`.
    pub max_concurrent_training_jobs: usize,
    /// How long CreateEndpoint/UpdateEndpoint wait for the model to load before answering (so the
    /// `endpoint-in-service` waiter's first poll sees `InService`). The endpoint is `Creating`
    /// during the load either way.
    pub endpoint_load_wait: std::time::Duration,
    /// The account-level quota "<instance type> for training job usage": how many instances of one
    /// type the training jobs that have not ended may hold together. CreateTrainingJob beyond it
    /// answers `ResourceLimitExceeded` as SageMaker does. Default 20 (enough for the workshop's
    /// two 5-instance jobs at once, twice over); override with `SAGEMAKER_OFFLINE_TRAINING_INSTANCE_LIMIT`.
    pub training_instance_limit: u32,
    /// How long a training job may take to end after StopTrainingJob or MaxRuntimeInSeconds raised
    /// its cancel flag before the job is recorded `Stopped` regardless: SageMaker gives the
    /// algorithm 120 seconds after its SIGTERM, then kills it
    /// (<https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTrainingJob.html>).
    /// The runner normally ends within one mini-batch; this bounds a runner stuck in one long step.
    /// Its training slot stays taken until its thread really ends.
    pub stop_grace: std::time::Duration,
    /// The notebook instances DescribeNotebookInstance knows (`serve --notebook-instance`;
    /// [`notebook`]). Default none.
    pub notebook_instances: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        let max = std::env::var("SAGEMAKER_OFFLINE_MAX_TRAINING_JOBS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(1);
        let limit = std::env::var("SAGEMAKER_OFFLINE_TRAINING_INSTANCE_LIMIT")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(20);
        Self {
            max_concurrent_training_jobs: max,
            endpoint_load_wait: std::time::Duration::from_secs(5),
            training_instance_limit: limit,
            stop_grace: std::time::Duration::from_secs(120),
            notebook_instances: Vec::new(),
        }
    }
}

/// The SageMaker part of the stand-in.
#[derive(Clone)]
pub struct SageMaker {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SageMaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SageMaker")
            .field("dir", &self.inner.ctx.sagemaker_dir())
            .finish_non_exhaustive()
    }
}

/// Shared state behind the handle.
pub(crate) struct Inner {
    pub(crate) ctx: Ctx,
    pub(crate) opts: Options,
    pub(crate) store: records::Records,
    state: Mutex<State>,
    /// InService endpoints' loaded models, keyed by lower-cased endpoint name.
    pub(crate) live: RwLock<HashMap<String, Arc<hosting::LiveEndpoint>>>,
    /// Training slots in use (bounded by `opts.max_concurrent_training_jobs`).
    slots: Mutex<usize>,
    slot_freed: Condvar,
}

/// All control-plane records, keyed by lower-cased name (the service's names are
/// case-insensitive: their ARNs are lower-cased).
#[derive(Default)]
pub(crate) struct State {
    pub(crate) jobs: BTreeMap<String, training::JobRecord>,
    pub(crate) cancels: HashMap<String, Arc<training::Cancel>>,
    pub(crate) models: BTreeMap<String, hosting::ModelRecord>,
    pub(crate) configs: BTreeMap<String, hosting::ConfigRecord>,
    pub(crate) endpoints: BTreeMap<String, hosting::EndpointRecord>,
}

impl Inner {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    pub(crate) fn arn(&self, kind: &str, name: &str) -> String {
        arn::arn(&self.ctx.region, &self.ctx.account_id, kind, name)
    }
    /// Persists a record; a failure is logged (the in-memory state stays authoritative).
    pub(crate) fn persist<T: serde::Serialize>(&self, kind: &str, key: &str, value: &T) {
        if let Err(e) = self.store.save(kind, key, value) {
            tracing::error!("sagemaker: could not persist {kind}/{key}: {e}");
        }
    }
    /// Persists a record a request is creating; failure is the request's error.
    pub(crate) fn persist_new<T: serde::Serialize>(
        &self,
        kind: &str,
        key: &str,
        value: &T,
    ) -> Result<(), JsonError> {
        self.store.save(kind, key, value).map_err(|e| {
            JsonError::internal(format!(
                "sagemaker-offline could not write its state under {}: {e}",
                self.ctx.sagemaker_dir().display()
            ))
        })
    }
    pub(crate) fn unpersist(&self, kind: &str, key: &str) {
        if let Err(e) = self.store.remove(kind, key) {
            tracing::error!("sagemaker: could not remove {kind}/{key}: {e}");
        }
    }
    /// Waits for a training slot; gives up (`None`) when `stop()` turns true. The wait is
    /// signalled, not polled: a released slot and [`Inner::wake_slot_waiters`] (which
    /// StopTrainingJob calls after raising a job's cancel flag) wake the waiters, and `stop()` is
    /// checked under the same lock they take, so no wake-up is lost. The slot is released when the
    /// guard drops — also while a panic unwinds the job's thread.
    pub(crate) fn acquire_slot(&self, stop: impl Fn() -> bool) -> Option<SlotGuard<'_>> {
        let mut used = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if stop() {
                return None;
            }
            if *used < self.opts.max_concurrent_training_jobs.max(1) {
                *used += 1;
                return Some(SlotGuard { inner: self });
            }
            used = self
                .slot_freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
    /// Wakes the jobs waiting for a slot so they re-check their `stop()`.
    pub(crate) fn wake_slot_waiters(&self) {
        let _used = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.slot_freed.notify_all();
    }
    /// Training slots taken now.
    #[cfg(test)]
    pub(crate) fn slots_in_use(&self) -> usize {
        *self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One taken training slot ([`Inner::acquire_slot`]); dropping it frees the slot.
pub(crate) struct SlotGuard<'a> {
    inner: &'a Inner,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        let mut used = self
            .inner
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(1);
        self.inner.slot_freed.notify_all();
    }
}

impl SageMaker {
    /// Loads persisted jobs/models/endpoints from `ctx.sagemaker_dir()`; resumes what needs it.
    pub fn new(ctx: Ctx) -> Self {
        Self::with_options(ctx, Options::default())
    }

    /// [`SageMaker::new`] with explicit settings.
    ///
    /// Restart rules: a training job that was `InProgress` when the server stopped is marked
    /// `Failed` (its host processes are gone), one that was `Stopping` is `Stopped`, and the
    /// File-mode copies under `ctx.work_dir()` are removed (no job runs yet); endpoints that were `Creating`, `Updating` or
    /// `InService` reload their models (→ `InService`, or `Failed` with the reason); endpoints
    /// that were `Deleting` are removed.
    pub fn with_options(ctx: Ctx, opts: Options) -> Self {
        let store = records::Records::new(ctx.sagemaker_dir());
        let inner = Arc::new(Inner {
            ctx,
            opts,
            store,
            state: Mutex::new(State::default()),
            live: RwLock::new(HashMap::new()),
            slots: Mutex::new(0),
            slot_freed: Condvar::new(),
        });
        training::restore(&inner);
        hosting::restore(&inner);
        Self { inner }
    }

    /// One JSON 1.1 operation: `op` is the part after `SageMaker.`; `body` the JSON request.
    /// Ok = the JSON response body.
    pub async fn handle(&self, op: &str, body: &[u8]) -> Result<Value, JsonError> {
        let i = &self.inner;
        match op {
            "CreateTrainingJob" => answer(training::create(i, &request(op, body)?)),
            "DescribeTrainingJob" => answer(training::describe(i, &request(op, body)?)),
            "ListTrainingJobs" => answer(training::list_jobs(i, &request(op, body)?)),
            "StopTrainingJob" => answer(training::stop(i, &request(op, body)?)),
            "CreateModel" => answer(hosting::create_model(i, &request(op, body)?)),
            "DescribeModel" => answer(hosting::describe_model(i, &request(op, body)?)),
            "DeleteModel" => answer(hosting::delete_model(i, &request(op, body)?)),
            "ListModels" => answer(hosting::list_models(i, &request(op, body)?)),
            "CreateEndpointConfig" => answer(hosting::create_config(i, &request(op, body)?)),
            "DescribeEndpointConfig" => answer(hosting::describe_config(i, &request(op, body)?)),
            "DeleteEndpointConfig" => answer(hosting::delete_config(i, &request(op, body)?)),
            "ListEndpointConfigs" => answer(hosting::list_configs(i, &request(op, body)?)),
            "CreateEndpoint" => {
                answer(hosting::create_endpoint(&self.inner, &request(op, body)?).await)
            }
            "DescribeEndpoint" => answer(hosting::describe_endpoint(i, &request(op, body)?)),
            "DeleteEndpoint" => answer(hosting::delete_endpoint(i, &request(op, body)?)),
            "ListEndpoints" => answer(hosting::list_endpoints(i, &request(op, body)?)),
            "DescribeNotebookInstance" => answer(notebook::describe(i, &request(op, body)?)),
            "UpdateEndpoint" => {
                answer(hosting::update_endpoint(&self.inner, &request(op, body)?).await)
            }
            _ => {
                // A malformed body is reported before the unknown operation, as for known ones.
                request::<IgnoredAny>(op, body)?;
                Err(JsonError::of(
                    &ErrorCode::UnknownOperationException,
                    format!("The operation SageMaker.{op} is not supported by sagemaker-offline."),
                ))
            }
        }
    }

    /// InvokeEndpoint; returns a complete HTTP response (success or runtime error shape with
    /// `x-amzn-ErrorType`).
    pub async fn invoke_endpoint(
        &self,
        endpoint: &str,
        headers: &http::HeaderMap,
        body: bytes::Bytes,
    ) -> http::Response<axum::body::Body> {
        runtime::invoke(&self.inner, endpoint, headers, body).await
    }
}
