//! gdelt's integration tests, one binary: generated files against the real samples' statistics
//! (`generated_vs_real`) and, with the `polars` feature, the reader and the workshop transform on
//! generated files (`read_generated`).

mod generated_vs_real;
#[cfg(feature = "polars")]
mod read_generated;
