//! Notebook 3's scoring: the test matrix as `text/csv` batches under 5 MiB (the original's
//! batching rule), sent to an endpoint with InvokeEndpoint, and Linear Learner's JSON answer read
//! back into scores.

use std::time::Instant;

use futures::StreamExt;
use gdelt::transform::Prepared;

use crate::aws::{block_on, human_bytes, sdk_config, sdk_error};
use crate::error::{KitError, KitResult};

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

/// Linear Learner's JSON answer to a regressor: `{"predictions": [{"score": …}, …]}`.
#[derive(serde::Deserialize)]
struct ScoresAnswer {
    predictions: Vec<Score>,
}

#[derive(serde::Deserialize)]
struct Score {
    score: f32,
}

/// Parses `{"predictions": [{"score": …}, …]}`, naming the member that does not fit.
pub fn parse_scores(body: &[u8]) -> KitResult<Vec<f32>> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let answer: ScoresAnswer = serde_path_to_error::deserialize(de).map_err(|e| {
        KitError::msg(format!(
            "the endpoint's answer is not Linear Learner's {{\"predictions\": [{{\"score\": …}}]}}: \
             at {}: {}",
            e.path(),
            e.inner()
        ))
    })?;
    Ok(answer.predictions.into_iter().map(|p| p.score).collect())
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
    fn scores() {
        assert_eq!(
            parse_scores(br#"{"predictions":[{"score":1.5},{"score":-2}]}"#).unwrap(),
            vec![1.5, -2.0]
        );
        assert!(parse_scores(br#"{"predictions":[{"label":1}]}"#).is_err());
        assert!(parse_scores(b"nope").is_err());
    }
}
