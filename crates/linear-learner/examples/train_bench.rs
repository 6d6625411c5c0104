//! Benchmark (not a test): the workshop's Linear Learner job on prepared GDELT recordIO files,
//! FullyReplicated vs ShardedByS3Key over 5 hosts, scored on a held-out test matrix.
//!
//! Usage: train_bench to-recordio X.f32 Y.f32 OUT.rec   (raw little-endian f32 → recordIO-protobuf)
//!        train_bench DIR [REPEATS]
//! DIR holds `train/<year>.rec` (5 files), `validation/<year>.rec` and `test_x.f32` / `test_y.f32`
//! (raw little-endian f32, rows × 25 and rows), as prepared by `scripts/bench/train_data.py`.
//! The validation channel is FullyReplicated in both jobs (as in `scripts/sharded.sh`).
//! Prints one JSON object on stdout.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use linear_learner::{ChannelInput, HostInput, LogSink, Prediction, TrainingSpec};

struct Null;
impl LogSink for Null {
    fn log(&self, _: &str, _: &str) {}
}

fn files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    v.sort();
    Ok(v)
}

fn read_f32(path: &Path) -> anyhow::Result<Vec<f32>> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn channel(files: Vec<PathBuf>) -> ChannelInput {
    ChannelInput {
        files,
        content_type: None,
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("to-recordio") {
        let [x, y, out] = [2, 3, 4].map(|i| args.get(i).map(PathBuf::from));
        let (Some(x), Some(y), Some(out)) = (x, y, out) else {
            anyhow::bail!("usage: to-recordio X.f32 Y.f32 OUT.rec");
        };
        let (x, y) = (read_f32(&x)?, read_f32(&y)?);
        let w = std::io::BufWriter::new(std::fs::File::create(out)?);
        sagemaker_recordio::write_dense_matrix(w, &x, 25, Some(&y))?;
        return Ok(());
    }
    let dir = PathBuf::from(
        args.get(1)
            .ok_or_else(|| anyhow::anyhow!("usage: DIR [REPEATS]"))?,
    );
    let repeats: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let train = files_in(&dir.join("train"))?;
    let validation = files_in(&dir.join("validation"))?;
    let hosts = train.len();
    let hp: BTreeMap<String, String> = [
        ("feature_dim", "25"),
        ("mini_batch_size", "500"),
        ("predictor_type", "regressor"),
        ("epochs", "2"),
        ("num_models", "32"),
        ("loss", "absolute_loss"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let spec = |sharded: bool| TrainingSpec {
        hyperparameters: hp.clone(),
        hosts: (0..hosts)
            .map(|i| HostInput {
                host: format!("algo-{}", i + 1),
                channels: [
                    (
                        "train".to_string(),
                        channel(if sharded {
                            vec![train[i].clone()]
                        } else {
                            train.clone()
                        }),
                    ),
                    ("validation".to_string(), channel(validation.clone())),
                ]
                .into_iter()
                .collect(),
            })
            .collect(),
    };
    let tx = read_f32(&dir.join("test_x.f32"))?;
    let ty = read_f32(&dir.join("test_y.f32"))?;
    let mut out = Vec::new();
    for (name, sharded) in [("replicated", false), ("sharded", true)] {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..repeats {
            let t = Instant::now();
            let o = linear_learner::train(&spec(sharded), &Null, &AtomicBool::new(false))?;
            times.push(t.elapsed().as_secs_f64());
            last = Some(o);
        }
        let o = last.ok_or_else(|| anyhow::anyhow!("REPEATS must be >= 1"))?;
        times.sort_by(f64::total_cmp);
        let preds = o.model.predict(&tx).map_err(anyhow::Error::msg)?;
        let (mut ae, mut se, mut n) = (0f64, 0f64, 0usize);
        for (p, y) in preds.iter().zip(&ty) {
            let s = match p {
                Prediction::Regression { score } => *score,
                other => anyhow::bail!("not a regressor prediction: {other:?}"),
            };
            let r = f64::from(s) - f64::from(*y);
            if r.is_finite() {
                ae += r.abs();
                se += r * r;
                n += 1;
            }
        }
        let vmae = o
            .validation_metrics
            .iter()
            .find(|(m, _)| m == "absolute_loss")
            .map(|m| m.1);
        out.push(format!(
            "\"{name}\":{{\"median_s\":{},\"times_s\":{:?},\"test_mae\":{},\"test_mse\":{},\"test_rows_scored\":{n},\"validation_absolute_loss\":{},\"selected_model\":{},\"rows_per_host\":{:?}}}",
            times[times.len() / 2],
            times,
            ae / n as f64,
            se / n as f64,
            vmae.map_or("null".to_string(), |v| v.to_string()),
            o.selected_model,
            o.hosts.iter().map(|h| h.rows_per_epoch).collect::<Vec<_>>()
        ));
    }
    println!(
        "{{\"hosts\":{hosts},\"repeats\":{repeats},{}}}",
        out.join(",")
    );
    Ok(())
}
