//! Plumbing for notebook 1's own polars cells: the notebook writes the workshop's transform (filter
//! to the top-20 codes, drop the (0, 0) actors, one-hot, shuffle and split) as polars expressions a
//! learner can read and change; this module only supplies what is not the lesson — the shuffle's
//! random order, turning a frame into the row-major matrix recordIO-protobuf wants, and a check of
//! the notebook's result against the kit's reference transform (`gdelt::transform::prepare`, which
//! notebook 3 uses for the test year).
//!
//! It is also the kit's one home for frame plumbing the other layers share: [`local_frame`] (why
//! every helper looks columns up on a rebuilt frame), [`column_f64`], [`select_columns`] and
//! [`encode_recordio`]. Tables, charts and the workshop steps import these; this module imports
//! none of them.

use gdelt::transform::Prepared;
use polars::prelude::{DataFrame, IdxSize};

use crate::error::{KitError, KitResult};

/// The row order of the workshop's shuffle of `n` rows with `seed` (Fisher–Yates over ChaCha8), as
/// polars row indices for `DataFrame::take`.
pub fn shuffled_order(n: usize, seed: u64) -> Vec<IdxSize> {
    gdelt::transform::shuffled_order(n, seed)
        .into_iter()
        .map(|i| i as IdxSize)
        .collect()
}

/// A frame of numeric columns as the matrix Linear Learner reads: every column but `label` as a
/// row-major `f32` feature, in the frame's column order, and `label` as the label. Nulls become NaN.
/// The per-value work is [`Prepared::from_frame`] in the `gdelt` crate.
pub fn frame_to_prepared(df: &DataFrame, label: &str) -> KitResult<Prepared> {
    Ok(Prepared::from_frame(&local_frame(df), label)?)
}

/// recordIO-protobuf bytes of a prepared frame (see [`frame_to_prepared`]), ready to upload.
pub fn recordio_bytes(df: &DataFrame, label: &str) -> KitResult<Vec<u8>> {
    encode_recordio(&frame_to_prepared(df, label)?)
}

/// Compares the notebook's transform of a year with the kit's reference transform of the same
/// rows: same feature names in the same order, same rows, same values bit for bit (NaN = NaN).
/// Returns a one-line verdict; fails naming the first difference.
pub fn compare_with_reference(
    notebook_frame: &DataFrame,
    raw_year: &DataFrame,
    codes: &[String],
) -> KitResult<String> {
    let ours = frame_to_prepared(notebook_frame, gdelt::transform::LABEL_NAME)?;
    let reference = gdelt::transform::prepare(&local_frame(raw_year), codes)
        .map_err(|e| KitError::msg(format!("reference transform: {e}")))?;
    if ours.feature_names != reference.feature_names {
        return Err(KitError::msg(format!(
            "feature columns differ: notebook {:?}, reference {:?}",
            ours.feature_names, reference.feature_names
        )));
    }
    if ours.n_rows() != reference.n_rows() {
        return Err(KitError::msg(format!(
            "the notebook kept {} rows, the reference transform {}",
            ours.n_rows(),
            reference.n_rows()
        )));
    }
    let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    let width = ours.n_features();
    if let Some(i) =
        (0..ours.features.len()).find(|&i| !same(ours.features[i], reference.features[i]))
    {
        return Err(KitError::msg(format!(
            "row {}, column {}: notebook {}, reference {}",
            i / width,
            ours.feature_names[i % width],
            ours.features[i],
            reference.features[i]
        )));
    }
    if let Some(i) = (0..ours.labels.len()).find(|&i| !same(ours.labels[i], reference.labels[i])) {
        return Err(KitError::msg(format!(
            "row {i}, label: notebook {}, reference {}",
            ours.labels[i], reference.labels[i]
        )));
    }
    Ok(format!(
        "same as the reference transform: {} rows × {} features and the label, value for value",
        ours.n_rows(),
        width
    ))
}

