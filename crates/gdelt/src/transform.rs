//! The original notebook's feature transform, plus the exploration helpers it uses.
//!
//! Why: `transform_gdelt` in the Python notebook is the contract between the data and Linear
//! Learner: 7 columns kept, EventCode restricted to 1979's top 20, rows with an actor at (0,0)
//! dropped, EventCode one-hot encoded, AvgTone as label. The rules and their edge cases are in
//! `docs/SEMANTICS.md`. The row loop is plain Rust over the extracted columns because the
//! output is a dense row-major `f32` matrix anyway.

use crate::GdeltError;
use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// The numeric feature columns, in the order of the original's `get_dummies` output (the label
/// AvgTone excluded): they come first, then one `EventCode_<code>` column per code.
pub const NUMERIC_FEATURE_NAMES: [&str; 5] = [
    "NumArticles",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
];

/// The label column.
pub const LABEL_NAME: &str = "AvgTone";

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
    /// The features of row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        let n = self.n_features();
        &self.features[i * n..(i + 1) * n]
    }

    /// A frame of numeric columns as the matrix Linear Learner reads: every column but `label` as
    /// a row-major `f32` feature, in the frame's column order, and `label` as the label. Nulls
    /// become NaN. (Notebook 1 writes the transform as polars expressions; this turns its result
    /// into what recordIO-protobuf holds.)
    ///
    /// Here, not in kernel_helpers, because it is per-value code over the data, which is this
    /// crate's job; it is compiled optimised in the notebooks' kernel
    /// (kernel-helpers/evcxr/opt-levels.txt).
    pub fn from_frame(df: &DataFrame, label: &str) -> Result<Prepared, GdeltError> {
        let mut columns: Vec<Vec<f32>> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut labels: Option<Vec<f32>> = None;
        for c in df.columns() {
            let name = c.name().to_string();
            let column_error =
                |e: PolarsError| GdeltError::format(&format!("column {name}"), e.to_string());
            let s = c
                .as_materialized_series()
                .cast(&DataType::Float32)
                .map_err(column_error)?;
            let values: Vec<f32> = s
                .f32()
                .map_err(column_error)?
                .iter()
                .map(|v| v.unwrap_or(f32::NAN))
                .collect();
            if name == label {
                labels = Some(values);
            } else {
                names.push(name);
                columns.push(values);
            }
        }
        let labels = labels
            .ok_or_else(|| GdeltError::format("frame", format!("no label column {label}")))?;
        let mut features = Vec::with_capacity(labels.len() * columns.len());
        for i in 0..labels.len() {
            features.extend(columns.iter().map(|col| col[i]));
        }
        Ok(Prepared {
            features,
            labels,
            feature_names: names,
        })
    }
}

/// The numeric values of a column as `f64`, nulls dropped; in a string column, the values that
/// parse as numbers (after trimming). Per-value code, here for the reason given at
/// [`Prepared::from_frame`].
pub fn numeric_values(df: &DataFrame, name: &str) -> Result<Vec<f64>, GdeltError> {
    let column_error =
        |e: PolarsError| GdeltError::format(&format!("column {name}"), e.to_string());
    let s = df
        .column(name)
        .map_err(column_error)?
        .as_materialized_series();
    if s.dtype() == &DataType::String {
        let ca = s.str().map_err(column_error)?;
        return Ok(ca
            .iter()
            .flatten()
            .filter_map(|v| v.trim().parse().ok())
            .collect());
    }
    let f = s
        .cast(&DataType::Float64)
        .map_err(|e| GdeltError::format(&format!("column {name}"), format!("not numeric: {e}")))?;
    Ok(f.f64().map_err(column_error)?.iter().flatten().collect())
}

/// The one-hot code columns in the original's order: pandas' `get_dummies` sorts the (integer)
/// codes ascending, so "040" (40) comes before "0841" (841) and "190". Codes that are not all
/// digits sort after the numeric ones, by string.
pub fn one_hot_order(codes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = codes.to_vec();
    out.sort_by(|a, b| {
        let ka = a.parse::<u64>().ok();
        let kb = b.parse::<u64>().ok();
        match (ka, kb) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    });
    out.dedup();
    out
}

/// The feature names [`prepare`] produces for `codes`: the 5 numeric columns then `EventCode_<code>`.
pub fn feature_names(codes: &[String]) -> Vec<String> {
    NUMERIC_FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(
            one_hot_order(codes)
                .iter()
                .map(|c| format!("EventCode_{c}")),
        )
        .collect()
}

fn str_column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked, GdeltError> {
    Ok(df.column(name)?.as_materialized_series().str()?)
}

fn f64_column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, GdeltError> {
    let s = df
        .column(name)?
        .as_materialized_series()
        .cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().collect())
}

