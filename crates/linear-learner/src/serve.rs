//! The inference side of the container: request formats in, prediction formats out.
//!
//! Request types: `text/csv`, `application/json` (dense and sparse instance forms),
//! `application/jsonlines`, `application/x-recordio-protobuf`. Responses: `application/json` (also for
//! a missing Accept or `*/*`), `application/jsonlines`, `application/x-recordio-protobuf`. JSON floats
//! are the f32 values printed the shortest way that reads back to the same f32.
//!
//! recordIO responses carry `label["score"]` (and `label["predicted_label"]`) as Float32 tensors,
//! encoded with `sagemaker-recordio`'s general record writer.

use sagemaker_recordio::{Record, RecordWriter, Tensor};

use crate::model::{Model, Prediction};

/// A response body and its content type.
#[derive(Debug, Clone)]
pub struct Response {
    /// Content-Type of the body.
    pub content_type: String,
    /// Body bytes.
    pub body: Vec<u8>,
}

const BAD: &str = "unable to evaluate payload provided";

fn bad(detail: impl std::fmt::Display) -> (u16, String) {
    (400, format!("{BAD}: {detail}"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Out {
    Json,
    JsonLines,
    RecordIo,
}

fn base_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn parse_accept(accept: Option<&str>) -> Result<Out, (u16, String)> {
    let Some(a) = accept else {
        return Ok(Out::Json);
    };
    if a.trim().is_empty() {
        return Ok(Out::Json);
    }
    for part in a.split(',') {
        match base_type(part).as_str() {
            "application/json" | "*/*" | "application/*" => return Ok(Out::Json),
            "application/jsonlines" | "application/jsonl" | "application/x-jsonlines" => {
                return Ok(Out::JsonLines);
            }
            "application/x-recordio-protobuf" => return Ok(Out::RecordIo),
            _ => {}
        }
    }
    Err((
        406,
        format!(
            "Accept type '{a}' is not supported; use application/json, application/jsonlines or application/x-recordio-protobuf"
        ),
    ))
}

/// Scores a request. `Err((status, message))` is what the container answers for a bad payload
/// (e.g. `(400, "unable to evaluate payload provided")`); the server wraps it as ModelError.
pub fn invoke(
    model: &Model,
    content_type: &str,
    accept: Option<&str>,
    body: &[u8],
) -> Result<Response, (u16, String)> {
    let out = parse_accept(accept)?;
    let d = model.feature_dim();
    let parts = match base_type(content_type).as_str() {
        // CSV bodies are parsed, scored and encoded chunk by chunk, on all cores when large.
        "text/csv" | "text/csv+label" => score_csv(model, body, d, out)?,
        "application/json" => {
            let v: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
            vec![score(model, &parse_json_request(&v, d)?, out)?]
        }
        "application/jsonlines" | "application/jsonl" | "application/x-jsonlines" => {
            let text = std::str::from_utf8(body).map_err(|_| bad("body is not UTF-8"))?;
            let mut rows = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| bad(format!("line {}: invalid JSON: {e}", i + 1)))?;
                rows.extend(
                    parse_json_request(&v, d)
                        .map_err(|(s, m)| (s, format!("{m} (line {})", i + 1)))?,
                );
            }
            vec![score(model, &rows, out)?]
        }
        "application/x-recordio-protobuf" => {
            let mut rows = Vec::new();
            for (i, rec) in sagemaker_recordio::RecordReader::new(body).enumerate() {
                let rec = rec.map_err(|e| bad(format!("record {i}: {e}")))?;
                let row = rec
                    .dense_features_f32(d)
                    .map_err(|e| bad(format!("record {i}: {e}")))?;
                if row.len() != d {
                    return Err(bad(format!(
                        "record {i} has {} features, but the model expects {d}",
                        row.len()
                    )));
                }
                rows.extend_from_slice(&row);
            }
            vec![score(model, &rows, out)?]
        }
        other => {
            return Err((
                415,
                format!(
                    "Content type '{other}' is not supported; use text/csv, application/json, application/jsonlines or application/x-recordio-protobuf"
                ),
            ));
        }
    };
    if parts.iter().all(|p| p.rows == 0) {
        return Err(bad("no records in the request"));
    }
    Ok(assemble(out, parts))
}

/// The encoded predictions of some consecutive rows of a request.
struct Scored {
    rows: usize,
    bytes: Vec<u8>,
}

/// Predicts the rows of a row-major matrix and encodes them as one part of an `out` answer:
/// JSON objects separated by commas, JSON lines, or recordIO records.
fn score(model: &Model, rows: &[f32], out: Out) -> Result<Scored, (u16, String)> {
    let preds = model.predict(rows).map_err(bad)?;
    let bytes = match out {
        Out::Json => {
            let mut s = String::with_capacity(preds.len() * 24);
            for (i, p) in preds.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                json_prediction(&mut s, p, ":", ",");
            }
            s.into_bytes()
        }
        Out::JsonLines => {
            let mut s = String::with_capacity(preds.len() * 26);
            for p in &preds {
                json_prediction(&mut s, p, ": ", ", ");
                s.push('\n');
            }
            s.into_bytes()
        }
        Out::RecordIo => {
            let mut w = RecordWriter::new(Vec::new());
            for p in &preds {
                encode_prediction_record(p, &mut w)?;
            }
            w.finish()
                .map_err(|e| (500, format!("encoding the response: {e}")))?
        }
    };
    Ok(Scored {
        rows: preds.len(),
        bytes,
    })
}

