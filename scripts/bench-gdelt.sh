#!/usr/bin/env bash
# Benchmarks of the gdelt crate (release build), side by side with pandas, into out/bench/gdelt.md (then docs/BENCHMARKS.md).
#   1. generator: rows/s writing a full-size 1979 file (430,941 rows) to a file and to /dev/null;
#   2. reading that file into a DataFrame: gdelt::read::read_events_path vs
#      pandas.read_csv(sep="\t", header=None) (and the notebook's own header=0 call) on the same file.
# Usage: scripts/bench-gdelt.sh [REPS]   (default 5). Python: $KIT_PYTHON, default .venv/bin/python.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${1:-5}"
PY="${KIT_PYTHON:-$PWD/.venv/bin/python}"
if ! "$PY" -c 'import pandas' 2>/dev/null; then
  echo "bench-gdelt: $PY has no pandas; set KIT_PYTHON to a python with pandas" >&2
  exit 1
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT=out/bench/gdelt.md  # the measured section; copy it into docs/BENCHMARKS.md
mkdir -p out/bench

cargo build --release -q -p gdelt --bin gdelt-generate --example read_bench
GEN=target/release/gdelt-generate
READ=target/release/examples/read_bench
FILE="$WORK/1979.csv"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "generator: $REPS runs of 1979 (430,941 rows)" >&2
gen_file=(); gen_null=()
for i in $(seq "$REPS"); do
  s=$(date +%s.%N); "$GEN" --year 1979 --seed 1 --out "$FILE" 2>/dev/null; e=$(date +%s.%N)
  gen_file+=("$(echo "$e - $s" | bc -l)")
  s=$(date +%s.%N); "$GEN" --year 1979 --seed 1 --out /dev/null 2>/dev/null; e=$(date +%s.%N)
  gen_null+=("$(echo "$e - $s" | bc -l)")
done
GF=$(printf '%s\n' "${gen_file[@]}" | median)
GN=$(printf '%s\n' "${gen_null[@]}" | median)
ROWS=430941
BYTES=$(stat -c %s "$FILE")

echo "reader: $REPS runs each (gdelt, pandas header=None, pandas header=0)" >&2
RUST_MED=$("$READ" "$FILE" "$REPS" | awk '/^median/ {print $2}')
PD_OUT=$("$PY" - "$FILE" "$REPS" <<'PYEOF'
import sys, time, statistics
import pandas as pd
path, reps = sys.argv[1], int(sys.argv[2])
def t(**kw):
    ts = []
    for _ in range(reps):
        s = time.perf_counter(); df = pd.read_csv(path, sep="\t", **kw); ts.append(time.perf_counter() - s)
    return statistics.median(ts), df.shape
a, sa = t(header=None)
b, sb = t()
print(f"{a:.4f} {b:.4f} {sa[0]} {sb[0]} {pd.__version__}")
PYEOF
)
read -r PD_NONE PD_HDR PD_ROWS_NONE PD_ROWS_HDR PD_VER <<<"$PD_OUT"

fmt() { printf '%.3f' "$1"; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
{
  echo "# gdelt crate benchmarks"
  echo
  echo "Produced by \`scripts/bench-gdelt.sh $REPS\` on $(date -u +%Y-%m-%dT%H:%MZ);"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);"
  echo "rustc $(rustc --version | cut -d' ' -f2), release profile; pandas $PD_VER ($("$PY" --version 2>&1))."
  echo "Medians of $REPS runs. Other engineers' builds may have been running on the same 2 cores: compare"
  echo "the ratios (peers measured in the same run), not the absolute times."
  echo
  echo "## Generator (full-size 1979: $ROWS rows, $BYTES bytes)"
  echo
  echo "| target | median s | rows/s | MB/s |"
  echo "|---|---|---|---|"
  echo "| file (\`gdelt-generate --year 1979 --seed 1 --out FILE\`) | $(fmt "$GF") | $(echo "$ROWS / $GF" | bc -l | xargs printf '%.0f') | $(echo "$BYTES / $GF / 1000000" | bc -l | xargs printf '%.0f') |"
  echo "| /dev/null | $(fmt "$GN") | $(echo "$ROWS / $GN" | bc -l | xargs printf '%.0f') | $(echo "$BYTES / $GN / 1000000" | bc -l | xargs printf '%.0f') |"
  echo
  echo "Process wall time, including start-up and table building."
  echo
  echo "## Reading the generated 1979 file into a DataFrame"
  echo
  echo "| reader | median s | rows | speed-up of gdelt |"
  echo "|---|---|---|---|"
  echo "| \`gdelt::read::read_events_path\` (polars 0.55 CSV reader on the memory-mapped file, explicit schema; checked for short lines) | $(fmt "$RUST_MED") | $ROWS | 1.00 |"
  echo "| pandas \`read_csv(sep=\"\\t\", header=None)\` | $(fmt "$PD_NONE") | $PD_ROWS_NONE | $(ratio "$PD_NONE" "$RUST_MED") |"
  echo "| pandas \`read_csv(sep=\"\\t\")\` (the notebook's call; loses row 1) | $(fmt "$PD_HDR") | $PD_ROWS_HDR | $(ratio "$PD_HDR" "$RUST_MED") |"
  echo
  echo "gdelt's time is for the whole call: opening the file, parsing 57 typed columns, checking that no line was short (a malformed file would add a diagnosis pass; none here)."
} > "$OUT"
cat "$OUT"