/// The `n` most frequent EventCodes of a frame (ties broken deterministically).
///
/// Ties in count are broken by the code string, ascending; nulls are not counted.
pub fn top_event_codes(df: &DataFrame, n: usize) -> Result<Vec<String>, GdeltError> {
    let codes = str_column(df, "EventCode")?;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for c in codes.iter().flatten() {
        *counts.entry(c).or_default() += 1;
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    Ok(v.into_iter().take(n).map(|(c, _)| c.to_string()).collect())
}

/// Applies the transform (filter to `codes`, drop (0,0) actors, one-hot) to a whole frame, unshuffled.
///
/// Rows keep their input order. A row is dropped when its EventCode is null or not in `codes`, or
/// when (Actor1Geo_Lat == 0 and Actor1Geo_Long == 0) or (Actor2Geo_Lat == 0 and Actor2Geo_Long == 0).
/// Null or NaN lat/long are not 0, so such rows are kept (as in pandas) and carry NaN features.
pub fn prepare(df: &DataFrame, codes: &[String]) -> Result<Prepared, GdeltError> {
    let order = one_hot_order(codes);
    let slot: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let names = feature_names(codes);
    let width = names.len();
    let code_col = str_column(df, "EventCode")?;
    let label = f64_column(df, LABEL_NAME)?;
    let numeric: Vec<Vec<Option<f64>>> = NUMERIC_FEATURE_NAMES
        .iter()
        .map(|n| f64_column(df, n))
        .collect::<Result<_, _>>()?;
    let at_origin = |lat: Option<f64>, long: Option<f64>| lat == Some(0.0) && long == Some(0.0);
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for (i, code) in code_col.iter().enumerate() {
        let Some(k) = code.and_then(|c| slot.get(c)) else {
            continue;
        };
        if at_origin(numeric[1][i], numeric[2][i]) || at_origin(numeric[3][i], numeric[4][i]) {
            continue;
        }
        labels.push(label[i].map_or(f32::NAN, |v| v as f32));
        let start = features.len();
        features.extend(
            numeric
                .iter()
                .map(|col| col[i].map_or(f32::NAN, |v| v as f32)),
        );
        features.resize(start + width, 0.0);
        features[start + NUMERIC_FEATURE_NAMES.len() + k] = 1.0;
    }
    Ok(Prepared {
        features,
        labels,
        feature_names: names,
    })
}

/// The row order of the shuffle: a Fisher–Yates shuffle of `0..n` driven by ChaCha8 seeded with
/// `seed` (the same `n` and `seed` always give the same order).
pub fn shuffled_order(n: usize, seed: u64) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..n).collect();
    perm.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    perm
}

