#!/usr/bin/env bash
# Tries scripts/lab.sh as a user would: starts it (its own stand-in on a spare port, 5 % GDELT),
# waits for JupyterLab, then scripts/check-lab.py starts a Rust kernel through the Lab and runs
# notebook 1's first code cells in it (`:dep kernel_helpers`, the settings cell that creates the
# bucket on the stand-in). Stops the Lab (and with it the stand-in) at the end.
# Usage: scripts/check-lab.sh [LAB_PORT] [STANDIN_PORT]   (defaults 8899, 18997)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
lab_port="${1:-8899}"
standin_port="${2:-18997}"
token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
log="$KIT_OUT/logs/check-lab.log"
mkdir -p "$(dirname "$log")"
# Its own process group (setsid), so stopping it reaches JupyterLab and the kernels too, as Ctrl-C in
# a terminal would (TERM: JupyterLab shuts down its kernels, lab.sh then stops its stand-in); port_retries=0 so a busy port fails instead of moving to the next one.
setsid "$KIT_ROOT/scripts/lab.sh" --scale 0.05 --port "$standin_port" --lab-port "$lab_port" \
  -- --IdentityProvider.token="$token" --ServerApp.port_retries=0 >"$log" 2>&1 &
lab_pid=$!
stop() {
  kill -TERM -- "-$lab_pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$lab_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$lab_pid" 2>/dev/null || true
  wait "$lab_pid" 2>/dev/null || true
}
trap stop EXIT
for i in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$lab_port/api/status?token=$token" >/dev/null 2>&1 && break
  kill -0 "$lab_pid" 2>/dev/null || { tail -n 30 "$log" >&2; kit_die "lab.sh exited before the Lab answered"; }
  [[ $i == 600 ]] && { tail -n 30 "$log" >&2; kit_die "the Lab did not answer within 300 s"; }
  sleep 0.5
done
kit_log "JupyterLab answers on port $lab_port (log: $log)"
"$(kit_python)" "$KIT_ROOT/scripts/check-lab.py" "http://127.0.0.1:$lab_port" "$token" "$KIT_ROOT/notebooks"