/// Joins the parts of an answer in order (recordIO records and JSON lines simply follow each
/// other; JSON objects go into one `predictions` array).
fn assemble(out: Out, parts: Vec<Scored>) -> Response {
    let size: usize = parts.iter().map(|p| p.bytes.len() + 1).sum();
    let (content_type, body) = match out {
        Out::Json => {
            let mut b = Vec::with_capacity(size + 20);
            b.extend_from_slice(b"{\"predictions\":[");
            let mut first = true;
            for p in parts.iter().filter(|p| p.rows > 0) {
                if !first {
                    b.push(b',');
                }
                first = false;
                b.extend_from_slice(&p.bytes);
            }
            b.extend_from_slice(b"]}");
            ("application/json", b)
        }
        Out::JsonLines | Out::RecordIo => {
            let mut body = Vec::with_capacity(size);
            for p in &parts {
                body.extend_from_slice(&p.bytes);
            }
            let ct = if out == Out::JsonLines {
                "application/jsonlines"
            } else {
                "application/x-recordio-protobuf"
            };
            (ct, body)
        }
    };
    Response {
        content_type: content_type.into(),
        body,
    }
}

/// Shortest f32 text that reads back to the same f32 (`0.4`, `1.0`, `1e-7`); non-finite → null.
pub fn fmt_f32(v: f32) -> String {
    let mut s = String::new();
    push_f32(&mut s, v);
    s
}

fn push_f32(s: &mut String, v: f32) {
    if v.is_finite() {
        // ryu (already serde_json's float printer) prints the same shortest round-trip digits
        // as `{:?}` in a fraction of the time; an answer holds one number per row.
        s.push_str(ryu::Buffer::new().format_finite(v));
    } else {
        s.push_str("null");
    }
}

/// Appends one prediction object to `s`.
fn json_prediction(s: &mut String, p: &Prediction, colon: &str, comma: &str) {
    use std::fmt::Write as _;
    s.push_str("{\"score\"");
    s.push_str(colon);
    match p {
        Prediction::Regression { score } => push_f32(s, *score),
        Prediction::Binary {
            score,
            predicted_label,
        } => {
            push_f32(s, *score);
            let _ = write!(s, "{comma}\"predicted_label\"{colon}{predicted_label}");
        }
        Prediction::Multiclass {
            score,
            predicted_label,
        } => {
            s.push('[');
            for (i, v) in score.iter().enumerate() {
                if i > 0 {
                    s.push_str(comma);
                }
                push_f32(s, *v);
            }
            s.push(']');
            let _ = write!(s, "{comma}\"predicted_label\"{colon}{predicted_label}");
        }
    }
    s.push('}');
}

/// Bodies above this size are parsed, scored and encoded on several threads (one chunk of whole
/// lines each).
const PARALLEL_CSV_BYTES: usize = 256 * 1024;

/// Scores a `text/csv` body of `d` features per row: the answer's parts in row order.
fn score_csv(model: &Model, body: &[u8], d: usize, out: Out) -> Result<Vec<Scored>, (u16, String)> {
    for_each_csv_chunk(body, d, |rows| score(model, &rows, out))
}

