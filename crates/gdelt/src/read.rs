//! Reading GDELT 1.0 year files into polars DataFrames.
//!
//! Why: the workshop's first step is `pd.read_csv(sep="\t")` on a year file. This reader keeps
//! every row (the files have no header row, so pandas' default loses the first one), names the 57
//! columns, keeps codes as strings with their leading zeros, and types the numeric columns
//! (see [`crate::schema::column_kind`]).
//!
//! How: polars' multi-threaded CSV reader with an explicit schema does the parsing (measured in
//! `docs/BENCHMARKS.md`; from a path it memory-maps the file itself). A well-formed file costs
//! nothing more: polars rejects invalid UTF-8, unparseable numbers and lines with more than 57
//! fields, and fills a line with fewer fields with nulls, which shows as a null in the last column
//! (`DATEADDED`, never empty in real files). Only when one of those happens does a diagnosis pass
//! run over the bytes — UTF-8, the number of fields on every line, then each value's type — so a
//! malformed file gets an error naming the line and column instead of polars' generic message,
//! and a 58-column daily-update file is recognised as such. (The pass used to run before every
//! read; it cost a third of the time of a good file.)

use crate::GdeltError;
use crate::schema::{ColumnKind, DAILY_COLUMNS, HISTORICAL_COLUMNS, column_kind};
use polars::prelude::*;
// From polars-io, not polars' `csv` feature: why, in the workspace Cargo.toml.
use polars_io::SerReader;
use polars_io::csv::read::CsvReadOptions;
use std::io::Cursor;

/// The polars schema of a historical year file.
pub fn historical_schema() -> Schema {
    HISTORICAL_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let dtype = match column_kind(i) {
                Some(ColumnKind::Int) => DataType::Int64,
                Some(ColumnKind::Float) => DataType::Float64,
                _ => DataType::String,
            };
            Field::new((*name).into(), dtype)
        })
        .collect()
}

fn csv_options() -> CsvReadOptions {
    CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(historical_schema())))
        .with_raise_if_empty(true)
        .map_parse_options(|o| o.with_separator(b'\t').with_quote_char(None))
}

/// A frame polars read without complaint is accepted unless a line may have had too few fields
/// (a null in the last column) or nothing was read.
fn needs_diagnosis(df: &DataFrame) -> bool {
    df.height() == 0 || df.columns().last().is_none_or(|c| c.null_count() > 0)
}

/// Reads a 57-column year file from disk (all rows, EventCode as string).
pub fn read_events_path(path: &std::path::Path) -> Result<DataFrame, GdeltError> {
    let fast = csv_options()
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish());
    if let Ok(df) = fast
        && !needs_diagnosis(&df)
    {
        return Ok(df);
    }
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| GdeltError::Io {
        source_name: name.clone(),
        source,
    })?;
    read_events_bytes(&bytes, &name)
}

/// Reads a 57-column year file from bytes (e.g. fetched from S3); `source_name` names it in errors.
pub fn read_events_bytes(bytes: &[u8], source_name: &str) -> Result<DataFrame, GdeltError> {
    let parsed = csv_options()
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish();
    let parsed = match parsed {
        Ok(df) if !needs_diagnosis(&df) => return Ok(df),
        other => other,
    };
    let lines = validate(bytes, source_name)?;
    let df = match parsed {
        Ok(df) => df,
        Err(e) => {
            return Err(find_bad_value(bytes, source_name).unwrap_or_else(|| {
                GdeltError::format(source_name, format!("polars could not parse the file: {e}"))
            }));
        }
    };
    if df.height() != lines {
        return Err(GdeltError::format(
            source_name,
            format!("read {} rows but the file has {lines} lines", df.height()),
        ));
    }
    Ok(df)
}

/// Line (1-based) and column (1-based) of byte `offset`.
fn locate(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before[line_start..].iter().filter(|&&b| b == b'\t').count() + 1;
    (line, column)
}

fn column_label(column: usize) -> String {
    match DAILY_COLUMNS.get(column.wrapping_sub(1)) {
        Some(name) => format!("column {column} ({name})"),
        None => format!("column {column}"),
    }
}

