#!/usr/bin/env bash
# Hosts both trained models (FullyReplicated and ShardedByS3Key) with the AWS CLI: for each job
# recorded in $KIT_JOBS_FILE, create-model (the job's artifact + its Linear Learner image),
# create-endpoint-config (1 x $KIT_ENDPOINT_INSTANCE_TYPE, default ml.m4.xlarge as the original
# notebook, variant AllTraffic; the settings rule's value, which notebook 3 uses too) and
# create-endpoint, all three named distributed-replicated / distributed-sharded as the workshop
# names them in the console, then `aws sagemaker wait endpoint-in-service`. Notebook 3 can do the same in
# cells; this is the scripted alternative the workshop script uses.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

kinds=(replicated sharded)
while (($#)); do
  case "$1" in
    --only)
      [[ $# -ge 2 && ("$2" == replicated || "$2" == sharded) ]] || kit_die "--only needs 'replicated' or 'sharded'"
      kinds=("$2")
      shift
      ;;
    -h | --help)
      cat <<HELP
Usage: scripts/deploy.sh [--only replicated|sharded]

For each training job named in \$KIT_JOBS_FILE (default \$KIT_OUT/jobs.json, written by
replicated.sh / sharded.sh): creates a model, an endpoint config (1 x \$KIT_ENDPOINT_INSTANCE_TYPE,
default ml.m4.xlarge, variant AllTraffic) and an endpoint, all three named distributed-<kind>
(distributed-replicated, distributed-sharded) as in the workshop. A resource that already exists is
reused when it belongs to this job (the model holds its artifact, the config that model, the
endpoint that config) and is an error otherwise (left from an earlier run: scripts/cleanup.sh).
Waits with 'aws sagemaker wait endpoint-in-service'; prints the endpoint names and records the
names as models.<kind>, endpoint_configs.<kind>, endpoints.<kind> in the jobs file.
Settings as for replicated.sh (KIT_TARGET, KIT_ROLE_ARN, KIT_BUCKET, AWS_REGION); see --help there.
Remove everything again with scripts/cleanup.sh.
HELP
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

kit_ensure_endpoint
kit_resolve_settings
[[ -f "$KIT_JOBS_FILE" ]] || kit_die "no jobs file at $KIT_JOBS_FILE: run scripts/replicated.sh and scripts/sharded.sh first (or set KIT_JOBS_FILE)"

# create KIND NAME FIELD WANT ARGS… — creates the resource. One that already exists (a re-run, or
# made in the console) is reused only if its FIELD (dotted path in describe-KIND) is WANT: the names
# are fixed, so an earlier run's resource must not be mistaken for this job's.
create() {
  local kind="$1" name="$2" field="$3" want="$4" out has
  shift 4
  if out="$(aws sagemaker "create-$kind" "--$kind-name" "$name" "$@" --output json 2>&1)"; then
    kit_log "created $kind $name"
    return 0
  fi
  if [[ "$out" == *"already exist"* || "$out" == *"ResourceInUse"* ]]; then
    has="$(aws sagemaker "describe-$kind" "--$kind-name" "$name" --output json | kit_json_field "$field")" ||
      kit_die "describe-$kind $name failed"
    [[ "$has" == "$want" ]] ||
      kit_die "$kind $name already exists for $has, not $want (left from an earlier run): delete it with scripts/cleanup.sh, then run deploy.sh again"
    kit_log "$kind $name exists for $want; reusing it"
    return 0
  fi
  printf '%s\n' "$out" >&2
  kit_die "create-$kind $name failed"
}

# deploy_one KIND — model, config, endpoint for one job, then waits for InService.
deploy_one() {
  local kind="$1" job desc status artifact image model config endpoint start reason
  job="$(kit_jobs_get "$kind")"
  [[ -n "$job" ]] || kit_die "$KIT_JOBS_FILE has no '$kind' job: run scripts/$kind.sh first"
  desc="$(aws sagemaker describe-training-job --training-job-name "$job" --output json)" ||
    kit_die "describe-training-job $job failed"
  status="$(kit_json_field TrainingJobStatus <<<"$desc")"
  [[ "$status" == Completed ]] || kit_die "training job $job is $status, not Completed: wait for it (scripts/$kind.sh --wait waits for a new job; notebook 2 waits for both)"
  artifact="$(kit_json_field ModelArtifacts.S3ModelArtifacts <<<"$desc")"
  image="$(kit_json_field AlgorithmSpecification.TrainingImage <<<"$desc")"
  [[ -n "$artifact" && -n "$image" ]] || kit_die "describe-training-job $job has no ModelArtifacts.S3ModelArtifacts or TrainingImage"

  # The workshop's console names: model, endpoint configuration and endpoint are all distributed-<kind>
  # (kit::names, shared with notebook 3).
  model="$(kit_cli name hosting "$kind")" || exit 1
  config="$model"
  endpoint="$model"
  kit_log "$kind: model $model from $artifact"
  create model "$model" PrimaryContainer.ModelDataUrl "$artifact" \
    --execution-role-arn "$KIT_ROLE_ARN" --primary-container "Image=$image,ModelDataUrl=$artifact"
  create endpoint-config "$config" ProductionVariants.0.ModelName "$model" \
    --production-variants "VariantName=AllTraffic,ModelName=$model,InitialInstanceCount=1,InstanceType=$KIT_ENDPOINT_INSTANCE_TYPE"
  create endpoint "$endpoint" EndpointConfigName "$config" --endpoint-config-name "$config"
  kit_jobs_set "models.$kind" "$model" "endpoint_configs.$kind" "$config" "endpoints.$kind" "$endpoint"

  start="$(kit_now)"
  # The CLI waiter sleeps 30 s after a poll that sees Creating; look a few times first (each CLI
  # call takes about a second) so that its first poll usually finds the endpoint InService.
  local i ep_status=""
  for i in 1 2 3 4 5 6 7 8 9 10; do
    ep_status="$(aws sagemaker describe-endpoint --endpoint-name "$endpoint" --output json 2>/dev/null |
      kit_json_field EndpointStatus || true)"
    [[ "$ep_status" == Creating || "$ep_status" == Updating ]] || break
    sleep 1
  done
  kit_log "waiting for $endpoint to be InService (aws sagemaker wait endpoint-in-service; last seen: ${ep_status:-?})"
  if ! aws sagemaker wait endpoint-in-service --endpoint-name "$endpoint"; then
    reason="$(aws sagemaker describe-endpoint --endpoint-name "$endpoint" --output json 2>/dev/null | kit_json_field FailureReason || true)"
    kit_die "endpoint $endpoint did not reach InService${reason:+: $reason}"
  fi
  kit_log "$endpoint is InService ($(kit_elapsed "$start") s)"
  printf '%s\n' "$endpoint"
}

# Both endpoints at once (each CLI call costs a Python start-up; the waits overlap too).
pids=()
outs=()
for kind in "${kinds[@]}"; do
  out_file="$(mktemp)"
  outs+=("$out_file")
  deploy_one "$kind" >"$out_file" &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed=1
done
cat "${outs[@]}"
rm -f "${outs[@]}"
((failed == 0)) || kit_die "deploying failed (see the messages above)"
