//! Where a fit's rows come from: a [`Shard`] is one host's share of a channel, readable from the
//! start any number of times (once per epoch), batch by batch.
//!
//! The fit never sees files: the container implements [`Shard`] over a channel's files (streamed
//! again every epoch, as File mode does), and [`Matrix`] implements it over rows in memory, which is
//! what a library user or a unit test passes.

use crate::{ClientError, TrainError};

/// A block of rows: row-major features and their labels.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// rows × dim features.
    pub x: Vec<f32>,
    /// One label per row.
    pub y: Vec<f32>,
}

impl Batch {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }
}

/// Reads one pass over a shard.
pub trait RowReader {
    /// Replaces `batch` with up to `max_rows` rows. Returns false at the end of the shard.
    fn next_batch(&mut self, max_rows: usize, batch: &mut Batch) -> Result<bool, TrainError>;
}

/// One host's rows of one channel.
pub trait Shard: Sync {
    /// A reader from the first row.
    fn reader(&self) -> Result<Box<dyn RowReader + '_>, TrainError>;
}

/// Rows in memory: `x` is rows × `dim`, row-major; `y` one label per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    dim: usize,
    x: Vec<f32>,
    y: Vec<f32>,
}

impl Matrix {
    /// A matrix of `y.len()` rows; `x` must hold `y.len() × dim` values.
    pub fn new(dim: usize, x: Vec<f32>, y: Vec<f32>) -> Result<Self, ClientError> {
        if dim == 0 {
            return Err(ClientError::NoFeatures);
        }
        if Some(x.len()) != y.len().checked_mul(dim) {
            return Err(ClientError::ShapeMismatch {
                shard: 0,
                values: x.len(),
                rows: y.len(),
                dim,
            });
        }
        Ok(Matrix { dim, x, y })
    }
    /// Features per row.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }
    /// Row-major features.
    pub fn x(&self) -> &[f32] {
        &self.x
    }
    /// Labels.
    pub fn y(&self) -> &[f32] {
        &self.y
    }
}

struct MatrixReader<'a> {
    m: &'a Matrix,
    next: usize,
}

impl RowReader for MatrixReader<'_> {
    fn next_batch(&mut self, max_rows: usize, batch: &mut Batch) -> Result<bool, TrainError> {
        let end = self.next + max_rows.min(self.m.rows() - self.next);
        let d = self.m.dim;
        batch.x.clear();
        batch.y.clear();
        batch.x.extend_from_slice(&self.m.x[self.next * d..end * d]);
        batch.y.extend_from_slice(&self.m.y[self.next..end]);
        self.next = end;
        Ok(batch.rows() > 0)
    }
}

impl Shard for Matrix {
    fn reader(&self) -> Result<Box<dyn RowReader + '_>, TrainError> {
        Ok(Box::new(MatrixReader { m: self, next: 0 }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_reads_in_batches_and_again_from_the_start() {
        let m = Matrix::new(
            2,
            (0..10).map(|v| v as f32).collect(),
            vec![0.0, 1.0, 2.0, 3.0, 4.0],
        )
        .expect("shape");
        for _ in 0..2 {
            let mut r = m.reader().expect("reader");
            let mut b = Batch::default();
            let mut seen = Vec::new();
            while r.next_batch(2, &mut b).expect("batch") {
                assert_eq!(b.x.len(), 2 * b.rows());
                seen.push(b.y.clone());
            }
            assert_eq!(seen, vec![vec![0.0, 1.0], vec![2.0, 3.0], vec![4.0]]);
        }
        let mut r = m.reader().expect("reader");
        let mut b = Batch::default();
        assert!(r.next_batch(usize::MAX, &mut b).expect("batch"));
        assert_eq!(b.rows(), 5);
    }

    #[test]
    fn a_matrix_of_the_wrong_shape_is_refused() {
        assert!(matches!(
            Matrix::new(3, vec![0.0; 5], vec![0.0; 2]),
            Err(ClientError::ShapeMismatch {
                values: 5,
                rows: 2,
                dim: 3,
                ..
            })
        ));
        assert!(matches!(
            Matrix::new(0, vec![], vec![1.0]),
            Err(ClientError::NoFeatures)
        ));
    }
}