/// Checks encoding and field counts; returns the number of data lines.
fn validate(bytes: &[u8], source_name: &str) -> Result<usize, GdeltError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(GdeltError::format(
            source_name,
            "the file is empty: no event rows",
        ));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let offset = e.valid_up_to();
        let (line, column) = locate(bytes, offset);
        return Err(GdeltError::format(
            source_name,
            format!(
                "not UTF-8 at byte offset {offset} (line {line}, {})",
                column_label(column)
            ),
        ));
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    // Split at line boundaries into one chunk per thread; count lines and find the first bad line.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut chunks: Vec<&[u8]> = Vec::with_capacity(threads);
    let mut rest = body;
    for k in (1..threads).rev() {
        let target = rest.len() - rest.len() * k / (k + 1);
        match rest[target..].iter().position(|&b| b == b'\n') {
            Some(p) if target + p + 1 < rest.len() => {
                chunks.push(&rest[..target + p]);
                rest = &rest[target + p + 1..];
            }
            _ => break,
        }
    }
    chunks.push(rest);
    let results: Vec<Result<usize, BadLine>> = if chunks.len() == 1 {
        vec![check_lines(chunks[0])]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|c| scope.spawn(move || check_lines(c)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Ok(0)))
                .collect()
        })
    };
    let mut lines_before = 0usize;
    let mut offset_before = 0usize;
    for (chunk, result) in chunks.iter().zip(results) {
        match result {
            Ok(n) => {
                lines_before += n;
                offset_before += chunk.len() + 1;
            }
            Err(bad) => {
                let line = lines_before + bad.line + 1;
                let offset = offset_before + bad.offset;
                let message = if bad.fields == DAILY_COLUMNS.len() {
                    format!(
                        "line {line} has 58 tab-separated fields: this looks like a GDELT 1.0 daily-update file \
                         (YYYYMMDD.export.CSV, 57 columns + SOURCEURL), not a historical year file (57 columns); \
                         this reader reads the historical format only"
                    )
                } else {
                    format!(
                        "line {line} (byte offset {offset}) has {} tab-separated fields, expected 57 \
                         (GDELT 1.0 historical format)",
                        bad.fields
                    )
                };
                return Err(GdeltError::format(source_name, message));
            }
        }
    }
    Ok(lines_before)
}

/// A line with the wrong number of fields: its index and byte offset in its chunk.
struct BadLine {
    line: usize,
    offset: usize,
    fields: usize,
}

/// Counts the lines of a chunk (no trailing `\n`), or finds the first with a field count other than 57.
fn check_lines(chunk: &[u8]) -> Result<usize, BadLine> {
    let mut count = 0usize;
    let mut offset = 0usize;
    for (i, line) in chunk.split(|&b| b == b'\n').enumerate() {
        let fields = line.iter().filter(|&&b| b == b'\t').count() + 1;
        if fields != HISTORICAL_COLUMNS.len() {
            return Err(BadLine {
                line: i,
                offset,
                fields,
            });
        }
        offset += line.len() + 1;
        count += 1;
    }
    Ok(count)
}

