#!/usr/bin/env bash
# Benchmark of sagemaker-offline's InvokeEndpoint (the SageMaker runtime) with the workshop's real
# client, boto3, and then with aws-sdk-sagemakerruntime (crates/sagemaker-offline/examples/invoke_bench.rs)
# on the same endpoint and bodies: ≈5 MB text/csv batches of 25 features written like numpy's `%g`, as notebook 3's
# predict_batches sends them, at several concurrencies; prints a markdown table of latency p50/p99
# and sustained MB/s (request bytes / wall time).
#
# Flow: build the release binary; start it on a free loopback port with a temporary state dir;
# load `sagemaker-offline env`; write a few thousand random 25-feature rows as recordIO-protobuf
# (sagemaker SDK's write_numpy_to_dense_tensor), `aws s3 cp` them, train one Linear Learner job
# (1 instance, regressor), host it (model, endpoint config, endpoint, wait InService); then measure.
# The server is stopped and the state dir removed at exit.
#
# The CSV rows are the seeded (generated) GDELT 1984 file's rows through the workshop transform:
# NumArticles, the two actors' latitude/longitude, then a one-hot of the 20 top event codes of 1979.
#
# Usage: scripts/bench-serve.sh [--help]
# Env:   KIT_PYTHON          Python with boto3, numpy, sagemaker, awscli (default <repo>/.venv/bin/python)
#        KIT_OFFLINE_BIN     use this binary instead of building (default: cargo build --release)
#        CARGO_TARGET_DIR    cargo's target dir (default <repo>/target)
#        BENCH_CONCURRENCY   comma list (default 1,4,16)
#        BENCH_REQUESTS      comma list, one per concurrency, for boto3 (default 20,40,80)
#        BENCH_RUST_REQUESTS the same for the Rust client, which is ≈ 4x faster (default 40,160,480)
#        BENCH_PAYLOAD_BYTES target body size (default 5000000; must stay under 6 MiB)
#        BENCH_GDELT_SCALE   --gdelt-scale of the server (default 0.2: ≈ 100k 1984 rows after the transform)
#        KEEP_STATE=1        keep the temporary state dir
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "bench-serve.sh: unknown argument '$1' (see --help)" >&2
  exit 2
fi

