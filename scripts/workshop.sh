#!/usr/bin/env bash
# The whole workshop in one command: set-up if needed, the stand-in (offline) or real AWS, notebook 1
# (explore GDELT, prepare, upload), the two training jobs at the same time (replicated.sh and
# sharded.sh), notebook 2 (compare the jobs), hosting (deploy.sh), notebook 3 (evaluate both
# endpoints on 1984), notebook 4 (the experiments: epochs, instance counts, compute spend), the
# handout, and a summary table. Leaves things as it found them: stops the stand-in if it started it and deletes
# the endpoints unless --keep.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

scale=1.0
keep=0
skip_setup=0
experiments=1
fresh=0
port="${KIT_OFFLINE_PORT:-18999}"
state_dir="${SAGEMAKER_OFFLINE_STATE_DIR:-}"
while (($#)); do
  case "$1" in
    --scale)
      [[ $# -ge 2 && "$2" =~ ^[0-9]*\.?[0-9]+$ ]] || kit_die "--scale needs a positive number (e.g. 0.05)"
      scale="$2"
      shift
      ;;
    --port)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || kit_die "--port needs a port number"
      port="$2"
      shift
      ;;
    --state-dir)
      [[ $# -ge 2 ]] || kit_die "--state-dir needs a directory"
      state_dir="$2"
      shift
      ;;
    --fresh) fresh=1 ;;
    --keep) keep=1 ;;
    --skip-setup) skip_setup=1 ;;
    --no-experiments) experiments=0 ;;
    -h | --help)
      cat <<HELP
Usage: scripts/workshop.sh [--scale S] [--keep] [--skip-setup] [--port P] [--state-dir D | --fresh]

Runs the "Parallelized Data Distribution" workshop end to end:
  1. scripts/setup.sh (unless --skip-setup, or it already ran for this KIT_PROFILE)
  2. offline: start sagemaker-offline --gdelt-scale S (or reuse one answering on --port)
  3. notebook 1: explore GDELT 1979, prepare 1979-1983, upload train/ and validation/
  4. scripts/replicated.sh --wait and scripts/sharded.sh --wait at the same time, waiting for both
     (the stand-in trains one job at a time by default, so neither job's time includes the other's)
  5. notebook 2: compare the jobs (training times, phases, throughput, metrics, log timing)
  6. scripts/deploy.sh: both models on endpoints distributed-replicated / distributed-sharded
  7. notebook 3: predict 1984 on both endpoints, MSE/MAE, charts
  8. notebook 4: the experiments (epochs, instance counts, per-epoch validation loss, compute
     spend) → \$KIT_OUT/experiments.json (--no-experiments skips it)
  9. scripts/make-handout.sh: \$KIT_OUT/handout/index.html + summary.json; the summary table
 10. scripts/cleanup.sh (unless --keep); stop the stand-in if this script started it
