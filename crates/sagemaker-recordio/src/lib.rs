//! SageMaker recordIO-protobuf codec (contract skeleton; implementation in progress).
//!
//! Contract used by other crates (keep these signatures):
//! - [`RecordWriter::new`], [`RecordWriter::write_dense`], [`RecordWriter::finish`]
//! - [`write_dense_matrix`]
//! - [`RecordReader::new`] (an `Iterator<Item = Result<Record, RecordIoError>>`)
//! - [`Record::dense_features_f32`], [`Record::label_f32`]

use std::collections::BTreeMap;
use std::io::{Read, Write};

/// Errors reading or writing recordIO-protobuf; every variant names the byte offset.
#[derive(Debug, thiserror::Error)]
pub enum RecordIoError {
    /// I/O failure of the underlying reader or writer.
    #[error("I/O error at byte offset {offset}: {source}")]
    Io {
        /// Byte offset where the failure happened.
        offset: u64,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Anything malformed in the stream.
    #[error("malformed recordIO-protobuf at byte offset {offset}: {message}")]
    Malformed {
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        message: String,
    },
}

/// A tensor value of a record's feature or label map.
#[derive(Debug, Clone, PartialEq)]
pub enum Tensor {
    /// Float32Tensor.
    Float32 { values: Vec<f32>, keys: Vec<u64>, shape: Vec<u64> },
    /// Float64Tensor.
    Float64 { values: Vec<f64>, keys: Vec<u64>, shape: Vec<u64> },
    /// Int32Tensor.
    Int32 { values: Vec<i32>, keys: Vec<u64>, shape: Vec<u64> },
    /// Bytes.
    Bytes { values: Vec<Vec<u8>>, content_type: Option<String> },
}

/// One `aialgs.data.Record`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Record.features.
    pub features: BTreeMap<String, Tensor>,
    /// Record.label.
    pub label: BTreeMap<String, Tensor>,
    /// Record.uid.
    pub uid: Option<String>,
    /// Record.metadata.
    pub metadata: Option<String>,
    /// Record.configuration.
    pub configuration: Option<String>,
}

impl Record {
    /// The `values` feature tensor as a dense f32 row of `feature_dim` (sparse tensors are densified).
    pub fn dense_features_f32(&self, feature_dim: usize) -> Result<Vec<f32>, String> {
        let _ = feature_dim;
        todo!()
    }
    /// The first value of the `values` label tensor, if any.
    pub fn label_f32(&self) -> Option<f32> {
        todo!()
    }
}

/// Streaming writer of dense Float32 records.
pub struct RecordWriter<W: Write> {
    inner: W,
}

impl<W: Write> RecordWriter<W> {
    /// Wraps a writer.
    pub fn new(inner: W) -> Self {
        Self { inner }
    }
    /// Writes one record: features under key `values`, optional label under key `values`.
    pub fn write_dense(&mut self, features: &[f32], label: Option<f32>) -> Result<(), RecordIoError> {
        let _ = (features, label, &mut self.inner);
        todo!()
    }
    /// Flushes and returns the writer.
    pub fn finish(self) -> Result<W, RecordIoError> {
        todo!()
    }
}

/// Writes a row-major matrix (`rows.len() == n_rows * n_cols`) with optional labels.
pub fn write_dense_matrix<W: Write>(
    out: W,
    rows: &[f32],
    n_cols: usize,
    labels: Option<&[f32]>,
) -> Result<W, RecordIoError> {
    let _ = (out, rows, n_cols, labels);
    todo!()
}

/// Streaming reader of records.
pub struct RecordReader<R: Read> {
    inner: R,
}

impl<R: Read> RecordReader<R> {
    /// Wraps a reader.
    pub fn new(inner: R) -> Self {
        Self { inner }
    }
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<Record, RecordIoError>;
    fn next(&mut self) -> Option<Self::Item> {
        let _ = &mut self.inner;
        todo!()
    }
}