root="$KIT_ROOT"
py="$(kit_python)"
target="${CARGO_TARGET_DIR:-$root/target}"
conc="${BENCH_CONCURRENCY:-1,4,16}"
reqs="${BENCH_REQUESTS:-20,40,80}"
rust_reqs="${BENCH_RUST_REQUESTS:-40,160,480}"
payload="${BENCH_PAYLOAD_BYTES:-5000000}"
scale="${BENCH_GDELT_SCALE:-0.2}"
# Each request list needs one entry per concurrency; say so before minutes of set-up, not after.
n_conc="$(tr ',' '\n' <<<"$conc" | wc -l)"
for list in "BENCH_REQUESTS=$reqs" "BENCH_RUST_REQUESTS=$rust_reqs"; do
  [[ "$(tr ',' '\n' <<<"${list#*=}" | wc -l)" == "$n_conc" ]] ||
    { echo "bench-serve.sh: $list needs one entry per concurrency in BENCH_CONCURRENCY=$conc" >&2; exit 2; }
done

SAGEMAKER_SUPPRESS_V2_WARNING=1 "$py" -c 'import boto3, numpy, sagemaker.amazon.common, awscli' >/dev/null 2>&1 ||
  { echo "bench-serve.sh: $py lacks boto3/numpy/sagemaker/awscli" >&2; exit 2; }

bin="${KIT_OFFLINE_BIN:-}"
echo "bench-serve.sh: cargo build --release -p sagemaker-offline ..." >&2
(cd "$root" && cargo build --release -p sagemaker-offline --bin sagemaker-offline --example invoke_bench) >&2
bin="${bin:-$target/release/sagemaker-offline}"
rust_client="$target/release/examples/invoke_bench"
[[ -x "$bin" ]] || { echo "bench-serve.sh: no binary at $bin" >&2; exit 2; }

state="$(mktemp -d "${TMPDIR:-/tmp}/sagemaker-offline-bench.XXXXXX")"
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="$state/server.log"

cleanup() {
  kit_offline_stop
  if [[ "${KEEP_STATE:-0}" == 1 ]]; then
    echo "bench-serve.sh: state kept in $state" >&2
  else
    rm -rf "$state"
  fi
}
trap cleanup EXIT

echo "bench-serve.sh: starting $bin on port $port (gdelt scale $scale) ..." >&2
KIT_OFFLINE_BIN="$bin" kit_offline_start "$port" "$state" "$scale" "$log"

# Only the stand-in's AWS settings: no user profile or config files.
while IFS='=' read -r name _; do
  [[ "$name" == AWS_* ]] && unset "$name"
done < <(env)
eval "$("$bin" env --port "$port" --state-dir "$state")"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
PATH="$(dirname "$py"):$PATH"
export PATH

bucket="bench-serve-$$"
job="bench-serve-$(date -u +%Y%m%d-%H%M%S)"
image="382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
role="arn:aws:iam::123456789012:role/SageMakerRole"

echo "bench-serve.sh: training data (4000 rows x 25, recordIO) ..." >&2
SAGEMAKER_SUPPRESS_V2_WARNING=1 "$py" - "$state/train.data" <<'PY' >&2
import io, sys
import numpy as np
import sagemaker.amazon.common as smac
rng = np.random.default_rng(1984)
x = rng.normal(size=(4000, 25)).astype("float32")
y = (x @ rng.normal(size=25) + 1.0).astype("float32")
buf = io.BytesIO()
smac.write_numpy_to_dense_tensor(buf, x, y)
open(sys.argv[1], "wb").write(buf.getvalue())
PY
aws s3 mb "s3://$bucket" >&2
aws s3 cp "$state/train.data" "s3://$bucket/bench/train/train.data" >&2

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
"$py" - "$bucket" "$job" "$image" "$role" "$conc" "$reqs" "$payload" "$load_start" "$state" "$root" <<'PY'
import concurrent.futures as cf
import json, os, sys, threading, time
import boto3, botocore.config
import numpy as np

bucket, job, image, role, conc, reqs, payload, load_start, state, root = sys.argv[1:11]
conc = [int(c) for c in conc.split(",")]
reqs = [int(r) for r in reqs.split(",")]
if len(conc) != len(reqs):
    sys.exit("bench-serve: BENCH_CONCURRENCY and BENCH_REQUESTS need the same number of entries")
payload = int(payload)
say = lambda *a: print("bench-serve:", *a, file=sys.stderr, flush=True)

sm = boto3.client("sagemaker")
t0 = time.time()
sm.create_training_job(
    TrainingJobName=job, RoleArn=role,
    AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
    ResourceConfig={"InstanceCount": 1, "InstanceType": "ml.c4.2xlarge", "VolumeSizeInGB": 10},
    InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3DataDistributionType": "FullyReplicated",
        "S3Uri": f"s3://{bucket}/bench/train"}}}],
    OutputDataConfig={"S3OutputPath": f"s3://{bucket}/bench"},
    HyperParameters={"feature_dim": "25", "predictor_type": "regressor", "mini_batch_size": "500",
                     "epochs": "1", "num_models": "4"},
    StoppingCondition={"MaxRuntimeInSeconds": 1800})
sm.get_waiter("training_job_completed_or_stopped").wait(
    TrainingJobName=job, WaiterConfig={"Delay": 1, "MaxAttempts": 1800})
d = sm.describe_training_job(TrainingJobName=job)
if d["TrainingJobStatus"] != "Completed":
    sys.exit(f"bench-serve: training job {d['TrainingJobStatus']}: {d.get('FailureReason')}")
say(f"training job Completed in {time.time() - t0:.1f} s")

ep = job + "-ep"
sm.create_model(ModelName=job, ExecutionRoleArn=role,
                PrimaryContainer={"Image": image, "ModelDataUrl": d["ModelArtifacts"]["S3ModelArtifacts"]})
sm.create_endpoint_config(EndpointConfigName=job + "-config", ProductionVariants=[{
    "VariantName": "AllTraffic", "ModelName": job, "InitialInstanceCount": 1,
    "InstanceType": "ml.m4.xlarge"}])
sm.create_endpoint(EndpointName=ep, EndpointConfigName=job + "-config")
sm.get_waiter("endpoint_in_service").wait(EndpointName=ep, WaiterConfig={"Delay": 1, "MaxAttempts": 600})
say("endpoint InService")