/// A copy of `df` (columns are reference-counted, so this is cheap) whose cached schema is empty.
///
/// Why: evcxr links every cell as its own library with its own copy of polars and foldhash. A frame
/// made in one cell carries a cached name→column schema hashed with that cell's copy of foldhash's
/// process-wide seed, so in a later cell a lookup by name can miss ("EventCode not found") although
/// the column is there. The kit's evcxr builds fix that at the root — every copy gets the same seed
/// (`kernel-helpers/evcxr/README.md`) — and the helpers still look columns up on a rebuilt frame,
/// so that they also work in a kernel started without the kit's configuration.
pub fn local_frame(df: &DataFrame) -> DataFrame {
    let columns = df.columns().to_vec();
    DataFrame::new(df.height(), columns).unwrap_or_else(|_| df.clone())
}

/// The named columns of a frame, in that order.
pub fn select_columns(df: &DataFrame, columns: &[&str]) -> KitResult<DataFrame> {
    let df = &local_frame(df);
    df.select(columns.iter().copied())
        .map_err(|e| KitError::msg(format!("selecting columns {columns:?}: {e}")))
}

/// The numeric values of a column as f64 (nulls dropped; strings that parse as numbers kept):
/// [`gdelt::transform::numeric_values`], optimised in the kernel, on the rebuilt frame.
pub fn column_f64(df: &DataFrame, name: &str) -> KitResult<Vec<f64>> {
    Ok(gdelt::transform::numeric_values(&local_frame(df), name)?)
}

/// Encodes a prepared split as recordIO-protobuf (features under `values`, label under `values`).
pub fn encode_recordio(p: &Prepared) -> KitResult<Vec<u8>> {
    sagemaker_recordio::write_dense_matrix(
        Vec::with_capacity(p.n_rows() * (p.n_features() * 4 + 80)),
        &p.features,
        p.n_features(),
        Some(p.labels.as_slice()),
    )
    .map_err(|e| KitError::msg(format!("encoding recordIO-protobuf: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn a_frame_becomes_a_row_major_matrix() {
        let df = df!(
            "NumArticles" => [1i64, 2],
            "AvgTone" => [5.0f64, 6.5],
            "EventCode_010" => [1.0f32, 0.0]
        )
        .unwrap();
        let p = frame_to_prepared(&df, "AvgTone").unwrap();
        assert_eq!(p.feature_names, ["NumArticles", "EventCode_010"]);
        assert_eq!(p.features, [1.0, 1.0, 2.0, 0.0]);
        assert_eq!(p.labels, [5.0, 6.5]);
        assert!(frame_to_prepared(&df, "missing").is_err());
        assert_eq!(shuffled_order(5, 1729).len(), 5);
        let bytes = recordio_bytes(&df, "AvgTone").unwrap();
        assert!(!bytes.is_empty());
    }

    #[test]
    fn the_comparison_names_the_first_difference() {
        let raw = df!(
            "EventCode" => ["010", "020", "010"],
            "NumArticles" => [1i64, 2, 3],
            "AvgTone" => [1.0f64, 2.0, 3.0],
            "Actor1Geo_Lat" => [1.0f64, 1.0, 0.0],
            "Actor1Geo_Long" => [1.0f64, 1.0, 0.0],
            "Actor2Geo_Lat" => [2.0f64, 2.0, 2.0],
            "Actor2Geo_Long" => [2.0f64, 2.0, 2.0]
        )
        .unwrap();
        let codes = vec!["010".to_string()];
        let frame = |tone: f32| {
            df!(
                "NumArticles" => [1.0f32],
                "Actor1Geo_Lat" => [1.0f32],
                "Actor1Geo_Long" => [1.0f32],
                "Actor2Geo_Lat" => [2.0f32],
                "Actor2Geo_Long" => [2.0f32],
                "EventCode_010" => [1.0f32],
                "AvgTone" => [tone]
            )
            .unwrap()
        };
        let ok = compare_with_reference(&frame(1.0), &raw, &codes).unwrap();
        assert!(ok.contains("1 rows × 6 features"), "{ok}");
        let e = compare_with_reference(&frame(2.0), &raw, &codes)
            .unwrap_err()
            .to_string();
        assert!(e.contains("label"), "{e}");
    }
}
