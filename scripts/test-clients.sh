#!/usr/bin/env bash
# Runs the Python client tests (AWS CLI v1 + boto3) against a freshly started sagemaker-offline.
#
# Why: the stand-in's contract is "real clients, unchanged". This starts the built binary on a free
# loopback port with a temporary state dir (seeding small GDELT files), loads the standard AWS_*
# variables from `sagemaker-offline env`, and runs pytest over crates/sagemaker-offline/tests/clients/
# (one file per subject: test_s3.py, test_logs.py, test_workshop.py, test_invoke_5mb_csv.py,
# test_regions.py, test_scripts.py — the workshop's scripts themselves).
#
# Usage: scripts/test-clients.sh [pytest args…]
# Environment:
#   KIT_PYTHON        Python with awscli, boto3, pytest (default: <repo>/.venv/bin/python)
#   KIT_OFFLINE_BIN   sagemaker-offline binary (default: build it with cargo, debug profile)
#   TEST_GDELT_SCALE  GDELT seed scale (default 0.001)
#   KEEP_STATE=1      keep the temporary state dir (printed) for inspection
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ROOT="$KIT_ROOT"
PY="${KIT_PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PY" ]] || { echo "test-clients.sh: no Python at $PY (set KIT_PYTHON or run scripts/python-env.sh)" >&2; exit 1; }
"$PY" -c 'import boto3, pytest, awscli' 2>/dev/null ||
  { echo "test-clients.sh: $PY lacks boto3/pytest/awscli" >&2; exit 1; }

BIN="${KIT_OFFLINE_BIN:-}"
if [[ -z "$BIN" ]]; then
  (cd "$ROOT" && cargo build -p sagemaker-offline --bin sagemaker-offline -p kit --bin kit) >&2
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/sagemaker-offline"
fi
[[ -x "$BIN" ]] || { echo "test-clients.sh: no binary at $BIN" >&2; exit 1; }
# The scripts' kit binary (test_scripts.py runs replicated.sh, sharded.sh, deploy.sh, cleanup.sh):
# $KIT_BIN, else next to the stand-in.
export KIT_BIN="${KIT_BIN:-$(dirname "$BIN")/kit}"
[[ -x "$KIT_BIN" ]] || { echo "test-clients.sh: no kit binary at $KIT_BIN (cargo build -p kit, or set KIT_BIN)" >&2; exit 1; }

STATE="$(mktemp -d "${TMPDIR:-/tmp}/sagemaker-offline-clients.XXXXXX")"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
LOG="$STATE/server.log"

cleanup() {
  kit_offline_stop
  if [[ "${KEEP_STATE:-0}" == 1 ]]; then
    echo "test-clients.sh: state kept in $STATE" >&2
  else
    rm -rf "$STATE"
  fi
}
trap cleanup EXIT

KIT_OFFLINE_BIN="$BIN" kit_offline_start "$PORT" "$STATE" "${TEST_GDELT_SCALE:-0.001}" "$LOG"

# A clean AWS environment: only the stand-in's settings, no user profile or config files.
while IFS='=' read -r name _; do
  [[ "$name" == AWS_* ]] && unset "$name"
done < <(env)
eval "$("$BIN" env --port "$PORT" --state-dir "$STATE")"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export SAGEMAKER_OFFLINE_BIN="$BIN" SAGEMAKER_OFFLINE_STATE_DIR="$STATE" SAGEMAKER_OFFLINE_PORT="$PORT"
export PATH="$(dirname "$PY"):$PATH"

cd "$ROOT"
status=0
"$PY" -m pytest -q -p no:cacheprovider crates/sagemaker-offline/tests/clients "$@" || status=$?
if [[ $status != 0 ]]; then
  echo "---- server log (last 40 lines) ----" >&2
  tail -n 40 "$LOG" >&2
fi
exit $status
