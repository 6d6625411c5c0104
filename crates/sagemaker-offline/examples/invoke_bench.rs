//! InvokeEndpoint load generator with aws-sdk-sagemakerruntime, for `scripts/bench-serve.sh`: the
//! same bodies and endpoint as its boto3 run, so the two clients' figures sit side by side and the
//! server's own share shows (boto3 alone costs ≈ 90 ms per 5 MB request on this machine).
//!
//! `invoke_bench ENDPOINT CONCURRENCIES REQUESTS BODY_FILE...` — e.g. `ep 1,4,16 20,40,80 b0.csv b1.csv`.
//! AWS settings come from the environment (`eval "$(sagemaker-offline env)"`). Prints a markdown
//! table row per concurrency: latency p50/p99/max (request sent → whole answer received), req/s and
//! request MB/s over the wall time. Every answer is checked to hold one prediction per row; any
//! error fails the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aws_sdk_sagemakerruntime::primitives::Blob;

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Body {
    bytes: Blob,
    len: usize,
    rows: usize,
}

fn list(arg: &str) -> Result<Vec<usize>, Error> {
    arg.split(',')
        .map(|v| v.trim().parse().map_err(|e| format!("'{v}': {e}").into()))
        .collect()
}

async fn invoke(
    client: &aws_sdk_sagemakerruntime::Client,
    endpoint: &str,
    body: &Body,
) -> Result<f64, Error> {
    let t = Instant::now();
    let out = client
        .invoke_endpoint()
        .endpoint_name(endpoint)
        .content_type("text/csv")
        .accept("application/json")
        .body(body.bytes.clone())
        .send()
        .await?;
    let secs = t.elapsed().as_secs_f64();
    let answer = out.body().map(|b| b.as_ref()).unwrap_or_default();
    let preds = answer.windows(7).filter(|w| w == b"\"score\"").count();
    if preds != body.rows {
        return Err(format!("{preds} predictions for {} rows", body.rows).into());
    }
    Ok(secs)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: invoke_bench ENDPOINT CONCURRENCIES REQUESTS BODY_FILE...".into());
    }
    let endpoint: Arc<str> = args[0].as_str().into();
    let (conc, reqs) = (list(&args[1])?, list(&args[2])?);
    if conc.len() != reqs.len() {
        return Err("CONCURRENCIES and REQUESTS need the same number of entries".into());
    }
    let mut bodies = Vec::new();
    for path in &args[3..] {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let rows = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        bodies.push(Body {
            len: bytes.len(),
            bytes: Blob::new(bytes),
            rows,
        });
    }
    let bodies = Arc::new(bodies);
    // The workspace leaves the SDK's default HTTPS client out (root Cargo.toml): ring's, explicitly.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await;
    let client = aws_sdk_sagemakerruntime::Client::new(&config);
    for b in bodies.iter().take(2) {
        invoke(&client, &endpoint, b).await?; // warm-up: connection, model, page cache
    }
    println!(
        "| concurrency | requests | errors | p50 ms | p99 ms | max ms | req/s | MB/s sustained | wall s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (c, total) in conc.into_iter().zip(reqs) {
        let next = Arc::new(AtomicUsize::new(0));
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..c {
            let (client, endpoint, bodies, next) = (
                client.clone(),
                endpoint.clone(),
                bodies.clone(),
                next.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut done: Vec<(f64, usize)> = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return Ok::<_, Error>(done);
                    }
                    let body = &bodies[i % bodies.len()];
                    done.push((invoke(&client, &endpoint, body).await?, body.len));
                }
            }));
        }
        let mut lat = Vec::new();
        let mut bytes = 0usize;
        for task in tasks {
            for (secs, len) in task.await?? {
                lat.push(secs);
                bytes += len;
            }
        }
        let wall = t.elapsed().as_secs_f64();
        lat.sort_by(f64::total_cmp);
        let q =
            |p: f64| lat[((p * (lat.len() - 1) as f64).round() as usize).min(lat.len() - 1)] * 1e3;
        println!(
            "| {c} | {total} | 0 | {:.1} | {:.1} | {:.1} | {:.2} | {:.1} | {wall:.2} |",
            q(0.5),
            q(0.99),
            q(1.0),
            lat.len() as f64 / wall,
            bytes as f64 / wall / 1e6
        );
    }
    Ok(())
}
