//! Command-line driver for the interop test (`scripts/test-recordio-interop.sh`) and the benchmark
//! (`scripts/bench-recordio.sh`); the Python side lives in `crates/sagemaker-recordio/py/`.
//!
//! Subcommands:
//! - `gen-write OUT ROWS COLS SEED [label|nolabel]` — writes the deterministic matrix (see
//!   [`gen_matrix`], mirrored bit for bit in `py/common.py`) with `write_dense_matrix`.
//! - `write-mixed OUT` — writes records of every tensor type and prints them as JSON lines.
//! - `dump IN` — reads a file and prints every record as a JSON line (floats as bit patterns).
//! - `bench-write ROWS COLS SEED REPS` / `bench-read ROWS COLS SEED REPS` — timings as JSON.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail};
use sagemaker_recordio::{Record, RecordReader, RecordWriter, Tensor, write_dense_matrix};
use serde_json::{Value, json};

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64 output number `i` (0-based) of the stream seeded with `seed`.
fn splitmix(seed: u64, i: u64) -> u64 {
    let mut z = seed.wrapping_add((i + 1).wrapping_mul(GOLDEN));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An exactly representable f32 in [-1, 1): `(2k - 2^24) / 2^24` with k the top 24 bits.
fn unit(z: u64) -> f32 {
    let k = (z >> 40) as i64;
    (2 * k - (1 << 24)) as f32 / (1u32 << 24) as f32
}

/// Features `rows × cols` (row-major) scaled to [-10, 10) and labels in [-1, 1): the same
/// numbers `py/common.py` makes with numpy.
fn gen_matrix(rows: usize, cols: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let feats = (0..(rows * cols) as u64)
        .map(|i| unit(splitmix(seed, i)) * 8.0)
        .collect();
    let labels = (0..rows as u64)
        .map(|i| unit(splitmix(seed ^ 0xABCD_EF01, i)))
        .collect();
    (feats, labels)
}

fn bits32(v: &[f32]) -> Value {
    json!(v.iter().map(|f| f.to_bits()).collect::<Vec<_>>())
}

fn tensor_json(t: &Tensor) -> Value {
    match t {
        Tensor::Float32 {
            values,
            keys,
            shape,
        } => json!({"type": "Float32", "values": bits32(values), "keys": keys, "shape": shape}),
        Tensor::Float64 {
            values,
            keys,
            shape,
        } => json!({"type": "Float64",
            "values": values.iter().map(|f| f.to_bits().to_string()).collect::<Vec<_>>(),
            "keys": keys, "shape": shape}),
        Tensor::Int32 {
            values,
            keys,
            shape,
        } => json!({"type": "Int32", "values": values, "keys": keys, "shape": shape}),
        Tensor::Bytes {
            values,
            content_type,
        } => json!({"type": "Bytes",
            "values": values.iter().map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>()).collect::<Vec<_>>(),
            "content_type": content_type}),
    }
}

fn map_json(m: &BTreeMap<String, Tensor>) -> Value {
    Value::Object(m.iter().map(|(k, t)| (k.clone(), tensor_json(t))).collect())
}

fn record_json(r: &Record) -> Value {
    json!({"features": map_json(&r.features), "label": map_json(&r.label),
        "uid": r.uid, "metadata": r.metadata, "configuration": r.configuration})
}

fn f32t(values: Vec<f32>, keys: Vec<u64>, shape: Vec<u64>) -> Tensor {
    Tensor::Float32 {
        values,
        keys,
        shape,
    }
}

/// Records of every tensor type and field, for the Rust → Python direction.
fn mixed_records() -> Vec<Record> {
    let mut out = vec![
        Record::dense(vec![1.5, -2.0], Some(1.0)),
        Record::dense(vec![1.0], None),
        Record::dense(vec![], Some(2.0)),
        Record::dense(
            vec![f32::MAX, f32::MIN_POSITIVE, -0.0, 1e-45, 3.4e38],
            Some(-0.0),
        ),
    ];
    let mut r = Record::default();
    r.features.insert(
        "values".into(),
        f32t(
            vec![0.5, -1.25, 3.0],
            vec![0, 7, 1_000_000],
            vec![1_000_001],
        ),
    );
    r.label
        .insert("values".into(), Tensor::dense_f32(vec![1.0]));
    out.push(r);
    let mut r = Record::default();
    r.features.insert(
        "values".into(),
        Tensor::Float64 {
            values: vec![std::f64::consts::PI, -1e300, 5e-324],
            keys: vec![],
            shape: vec![3],
        },
    );
    r.label.insert(
        "values".into(),
        Tensor::Int32 {
            values: vec![-1, i32::MIN, i32::MAX, 0, 300],
            keys: vec![1, 2, 3, 4, 5],
            shape: vec![6],
        },
    );
    r.label
        .insert("score".into(), Tensor::dense_f32(vec![0.25]));
    out.push(r);
    let mut r = Record::default();
    r.features.insert(
        "image".into(),
        Tensor::Bytes {
            values: vec![vec![0, 1, 2, 255], vec![], b"abc".to_vec()],
            content_type: Some("application/x-image".into()),
        },
    );
    r.features.insert(
        "blob".into(),
        Tensor::Bytes {
            values: vec![vec![9; 300]],
            content_type: None,
        },
    );
    r.uid = Some("uid-ü-€-😀".into());
    r.metadata = Some(String::new());
    r.configuration = Some("{\"a\": 1}".into());
    out.push(r);
    out
}

