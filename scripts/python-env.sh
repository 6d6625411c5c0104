#!/usr/bin/env bash
# Creates (or refreshes) the kit's Python venv at $KIT_VENV (default <repo>/.venv) with
# scripts/requirements.txt: AWS CLI v1, boto3, Jupyter client bits, pytest, numpy/pandas, sagemaker<3.
# Idempotent: does nothing when the venv already satisfies the requirements file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KIT_VENV:-$root/.venv}"
req="$root/scripts/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "python-env: $venv is up to date"
  exit 0
fi
start=$(date +%s)
py="${PYTHON:-python3}"
echo "python-env: creating $venv with $("$py" --version 2>&1)"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$req"
echo "$want" > "$stamp"
echo "python-env: ready in $(( $(date +%s) - start )) s ($("$venv/bin/aws" --version 2>&1))"