/// Shuffles with `seed` and splits into (train, validation) with `train_fraction` (0.9 in the workshop).
///
/// The permutation is [`shuffled_order`]; the first `floor(n · train_fraction)` shuffled rows are
/// the training set (like `int(0.9 * n)` in Python).
pub fn shuffle_split(p: &Prepared, train_fraction: f64, seed: u64) -> (Prepared, Prepared) {
    let n = p.n_rows();
    let perm = shuffled_order(n, seed);
    let frac = if train_fraction.is_finite() {
        train_fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let n_train = ((n as f64) * frac).floor() as usize;
    let take = |idx: &[usize]| {
        let mut features = Vec::with_capacity(idx.len() * p.n_features());
        let mut labels = Vec::with_capacity(idx.len());
        for &i in idx {
            features.extend_from_slice(p.row(i));
            labels.push(p.labels[i]);
        }
        Prepared {
            features,
            labels,
            feature_names: p.feature_names.clone(),
        }
    };
    (take(&perm[..n_train]), take(&perm[n_train..]))
}

/// The q-quantile of ascending `sorted` values, interpolated linearly between the two nearest
/// ranks (pandas' and numpy's default); NaN for no values. The kit's one quantile: `describe`
/// here, and kernel-helpers' error tables and chart limits.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// pandas' `DataFrame.describe()` for numeric columns: rows count, mean, std (ddof 1), min, 25%,
/// 50%, 75%, max; first column `statistic`, then one Float64 column per name. Nulls and NaN are
/// skipped, as pandas does.
pub fn describe(df: &DataFrame, cols: &[&str]) -> Result<DataFrame, GdeltError> {
    let stats = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"];
    let mut columns = vec![Column::new("statistic".into(), stats.to_vec())];
    for &name in cols {
        let mut v: Vec<f64> = f64_column(df, name)?
            .into_iter()
            .flatten()
            .filter(|x| !x.is_nan())
            .collect();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let values = vec![
            n,
            mean,
            std,
            v.first().copied().unwrap_or(f64::NAN),
            quantile(&v, 0.25),
            quantile(&v, 0.5),
            quantile(&v, 0.75),
            v.last().copied().unwrap_or(f64::NAN),
        ];
        columns.push(Column::new(name.into(), values));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (EventCode, NumArticles, AvgTone, A1 lat, A1 long, A2 lat, A2 long)
    type Row<'a> = (&'a str, i64, f64, f64, f64, f64, f64);

    /// A frame with the 7 columns the transform reads.
    fn frame(rows: &[Row]) -> DataFrame {
        let col = |name: &str, f: &dyn Fn(&Row) -> f64| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<f64>>())
        };
        DataFrame::new_infer_height(vec![
            Column::new(
                "EventCode".into(),
                rows.iter().map(|r| r.0).collect::<Vec<&str>>(),
            ),
            Column::new(
                "NumArticles".into(),
                rows.iter().map(|r| r.1).collect::<Vec<i64>>(),
            ),
            col("AvgTone", &|r| r.2),
            col("Actor1Geo_Lat", &|r| r.3),
            col("Actor1Geo_Long", &|r| r.4),
            col("Actor2Geo_Lat", &|r| r.5),
            col("Actor2Geo_Long", &|r| r.6),
        ])
        .expect("frame")
    }

    fn codes(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn top_codes_count_then_code_order() {
        let df = frame(&[
            ("190", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
            ("040", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
            ("042", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
            ("040", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
            ("0841", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
            ("042", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
        ]);
        assert_eq!(
            top_event_codes(&df, 3).expect("top"),
            codes(&["040", "042", "0841"])
        );
        assert_eq!(
            top_event_codes(&df, 10).expect("top"),
            codes(&["040", "042", "0841", "190"])
        );
        assert!(top_event_codes(&df, 0).expect("top").is_empty());
    }

    #[test]
    fn one_hot_order_is_numeric_like_get_dummies() {
        assert_eq!(
            one_hot_order(&codes(&["190", "0841", "040", "010", "043"])),
            codes(&["010", "040", "043", "190", "0841"])
        );
        let names = feature_names(&codes(&["190", "040"]));
        assert_eq!(
            names,
            codes(&[
                "NumArticles",
                "Actor1Geo_Lat",
                "Actor1Geo_Long",
                "Actor2Geo_Lat",
                "Actor2Geo_Long",
                "EventCode_040",
                "EventCode_190"
            ])
        );
    }

    #[test]
    fn prepare_applies_every_rule() {
        let df = frame(&[
            ("040", 3, 5.5, 38.0, -97.0, 55.75, 37.6), // kept
            ("999", 1, 1.0, 38.0, -97.0, 55.75, 37.6), // code not in list: dropped
            ("190", 2, 2.0, 0.0, 0.0, 55.75, 37.6),    // actor1 at (0,0): dropped
            ("190", 2, 2.5, 38.0, -97.0, 0.0, 0.0),    // actor2 at (0,0): dropped
            ("190", 9, 3.0, 0.0, 12.5, 10.0, 0.0),     // lat 0 only / long 0 only: kept
            ("0841", 1, 0.0, f64::NAN, 1.0, 2.0, 3.0), // NaN feature: kept, NaN in matrix
        ]);
        let list = codes(&["190", "040", "0841", "010"]);
        let p = prepare(&df, &list).expect("prepare");
        assert_eq!(p.n_rows(), 3);
        assert_eq!(p.n_features(), 9);
        assert_eq!(p.features.len(), 27);
        assert_eq!(p.labels, vec![5.5, 3.0, 0.0]);
        // columns: 5 numeric, then 010, 040, 190, 0841 (010 never occurs: all-zero column)
        assert_eq!(
            p.row(0),
            &[3.0, 38.0, -97.0, 55.75, 37.6, 0.0, 1.0, 0.0, 0.0]
        );
        assert_eq!(p.row(1), &[9.0, 0.0, 12.5, 10.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        let r2 = p.row(2);
        assert_eq!(r2[0], 1.0);
        assert!(r2[1].is_nan());
        assert_eq!(&r2[2..], &[1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 1.0]);
        assert!(
            (0..p.n_rows()).all(|i| p.row(i)[5] == 0.0),
            "missing code still has its column"
        );
        assert_eq!(p.feature_names[5], "EventCode_010");
    }

    #[test]
    fn nulls_are_kept_as_nan_and_null_codes_dropped() {
        let df = DataFrame::new_infer_height(vec![
            Column::new("EventCode".into(), vec![Some("040"), None, Some("040")]),
            Column::new("NumArticles".into(), vec![Some(1i64), Some(2), None]),
            Column::new("AvgTone".into(), vec![Some(1.0f64), Some(2.0), None]),
            Column::new("Actor1Geo_Lat".into(), vec![Some(1.0f64), Some(1.0), None]),
            Column::new(
                "Actor1Geo_Long".into(),
                vec![Some(1.0f64), Some(1.0), Some(0.0)],
            ),
            Column::new(
                "Actor2Geo_Lat".into(),
                vec![Some(1.0f64), Some(1.0), Some(0.0)],
            ),
            Column::new("Actor2Geo_Long".into(), vec![Some(1.0f64), Some(1.0), None]),
        ])
        .expect("frame");
        let p = prepare(&df, &codes(&["040"])).expect("prepare");
        assert_eq!(p.n_rows(), 2);
        assert!(p.labels[1].is_nan());
        assert!(p.row(1)[0].is_nan() && p.row(1)[1].is_nan() && p.row(1)[4].is_nan());
        assert_eq!(p.row(1)[2], 0.0);
        assert_eq!(p.row(1)[5], 1.0);
    }

    #[test]
    fn all_rows_filtered_is_empty_not_an_error() {
        let df = frame(&[
            ("040", 1, 1.0, 0.0, 0.0, 1.0, 1.0),
            ("999", 1, 1.0, 1.0, 1.0, 1.0, 1.0),
        ]);
        let p = prepare(&df, &codes(&["040"])).expect("prepare");
        assert_eq!(p.n_rows(), 0);
        assert!(p.features.is_empty());
        assert_eq!(p.n_features(), 6);
        let (t, v) = shuffle_split(&p, 0.9, 1729);
        assert_eq!((t.n_rows(), v.n_rows()), (0, 0));
    }

    #[test]
    fn missing_column_is_an_error() {
        let df = DataFrame::new_infer_height(vec![Column::new("EventCode".into(), vec!["040"])])
            .expect("df");
        let e = prepare(&df, &codes(&["040"])).expect_err("missing AvgTone");
        assert!(e.to_string().contains("AvgTone"), "{e}");
    }

    #[test]
    fn shuffle_split_is_a_deterministic_permutation() {
        let n = 101;
        let p = Prepared {
            features: (0..n * 2).map(|i| i as f32).collect(),
            labels: (0..n).map(|i| i as f32).collect(),
            feature_names: codes(&["a", "b"]),
        };
        let (t, v) = shuffle_split(&p, 0.9, 1729);
        assert_eq!((t.n_rows(), v.n_rows()), (90, 11));
        let (t2, v2) = shuffle_split(&p, 0.9, 1729);
        assert_eq!((&t, &v), (&t2, &v2));
        let (t3, _) = shuffle_split(&p, 0.9, 1730);
        assert_ne!(t.labels, t3.labels);
        assert_ne!(t.labels, p.labels[..90].to_vec(), "shuffled");
        // rows stay intact and every row appears exactly once
        let mut seen: Vec<f32> = t.labels.iter().chain(v.labels.iter()).copied().collect();
        for (i, &l) in t.labels.iter().enumerate() {
            assert_eq!(t.row(i), &[2.0 * l, 2.0 * l + 1.0]);
        }
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, p.labels);
    }

    #[test]
    fn describe_matches_pandas() {
        // pandas: pd.Series([1, 2, 3, 4, 10]).describe()
        // count 5, mean 4.0, std 3.535534, min 1, 25% 2, 50% 3, 75% 4, max 10
        let df = DataFrame::new_infer_height(vec![
            Column::new(
                "x".into(),
                vec![
                    Some(1.0f64),
                    Some(2.0),
                    None,
                    Some(3.0),
                    Some(4.0),
                    Some(10.0),
                ],
            ),
            Column::new("n".into(), vec![1i64, 1, 2, 2, 2, 5]),
        ])
        .expect("df");
        let d = describe(&df, &["x", "n"]).expect("describe");
        assert_eq!(d.shape(), (8, 3));
        let x: Vec<f64> = d
            .column("x")
            .expect("x")
            .f64()
            .expect("f64")
            .no_null_iter()
            .collect();
        let want = [5.0, 4.0, 3.5355339059327378, 1.0, 2.0, 3.0, 4.0, 10.0];
        for (a, b) in x.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{x:?}");
        }
        let n: Vec<f64> = d
            .column("n")
            .expect("n")
            .f64()
            .expect("f64")
            .no_null_iter()
            .collect();
        // pd.Series([1,1,2,2,2,5]).describe(): 25% = 1.25, 50% = 2, 75% = 2
        assert_eq!(&n[3..], &[1.0, 1.25, 2.0, 2.0, 5.0]);
        let stat = d.column("statistic").expect("s").str().expect("str");
        assert_eq!(stat.get(2), Some("std"));
    }
}
