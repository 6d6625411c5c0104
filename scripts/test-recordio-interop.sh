#!/usr/bin/env bash
# Interop of the Rust recordIO-protobuf codec (crates/sagemaker-recordio) with the sagemaker Python
# SDK's own writer and reader, in both directions: byte-identical output of
# write_numpy_to_dense_tensor vs write_dense_matrix, exact values (float bit patterns) read each way,
# sparse/float64/int32/bytes/string fields. Prints `N passed, N failed`; exits non-zero on any
# mismatch or if the Python side cannot run.
#
# Env: KIT_PYTHON (default <repo>/.venv/bin/python, needs `sagemaker<3` and numpy),
#      CARGO_TARGET_DIR (default <repo>/target).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${KIT_PYTHON:-$root/.venv/bin/python}"
target="${CARGO_TARGET_DIR:-$root/target}"

if ! "$py" -c 'import sagemaker.amazon.common, numpy' >/dev/null 2>&1; then
  echo "test-recordio-interop: $py cannot import sagemaker and numpy;" \
       "run scripts/python-env.sh or set KIT_PYTHON to a Python with 'sagemaker<3' and numpy" >&2
  echo "0 passed, 1 failed"
  exit 2
fi

(cd "$root" && cargo build --quiet -p sagemaker-recordio --example recordio_tool)
tool="$target/debug/examples/recordio_tool"
[[ -x "$tool" ]] || { echo "test-recordio-interop: $tool was not built" >&2; echo "0 passed, 1 failed"; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root/crates/sagemaker-recordio/py"
SAGEMAKER_SUPPRESS_V2_WARNING=1 "$py" interop.py "$tool" "$work" 2> >(grep -v 'sagemaker.config INFO' >&2)