/// Parses a `text/csv` body of `d` features per row, chunk by chunk, handing each chunk's
/// row-major matrix to `then` on the thread that parsed it; the results come back in row order.
///
/// Why by hand rather than the `csv` crate: the body is numbers only (no quoting), a 5 MB request
/// is ≈ 1.6 M fields, most of them one-hot `0`/`1` or short decimals, and this parse is most of
/// InvokeEndpoint's answer time. [`parse_csv_fast`] reads each field in one pass; whatever it does
/// not read itself goes through the standard float parser, and any malformed chunk is parsed again
/// by the plain [`parse_csv_lines`] for a precise message (error path only).
fn for_each_csv_chunk<T: Send>(
    body: &[u8],
    d: usize,
    then: impl Fn(Vec<f32>) -> Result<T, (u16, String)> + Sync,
) -> Result<Vec<T>, (u16, String)> {
    let text = std::str::from_utf8(body).map_err(|_| bad("body is not UTF-8 text"))?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let threads = if text.len() >= PARALLEL_CSV_BYTES {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    } else {
        1
    };
    let chunks = split_lines(text, threads);
    let run = |chunk: &str| match parse_csv_fast(chunk.as_bytes(), d) {
        Some(rows) => then(rows).map_err(ChunkError::Scoring),
        None => Err(ChunkError::Csv),
    };
    let results: Vec<Result<T, ChunkError>> = if chunks.len() == 1 {
        vec![run(chunks[0])]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks.iter().map(|c| scope.spawn(move || run(c))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or(Err(ChunkError::Scoring((
                        500,
                        "a CSV parser thread failed".into(),
                    ))))
                })
                .collect()
        })
    };
    let mut out = Vec::with_capacity(results.len());
    for (k, part) in results.into_iter().enumerate() {
        match part {
            Ok(v) => out.push(v),
            // Re-parse the failing chunk with its absolute first row number for the message (the
            // earlier chunks' lines are counted only here, on the error path).
            Err(ChunkError::Csv) => {
                let lines_before = chunks[..k].iter().map(|c| c.split('\n').count()).sum();
                return match parse_csv_lines(chunks[k], d, lines_before) {
                    Err(e) => Err(e),
                    Ok(_) => Err((500, "the CSV parsers disagreed about a chunk".into())),
                };
            }
            Err(ChunkError::Scoring(e)) => return Err(e),
        }
    }
    Ok(out)
}

/// Splits `text` into at most `n` pieces of whole lines (separators dropped between pieces).
fn split_lines(text: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(n);
    let mut rest = text;
    for k in (1..n).rev() {
        let target = rest.len() - rest.len() * k / (k + 1);
        match rest.as_bytes()[target..].iter().position(|&b| b == b'\n') {
            Some(p) if target + p + 1 < rest.len() => {
                out.push(&rest[..target + p]);
                rest = &rest[target + p + 1..];
            }
            _ => break,
        }
    }
    out.push(rest);
    out
}

enum ChunkError {
    /// The chunk is not well-formed CSV of `d` numbers per row (the message comes from a re-parse).
    Csv,
    /// Scoring the parsed rows failed.
    Scoring((u16, String)),
}

