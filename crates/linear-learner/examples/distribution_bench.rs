//! Benchmark (not a test): FullyReplicated vs ShardedByS3Key wall time, 5 recordIO files, 5 hosts.
//! Usage: cargo run -p linear-learner --example distribution_bench -- [rows_per_file] [repeats]
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use linear_learner::{ChannelInput, HostInput, LogSink, TrainingSpec};
use rand::{Rng, SeedableRng};

struct Null;
impl LogSink for Null {
    fn log(&self, _: &str, _: &str) {}
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let repeats: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(3);
    let d = 25;
    let dir = tempfile::tempdir()?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut files = Vec::new();
    for f in 0..6 {
        let mut x = vec![0f32; rows * d];
        let mut y = vec![0f32; rows];
        for r in 0..rows {
            // GDELT-like: 4 numeric columns + a one-hot of 21 codes
            let mut t = 0f32;
            for j in 0..4 {
                let v: f32 = rng.random_range(-50.0..50.0);
                x[r * d + j] = v;
                t += v * (j as f32 - 1.5) * 0.1;
            }
            let c = rng.random_range(4..d);
            x[r * d + c] = 1.0;
            t += c as f32 * 0.3;
            y[r] = t + rng.random_range(-2.0f32..2.0);
        }
        let path = dir.path().join(format!("{}.data", 1979 + f));
        let w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        sagemaker_recordio::write_dense_matrix(w, &x, d, Some(&y))?;
        files.push(path);
    }
    let val = files.pop().ok_or_else(|| anyhow::anyhow!("no file"))?;
    let hp: BTreeMap<String, String> = [
        ("predictor_type", "regressor"),
        ("feature_dim", "25"),
        ("epochs", "2"),
        ("mini_batch_size", "1000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let spec = |sharded: bool| TrainingSpec {
        hyperparameters: hp.clone(),
        hosts: (0..5)
            .map(|i| HostInput {
                host: format!("algo-{}", i + 1),
                channels: [
                    (
                        "train".to_string(),
                        ChannelInput {
                            files: if sharded {
                                vec![files[i].clone()]
                            } else {
                                files.clone()
                            },
                            content_type: None,
                        },
                    ),
                    (
                        "validation".to_string(),
                        ChannelInput {
                            files: vec![val.clone()],
                            content_type: None,
                        },
                    ),
                ]
                .into_iter()
                .collect(),
            })
            .collect(),
    };
    let mut times = [Vec::new(), Vec::new()];
    let mut mses = [0.0, 0.0];
    for _ in 0..repeats {
        for (k, sharded) in [false, true].into_iter().enumerate() {
            let t = Instant::now();
            let out = linear_learner::train(&spec(sharded), &Null, &AtomicBool::new(false))?;
            times[k].push(t.elapsed().as_secs_f64());
            mses[k] = out
                .validation_metrics
                .iter()
                .find(|(n, _)| n == "mse")
                .map(|m| m.1)
                .unwrap_or(f64::NAN);
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (r, s) = (med(&mut times[0]), med(&mut times[1]));
    println!("rows/file={rows} d={d} hosts=5 epochs=2 repeats={repeats}");
    println!(
        "FullyReplicated median {r:.3} s, validation:mse {:.4}",
        mses[0]
    );
    println!(
        "ShardedByS3Key  median {s:.3} s, validation:mse {:.4}",
        mses[1]
    );
    println!("ratio replicated/sharded = {:.2}", r / s);
    Ok(())
}
