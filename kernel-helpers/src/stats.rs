//! The statistics the notebooks compute: the two error measures of notebook 3 and one quantile.
//!
//! One definition each: [`quantile`] is `gdelt::transform::quantile` (linear interpolation,
//! pandas' default), also behind `describe` (`gdelt::transform::describe`), the error tables
//! and the charts' axis limits.

use crate::error::{KitError, KitResult};

pub use gdelt::transform::quantile;

/// Mean squared error.
pub fn mse(y: &[f32], pred: &[f32]) -> KitResult<f64> {
    check_len(y, pred)?;
    Ok(y.iter()
        .zip(pred)
        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
        .sum::<f64>()
        / y.len() as f64)
}

/// Mean absolute error.
pub fn mae(y: &[f32], pred: &[f32]) -> KitResult<f64> {
    check_len(y, pred)?;
    Ok(y.iter()
        .zip(pred)
        .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
        .sum::<f64>()
        / y.len() as f64)
}

fn check_len(y: &[f32], pred: &[f32]) -> KitResult<()> {
    if y.len() != pred.len() || y.is_empty() {
        return Err(KitError::msg(format!(
            "{} labels but {} predictions (need the same, non-zero number)",
            y.len(),
            pred.len()
        )));
    }
    Ok(())
}

/// Error summary of one model on the test set.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSummary {
    /// Model name (`replicated`, `sharded`).
    pub name: String,
    /// Mean squared error.
    pub mse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// |y − ŷ| per row.
    pub abs_errors: Vec<f64>,
}

impl ErrorSummary {
    /// Computes MSE, MAE and the absolute errors.
    pub fn new(name: &str, y: &[f32], pred: &[f32]) -> KitResult<Self> {
        Ok(ErrorSummary {
            name: name.to_string(),
            mse: mse(y, pred)?,
            mae: mae(y, pred)?,
            abs_errors: y
                .iter()
                .zip(pred)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
                .collect(),
        })
    }
    /// `name: MSE=… MAE=…`.
    pub fn line(&self) -> String {
        format!("{}: MSE={:.6} MAE={:.6}", self.name, self.mse, self.mae)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics() {
        let y = [1.0f32, 2.0, 3.0];
        let p = [1.0f32, 3.0, 1.0];
        assert!((mse(&y, &p).unwrap() - 5.0 / 3.0).abs() < 1e-12);
        assert!((mae(&y, &p).unwrap() - 1.0).abs() < 1e-12);
        assert!(mse(&y, &p[..2]).is_err());
        let s = ErrorSummary::new("sharded", &y, &p).unwrap();
        assert_eq!(s.line(), "sharded: MSE=1.666667 MAE=1.000000");
        assert_eq!(s.abs_errors, vec![0.0, 1.0, 2.0]);
    }

    #[test]
    fn quantiles_interpolate_linearly() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
