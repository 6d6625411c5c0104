#!/usr/bin/env bash
# Opens the kit's notebooks in a local JupyterLab with the same settings the scripts use: the
# stand-in's endpoint and keys (starting the stand-in if nothing answers), KIT_BUCKET, KIT_PREFIX
# and KIT_JOBS_FILE — so the notebooks, replicated.sh / sharded.sh run from the Lab terminal, and
# deploy.sh all talk to the same place.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

port="${KIT_OFFLINE_PORT:-18999}"
lab_port="${KIT_LAB_PORT:-8888}"
scale=1.0
state_dir="${SAGEMAKER_OFFLINE_STATE_DIR:-}"
lab_args=()
while (($#)); do
  case "$1" in
    --scale)
      [[ $# -ge 2 && "$2" =~ ^[0-9]*\.?[0-9]+$ ]] || kit_die "--scale needs a positive number"
      scale="$2"
      shift
      ;;
    --port)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || kit_die "--port needs a port number"
      port="$2"
      shift
      ;;
    --lab-port)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || kit_die "--lab-port needs a port number"
      lab_port="$2"
      shift
      ;;
    --state-dir)
      [[ $# -ge 2 ]] || kit_die "--state-dir needs a directory"
      state_dir="$2"
      shift
      ;;
    --)
      shift
      lab_args=("$@")
      break
      ;;
    -h | --help)
      cat <<HELP
Usage: scripts/lab.sh [--scale S] [--port P] [--state-dir D] [--lab-port L] [-- JUPYTER-LAB-ARGS…]

Offline (default, KIT_TARGET=offline): reuses the stand-in answering on 127.0.0.1:P (default 18999)
or starts one (state dir D, default \$KIT_OUT/state/scale-S; stopped again when the Lab exits),
exports its AWS_* settings, KIT_BUCKET, KIT_PREFIX and KIT_JOBS_FILE, and runs
'jupyter lab --notebook-dir notebooks --port L --no-browser' from the kit's venv (installs
jupyterlab into the venv first if it is missing). Open the URL it prints.
KIT_TARGET=aws: no stand-in; your normal AWS configuration is used (untested on AWS).
HELP
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

export KIT_TARGET="${KIT_TARGET:-offline}"
[[ -x "$KIT_ROOT/.venv/bin/python" ]] || "$KIT_ROOT/scripts/python-env.sh"
if [[ ! -x "$KIT_ROOT/.venv/bin/jupyter-lab" ]]; then
  kit_log "installing jupyterlab into $KIT_ROOT/.venv (not in scripts/requirements.txt: only needed for interactive use)"
  "$KIT_ROOT/.venv/bin/python" -m pip install --quiet jupyterlab
fi
command -v evcxr_jupyter >/dev/null 2>&1 || [[ -x "$HOME/.cargo/bin/evcxr_jupyter" ]] ||
  kit_die "the Rust kernel (evcxr_jupyter) is not installed: run scripts/setup.sh"
export PATH="$HOME/.cargo/bin:$PATH"

if [[ "$KIT_TARGET" == offline ]]; then
  want_region="$(kit_region)"
  state_dir="${state_dir:-$(kit_offline_state_default "$scale" "$want_region")}"
  export SAGEMAKER_OFFLINE_STATE_DIR="$state_dir"
  trap kit_offline_stop EXIT
  kit_offline_start "$port" "$state_dir" "$scale" "$KIT_OUT/logs/lab-sagemaker-offline.log" "$want_region"
  kit_offline_env "$port" "$state_dir"
  kit_offline_check_region "$want_region"
fi
kit_resolve_settings
export KIT_JOBS_FILE
# The kernel "rust" is the kit's (scripts/evcxr-kernel.sh, registered by kit_evcxr_setup): each
# kernel the Lab starts takes its own build dir (the first free one is the warm slot-0), with the
# notebooks' settings — the same a plain `jupyter lab` gets.
kit_evcxr_setup
kit_log "target $KIT_TARGET${AWS_ENDPOINT_URL:+ ($AWS_ENDPOINT_URL)}; bucket s3://$KIT_BUCKET/$KIT_PREFIX; jobs file $KIT_JOBS_FILE"
kit_log "in the Lab's terminal the same settings apply: scripts/replicated.sh, scripts/sharded.sh, scripts/deploy.sh"
# JupyterLab refuses to run as root without --allow-root (containers, CI machines often are root).
[[ "$(id -u)" == 0 ]] && lab_args=(--allow-root "${lab_args[@]}")
"$KIT_ROOT/.venv/bin/jupyter-lab" --notebook-dir "$KIT_ROOT/notebooks" --port "$lab_port" --no-browser \
  "${lab_args[@]}"