Options:
  --scale S      fraction of the real GDELT row counts the stand-in seeds (default 1.0 = full scale;
                 e.g. 0.05 for a quick run). Only used when the state dir is seeded, i.e. first start.
  --state-dir D  stand-in state dir (default \$KIT_OUT/state/scale-S, kept between runs so seeding
                 happens once per scale)          --fresh  use a temporary state dir, removed at exit
  --port P       stand-in port (default 18999)     --keep   keep endpoints (and a started stand-in's state)
  --no-experiments  skip notebook 4 (on KIT_TARGET=aws it starts real training jobs and endpoints)
Region: AWS_REGION (else AWS_DEFAULT_REGION; default us-east-1) — offline, the stand-in runs there
(its --region; default state dir \$KIT_OUT/state/scale-S-REGION outside us-east-1).
Target: KIT_TARGET=offline (default) or KIT_TARGET=aws (real AWS: set AWS credentials/profile,
AWS_REGION, KIT_ROLE_ARN, KIT_BUCKET; see docs/aws.md — untested on AWS).
Outputs in \$KIT_OUT (default <repo>/out): notebooks/, jobs/, jobs.json, experiments.json, handout/,
logs/, timings.tsv.
HELP
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

target="${KIT_TARGET:-offline}"
[[ "$target" == offline || "$target" == aws ]] || kit_die "KIT_TARGET must be 'offline' or 'aws', not '$target'"
export KIT_TARGET="$target"
run_id="$(date -u +%Y%m%dT%H%M%SZ)"
logs="$KIT_OUT/logs/$run_id"
mkdir -p "$logs" "$KIT_OUT/jobs"
timings="$KIT_OUT/timings.tsv"
[[ -f "$timings" ]] || printf 'run\tscale\ttarget\tstep\tseconds\n' >"$timings"
# A fresh jobs file per run: notebooks 2-3 and deploy.sh must see this run's jobs.
export KIT_JOBS_FILE="$KIT_OUT/jobs.json"
if [[ -f "$KIT_JOBS_FILE" ]]; then
  mv "$KIT_JOBS_FILE" "$logs/previous-jobs.json"
fi
# Likewise a fresh experiments file (notebook 4 writes it, make-handout.sh reads it).
export KIT_EXPERIMENTS_FILE="$KIT_OUT/experiments.json"
if [[ -f "$KIT_EXPERIMENTS_FILE" ]]; then
  mv "$KIT_EXPERIMENTS_FILE" "$logs/previous-experiments.json"
fi
# Bucket, role, image and region: kit_resolve_settings below (the one rule, docs/SEMANTICS.md).
# Notebook 2 must not start the jobs itself (the scripts do), notebook 3 must not delete the
# endpoints (cleanup.sh does, unless --keep). See docs/SEMANTICS.md.
export KIT_START_JOBS=0 KIT_CLEANUP=0 KIT_KEEP_ENDPOINTS=1

step_names=()
step_secs=()
step_start=""
step_name=""
begin() {
  step_name="$1"
  step_start="$(kit_now)"
  kit_log "=== $step_name"
}
end() {
  local took
  took="$(kit_elapsed "$step_start")"
  step_names+=("$step_name")
  step_secs+=("$took")
  printf '%s\t%s\t%s\t%s\t%s\n' "$run_id" "$scale" "$target" "$step_name" "$took" >>"$timings"
  kit_log "=== $step_name: ${took}s"
}

temp_state=""
deployed=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
finish() {
  local rc=$?
  set +e
  if [[ "$deployed" == 1 && "$keep" == 0 ]]; then
    kit_log "cleanup: deleting endpoints, configs and models (scripts/cleanup.sh; --keep skips this)"
    "$KIT_ROOT/scripts/cleanup.sh" >&2 || kit_log "cleanup.sh failed; run it again: scripts/cleanup.sh"
  fi
  kit_offline_stop
  [[ -n "$temp_state" && "$keep" == 0 ]] && rm -rf "$temp_state"
  if ((rc != 0)); then
    kit_log "FAILED in step '${step_name:-start}' (exit $rc); logs in $logs"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

total_start="$(kit_now)"

# 1. set-up
if [[ "$skip_setup" == 0 ]]; then
  if [[ -f "$KIT_OUT/.stamps/setup" && "$(cat "$KIT_OUT/.stamps/setup")" == "$(kit_profile)" ]] &&
    command -v evcxr_jupyter >/dev/null 2>&1 && [[ -x "$KIT_ROOT/.venv/bin/aws" ]]; then
    begin "build (incremental)"
    (cd "$KIT_ROOT" && mapfile -t args < <(kit_build_args) && cargo "${args[@]}") >"$logs/build.log" 2>&1 ||
      { tail -n 30 "$logs/build.log" >&2; kit_die "cargo build failed; log: $logs/build.log"; }
    end
  else
    begin "set-up"
    "$KIT_ROOT/scripts/setup.sh" 2>&1 | tee "$logs/setup.log" >&2
    end
  fi
fi
export PATH="$HOME/.cargo/bin:$PATH"

# 2. the stand-in (offline) or real AWS
if [[ "$target" == offline ]]; then
  begin "start stand-in"
  # The stand-in runs in the region the AWS configuration asks for (AWS_REGION, else
  # AWS_DEFAULT_REGION; us-east-1 when neither is set), as a real session would.
  want_region="$(kit_region)"
  if [[ "$fresh" == 1 ]]; then
    temp_state="$(mktemp -d "${TMPDIR:-/tmp}/kit-state.XXXXXX")"
    state_dir="$temp_state"
  fi
  state_dir="${state_dir:-$(kit_offline_state_default "$scale" "$want_region")}"
  export SAGEMAKER_OFFLINE_STATE_DIR="$state_dir"
  kit_offline_start "$port" "$state_dir" "$scale" "$logs/sagemaker-offline.log" "$want_region"
  kit_offline_env "$port" "$state_dir"
  kit_offline_check_region "$want_region"
  end
else
  kit_log "target aws: using the standard AWS configuration (no stand-in); this path is untested"
fi
kit_resolve_settings
kit_log "bucket s3://$KIT_BUCKET/$KIT_PREFIX, region $KIT_REGION, role $KIT_ROLE_ARN"

# 3. notebook 1
begin "notebook 1 (explore, prepare, upload)"
"$KIT_ROOT/scripts/run-notebooks.sh" --only 1 --out "$KIT_OUT/notebooks" 2>&1 | tee "$logs/notebook-1.log" >&2
end

# 4. both training jobs at once, as the workshop starts them; --wait makes each script wait for its
#    job. Offline, the stand-in trains one job at a time (SAGEMAKER_OFFLINE_MAX_TRAINING_JOBS,
#    docs/SEMANTICS.md), so the jobs' training spans do not overlap and the comparison stays fair.
begin "training jobs (replicated + sharded, concurrently)"
"$KIT_ROOT/scripts/replicated.sh" --wait >"$logs/replicated.out" 2>"$logs/replicated.log" &
rep_pid=$!
"$KIT_ROOT/scripts/sharded.sh" --wait >"$logs/sharded.out" 2>"$logs/sharded.log" &
sha_pid=$!
rep_rc=0
sha_rc=0
wait "$rep_pid" || rep_rc=$?
wait "$sha_pid" || sha_rc=$?
sed 's/^/  replicated | /' "$logs/replicated.log" >&2
sed 's/^/  sharded    | /' "$logs/sharded.log" >&2
((rep_rc == 0)) || kit_die "replicated.sh failed (exit $rep_rc); log: $logs/replicated.log"
((sha_rc == 0)) || kit_die "sharded.sh failed (exit $sha_rc); log: $logs/sharded.log"
end

# 5. notebook 2: compare the two jobs (times, phases, throughput, metrics)
begin "notebook 2 (compare the jobs)"
"$KIT_ROOT/scripts/run-notebooks.sh" --only 2 --out "$KIT_OUT/notebooks" 2>&1 | tee "$logs/notebook-2.log" >&2
end

# 6. hosting
begin "deploy (2 endpoints)"
deployed=1
"$KIT_ROOT/scripts/deploy.sh" 2>&1 | tee "$logs/deploy.log" >&2
end

# 7. notebook 3
begin "notebook 3 (evaluate on 1984)"
"$KIT_ROOT/scripts/run-notebooks.sh" --only 3 --out "$KIT_OUT/notebooks" 2>&1 | tee "$logs/notebook-3.log" >&2
end

# 8. notebook 4: the experiments. Its endpoints are temporary (each deleted once its model is
#    scored), whatever KIT_KEEP_ENDPOINTS says for the workshop's two.
if [[ "$experiments" == 1 ]]; then
  begin "notebook 4 (go further: the experiments)"
  KIT_KEEP_ENDPOINTS=0 KIT_CLEANUP=1 "$KIT_ROOT/scripts/run-notebooks.sh" --only 4 --out "$KIT_OUT/notebooks" 2>&1 |
    tee "$logs/notebook-4.log" >&2
  end
else
  rm -f "$KIT_OUT/notebooks/4-go-further.ipynb"
fi

# 9. handout + summary
begin "handout"
"$KIT_ROOT/scripts/make-handout.sh" --out "$KIT_OUT/handout" >"$logs/summary.txt" 2>"$logs/handout.log" ||
  { cat "$logs/handout.log" >&2; kit_die "make-handout.sh failed; log: $logs/handout.log"; }
end

total="$(kit_elapsed "$total_start")"
printf '%s\t%s\t%s\t%s\t%s\n' "$run_id" "$scale" "$target" "total" "$total" >>"$timings"
echo
echo "Parallelized Data Distribution — results (scale $scale, target $target)"
echo
cat "$logs/summary.txt"
echo
echo "step timings:"
for i in "${!step_names[@]}"; do
  printf '  %-52s %8ss\n' "${step_names[$i]}" "${step_secs[$i]}"
done
printf '  %-52s %8ss\n' "total" "$total"
echo
echo "handout:   $KIT_OUT/handout/index.html  (summary: $KIT_OUT/handout/summary.json)"
echo "notebooks: $KIT_OUT/notebooks/   jobs: $KIT_JOBS_FILE   logs: $logs"
[[ "$keep" == 1 ]] && echo "kept: endpoints are still running (scripts/cleanup.sh removes them)"
exit 0