fn arg<'a>(args: &'a [String], i: usize, name: &str) -> anyhow::Result<&'a str> {
    args.get(i)
        .map(String::as_str)
        .with_context(|| format!("missing argument {name}"))
}

fn num<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    arg(args, i, name)?
        .parse()
        .with_context(|| format!("argument {name}"))
}

/// On-CPU time of the calling thread in seconds (`/proc/thread-self/schedstat`, nanoseconds), so
/// figures stay meaningful when other processes compete for the 2 cores.
fn thread_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let cmd = arg(&args, 1, "subcommand")?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cmd {
        "gen-write" => {
            let path = arg(&args, 2, "OUT")?;
            let (rows, cols, seed) = (
                num::<usize>(&args, 3, "ROWS")?,
                num::<usize>(&args, 4, "COLS")?,
                num::<u64>(&args, 5, "SEED")?,
            );
            let with_label = args.get(6).is_none_or(|s| s == "label");
            let (f, l) = gen_matrix(rows, cols, seed);
            let file = std::fs::File::create(path).with_context(|| format!("create {path}"))?;
            let file = write_dense_matrix(file, &f, cols, with_label.then_some(&l[..]))?;
            file.sync_all()?;
        }
        "write-mixed" => {
            let path = arg(&args, 2, "OUT")?;
            let file = std::fs::File::create(path).with_context(|| format!("create {path}"))?;
            let mut w = RecordWriter::new(file);
            for r in mixed_records() {
                w.write_record(&r)?;
                writeln!(out, "{}", record_json(&r))?;
            }
            w.finish()?;
        }
        "dump" => {
            let path = arg(&args, 2, "IN")?;
            let file = std::fs::File::open(path).with_context(|| format!("open {path}"))?;
            for r in RecordReader::new(file) {
                let r = r.with_context(|| format!("reading {path}"))?;
                writeln!(out, "{}", record_json(&r))?;
            }
        }
        "bench-write" | "bench-read" => {
            let (rows, cols, seed, reps) = (
                num::<usize>(&args, 2, "ROWS")?,
                num::<usize>(&args, 3, "COLS")?,
                num::<u64>(&args, 4, "SEED")?,
                num::<usize>(&args, 5, "REPS")?,
            );
            let (f, l) = gen_matrix(rows, cols, seed);
            let mut bytes = write_dense_matrix(Vec::new(), &f, cols, Some(&l))?;
            let size = bytes.len();
            let mut times = Vec::new();
            let mut cpu = Vec::new();
            let mut times2 = Vec::new();
            let mut cpu2 = Vec::new();
            for _ in 0..reps {
                if cmd == "bench-write" {
                    let buf = Vec::with_capacity(size);
                    let (t, c) = (Instant::now(), thread_cpu_s());
                    let b = write_dense_matrix(buf, &f, cols, Some(&l))?;
                    times.push(t.elapsed().as_secs_f64());
                    cpu.push(thread_cpu_s() - c);
                    if b != bytes {
                        bail!("non-deterministic output");
                    }
                    bytes = b;
                } else {
                    // Full records (BTreeMap + tensors) …
                    let (t, c) = (Instant::now(), thread_cpu_s());
                    let mut n = 0usize;
                    for r in RecordReader::new(&bytes[..]) {
                        let r = r?;
                        n += r.features.len();
                    }
                    times.push(t.elapsed().as_secs_f64());
                    cpu.push(thread_cpu_s() - c);
                    if n != rows {
                        bail!("read {n} rows, expected {rows}");
                    }
                    // … and dense rows into a reused buffer.
                    let (t, c) = (Instant::now(), thread_cpu_s());
                    let mut r = RecordReader::new(&bytes[..]);
                    let mut row = Vec::with_capacity(cols);
                    let mut sum = 0.0f64;
                    let mut n = 0usize;
                    while let Some(res) = r.next_dense(cols, &mut row) {
                        sum += f64::from(res?.unwrap_or(0.0)) + f64::from(row[0]);
                        n += 1;
                    }
                    times2.push(t.elapsed().as_secs_f64());
                    cpu2.push(thread_cpu_s() - c);
                    if !sum.is_finite() || n != rows {
                        bail!("bad dense read: {n} rows, sum {sum}");
                    }
                }
            }
            let digest = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            let med = |v: &Vec<f64>| {
                if v.is_empty() {
                    Value::Null
                } else {
                    json!(median(v.clone()))
                }
            };
            writeln!(
                out,
                "{}",
                json!({"bytes": size, "fnv1a64": format!("{digest:016x}"),
                    "times_s": times, "median_s": med(&times),
                    "cpu_s": cpu, "median_cpu_s": med(&cpu),
                    "times_dense_s": times2, "median_dense_s": med(&times2),
                    "cpu_dense_s": cpu2, "median_cpu_dense_s": med(&cpu2)})
            )?;
        }
        other => bail!(
            "unknown subcommand {other:?} (gen-write, write-mixed, dump, bench-write, bench-read)"
        ),
    }
    Ok(())
}
