//! Where the time of one ≈5 MB `text/csv` InvokeEndpoint goes inside the container side of the
//! stand-in: parsing, predicting and writing the JSON answer, each timed alone and together
//! (`serve::invoke`). Rows are shaped like the workshop's features (NumArticles, four coordinates
//! with four decimals, a one-hot of 20 event codes), as `scripts/bench-serve.sh` sends them.
//!
//! `cargo run --release -p linear-learner --example serve_bench [BYTES] [REPS]`

use std::time::Instant;

use linear_learner::{Model, serve};

fn payload(target: usize) -> Vec<u8> {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut out = String::with_capacity(target + 256);
    while out.len() < target {
        let articles = 1 + next() % 20;
        let coord = |v: u64, span: f64| (v % 1_000_000) as f64 / 1_000_000.0 * span - span / 2.0;
        let hot = next() % 20;
        out.push_str(&format!(
            "{articles},{:.4},{:.4},{:.4},{:.4}",
            coord(next(), 180.0),
            coord(next(), 360.0),
            coord(next(), 180.0),
            coord(next(), 360.0)
        ));
        for k in 0..20 {
            out.push_str(if k == hot { ",1" } else { ",0" });
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000_000);
    let reps: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(15);
    let body = payload(bytes);
    let rows = body.iter().filter(|b| **b == b'\n').count();
    let weights: Vec<f32> = (0..25).map(|i| (i as f32 - 12.0) / 10.0).collect();
    let model = Model::linear_regressor(weights, 1.5);

    let mut total = Vec::new();
    let mut out_len = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let r = serve::invoke(&model, "text/csv", Some("application/json"), &body)
            .unwrap_or_else(|(s, m)| panic!("{s}: {m}"));
        total.push(t.elapsed().as_secs_f64());
        out_len = r.body.len();
    }
    let t = median(total);
    println!(
        "serve::invoke text/csv → application/json: {} bytes, {rows} rows, answer {out_len} bytes",
        body.len()
    );
    println!(
        "median of {reps}: {:.1} ms ({:.0} MB/s of request)",
        t * 1e3,
        body.len() as f64 / t / 1e6
    );
}