# Bodies: rows of the seeded 1984 year file through the workshop transform (scripts/bench/train_data.py:
# top-20 EventCodes of 1979, rows with an actor at (0, 0) dropped, 5 features + one-hot), each value
# formatted like numpy's %g as notebook 3's batches are, "\n"-joined without a trailing newline, filled
# up to `payload` bytes. 4 bodies, each the rows in its own random order (drawn again when a body needs
# more rows than the year has at a small --gdelt-scale).
sys.path.insert(0, os.path.join(root, "scripts", "bench"))
from train_data import load, prepare, top_codes
s3 = boto3.client("s3")
year_rows = {}
for y in (1979, 1984):
    path = os.path.join(state, f"{y}.csv")
    s3.download_file("gdelt-open-data", f"events/{y}.csv", path)
    year_rows[y] = load(path)
x84, _ = prepare(year_rows[1984], top_codes(year_rows[1979]))
if len(x84) == 0:
    sys.exit("bench-serve: the seeded 1984 file has no rows after the transform")
csv_rows = [",".join("%g" % v for v in r) for r in x84.tolist()]
say(f"1984: {len(csv_rows)} rows after the workshop transform")

def body(seed):
    rng = np.random.default_rng(seed)
    rows, size = [], 0
    while True:
        for i in rng.permutation(len(csv_rows)):
            r = csv_rows[i]
            if size + len(r) + 1 > payload:
                return "\n".join(rows).encode(), len(rows)
            rows.append(r)
            size += len(r) + 1

bodies = [body(s) for s in range(4)]
say("bodies:", ", ".join(f"{len(b)} B / {n} rows" for b, n in bodies))
for i, (b, _) in enumerate(bodies):  # the same bodies for the Rust client afterwards
    open(os.path.join(state, f"body-{i}.csv"), "wb").write(b)
open(os.path.join(state, "endpoint"), "w").write(ep)

cfg = botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=300,
                             max_pool_connections=4)
def invoke(client, i):
    b, n = bodies[i % len(bodies)]
    t = time.perf_counter()
    r = client.invoke_endpoint(EndpointName=ep, ContentType="text/csv", Accept="application/json", Body=b)
    out = r["Body"].read()
    dt = time.perf_counter() - t
    preds = json.loads(out)["predictions"]
    if len(preds) != n:
        raise RuntimeError(f"{len(preds)} predictions for {n} rows")
    return dt, len(b)

warm = boto3.client("runtime.sagemaker", config=cfg)
for i in range(2):
    invoke(warm, i)

results = []
for c, total in zip(conc, reqs):
    clients = [boto3.client("runtime.sagemaker", config=cfg) for _ in range(c)]
    for cl in clients:  # open each client's connection before timing
        invoke(cl, 0)
    counter = iter(range(total))
    lock = threading.Lock()
    lat, sent, errors = [], [0], []
    def worker(cl):
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                dt, nb = invoke(cl, i)
                with lock:
                    lat.append(dt); sent[0] += nb
            except Exception as e:  # counted, reported, fails the run
                with lock:
                    errors.append(repr(e))
    t = time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=c) as ex:
        list(ex.map(worker, clients))
    wall = time.perf_counter() - t
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] * 1000 if lat else float("nan")
    row = dict(c=c, n=total, ok=len(lat), err=len(errors), p50=p(0.50), p99=p(0.99), max=lat[-1] * 1000 if lat else float("nan"),
               mbs=sent[0] / wall / 1e6, rps=len(lat) / wall, wall=wall)
    results.append(row)
    say(f"concurrency {c}: {row}")
    for e in errors[:3]:
        say("  error:", e)

load_end = open("/proc/loadavg").read().split()[:3]
mean = sum(len(b) for b, _ in bodies) / len(bodies)
print(f"InvokeEndpoint, text/csv → application/json, body ≈ {mean / 1e6:.2f} MB "
      f"({bodies[0][1]} rows × 25 features of the seeded 1984 file, workshop transform, %g)")
print()
print(f"boto3 {boto3.__version__}, one client per thread; "
      f"load average {load_start} at start, {' '.join(load_end)} at end; nproc {os.cpu_count()}")
print()
print("| concurrency | requests | errors | p50 ms | p99 ms | max ms | req/s | MB/s sustained | wall s |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in results:
    print(f"| {r['c']} | {r['n']} | {r['err']} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
          f"{r['rps']:.2f} | {r['mbs']:.1f} | {r['wall']:.2f} |")
if any(r["err"] for r in results):
    sys.exit("bench-serve: errors occurred (see above)")
PY

echo
echo "aws-sdk-sagemakerruntime (Rust, one client, one task per concurrent request), same endpoint and bodies:"
echo
"$rust_client" "$(cat "$state/endpoint")" "$conc" "$rust_reqs" "$state"/body-*.csv
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
