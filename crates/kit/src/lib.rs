//! `kit`: one home for the workshop's state, shared by the bash scripts (through the `kit`
//! binary) and the notebooks (kernel-helpers depends on this library).
//!
//! * [`settings`] — the one settings rule (offline or AWS; bucket, role, image, region), a pure
//!   function over the environment and the facts the caller looked up.
//! * [`images`] — the region → Linear Learner image table.
//! * [`jobs_file`] — `out/jobs.json`, written only by a locked read-modify-write.
//! * [`request`] — the workshop's CreateTrainingJob request.
//! * [`names`] — the hosting names (`distributed-replicated` / `distributed-sharded`).
//! * [`summary`] — the workshop's summary (`summary.json`) from the files the workshop wrote.
//! * [`json_path`] — reading one value out of an AWS CLI JSON answer (the scripts' `kit json`).
//!
//! Dependencies stay at serde, serde_json, serde_path_to_error, thiserror and sagemaker-api, all
//! already in kernel-helpers' tree, so `:dep kernel_helpers` compiles nothing new for it; the binary parses
//! its arguments by hand.

pub mod images;
pub mod jobs_file;
pub mod json_path;
pub mod names;
pub mod request;
pub mod settings;
pub mod summary;

pub use request::Kind;
pub use settings::{Settings, SettingsError, Target};