/// 10^k for k ≤ 10: all exact in f32 (5^10 < 2^24).
const POW10_F32: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// Parses whole lines of `d` numbers each in one pass over the bytes; `None` when anything is
/// malformed (a non-number, a row of another length, an empty line), to be diagnosed by
/// [`parse_csv_lines`].
///
/// A field `-?digits[.digits]` whose digits form an integer m ≤ 2^24 with k ≤ 10 decimals is
/// m / 10^k computed in f32: both operands are exact, so IEEE division rounds the quotient
/// correctly and the value is the one `str::parse::<f32>` gives (Clinger's fast path, which the
/// standard parser also takes for such input). Every other field (exponents, spaces, `+`, long
/// mantissas) is handed to [`parse_field`], the same function the plain parser uses.
fn parse_csv_fast(text: &[u8], d: usize) -> Option<Vec<f32>> {
    let n = text.len();
    let mut rows = Vec::with_capacity(n / 3);
    let mut i = 0;
    let mut field = 0usize;
    loop {
        // The common case first, as its own well-predicted branch: a one-digit field followed
        // by a comma (the one-hot columns).
        if let Some(&[c, b',']) = text.get(i..i + 2)
            && c.is_ascii_digit()
        {
            field += 1;
            if field > d {
                return None;
            }
            rows.push(f32::from(c - b'0'));
            i += 2;
            continue;
        }
        let start = i;
        let neg = i < n && text[i] == b'-';
        if neg {
            i += 1;
        }
        let mut m: u64 = 0;
        let mut digits = 0u32;
        while i < n && text[i].is_ascii_digit() {
            m = m.wrapping_mul(10).wrapping_add(u64::from(text[i] - b'0'));
            digits += 1;
            i += 1;
        }
        let mut decimals = 0usize;
        if i < n && text[i] == b'.' {
            i += 1;
            while i < n && text[i].is_ascii_digit() {
                m = m.wrapping_mul(10).wrapping_add(u64::from(text[i] - b'0'));
                digits += 1;
                decimals += 1;
                i += 1;
            }
        }
        let at_end = i == n || text[i] == b',' || text[i] == b'\n';
        let v = if at_end && digits > 0 && digits <= 18 && m <= 1 << 24 && decimals <= 10 {
            // m ≤ 2^24 fits i32 exactly; integers (the one-hot columns) skip the division.
            let x = m as i32 as f32;
            let x = if decimals == 0 {
                x
            } else {
                x / POW10_F32[decimals]
            };
            if neg { -x } else { x }
        } else {
            i = start
                + text[start..]
                    .iter()
                    .position(|&b| b == b',' || b == b'\n')
                    .unwrap_or(n - start);
            parse_field(std::str::from_utf8(&text[start..i]).ok()?)?
        };
        field += 1;
        if field > d {
            return None;
        }
        rows.push(v);
        if i == n {
            return (field == d).then_some(rows);
        }
        if text[i] == b'\n' {
            if field != d {
                return None;
            }
            field = 0;
        }
        i += 1;
    }
}

/// Parses whole lines; `first_row` (0-based) numbers the rows in error messages.
fn parse_csv_lines(text: &str, d: usize, first_row: usize) -> Result<Vec<f32>, (u16, String)> {
    let mut rows = Vec::with_capacity(text.len() / 3);
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let start = rows.len();
        let mut fields = 0usize;
        let mut failed: Option<&str> = None;
        for f in line.split(',') {
            fields += 1;
            if failed.is_some() || fields > d {
                continue;
            }
            match parse_field(f) {
                Some(v) => rows.push(v),
                None => failed = Some(f),
            }
        }
        if fields != d {
            return Err(bad(format!(
                "row {} has {} features, but the model expects {d}",
                first_row + i + 1,
                if line.trim().is_empty() { 0 } else { fields }
            )));
        }
        if let Some(f) = failed {
            let column = rows.len() - start + 1;
            return Err(bad(format!(
                "row {}, column {column}: '{}' is not a number",
                first_row + i + 1,
                f.trim()
            )));
        }
    }
    Ok(rows)
}

/// One CSV field as f32: a lone digit (the one-hot columns) directly, anything else through
/// the standard float parser (after trimming spaces).
#[inline]
fn parse_field(f: &str) -> Option<f32> {
    if let [b] = f.as_bytes()
        && b.is_ascii_digit()
    {
        return Some(f32::from(b - b'0'));
    }
    f.trim().parse().ok()
}

fn num_array(v: &serde_json::Value, what: &str) -> Result<Vec<f64>, (u16, String)> {
    let a = v
        .as_array()
        .ok_or_else(|| bad(format!("{what} must be an array of numbers")))?;
    a.iter()
        .map(|x| {
            x.as_f64()
                .ok_or_else(|| bad(format!("{what} must be an array of numbers, found {x}")))
        })
        .collect()
}

