//! GDELT 1.0 event files (contract skeleton; implementation in progress).
//!
//! Contract used by other crates (keep these signatures):
//! - `schema::HISTORICAL_COLUMNS` (57 names), `schema::DAILY_COLUMNS` (58)
//! - `generate::{GeneratorConfig, real_row_count, write_year}`
//! - (feature `polars`) `read::{read_events_path, read_events_bytes}`
//! - (feature `polars`) `transform::{top_event_codes, prepare, Prepared, FEATURE_NAMES...}`

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

pub mod generate {
    //! Deterministic realistic synthetic year files in the 57-column historical format.

    /// What to generate.
    #[derive(Debug, Clone)]
    pub struct GeneratorConfig {
        /// Year (1979..=1984 have calibrated defaults; others allowed).
        pub year: i32,
        /// Number of rows to write.
        pub rows: usize,
        /// Seed; the same (year, rows, seed) gives the same bytes.
        pub seed: u64,
    }

    /// The real number of events in a year file (1979..=1984), from GDELT's normalization file.
    pub fn real_row_count(year: i32) -> Option<usize> {
        match year {
            1979 => Some(430_941),
            1980 => Some(561_445),
            1981 => Some(678_457),
            1982 => Some(764_325),
            1983 => Some(848_806),
            1984 => Some(873_229),
            _ => None,
        }
    }

    /// Writes a year file (tab-separated, no header, `\n` line ends); returns the rows written.
    pub fn write_year<W: std::io::Write>(out: W, config: &GeneratorConfig) -> std::io::Result<u64> {
        let _ = (out, config);
        todo!()
    }
}

#[cfg(feature = "polars")]
pub mod read {
    //! Reading year files into polars DataFrames.
    use polars::prelude::DataFrame;

    /// Reads a 57-column year file from disk (all rows, EventCode as string).
    pub fn read_events_path(path: &std::path::Path) -> Result<DataFrame, crate::GdeltError> {
        let _ = path;
        todo!()
    }
    /// Reads a 57-column year file from bytes (e.g. fetched from S3); `source_name` names it in errors.
    pub fn read_events_bytes(bytes: &[u8], source_name: &str) -> Result<DataFrame, crate::GdeltError> {
        let _ = (bytes, source_name);
        todo!()
    }
}

#[cfg(feature = "polars")]
pub mod transform {
    //! The original notebook's feature transform.
    use polars::prelude::DataFrame;

    /// The feature matrix and label of one prepared year.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Prepared {
        /// Row-major f32 features, `labels.len() * feature_names.len()` values.
        pub features: Vec<f32>,
        /// AvgTone per row.
        pub labels: Vec<f32>,
        /// Names of the feature columns, in order (25 for the workshop).
        pub feature_names: Vec<String>,
    }

    impl Prepared {
        /// Number of rows.
        pub fn n_rows(&self) -> usize {
            self.labels.len()
        }
        /// Number of features.
        pub fn n_features(&self) -> usize {
            self.feature_names.len()
        }
    }

    /// The `n` most frequent EventCodes of a frame (ties broken deterministically).
    pub fn top_event_codes(df: &DataFrame, n: usize) -> Result<Vec<String>, crate::GdeltError> {
        let _ = (df, n);
        todo!()
    }

    /// Applies the transform (filter to `codes`, drop (0,0) actors, one-hot) to a whole frame, unshuffled.
    pub fn prepare(df: &DataFrame, codes: &[String]) -> Result<Prepared, crate::GdeltError> {
        let _ = (df, codes);
        todo!()
    }

    /// Shuffles with `seed` and splits into (train, validation) with `train_fraction` (0.9 in the workshop).
    pub fn shuffle_split(p: &Prepared, train_fraction: f64, seed: u64) -> (Prepared, Prepared) {
        let _ = (p, train_fraction, seed);
        todo!()
    }
}
