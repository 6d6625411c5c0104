#!/usr/bin/env bash
# Benchmark of Linear Learner training (crates/linear-learner, release build) on the workshop's data:
# generated GDELT 1979–83 (+1984 as test) through the workshop transform (pandas, as the original
# notebook: top-20 codes of 1979, (0,0) actors dropped, one-hot, AvgTone label, 90/10 split with
# random_state=1729), the workshop's hyperparameters (feature_dim=25, mini_batch_size=500,
# predictor_type=regressor, epochs=2, num_models=32, loss=absolute_loss), 5 hosts, FullyReplicated
# vs ShardedByS3Key train channel (validation FullyReplicated), side by side with the optimal L1
# linear fit, scikit-learn SGDRegressor (32 settings) and Vowpal Wabbit (quantile, tau 0.5).
#
# Usage: scripts/bench-train.sh [SCALE] [REPEATS]   SCALE: fraction of the real year sizes (1 = full,
#        ≈1.86 M rows after the transform for 1979–83); REPEATS: Linear Learner runs per distribution.
# Env:   KIT_PYTHON (default <repo>/.venv/bin/python; needs pandas, scikit-learn, optionally
#        vowpalwabbit), L1_SUBSAMPLE (20000 rows for QuantileRegressor/highs), SKIP_VW=1,
#        CARGO_TARGET_DIR (default <repo>/target).
# Output: JSON per tool on stdout, and out/bench/train.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="$KIT_ROOT"
py="$(kit_python)"
target="${CARGO_TARGET_DIR:-$root/target}"
scale="${1:-1}"
repeats="${2:-3}"
sub="${L1_SUBSAMPLE:-20000}"

# The peers are benchmark-only, so they are not in scripts/requirements.txt: install them on demand.
"$py" -c 'import sklearn' >/dev/null 2>&1 || "$py" -m pip install --quiet scikit-learn || true
[[ "${SKIP_VW:-0}" == 1 ]] || "$py" -c 'import vowpalwabbit' >/dev/null 2>&1 ||
  "$py" -m pip install --quiet vowpalwabbit || echo "bench-train: vowpalwabbit did not install; set SKIP_VW=1" >&2
"$py" -c 'import pandas, numpy, sklearn' >/dev/null 2>&1 || {
  echo "bench-train: $py cannot import pandas, numpy and sklearn" >&2
  exit 2
}
(cd "$root" && cargo build --quiet --release -p gdelt --no-default-features --bin gdelt-generate &&
  cargo build --quiet --release -p linear-learner --example train_bench)
gen="$target/release/gdelt-generate"
tb="$target/release/examples/train_bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

declare -A full=([1979]=430941 [1980]=561445 [1981]=678457 [1982]=764325 [1983]=848806 [1984]=873229)
mkdir -p "$work/raw" "$work/out/train" "$work/out/validation"
for y in 1979 1980 1981 1982 1983 1984; do
  rows="$(awk -v n="${full[$y]}" -v s="$scale" 'BEGIN { printf "%d", n * s }')"
  "$gen" --year "$y" --rows "$rows" --seed 1 --out "$work/raw/$y.csv" 2>/dev/null
done
echo "bench-train: transform (pandas) ..." >&2
prep="$("$py" "$root/scripts/bench/train_data.py" "$work/raw" "$work/out")"
for s in train validation; do
  for y in 1979 1980 1981 1982 1983; do
    "$tb" to-recordio "$work/out/raw/$s/$y.x.f32" "$work/out/raw/$s/$y.y.f32" "$work/out/$s/$y.rec"
  done
done
echo "bench-train: Linear Learner, $repeats run(s) per distribution ..." >&2
ll="$("$tb" "$work/out" "$repeats")"
load_mid="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench-train: baselines (L1 fit, SGDRegressor x32, VW) ..." >&2
vwflag=""
[[ "${SKIP_VW:-0}" == 1 ]] && vwflag=skip-vw
base="$("$py" "$root/scripts/bench/train_compare.py" "$work/out" "$sub" $vwflag)"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$root/out/bench"
printf '{"date":"%s","commit":"%s","nproc":%s,"scale":%s,"load_start":"%s","load_after_ll":"%s","load_end":"%s","prepare":%s,"linear_learner":%s,"baselines":%s}\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(git -C "$root" rev-parse --short HEAD)" "$(nproc)" "$scale" \
  "$load_start" "$load_mid" "$load_end" "$prep" "$ll" "$base" | tee "$root/out/bench/train.json"