fn parse_instance(inst: &serde_json::Value, d: usize, i: usize) -> Result<Vec<f32>, (u16, String)> {
    let feats = if let Some(f) = inst.get("features") {
        f
    } else if let Some(f) = inst.get("data").and_then(|x| x.get("features")) {
        f
    } else {
        return Err(bad(format!(
            "instance {i} has neither 'features' nor 'data.features'"
        )));
    };
    let row: Vec<f32> = if feats.is_array() {
        num_array(feats, &format!("instance {i} features"))?
            .into_iter()
            .map(|x| x as f32)
            .collect()
    } else {
        let values = num_array(
            feats
                .get("values")
                .ok_or_else(|| bad(format!("instance {i} features lack 'values'")))?,
            &format!("instance {i} values"),
        )?;
        match feats.get("keys") {
            Some(keys) if keys.as_array().is_some_and(|a| !a.is_empty()) => {
                let keys = num_array(keys, &format!("instance {i} keys"))?;
                if keys.len() != values.len() {
                    return Err(bad(format!(
                        "instance {i}: {} keys but {} values",
                        keys.len(),
                        values.len()
                    )));
                }
                if let Some(shape) = feats.get("shape") {
                    let shape = num_array(shape, &format!("instance {i} shape"))?;
                    if shape.first().is_some_and(|&s| s as usize != d) {
                        return Err(bad(format!(
                            "instance {i} has shape {shape:?}, but the model expects {d} features"
                        )));
                    }
                }
                let mut row = vec![0f32; d];
                for (kv, vv) in keys.iter().zip(&values) {
                    let k = *kv as usize;
                    if *kv < 0.0 || kv.fract() != 0.0 || k >= d {
                        return Err(bad(format!(
                            "instance {i}: key {kv} out of range for {d} features"
                        )));
                    }
                    row[k] = *vv as f32;
                }
                row
            }
            _ => values.into_iter().map(|x| x as f32).collect(),
        }
    };
    if row.len() != d {
        return Err(bad(format!(
            "instance {i} has {} features, but the model expects {d}",
            row.len()
        )));
    }
    Ok(row)
}

fn parse_json_request(v: &serde_json::Value, d: usize) -> Result<Vec<f32>, (u16, String)> {
    let mut rows = Vec::new();
    if let Some(instances) = v.get("instances") {
        let a = instances
            .as_array()
            .ok_or_else(|| bad("'instances' must be an array"))?;
        for (i, inst) in a.iter().enumerate() {
            rows.extend(parse_instance(inst, d, i)?);
        }
    } else {
        rows.extend(parse_instance(v, d, 0)?);
    }
    Ok(rows)
}

