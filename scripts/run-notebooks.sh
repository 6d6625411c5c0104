#!/usr/bin/env bash
# Executes the kit's notebooks headless with the evcxr kernel, top to bottom, and checks the
# executed copies (scripts/check_notebooks.py): a panicking evcxr cell does not fail nbconvert, so
# the outputs are scanned for errors and panics, and for the tables, charts and MSE/MAE lines.
#
# What it sets up when missing: the Python venv (scripts/python-env.sh), evcxr_jupyter 0.22.0
# (cargo install --locked) and its kernelspec, and — when no AWS endpoint or credentials are
# configured and KIT_TARGET is not aws — the local stand-in sagemaker-offline (stopped again at exit
# if started here).
#
# Two ways to run the workshop's notebooks:
#   * alone:   scripts/run-notebooks.sh            notebook 1 uploads, notebook 2 starts both training
#              jobs itself (KIT_START_JOBS=1 unless set), waits for them and compares, then notebook 3
#              hosts and evaluates, and notebook 4 runs the experiments (a grid of training jobs,
#              each scored on a temporary endpoint; results in $KIT_OUT/experiments.json);
#   * scripted (scripts/workshop.sh):  KIT_START_JOBS=0 run-notebooks.sh --only 1, then
#              replicated.sh + sharded.sh, --only 2 (compare), deploy.sh, --only 3 (evaluate), then
#              --only 4 (the experiments).
# Job names travel in KIT_JOBS_FILE (default $KIT_OUT/jobs.json, the file the scripts write).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

only=""
out="${KIT_OUT}/notebooks"
check=1
usage() {
  cat <<HELP
Usage: scripts/run-notebooks.sh [--only N[,M…]] [--out DIR] [--no-check]

Executes notebooks/N-*.ipynb (all by default, in order) with the evcxr kernel and writes the
executed copies to DIR (default \$KIT_OUT/notebooks = out/notebooks), then checks them.

Environment:
  KIT_EVCXR_OPT      evcxr :opt level of the cells (default 0; see .ci/evcxr/README.md)
  KIT_EVCXR_DEPS_OPT opt-level of the notebooks' dependencies (default 0, but those listed in
                     kernel-helpers/evcxr/opt-levels.txt; scripts/common.sh kit_evcxr_config)
  EVCXR_TMPDIR       evcxr build dir (default: the first free ~/.cache/kit-evcxr/kernels/slot-N,
                     scripts/evcxr-kernel.sh)
  KIT_NB_TIMEOUT     per-cell timeout in seconds (default 3600)
  KIT_START_JOBS     notebook 2: 1 start jobs (default here), 0 never, auto (see the notebook)
  KIT_JOBS_FILE      job names file (default \$KIT_OUT/jobs.json)
  KIT_KEEP_ENDPOINTS notebook 3: 1 keeps the endpoints (default: deleted)
  KIT_EXPERIMENTS_FILE  notebook 4's results (default \$KIT_OUT/experiments.json, next to the jobs file)
  KIT_EXPERIMENTS_MAX_MINUTES, KIT_EXPERIMENTS_CONFIRM  notebook 4: the grid's time limit (20 min
                     offline) and its override; KIT_TRAINING_INSTANCE_LIMIT instances at once
  KIT_OFFLINE_PORT, KIT_SCALE   port and GDELT scale of a stand-in started here (18999, 0.05)
  AWS_ENDPOINT_URL   use that endpoint instead of starting a stand-in
  KIT_TARGET=aws     real AWS with the standard AWS configuration (any credential source)
