//! The workshop's data steps: load a GDELT year from S3, explore it, prepare and upload the
//! training data in recordIO-protobuf, and evaluate endpoints on a held-out year.
//!
//! Parsing and the feature transform live in the `gdelt` crate and the codec in
//! `sagemaker-recordio`; this module strings them together with S3 and prints progress lines.

use std::collections::BTreeMap;
use std::time::Instant;

use futures::StreamExt;
use gdelt::transform::{Prepared, prepare, shuffle_split};
use polars::prelude::DataFrame;

use crate::aws::{block_on, download_object, human_bytes, sdk_config, sdk_error, upload_object};
use crate::charts::column_f64;
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::settings::Settings;

/// The seven columns the workshop keeps.
pub const WORKSHOP_COLUMNS: [&str; 7] = [
    "EventCode",
    "NumArticles",
    "AvgTone",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
];

/// Downloads `s3://<gdelt bucket>/events/<year>.csv` and reads it into the 57-column frame.
pub fn load_year(settings: &Settings, year: i32) -> KitResult<DataFrame> {
    let key = format!("events/{year}.csv");
    let bytes = download_object(&settings.gdelt_bucket, &key)?;
    let start = Instant::now();
    let name = format!("s3://{}/{key}", settings.gdelt_bucket);
    let df = gdelt::read::read_events_bytes(&bytes, &name)
        .map_err(|e| KitError::msg(format!("parsing {name}: {e}")))?;
    println!(
        "  parsed {name}: {} rows × {} columns in {:.1} s",
        df.height(),
        df.width(),
        start.elapsed().as_secs_f64()
    );
    Ok(df)
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

/// The `n` most frequent EventCodes of a frame (ties broken by code), as the original notebook's
/// top-20 list; see [`gdelt::transform::top_event_codes`].
pub fn top_event_codes(df: &DataFrame, n: usize) -> KitResult<Vec<String>> {
    gdelt::transform::top_event_codes(&local_frame(df), n)
        .map_err(|e| KitError::msg(format!("top {n} event codes: {e}")))
}

/// The named columns of a frame, in that order.
pub fn select_columns(df: &DataFrame, columns: &[&str]) -> KitResult<DataFrame> {
    let df = &local_frame(df);
    df.select(columns.iter().copied())
        .map_err(|e| KitError::msg(format!("selecting columns {columns:?}: {e}")))
}

fn string_values(df: &DataFrame, column: &str) -> KitResult<Vec<String>> {
    let col = df
        .column(column)
        .map_err(|e| KitError::msg(format!("column {column}: {e}")))?;
    let s = col
        .as_materialized_series()
        .cast(&polars::prelude::DataType::String)
        .map_err(|e| KitError::msg(format!("column {column}: {e}")))?;
    let ca = s
        .str()
        .map_err(|e| KitError::msg(format!("column {column}: {e}")))?;
    Ok((0..ca.len())
        .map(|i| ca.get(i).unwrap_or("").to_string())
        .collect())
}

/// Share of observations per value of `column` (like `pd.crosstab(col, "count") / len`),
/// sorted by value.
pub fn crosstab_percent(df: &DataFrame, column: &str) -> KitResult<Table> {
    let df = &local_frame(df);
    let values = string_values(df, column)?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for v in &values {
        *counts.entry(v.clone()).or_default() += 1;
    }
    let n = values.len().max(1) as f64;
    let mut t = Table::new([column, "count", "% of observations"]);
    for (v, c) in &counts {
        t.push([
            v.clone(),
            c.to_string(),
            format!("{:.4}", *c as f64 * 100.0 / n),
        ]);
    }
    Ok(t.with_note(format!(
        "{} distinct values over {} rows",
        counts.len(),
        values.len()
    )))
}

/// Summary statistics per numeric column: count, mean, std, min, 25 %, 50 %, 75 %, max
/// (pandas' `describe`; quantiles interpolate linearly, std uses n − 1).
pub fn describe(df: &DataFrame, columns: &[&str]) -> KitResult<Table> {
    let df = &local_frame(df);
    let mut header = vec!["statistic".to_string()];
    header.extend(columns.iter().map(|c| c.to_string()));
    let mut stats: Vec<[f64; 8]> = Vec::new();
    for c in columns {
        let mut v = column_f64(df, c)?;
        v.retain(|x| x.is_finite());
        v.sort_by(f64::total_cmp);
        stats.push(summary(&v));
    }
    let mut t = Table::new(header);
    for (i, name) in ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
        .iter()
        .enumerate()
    {
        let mut row = vec![name.to_string()];
        row.extend(stats.iter().map(|s| {
            if i == 0 {
                format!("{:.0}", s[0])
            } else {
                format!("{:.6}", s[i])
            }
        }));
        t.push(row);
    }
    Ok(t)
}

fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = (sorted.len() - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn summary(sorted: &[f64]) -> [f64; 8] {
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let var = if sorted.len() > 1 {
        sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    [
        n,
        mean,
        var.sqrt(),
        sorted.first().copied().unwrap_or(f64::NAN),
        quantile_linear(sorted, 0.25),
        quantile_linear(sorted, 0.5),
        quantile_linear(sorted, 0.75),
        sorted.last().copied().unwrap_or(f64::NAN),
    ]
}

/// The `n` most frequent values of `EventCode` with counts and shares.
pub fn top_codes_table(df: &DataFrame, codes: &[String]) -> KitResult<Table> {
    let df = &local_frame(df);
    let values = string_values(df, "EventCode")?;
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for v in &values {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let n = values.len().max(1) as f64;
    let mut t = Table::new(["rank", "EventCode", "count", "% of observations"]);
    let mut cum = 0.0;
    for (i, c) in codes.iter().enumerate() {
        let k = counts.get(c.as_str()).copied().unwrap_or(0);
        cum += k as f64 * 100.0 / n;
        t.push([
            (i + 1).to_string(),
            c.clone(),
            k.to_string(),
            format!("{:.2}", k as f64 * 100.0 / n),
        ]);
    }
    Ok(t.with_note(format!("together {cum:.1} % of {} rows", values.len())))
}

/// What one year's preparation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadReport {
    /// Year.
    pub year: i32,
    /// Rows in the year file.
    pub rows_in: usize,
    /// Rows left after the transform.
    pub rows_kept: usize,
    /// Train rows / bytes.
    pub train_rows: usize,
    /// Validation rows.
    pub validation_rows: usize,
    /// Bytes of `train/YYYY.data`.
    pub train_bytes: usize,
    /// Bytes of `validation/YYYY.data`.
    pub validation_bytes: usize,
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

/// For each year: load it from S3, apply the transform with `codes`, shuffle (seed 1729) and split
/// 90/10, and upload `train/YYYY.data` and `validation/YYYY.data` under the settings' prefix.
pub fn prepare_and_upload(
    settings: &Settings,
    years: &[i32],
    codes: &[String],
) -> KitResult<Vec<UploadReport>> {
    let mut out = Vec::new();
    for &year in years {
        let start = Instant::now();
        println!("year {year}:");
        let df = load_year(settings, year)?;
        let rows_in = df.height();
        let p = prepare(&df, codes).map_err(|e| KitError::msg(format!("preparing {year}: {e}")))?;
        drop(df);
        let (train, validation) = shuffle_split(&p, 0.9, 1729);
        println!(
            "  transform kept {} of {rows_in} rows ({} features): {} train, {} validation",
            p.n_rows(),
            p.n_features(),
            train.n_rows(),
            validation.n_rows()
        );
        let train_bytes = encode_recordio(&train)?;
        let validation_bytes = encode_recordio(&validation)?;
        let report = UploadReport {
            year,
            rows_in,
            rows_kept: p.n_rows(),
            train_rows: train.n_rows(),
            validation_rows: validation.n_rows(),
            train_bytes: train_bytes.len(),
            validation_bytes: validation_bytes.len(),
        };
        upload_object(
            &settings.bucket,
            &settings.data_key("train", year),
            train_bytes,
        )?;
        upload_object(
            &settings.bucket,
            &settings.data_key("validation", year),
            validation_bytes,
        )?;
        println!(
            "  year {year} done in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        out.push(report);
    }
    Ok(out)
}

/// The reports as a table.
pub fn upload_table(reports: &[UploadReport]) -> Table {
    let mut t = Table::new([
        "year",
        "rows in file",
        "rows kept",
        "train rows",
        "validation rows",
        "train size",
        "validation size",
    ]);
    for r in reports {
        t.push([
            r.year.to_string(),
            r.rows_in.to_string(),
            r.rows_kept.to_string(),
            r.train_rows.to_string(),
            r.validation_rows.to_string(),
            human_bytes(r.train_bytes as u64),
            human_bytes(r.validation_bytes as u64),
        ]);
    }
    t
}

/// The test year through the same transform (no shuffle, no split).
pub fn prepare_test_year(settings: &Settings, year: i32, codes: &[String]) -> KitResult<Prepared> {
    let df = load_year(settings, year)?;
    let p = prepare(&df, codes).map_err(|e| KitError::msg(format!("preparing {year}: {e}")))?;
    println!(
        "  test data {year}: {} rows × {} features",
        p.n_rows(),
        p.n_features()
    );
    Ok(p)
}

/// C's / numpy's `%g`: 6 significant digits, exponent form when the exponent is < −4 or ≥ 6,
/// trailing zeros removed.
pub fn fmt_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // The exponent after rounding to 6 significant digits.
    let sci = format!("{x:.5e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let m = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}"))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// One CSV row like `np.savetxt(fmt="%g", delimiter=",")`.
pub fn csv_row(row: &[f32]) -> String {
    row.iter()
        .map(|v| fmt_g(f64::from(*v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// Largest request body sent to an endpoint (the original keeps batches at about 5 MiB).
pub const MAX_BATCH_BYTES: usize = 5 * 1024 * 1024;

/// Splits a row-major matrix into CSV payloads the way the original does — `rows = 5 MiB /
/// size_of(first row)`, then `np.array_split` into `n / rows + 1` near-equal parts — and halves
/// any part that would still exceed 5 MiB. Returns (first row index, payload) pairs.
pub fn to_csv_batches(features: &[f32], n_features: usize) -> KitResult<Vec<(usize, String)>> {
    if n_features == 0 || !features.len().is_multiple_of(n_features) {
        return Err(KitError::msg(format!(
            "feature matrix of {} values is not a whole number of rows of {n_features}",
            features.len()
        )));
    }
    let n = features.len() / n_features;
    if n == 0 {
        return Ok(Vec::new());
    }
    // sys.getsizeof(str) = 49 bytes of object header + the characters (ASCII).
    let first = csv_row(&features[..n_features]);
    let rows_per = MAX_BATCH_BYTES as f64 / (49 + first.len()) as f64;
    let parts = ((n as f64 / rows_per) + 1.0).floor().max(1.0) as usize;
    let (base, extra) = (n / parts, n % parts);
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    for i in 0..parts {
        let len = base + usize::from(i < extra);
        if len > 0 {
            ranges.push((start, start + len));
        }
        start += len;
    }
    let mut out = Vec::new();
    while let Some((a, b)) = ranges.first().copied() {
        ranges.remove(0);
        let body = features[a * n_features..b * n_features]
            .chunks(n_features)
            .map(csv_row)
            .collect::<Vec<_>>()
            .join("\n");
        if body.len() > MAX_BATCH_BYTES && b - a > 1 {
            let mid = a + (b - a) / 2;
            ranges.insert(0, (mid, b));
            ranges.insert(0, (a, mid));
            continue;
        }
        out.push((a, body));
    }
    Ok(out)
}

/// Parses `{"predictions": [{"score": …}, …]}`.
pub fn parse_scores(body: &[u8]) -> KitResult<Vec<f32>> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| KitError::msg(format!("endpoint response is not JSON: {e}")))?;
    let preds = v
        .get("predictions")
        .and_then(|p| p.as_array())
        .ok_or_else(|| KitError::msg("endpoint response has no \"predictions\" list"))?;
    preds
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.get("score")
                .and_then(|s| s.as_f64())
                .map(|s| s as f32)
                .ok_or_else(|| KitError::msg(format!("prediction {i} has no numeric \"score\"")))
        })
        .collect()
}

/// Sends the test matrix to `endpoint` as `text/csv` batches (see [`to_csv_batches`]),
/// `concurrency` requests at a time, printing progress; returns one score per row, in order.
pub fn predict_batches(endpoint: &str, test: &Prepared, concurrency: usize) -> KitResult<Vec<f32>> {
    let batches = to_csv_batches(&test.features, test.n_features())?;
    let total_rows = test.n_rows();
    let n_batches = batches.len();
    println!(
        "{endpoint}: {total_rows} rows in {n_batches} batches of ≤ {}, {} at a time",
        human_bytes(MAX_BATCH_BYTES as u64),
        concurrency.max(1)
    );
    let start = Instant::now();
    block_on(async {
        let conf = sdk_config().await;
        let client = aws_sdk_sagemakerruntime::Client::new(&conf);
        let mut results: Vec<(usize, Vec<f32>)> = Vec::with_capacity(n_batches);
        let mut stream = futures::stream::iter(batches.into_iter().map(|(first, body)| {
            let client = client.clone();
            async move {
                let rows = body.lines().count();
                let out = client
                    .invoke_endpoint()
                    .endpoint_name(endpoint)
                    .content_type("text/csv")
                    .accept("application/json")
                    .body(aws_sdk_sagemakerruntime::primitives::Blob::new(
                        body.into_bytes(),
                    ))
                    .send()
                    .await
                    .map_err(|e| {
                        sdk_error(format!("invoking {endpoint} (rows from {first})"), e)
                    })?;
                let scores = parse_scores(out.body().map(|b| b.as_ref()).unwrap_or_default())?;
                if scores.len() != rows {
                    return Err(KitError::msg(format!(
                        "{endpoint} returned {} scores for {rows} rows (batch from row {first})",
                        scores.len()
                    )));
                }
                Ok::<_, KitError>((first, scores))
            }
        }))
        .buffer_unordered(concurrency.max(1));
        let mut done_rows = 0usize;
        let mut next_report = 10usize;
        while let Some(r) = stream.next().await {
            let (first, scores) = r?;
            done_rows += scores.len();
            results.push((first, scores));
            let pct = done_rows * 100 / total_rows.max(1);
            if pct >= next_report || results.len() == n_batches {
                println!(
                    "  {endpoint}: {done_rows}/{total_rows} rows ({pct} %), {:.1} s",
                    start.elapsed().as_secs_f64()
                );
                next_report = (pct / 10 + 1) * 10;
            }
        }
        results.sort_by_key(|(first, _)| *first);
        Ok(results.into_iter().flat_map(|(_, s)| s).collect())
    })?
}

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

/// MSE, MAE and absolute-error quantiles of several models, one row each.
pub fn error_table(models: &[&ErrorSummary]) -> Table {
    let mut t = Table::new([
        "model",
        "MSE",
        "MAE",
        "median |e|",
        "90% |e|",
        "99% |e|",
        "max |e|",
    ]);
    for m in models {
        let mut v = m.abs_errors.clone();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| format!("{:.4}", quantile_linear(&v, p));
        t.push([
            m.name.clone(),
            format!("{:.4}", m.mse),
            format!("{:.4}", m.mae),
            q(0.5),
            q(0.9),
            q(0.99),
            q(1.0),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_g_like_c() {
        let cases: [(f64, &str); 12] = [
            (0.0, "0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (38.8833, "38.8833"),
            (-77.0364, "-77.0364"),
            (5.52631578947368, "5.52632"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (999999.5, "1e+06"),
            (100.0, "100"),
        ];
        for (x, want) in cases {
            assert_eq!(fmt_g(x), want, "fmt_g({x})");
        }
        assert_eq!(csv_row(&[1.0, 0.5, -3.25]), "1,0.5,-3.25");
    }

    #[test]
    fn csv_batches_cover_all_rows_in_order_and_stay_under_5mib() {
        let n_features = 25;
        let n = 100_000;
        let features: Vec<f32> = (0..n * n_features)
            .map(|i| ((i % 977) as f32) * 0.731 - 300.0)
            .collect();
        let batches = to_csv_batches(&features, n_features).unwrap();
        assert!(batches.len() > 1);
        let mut next = 0;
        for (first, body) in &batches {
            assert_eq!(*first, next);
            assert!(body.len() <= MAX_BATCH_BYTES, "{} bytes", body.len());
            next += body.lines().count();
        }
        assert_eq!(next, n);
        let line0 = batches[0].1.lines().next().unwrap();
        assert_eq!(line0, csv_row(&features[..n_features]));
        assert!(to_csv_batches(&features[..7], n_features).is_err());
    }

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
    fn scores() {
        assert_eq!(
            parse_scores(br#"{"predictions":[{"score":1.5},{"score":-2}]}"#).unwrap(),
            vec![1.5, -2.0]
        );
        assert!(parse_scores(br#"{"predictions":[{"label":1}]}"#).is_err());
        assert!(parse_scores(b"nope").is_err());
    }

    #[test]
    fn describe_matches_pandas_conventions() {
        use polars::prelude::*;
        let df = df!("a" => [1.0f64, 2.0, 3.0, 4.0], "b" => [10i64, 10, 10, 10]).unwrap();
        let t = describe(&df, &["a", "b"]).unwrap();
        let col = |stat: &str, i: usize| {
            t.rows
                .iter()
                .find(|r| r[0] == stat)
                .map(|r| r[i].clone())
                .unwrap()
        };
        assert_eq!(col("count", 1), "4");
        assert_eq!(col("mean", 1), "2.500000");
        assert_eq!(col("std", 1), "1.290994");
        assert_eq!(col("25%", 1), "1.750000");
        assert_eq!(col("75%", 1), "3.250000");
        assert_eq!(col("std", 2), "0.000000");
        let ct = crosstab_percent(
            &df!("EventCode" => ["042", "010", "042", "042"]).unwrap(),
            "EventCode",
        )
        .unwrap();
        assert_eq!(
            ct.rows,
            vec![vec!["010", "1", "25.0000"], vec!["042", "3", "75.0000"]]
        );
    }
}