fn encode_prediction_record(
    p: &Prediction,
    w: &mut RecordWriter<Vec<u8>>,
) -> Result<(), (u16, String)> {
    let mut rec = Record::default();
    let (score, label) = match p {
        Prediction::Regression { score } => (vec![*score], None),
        Prediction::Binary {
            score,
            predicted_label,
        } => (vec![*score], Some(*predicted_label)),
        Prediction::Multiclass {
            score,
            predicted_label,
        } => (score.clone(), Some(*predicted_label)),
    };
    rec.label.insert("score".into(), Tensor::dense_f32(score));
    if let Some(l) = label {
        rec.label
            .insert("predicted_label".into(), Tensor::dense_f32(vec![l as f32]));
    }
    w.write_record(&rec)
        .map_err(|e| (500, format!("encoding the response: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix of a CSV body, through the same chunked path as InvokeEndpoint.
    fn parse_csv(body: &[u8], d: usize) -> Result<Vec<f32>, (u16, String)> {
        for_each_csv_chunk(body, d, Ok).map(|parts| parts.concat())
    }

    #[test]
    fn fast_fields_equal_the_standard_parser() {
        let fixed = [
            "0",
            "1",
            "-0",
            "7.",
            ".5",
            "-.5",
            "00012.50",
            "16777216",
            "16777217",
            "-16777217",
            "0.1234567890",
            "0.12345678901",
            "1.7976931348623157",
            "3.4028235e38",
            "1e3",
            "1E-7",
            " 2 ",
            "+1",
            "-45.1234",
            "149.9999",
            "0.0001",
            "123456789012345678901234567890",
            "9999999.9",
            "33554432.5",
        ];
        let mut fields: Vec<String> = fixed.iter().map(|f| f.to_string()).collect();
        // Random decimals of every width the fast path takes, and some just past it.
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let digits = (s % 12) as usize + 1;
            let m = s >> 20;
            let m = m % 10u64.pow(digits as u32);
            let dec = ((s >> 8) % (digits as u64 + 1)) as usize;
            let mut t = format!("{m:0digits$}");
            if dec > 0 {
                t.insert(t.len() - dec, '.');
            }
            if s & 1 == 1 {
                t.insert(0, '-');
            }
            fields.push(t);
        }
        let body = fields.join("\n");
        let parsed = parse_csv_fast(body.as_bytes(), 1).expect("all fields are numbers");
        assert_eq!(parsed.len(), fields.len());
        for (f, v) in fields.iter().zip(&parsed) {
            let want: f32 = f.trim().parse().expect("std parses it");
            assert_eq!(v.to_bits(), want.to_bits(), "field {f:?}");
        }
        // What the standard parser refuses, the fast one refuses too.
        for bad in ["", "-", ".", "1.2.3", "1,", "x", "1-2", "--1", "0x10", "1e"] {
            assert_eq!(parse_csv_fast(bad.as_bytes(), 1), None, "field {bad:?}");
        }
    }

    #[test]
    fn chunked_answers_equal_one_chunk_in_every_output_format() {
        let row = "3,40.7128,-74.006,0,1,0\n";
        let n = PARALLEL_CSV_BYTES / row.len() * 3;
        let body = row.repeat(n);
        let model = Model::linear_regressor(vec![0.5, -1.0, 0.25, 2.0, 3.0, -4.0], 1.5);
        for accept in [
            "application/json",
            "application/jsonlines",
            "application/x-recordio-protobuf",
        ] {
            let whole = invoke(&model, "text/csv", Some(accept), body.as_bytes()).expect("ok");
            let rows = parse_csv_lines(body.trim_end(), 6, 0).expect("serial");
            let one = assemble(
                parse_accept(Some(accept)).expect("accept"),
                vec![
                    score(&model, &rows, parse_accept(Some(accept)).expect("accept"))
                        .expect("score"),
                ],
            );
            assert_eq!(whole.content_type, one.content_type);
            assert!(whole.body == one.body, "{accept}: chunked answer differs");
        }
        let json = invoke(&model, "text/csv", None, body.as_bytes()).expect("ok");
        let v: serde_json::Value = serde_json::from_slice(&json.body).expect("valid JSON");
        assert_eq!(v["predictions"].as_array().map(Vec::len), Some(n));
    }

    #[test]
    fn f32_shortest() {
        assert_eq!(fmt_f32(0.4), "0.4");
        assert_eq!(fmt_f32(1.0), "1.0");
        assert_eq!(fmt_f32(30.17), "30.17");
        assert_eq!(fmt_f32(f32::NAN), "null");
    }

    #[test]
    fn csv_fields_and_errors() {
        assert_eq!(
            parse_csv(b"0,1, 2 ,1e3,-0.5\r\n9,0,0,0,.25\n", 5).expect("ok"),
            vec![0.0, 1.0, 2.0, 1000.0, -0.5, 9.0, 0.0, 0.0, 0.0, 0.25]
        );
        let e = |body: &[u8], d| parse_csv(body, d).expect_err("bad").1;
        assert_eq!(
            e(b"1,2\n1,x", 2),
            format!("{BAD}: row 2, column 2: 'x' is not a number")
        );
        assert_eq!(
            e(b"1,2\n1,x,3", 2),
            format!("{BAD}: row 2 has 3 features, but the model expects 2")
        );
        assert_eq!(
            e(b"1,2\n\n1,2", 2),
            format!("{BAD}: row 2 has 0 features, but the model expects 2")
        );
    }

    #[test]
    fn large_csv_is_parsed_in_parallel_with_the_same_result_and_row_numbers() {
        let row = "3,40.7128,-74.006,0,1,0\n";
        let n = PARALLEL_CSV_BYTES / row.len() * 3;
        let body = row.repeat(n);
        let parsed = parse_csv(body.as_bytes(), 6).expect("ok");
        assert_eq!(parsed.len(), n * 6);
        assert_eq!(
            parsed,
            parse_csv_lines(body.trim_end(), 6, 0).expect("serial")
        );
        // an error near the end is numbered from the start of the body
        let mut bad = body.clone();
        let at = bad.len() - row.len() * 2;
        bad.replace_range(at..at + 1, "z");
        assert_eq!(
            parse_csv(bad.as_bytes(), 6).expect_err("bad").1,
            format!("{BAD}: row {}, column 1: 'z' is not a number", n - 1)
        );
    }

    #[test]
    fn recordio_response_bytes() {
        let mut w = RecordWriter::new(Vec::new());
        encode_prediction_record(&Prediction::Regression { score: 1.0 }, &mut w).expect("encode");
        let out = w.finish().expect("finish");
        // magic, length, label entry {key "score", value float32_tensor [1.0]}
        let payload: Vec<u8> = vec![
            0x12, 0x11, 0x0a, 0x05, b's', b'c', b'o', b'r', b'e', 0x12, 0x08, 0x12, 0x06, 0x0a,
            0x04, 0x00, 0x00, 0x80, 0x3f,
        ];
        let mut expect = vec![0x0a, 0x23, 0xd7, 0xce, payload.len() as u8, 0, 0, 0];
        expect.extend_from_slice(&payload);
        expect.push(0); // pad 19 → 20
        assert_eq!(out, expect);
    }
}
