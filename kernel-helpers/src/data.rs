//! The workshop's data steps: load a GDELT year from S3, explore it, prepare and upload the
//! training data in recordIO-protobuf, prepare the held-out test year and tabulate the endpoints'
//! errors (the scoring itself is [`crate::scoring`]).
//!
//! Parsing, the feature transform and the statistics live in the `gdelt` crate and the codec in
//! `sagemaker-recordio`; this module strings them together with S3 and prints progress lines.

use std::collections::BTreeMap;
use std::time::Instant;

use gdelt::transform::{Prepared, prepare, shuffle_split};
use polars::prelude::DataFrame;

use crate::aws::{download_object, human_bytes, upload_object};
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::frames::{column_f64, encode_recordio, local_frame};
use crate::settings::Settings;
use crate::stats::{ErrorSummary, quantile};

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

/// The `n` most frequent EventCodes of a frame (ties broken by code), as the original notebook's
/// top-20 list; see [`gdelt::transform::top_event_codes`].
pub fn top_event_codes(df: &DataFrame, n: usize) -> KitResult<Vec<String>> {
    gdelt::transform::top_event_codes(&local_frame(df), n)
        .map_err(|e| KitError::msg(format!("top {n} event codes: {e}")))
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

/// Summary statistics per numeric column — count, mean, std, min, 25 %, 50 %, 75 %, max — as
/// pandas' `describe` computes them ([`gdelt::transform::describe`]: nulls and NaN skipped,
/// quantiles interpolated linearly, std with n − 1), as a table: counts whole, the rest to six
/// decimals.
pub fn describe(df: &DataFrame, columns: &[&str]) -> KitResult<Table> {
    let stats = gdelt::transform::describe(&local_frame(df), columns)
        .map_err(|e| KitError::msg(format!("describe {columns:?}: {e}")))?;
    let mut header = vec!["statistic".to_string()];
    header.extend(columns.iter().map(|c| c.to_string()));
    let mut values = Vec::with_capacity(columns.len());
    for c in columns {
        values.push(column_f64(&stats, c)?);
    }
    let names = string_values(&stats, "statistic")?;
    let mut t = Table::new(header);
    for (i, name) in names.into_iter().enumerate() {
        let mut row = vec![name.clone()];
        row.extend(values.iter().map(|v| {
            let x = v.get(i).copied().unwrap_or(f64::NAN);
            if name == "count" {
                format!("{x:.0}")
            } else {
                format!("{x:.6}")
            }
        }));
        t.push(row);
    }
    Ok(t)
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
        let q = |p: f64| format!("{:.4}", quantile(&v, p));
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

/// Records one model's test errors in the jobs file (`evaluation.<model>`, through the kit's one
/// locked writer, [`kit::summary::record_test_errors`]), where `scripts/make-handout.sh`'s
/// summary reads them: the handout's numbers come from this file, not from printed text.
/// The model's name must be `replicated` or `sharded`.
pub fn record_test_errors(
    settings: &Settings,
    endpoint: &str,
    errors: &ErrorSummary,
) -> KitResult<()> {
    let kind = kit::Kind::parse(&errors.name).ok_or_else(|| {
        KitError::msg(format!(
            "record_test_errors: the model is named '{}'; the jobs file keeps 'replicated' and 'sharded'",
            errors.name
        ))
    })?;
    let record = kit::summary::TestErrors {
        mse: errors.mse,
        mae: errors.mae,
        rows: errors.abs_errors.len() as u64,
        endpoint: endpoint.to_string(),
    };
    kit::summary::record_test_errors(&settings.jobs_file, kind, &record).map_err(KitError::msg)?;
    println!(
        "{}: MSE {:.6}, MAE {:.6} over {} rows recorded in {}",
        errors.name,
        record.mse,
        record.mae,
        record.rows,
        settings.jobs_file.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_errors_go_to_the_jobs_file() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = dir.path().join("jobs.json");
        let env = kit::settings::Env::of([
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("KIT_JOBS_FILE", jobs.to_str().unwrap()),
        ]);
        let settings = kit::settings::resolve(&env, &Default::default()).unwrap();
        assert_eq!(settings.jobs_file, jobs);
        let e = ErrorSummary::new("sharded", &[1.0, 2.0], &[1.5, 2.0]).unwrap();
        record_test_errors(&settings, "distributed-sharded", &e).unwrap();
        let file = kit::jobs_file::read(&settings.jobs_file).unwrap();
        assert_eq!(file["evaluation"]["sharded"]["rows"], 2);
        assert_eq!(file["evaluation"]["sharded"]["mae"], 0.25);
        let bad = ErrorSummary::new("other", &[1.0], &[1.0]).unwrap();
        let msg = record_test_errors(&settings, "x", &bad)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("'other'"), "{msg}");
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
