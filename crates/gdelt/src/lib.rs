//! GDELT 1.0 event files for the data-distribution kit.
//!
//! Why this crate exists: the workshop downloads GDELT year files (57 tab-separated columns, no
//! header), turns them into a 25-feature matrix and trains on it. Offline there is no real GDELT,
//! so the same crate also writes realistic synthetic year files that the stand-in server seeds
//! into its `gdelt-open-data` bucket.
//!
//! Contract used by other crates (keep these signatures):
//! - [`schema::HISTORICAL_COLUMNS`] (57 names), [`schema::DAILY_COLUMNS`] (58)
//! - [`generate::GeneratorConfig`], [`generate::real_row_count`], [`generate::write_year`]
//! - (feature `polars`) [`read::read_events_path`], [`read::read_events_bytes`]
//! - (feature `polars`) [`transform::top_event_codes`], [`transform::prepare`],
//!   [`transform::shuffle_split`], [`transform::Prepared`], [`transform::NUMERIC_FEATURE_NAMES`],
//!   [`transform::describe`], [`transform::quantile`]

pub mod cameo;
pub mod generate;
pub mod schema;

#[cfg(feature = "polars")]
pub mod read;
#[cfg(feature = "polars")]
pub mod transform;

/// Errors reading or transforming GDELT data; each names the file, line and column where known.
#[derive(Debug, thiserror::Error)]
pub enum GdeltError {
    /// The input is malformed.
    #[error("{source_name}: {message}")]
    Format {
        /// File or object name.
        source_name: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// I/O.
    #[error("{source_name}: {source}")]
    Io {
        /// File or object name.
        source_name: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// polars failed.
    #[cfg(feature = "polars")]
    #[error("{0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl GdeltError {
    #[cfg_attr(not(feature = "polars"), allow(dead_code))]
    pub(crate) fn format(source_name: &str, message: impl Into<String>) -> Self {
        GdeltError::Format {
            source_name: source_name.to_string(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Locating the real GDELT rows used as test fixtures: `testdata/gdelt/` at the workspace
    //! root, in the repository (provenance and attribution in its `README.md`).
    use std::path::PathBuf;

    /// `<workspace>/testdata/gdelt`; panics (test failure) if it is missing.
    pub fn real_dir() -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/gdelt");
        assert!(
            dir.is_dir(),
            "real GDELT fixtures not found at {} (they are part of the repository)",
            dir.display()
        );
        dir
    }
}
