//! `kernel_helpers`: the API the workshop's Rust notebooks load with
//! `:dep kernel_helpers = { path = "../kernel-helpers" }`.
//!
//! The notebooks redo SageMaker's "Parallelized Data Distribution" workshop in evcxr. Every cell
//! of an evcxr notebook is compiled as its own `cdylib` that statically links its own copy of
//! every dependency, including tokio's thread-local runtime context. An AWS client or a tokio
//! runtime made in one cell therefore panics ("there is no reactor running") when it is used in
//! a later cell. This crate is shaped around that fact:
//!
//! * **Every public function is synchronous.** Inside, it builds a fresh tokio runtime
//!   ([`aws::block_on`]) and fresh AWS clients from the standard configuration chain
//!   ([`aws::sdk_config`]), does its work, and returns **plain data** (`DataFrame`, `Vec`,
//!   `String`, the structs of [`sagemaker`]) that may cross cells freely. Building the runtime
//!   and clients costs a few milliseconds per call, nothing next to the requests themselves.
//! * **Errors read as messages.** Functions return [`KitResult`]; its error type [`KitError`]
//!   prints the whole context chain on one line for both `Display` (what evcxr prints when a
//!   cell's `?` fails) and `Debug` (what `.unwrap()` prints), never a struct dump.
//! * **Nothing is offline-specific.** Endpoints, credentials and region come from the standard
//!   AWS settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, profiles, …), so the same
//!   cells run against the local stand-in `sagemaker-offline` and against real AWS.
//! * **Display through evcxr's protocol.** [`display::Table`], [`display::frame`] (HTML
//!   tables) and [`display::Svg`] / [`display::Png`] (charts from [`charts`]) implement
//!   `evcxr_display`.
//!
//! The SageMaker control plane and CloudWatch Logs are called through the small signed
//! JSON 1.1 client in [`json11`] instead of `aws-sdk-sagemaker` (876k lines of generated code that
//! would add minutes to every cold `:dep`); see that module for why.

// The modules by layer, bottom up: base (error, settings); plain data and its presentation
// (frames, stats, job, display); transport and S3 (aws, json11); control plane and logs (logs,
// sagemaker, training, hosting, lookups); charts; workshop steps (data, scoring, experiments).
// A module names only modules below it: `layers.rs` holds the order and a test that checks it.
pub mod aws;
pub mod charts;
pub mod data;
pub mod display;
pub mod error;
pub mod experiments;
pub mod frames;
pub mod hosting;
pub mod job;
pub mod json11;
#[cfg(test)]
mod layers;
pub mod logs;
pub mod lookups;
pub mod sagemaker;
pub mod scoring;
pub mod settings;
pub mod stats;
pub mod training;

pub use error::{KitError, KitResult};
/// The polars the helpers are built with, for cells that need more of it than the prelude brings
/// (`use kernel_helpers::polars::prelude::*;`).
pub use polars;

/// `use kernel_helpers::prelude::*;` in the notebooks' first cell brings in everything the cells use.
pub mod prelude {
    pub use crate::aws::{
        ObjectInfo, download_object, ensure_bucket, list_objects, objects_table, upload_object,
    };
    pub use crate::charts::{
        bar_chart, error_charts, error_distributions, histogram_grid, histogram_grid_png,
        job_durations_chart, job_timeline_chart, labelled_scatter_chart, line_chart, note_chart,
        throughput_chart,
    };
    pub use crate::data::{
        UploadReport, WORKSHOP_COLUMNS, crosstab_percent, describe, error_table, load_year,
        prepare_and_upload, prepare_test_year, record_test_errors, top_codes_table,
        top_event_codes, upload_table,
    };
    pub use crate::display::{Html, Png, Svg, Table, frame, frame_head};
    pub use crate::error::{KitError, KitResult};
    pub use crate::experiments::{
        Experiment, ExperimentResult, ExperimentRun, ExperimentsFile, GridEstimate, Price, Setting,
        collect_results, cost_warning, default_grid, estimate_grid, experiment_grid,
        experiments_file, grid_table, host_shares_table, price_for, results_table, run_experiments,
        save_results, series, spread_percent, utc_now, wall_seconds,
    };
    pub use crate::frames::{
        compare_with_reference, frame_to_prepared, local_frame, recordio_bytes, select_columns,
        shuffled_order,
    };
    pub use crate::hosting::{
        Hosting, cleanup_hosting, create_endpoint, create_endpoint_config, create_endpoint_configs,
        create_endpoints, create_model, create_models, delete_endpoint, describe_endpoint_status,
        endpoints_table, hosting_plan, hosting_table, keep_endpoints, wait_for_endpoints,
        workshop_name,
    };
    pub use crate::job::TrainingJob;
    pub use crate::logs::{host_throughput, job_log_events, log_timing_minutes};
    pub use crate::sagemaker::{
        Jobs, describe_training_job, find_jobs, jobs_comparison_table, list_training_jobs,
        log_timing_table, metrics_table, poll_interval, throughput_by_job, training_time_ratio,
        utc_stamp, wait_for_comparison, wait_for_jobs,
    };
    pub use crate::scoring::{MAX_BATCH_BYTES, csv_row, fmt_g, predict_batches, to_csv_batches};
    pub use crate::settings::{FromEnv, Settings, Target};
    pub use crate::stats::{ErrorSummary, mae, mse};
    pub use crate::training::{
        AlgorithmSpecification, Channel, CompressionType, CreateTrainingJobRequest, DataSource,
        Kind, OutputDataConfig, RecordWrapper, ResourceConfig, S3DataDistribution, S3DataSource,
        S3DataType, StoppingCondition, TrainingInputMode, TrainingInstanceType,
        create_training_job, differences_table, jobs_for_comparison, request_differences,
        request_json, start_training_jobs, workshop_request,
    };
    pub use gdelt::transform::{Prepared, one_hot_order};
    // The polars names notebook 1's transform cells use.
    pub use polars::prelude::{DataFrame, DataType, Expr, IdxCa, IntoLazy, PolarsResult, col, lit};
    pub use std::time::Duration;
}
