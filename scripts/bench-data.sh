#!/usr/bin/env bash
# The data-path benchmarks of the foundation, side by side with their Python peers in the same run:
#   scripts/bench-gdelt.sh     generator rows/s; reading a full-size 1979 file vs pandas read_csv
#   scripts/bench-recordio.sh  recordIO write/read of the 1979–83-sized matrix vs the sagemaker SDK
# Both build in release and use the venv at $KIT_PYTHON (default <repo>/.venv, created if missing).
# Results: docs/BENCHMARKS.md (bench-recordio.sh writes its section there; bench-gdelt.sh writes
# out/bench/gdelt.md, copy it in). Arguments are passed to neither; set REPS via each script.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,7p' "$0"
  exit 0
fi
scripts/python-env.sh
echo "== bench-gdelt.sh"
scripts/bench-gdelt.sh
echo "== bench-recordio.sh"
scripts/bench-recordio.sh
