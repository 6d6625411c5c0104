#!/usr/bin/env bash
# Deletes what deploy.sh, notebooks 3-4 or the workshop's console steps created: endpoints, endpoint
# configs and models (notebook 4's DEMO-linear-exp-* ones too, and stops such training jobs still
# running) (the workshop's names distributed-replicated / distributed-sharded, and any
# names recorded in the jobs file), so that a real AWS account stops paying for the endpoints.
# Idempotent: what is already gone is skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

sweep=0
while (($#)); do
  case "$1" in
    --all-demo) sweep=1 ;;
    -h | --help)
      cat <<HELP
Usage: scripts/cleanup.sh [--all-demo]

Deletes the endpoint, endpoint config and model named distributed-replicated and
distributed-sharded (the workshop's names, used by deploy.sh and notebook 3 and typed in the
console), every one named DEMO-linear-exp-* (notebook 4's experiments; their training jobs still
InProgress are stopped), those named in \$KIT_JOBS_FILE (default \$KIT_OUT/jobs.json; deploy.sh records
endpoints.*, endpoint_configs.*, models.* there; the older names <job>-endpoint, <job>-config and
<job> are tried for the jobs recorded there too), and waits until the endpoints are gone. Succeeds
when things are already gone.
  --all-demo   also delete every endpoint, endpoint config and model under a name an earlier
               path of the kit gave (found with the list-* calls), e.g. after the jobs file
               was lost: DEMO-linear-* (jobs, and models named after them) and
               DEMO-replicated-endpoint* / DEMO-sharded-endpoint* (notebook 3 before the
               distributed-* names).
Training jobs are not deleted (SageMaker keeps them; they cost nothing once finished).
Settings: KIT_TARGET, AWS_REGION, AWS_ENDPOINT_URL as for replicated.sh.
HELP
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

kit_ensure_endpoint
if [[ "$(kit_target)" == offline ]]; then
  export AWS_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
fi
[[ -n "$(kit_region)" ]] || kit_die "AWS_REGION (or AWS_DEFAULT_REGION) is not set"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"

endpoints=()
configs=()
models=()
for kind in replicated sharded; do
  # The workshop's names, whoever created them (deploy.sh, notebook 3, the console).
  name="$(kit_cli name hosting "$kind")" || exit 1
  endpoints+=("$name")
  configs+=("$name")
  models+=("$name")
  job="$(kit_jobs_get "$kind")"
  ep="$(kit_jobs_get "endpoints.$kind")"
  cf="$(kit_jobs_get "endpoint_configs.$kind")"
  md="$(kit_jobs_get "models.$kind")"
  [[ -n "$ep" ]] && endpoints+=("$ep")
  [[ -n "$cf" ]] && configs+=("$cf")
  [[ -n "$md" ]] && models+=("$md")
  if [[ -n "$job" ]]; then
    endpoints+=("$job-endpoint")
    configs+=("$job-config")
    models+=("$job")
  fi
done

demo_names='^DEMO-(linear-|replicated-endpoint|sharded-endpoint)'
# Notebook 4's experiments name every job, model, endpoint configuration and endpoint
# DEMO-linear-exp-… (kernel_helpers::experiments::NAME_PREFIX): always swept, so that an
# interrupted experiment run leaves nothing running unnoticed.
exp_prefix='DEMO-linear-exp-'
list_exp() { # list-X QUERY → names starting with the experiments' prefix
  aws sagemaker "$1" --name-contains "$exp_prefix" --query "$2" --output text |
    tr '\t' '\n' | grep -E "^$exp_prefix" || true
}
mapfile -t -O "${#endpoints[@]}" endpoints < <(list_exp list-endpoints 'Endpoints[].EndpointName')
mapfile -t -O "${#configs[@]}" configs < <(list_exp list-endpoint-configs 'EndpointConfigs[].EndpointConfigName')
mapfile -t -O "${#models[@]}" models < <(list_exp list-models 'Models[].ModelName')
# Experiment training jobs still running are stopped (a finished job costs nothing and stays listed).
mapfile -t running_jobs < <(aws sagemaker list-training-jobs --name-contains "$exp_prefix" \
  --status-equals InProgress --query 'TrainingJobSummaries[].TrainingJobName' --output text |
  tr '\t' '\n' | grep -E "^$exp_prefix" || true)
for job in "${running_jobs[@]}"; do
  if aws sagemaker stop-training-job --training-job-name "$job" >/dev/null 2>&1; then
    kit_log "stopped training job $job (an experiment still running)"
  else
    kit_log "could not stop training job $job; stop it with: aws sagemaker stop-training-job --training-job-name $job"
  fi
done
if [[ "$sweep" == 1 ]]; then
  list_names() { # list-X --name-contains DEMO- → the names the kit gives or gave
    aws sagemaker "$1" --name-contains DEMO- --query "$2" --output text |
      tr '\t' '\n' | grep -E "$demo_names" || true
  }
  mapfile -t -O "${#endpoints[@]}" endpoints < <(list_names list-endpoints 'Endpoints[].EndpointName')
  mapfile -t -O "${#configs[@]}" configs < <(list_names list-endpoint-configs 'EndpointConfigs[].EndpointConfigName')
  mapfile -t -O "${#models[@]}" models < <(list_names list-models 'Models[].ModelName')
fi

# delete KIND NAME — deletes, treating "not found" as done. SageMaker says "not found" with a
# ValidationException whose message is "Could not find …"; other ValidationExceptions (an endpoint
# that cannot be deleted in its state, a bad name) are failures and are shown.
delete() {
  local kind="$1" name="$2" out
  if out="$(aws sagemaker "delete-$kind" "--$kind-name" "$name" 2>&1)"; then
    kit_log "deleted $kind $name"
    return 0
  fi
  if [[ "$out" == *"Could not find"* || "$out" == *"ResourceNotFound"* ]]; then
    kit_log "$kind $name: already gone"
    return 0
  fi
  printf '%s\n' "$out" >&2
  kit_die "delete-$kind $name failed"
}

dedup() { printf '%s\n' "$@" | awk 'NF && !seen[$0]++'; }

if ((${#endpoints[@]} + ${#configs[@]} + ${#models[@]} == 0)); then
  kit_log "nothing to clean up (no jobs in $KIT_JOBS_FILE; --all-demo sweeps the kit's DEMO-* resources)"
  exit 0
fi

mapfile -t endpoints < <(dedup "${endpoints[@]}")
mapfile -t configs < <(dedup "${configs[@]}")
mapfile -t models < <(dedup "${models[@]}")
# Each phase runs its calls at once (every CLI call costs a Python start-up); the phases stay in
# order: endpoints (and their deletion) before the configs and models they use.
parallel() { # parallel COMMAND ARG NAME… — runs COMMAND ARG NAME for every NAME concurrently
  local cmd="$1" arg="$2" pids=() failed=0 pid
  shift 2
  for name in "$@"; do
    "$cmd" "$arg" "$name" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  return "$failed"
}
wait_deleted() {
  aws sagemaker wait endpoint-deleted --endpoint-name "$2" ||
    kit_die "endpoint $2 was not deleted (aws sagemaker wait endpoint-deleted failed)"
}
parallel delete endpoint "${endpoints[@]}" || kit_die "deleting endpoints failed"
parallel wait_deleted endpoint "${endpoints[@]}" || kit_die "waiting for endpoint deletion failed"
parallel delete endpoint-config "${configs[@]}" || kit_die "deleting endpoint configs failed"
parallel delete model "${models[@]}" || kit_die "deleting models failed"
kit_log "clean"