/// Finds the first value that does not parse as its column's type.
fn find_bad_value(bytes: &[u8], source_name: &str) -> Option<GdeltError> {
    let text = std::str::from_utf8(bytes).ok()?;
    for (i, line) in text.lines().enumerate() {
        for (c, field) in line.split('\t').enumerate() {
            if field.is_empty() {
                continue;
            }
            let (ok, what) = match column_kind(c) {
                Some(ColumnKind::Int) => (field.parse::<i64>().is_ok(), "an integer"),
                Some(ColumnKind::Float) => (field.parse::<f64>().is_ok(), "a number"),
                _ => (true, ""),
            };
            if !ok {
                return Some(GdeltError::format(
                    source_name,
                    format!(
                        "line {}, {}: `{field}` is not {what}",
                        i + 1,
                        column_label(c + 1)
                    ),
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture file under `testdata/gdelt/` (e.g. `derived/….tsv`).
    fn real(name: &str) -> Vec<u8> {
        let path = crate::test_support::real_dir().join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    fn err_text(r: Result<DataFrame, GdeltError>) -> String {
        match r {
            Ok(df) => panic!("expected an error, got {} rows", df.height()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn columns_can_be_selected_by_name() {
        // The frame carries the 57 historical names (not polars' column_1…): selection by name
        // and index lookups work on it directly.
        let df = read_events_bytes(&real("derived/historical57_all_raw_rows.tsv"), "real").unwrap();
        let picked = df
            .select(["EventCode", "NumArticles", "AvgTone", "Actor2Geo_Long"])
            .unwrap();
        assert_eq!(picked.width(), 4);
        assert_eq!(picked.height(), 322);
        assert_eq!(df.get_column_index("DATEADDED"), Some(56));
    }

    #[test]
    fn reads_all_real_historical_rows_with_exact_values() {
        let bytes = real("derived/historical57_all_raw_rows.tsv");
        let df = read_events_bytes(&bytes, "hist.tsv").expect("read");
        assert_eq!(df.shape(), (322, 57));
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            names,
            HISTORICAL_COLUMNS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        );
        // first row is data, not a header (pandas' header=0 would lose it)
        let id = df.column("GLOBALEVENTID").expect("id").i64().expect("i64");
        assert_eq!(id.get(0), Some(0));
        assert_eq!(id.get(1), Some(1));
        let code = df.column("EventCode").expect("code").str().expect("str");
        assert_eq!(code.get(0), Some("040"));
        assert_eq!(code.get(1), Some("030"));
        let root = df
            .column("EventRootCode")
            .expect("root")
            .str()
            .expect("str");
        assert_eq!(root.get(0), Some("04"));
        let tone = df.column("AvgTone").expect("tone").f64().expect("f64");
        assert_eq!(tone.get(0), Some(5.52631578947368));
        assert_eq!(tone.get(1), Some(10.9792284866469));
        let a1 = df.column("Actor1Code").expect("a1").str().expect("str");
        assert_eq!(
            a1.get(0),
            None,
            "empty string fields read as null, like pandas NaN"
        );
        let a2 = df.column("Actor2Code").expect("a2").str().expect("str");
        assert_eq!(a2.get(0), Some("AFR"));
        let lat2 = df.column("Actor2Geo_Lat").expect("lat").f64().expect("f64");
        assert_eq!(lat2.get(1), Some(10.0));
        let fid = df
            .column("ActionGeo_FeatureID")
            .expect("fid")
            .i64()
            .expect("i64");
        assert_eq!(fid.get(0), None);
        let cc = df
            .column("ActionGeo_CountryCode")
            .expect("cc")
            .str()
            .expect("str");
        assert_eq!(cc.get(1), Some("NI"));
        let dateadded = df.column("DATEADDED").expect("da").i64().expect("i64");
        assert_eq!(dateadded.get(0), Some(20130203));
        // last row (2010, city-level geo with a negative FeatureID)
        let n = df.height() - 1;
        assert_eq!(id.get(n), Some(233665785));
        assert_eq!(code.get(n), Some("081"));
        let g = df.column("GoldsteinScale").expect("g").f64().expect("f64");
        assert_eq!(g.get(n), Some(5.0));
        let fd = df.column("FractionDate").expect("fd").f64().expect("f64");
        assert_eq!(fd.get(n), Some(2010.9041));
        assert_eq!(tone.get(n), Some(5.06329113924051));
        // every EventCode keeps its leading zero / 3–4 digits
        assert!(code.iter().flatten().all(|c| (3..=4).contains(&c.len())));
    }

    #[test]
    fn detects_the_daily_format() {
        let bytes =
            real("daily/PacktPublishing_Mastering-Spark-for-Data-Science/gdeltEventsTestFile.csv");
        let msg = err_text(read_events_bytes(&bytes, "daily.tsv"));
        assert!(msg.starts_with("daily.tsv: line 1 has 58"), "{msg}");
        assert!(msg.contains("daily-update"), "{msg}");
    }

    #[test]
    fn bad_inputs_name_file_line_and_column() {
        let good = real("derived/historical57_all_raw_rows.tsv");
        let text = String::from_utf8(good).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();

        assert_eq!(
            err_text(read_events_bytes(b"", "e.csv")),
            "e.csv: the file is empty: no event rows"
        );

        // wrong column count on line 3
        let mut short = lines.clone();
        let cut = lines[2].rsplit_once('\t').expect("tab").0.to_string();
        short[2] = &cut;
        let msg = err_text(read_events_bytes(short.join("\n").as_bytes(), "s.csv"));
        assert!(msg.starts_with("s.csv: line 3 (byte offset"), "{msg}");
        assert!(
            msg.contains("has 56 tab-separated fields, expected 57"),
            "{msg}"
        );

        // the same near the end (another validation chunk): line and byte offset are absolute
        let mut late = lines.clone();
        let cut = lines[299].rsplit_once('\t').expect("tab").0.to_string();
        late[299] = &cut;
        let offset: usize = lines[..299].iter().map(|l| l.len() + 1).sum();
        let msg = err_text(read_events_bytes(late.join("\n").as_bytes(), "s.csv"));
        assert_eq!(
            msg,
            format!(
                "s.csv: line 300 (byte offset {offset}) has 56 tab-separated fields, expected 57 \
                 (GDELT 1.0 historical format)"
            )
        );

        // non-numeric NumArticles (column 34) on line 5
        let mut fields: Vec<&str> = lines[4].split('\t').collect();
        fields[33] = "many";
        let bad = fields.join("\t");
        let mut v = lines.clone();
        v[4] = &bad;
        let msg = err_text(read_events_bytes(v.join("\n").as_bytes(), "n.csv"));
        assert_eq!(
            msg,
            "n.csv: line 5, column 34 (NumArticles): `many` is not an integer"
        );

        // non-numeric Actor1Geo_Lat (column 40) on line 7
        let mut fields: Vec<&str> = lines[6].split('\t').collect();
        fields[39] = "north";
        let bad = fields.join("\t");
        let mut v = lines.clone();
        v[6] = &bad;
        let msg = err_text(read_events_bytes(v.join("\n").as_bytes(), "f.csv"));
        assert_eq!(
            msg,
            "f.csv: line 7, column 40 (Actor1Geo_Lat): `north` is not a number"
        );

        // invalid UTF-8 in Actor1Name of line 2
        let mut bytes = lines[..3].join("\n").into_bytes();
        let pos = lines[0].len() + 1 + lines[1].find("AGR\tFARMER").expect("actor") + 4;
        bytes[pos] = 0xFF;
        let msg = err_text(read_events_bytes(&bytes, "u.csv"));
        assert_eq!(
            msg,
            format!("u.csv: not UTF-8 at byte offset {pos} (line 2, column 17 (Actor2Name))")
        );
    }

    #[test]
    fn no_trailing_newline_and_single_row() {
        let good = real("derived/historical57_all_raw_rows.tsv");
        let text = String::from_utf8(good).expect("utf8");
        let first = text.lines().next().expect("line");
        let df = read_events_bytes(first.as_bytes(), "one.csv").expect("read");
        assert_eq!(df.height(), 1);
        let with_nl = format!("{first}\n");
        let df = read_events_bytes(with_nl.as_bytes(), "one.csv").expect("read");
        assert_eq!(df.height(), 1);
    }

    #[test]
    fn path_reader_matches_bytes_reader_and_diagnoses_the_same() {
        let good = real("derived/historical57_all_raw_rows.tsv");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("1979.csv");
        std::fs::write(&path, &good).expect("write");
        let from_path = read_events_path(&path).expect("path");
        let from_bytes = read_events_bytes(&good, "x").expect("bytes");
        assert!(from_path.equals_missing(&from_bytes));
        assert_eq!(
            from_path.height(),
            good.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
        );

        // a short line read through the path gets the same precise error, naming the path
        let text = String::from_utf8(good).expect("utf8");
        let mut lines: Vec<&str> = text.lines().collect();
        let cut = lines[3].rsplit_once('\t').expect("tab").0.to_string();
        lines[3] = &cut;
        std::fs::write(&path, lines.join("\n")).expect("write");
        let msg = err_text(read_events_path(&path));
        assert!(
            msg.starts_with(&format!("{}: line 4 (byte offset", path.display())),
            "{msg}"
        );
    }

    #[test]
    fn a_blank_line_inside_is_reported() {
        let good = real("derived/historical57_all_raw_rows.tsv");
        let text = String::from_utf8(good).expect("utf8");
        let lines: Vec<&str> = text.lines().take(3).collect();
        let with_blank = format!("{}\n\n{}\n", lines[..2].join("\n"), lines[2]);
        let msg = err_text(read_events_bytes(with_blank.as_bytes(), "b.csv"));
        assert!(
            msg.starts_with("b.csv: line 3 (byte offset")
                && msg.contains("has 1 tab-separated fields"),
            "{msg}"
        );
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let e =
            read_events_path(std::path::Path::new("/nonexistent/1979.csv")).expect_err("missing");
        assert!(e.to_string().starts_with("/nonexistent/1979.csv: "), "{e}");
    }
}