HELP
}
while (($#)); do
  case "$1" in
    --only)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+(,[0-9]+)*$ ]] || kit_die "--only needs notebook numbers, e.g. --only 1 or --only 1,2"
      only="$2"
      shift
      ;;
    --out)
      [[ $# -ge 2 ]] || kit_die "--out needs a directory"
      out="$2"
      shift
      ;;
    --no-check) check=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# --- tools -------------------------------------------------------------------------------------
if [[ ! -x "$KIT_ROOT/.venv/bin/jupyter" ]]; then
  kit_log "no Jupyter in $KIT_ROOT/.venv: running scripts/python-env.sh"
  "$KIT_ROOT/scripts/python-env.sh" >&2
fi
py="$KIT_ROOT/.venv/bin/python"
jupyter="$KIT_ROOT/.venv/bin/jupyter"
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
  kit_log "evcxr_jupyter missing: cargo install evcxr_jupyter --version 0.22.0 --locked (about 5.5 min)"
  cargo install evcxr_jupyter --version 0.22.0 --locked >&2
fi

# --- evcxr configuration: the kernelspec "rust" (scripts/evcxr-kernel.sh) and its settings --------
kit_evcxr_setup

# --- AWS endpoint --------------------------------------------------------------------------------
started_offline=0
cleanup() {
  if ((started_offline)); then kit_offline_stop; fi
}
trap cleanup EXIT
# KIT_TARGET decides (default offline here), never where the credentials come from: an instance
# role, SSO or credential_process profile is as good as a credentials file.
if [[ -n "$(kit_sagemaker_endpoint)" ]]; then
  kit_log "using the endpoint in AWS_ENDPOINT_URL(_SAGEMAKER)=$(kit_sagemaker_endpoint)"
elif [[ "${KIT_TARGET:-offline}" == aws ]]; then
  kit_log "KIT_TARGET=aws: running against real AWS with the standard AWS configuration"
else
  port="${KIT_OFFLINE_PORT:-18999}"
  scale="${KIT_SCALE:-0.05}"
  want_region="$(kit_region)"
  state="${SAGEMAKER_OFFLINE_STATE_DIR:-$(kit_offline_state_default "$scale" "$want_region")}"
  export SAGEMAKER_OFFLINE_STATE_DIR="$state"
  kit_offline_start "$port" "$state" "$scale" "$KIT_OUT/logs/run-notebooks-offline.log" "$want_region"
  [[ -n "$KIT_OFFLINE_PID" ]] && started_offline=1
  kit_offline_env "$port" "$state"
  kit_offline_check_region "$want_region"
fi

# --- settings the notebooks read -----------------------------------------------------------------
export KIT_START_JOBS="${KIT_START_JOBS:-1}"
export KIT_POLL_SECONDS="${KIT_POLL_SECONDS:-2}"
KIT_JOBS_FILE="$(mkdir -p "$(dirname "$KIT_JOBS_FILE")" && cd "$(dirname "$KIT_JOBS_FILE")" && pwd)/$(basename "$KIT_JOBS_FILE")"
export KIT_JOBS_FILE

# --- run -----------------------------------------------------------------------------------------
notebooks=()
for nb in "$KIT_ROOT"/notebooks/[0-9]*-*.ipynb; do
  n="$(basename "$nb" | cut -d- -f1)"
  if [[ -z "$only" || ",$only," == *",$n,"* ]]; then
    notebooks+=("$nb")
  fi
done
((${#notebooks[@]})) || kit_die "no notebook matches --only $only"

timeout="${KIT_NB_TIMEOUT:-3600}"
executed=()
status=0
summary=""
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb")"
  kit_log "executing $name (opt $KIT_EVCXR_OPT_LEVEL, deps opt ${KIT_EVCXR_DEPS_OPT:-0} + opt-levels.txt, build dir ${EVCXR_TMPDIR:-a free slot in $KIT_EVCXR_HOME/kernels}, KIT_START_JOBS=$KIT_START_JOBS)"
  t0="$(kit_now)"
  rc=0
  # allow_errors: the executed copy is always written; the checker then fails on any error output.
  "$jupyter" nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.timeout="$timeout" \
    --ExecutePreprocessor.startup_timeout=300 \
    --ExecutePreprocessor.allow_errors=True \
    --output-dir "$out" --output "$name" "$nb" >&2 || rc=$?
  took="$(kit_elapsed "$t0")"
  summary+="$(printf '%-32s %8s s  nbconvert exit %s' "$name" "$took" "$rc")"$'\n'
  kit_log "$name: ${took} s (nbconvert exit $rc)"
  if ((rc != 0)); then
    status=1
    break
  fi
  executed+=("$out/$name")
  if ((check)); then
    "$py" "$KIT_ROOT/scripts/check_notebooks.py" --timings "$out/$name" || {
      status=1
      break
    }
  fi
done

echo "notebook timings:"
printf '%s' "$summary"
if ((status)); then
  kit_die "notebook run failed (executed copies in $out)"
fi
echo "executed notebooks in $out"
