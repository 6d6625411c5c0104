#!/usr/bin/env bash
# Benchmark of the recordIO-protobuf writer/reader (crates/sagemaker-recordio, release build)
# against the sagemaker Python SDK's write_numpy_to_dense_tensor / read_records, in the same run,
# on the workshop's 1979–83-sized training matrix (default 1,600,000 rows × 25 float32 + label).
# Writes medians, MB/s and ratios into docs/BENCHMARKS.md (between the bench-recordio markers).
#
# Usage: scripts/bench-recordio.sh [ROWS]
# Env:   KIT_PYTHON (default <repo>/.venv/bin/python), RUST_REPS (7), SDK_WRITE_REPS (3),
#        SDK_READ_REPS (3), CARGO_TARGET_DIR (default <repo>/target).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${KIT_PYTHON:-$root/.venv/bin/python}"
target="${CARGO_TARGET_DIR:-$root/target}"
rows="${1:-1600000}"
cols=25
seed=1979
rust_reps="${RUST_REPS:-7}"
sdk_wreps="${SDK_WRITE_REPS:-3}"
sdk_rreps="${SDK_READ_REPS:-3}"

"$py" -c 'import sagemaker.amazon.common, numpy' >/dev/null 2>&1 || {
  echo "bench-recordio: $py cannot import sagemaker and numpy (run scripts/python-env.sh or set KIT_PYTHON)" >&2
  exit 2
}
(cd "$root" && cargo build --quiet --release -p sagemaker-recordio --example recordio_tool)
tool="$target/release/examples/recordio_tool"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "bench-recordio: Rust write ($rust_reps reps) ..." >&2
"$tool" gen-write "$work/rust.rec" "$rows" "$cols" "$seed" label
rust_w="$("$tool" bench-write "$rows" "$cols" "$seed" "$rust_reps")"
echo "bench-recordio: Rust read ($rust_reps reps) ..." >&2
rust_r="$("$tool" bench-read "$rows" "$cols" "$seed" "$rust_reps")"
echo "bench-recordio: SDK write ($sdk_wreps reps) and read ($sdk_rreps reps), this takes minutes ..." >&2
sdk="$(cd "$root/crates/sagemaker-recordio/py" && SAGEMAKER_SUPPRESS_V2_WARNING=1 \
  "$py" bench_sdk.py "$rows" "$cols" "$seed" "$sdk_wreps" "$sdk_rreps" "$work/rust.rec" | tail -1)"

meta="$("$py" - "$rows" "$cols" "$seed" "$load_start" "$0 $*" "$rust_reps" "$sdk_wreps" "$sdk_rreps" <<'PY'
import json, os, subprocess, sys, datetime
rows, cols, seed, load_start, cmd, rr, sw, sr = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
env = f"RUST_REPS={rr} SDK_WRITE_REPS={sw} SDK_READ_REPS={sr} "
print(json.dumps({"rows": int(rows), "cols": int(cols), "seed": int(seed), "nproc": os.cpu_count(), "cpu": cpu,
                  "load_start": load_start, "load_end": " ".join(open("/proc/loadavg").read().split()[:3]),
                  "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  "commit": commit, "command": env + "scripts/bench-recordio.sh " + rows}))
PY
)"
mkdir -p "$root/docs"
"$py" "$root/crates/sagemaker-recordio/py/report.py" "$root/docs/BENCHMARKS.md" "$rust_w" "$rust_r" "$sdk" "$meta"
if [[ "$(echo "$sdk" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["identical_to_rust"])')" != "True" ]]; then
  echo "bench-recordio: the SDK's bytes differ from the Rust writer's" >&2
  exit 1
fi
