#!/usr/bin/env bash
# The kit's test command (the README's second command; .ci/run calls it).
#
# On a fresh machine with only Rust and Python it installs what the tests need (the Python venv with the
# AWS CLI v1, boto3 and the Jupyter bits; evcxr_jupyter; Chromium for the handout check), then runs, in
# order, stopping at the first failing step:
#   fmt       cargo fmt --check
#   clippy    cargo clippy --workspace --all-targets -D warnings
#   unit      cargo test --workspace (unit + integration tests with aws-sdk-rust against the stand-in)
#   recordio  interop with the sagemaker Python SDK's own recordIO-protobuf writer/reader
#   clients   the AWS CLI v1 and boto3 against the stand-in (S3, SageMaker, runtime, logs)
#   workshop  scripts/workshop.sh --scale 0.05 end to end: notebooks, both jobs, endpoints, handout —
#             in eu-west-1 (AWS_REGION; the stand-in starts there, GDELT stays in us-east-1 behind
#             S3's 301), with no workshop setting (KIT_TARGET, KIT_BUCKET, KIT_ROLE_ARN, KIT_REGION …)
#   conformance  every SageMaker/Logs/runtime call the unit, clients and workshop steps made (the
#             stand-in records them into out/conformance/<step>/ during those steps) checked
#             against botocore's service models: requests with ParamValidator + enums, max lengths,
#             patterns; the stand-in's answers against the output shapes; the workshop's requests
#             (the kit's: notebooks and scripts) all valid and every operation the kit sends
#             present; the response members kernel-helpers reads exist (scripts/check-conformance.py)
#   summary   its summary: both jobs Completed, sharded faster, both MSE finite and close
#   handout   the handout opened headless in Chromium (screenshot) and its contents checked
#   lab       scripts/lab.sh started as a user would; notebook 1's first cells run in a Lab kernel
# `scripts/test.sh STEP...` runs only the named steps.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export KIT_PYTHON="${KIT_PYTHON:-$root/.venv/bin/python}"
export KIT_PROFILE="${KIT_PROFILE:-debug}"
# Set-up's build (workshop step) is the one the unit step already made: nothing is rebuilt.
export KIT_BUILD_TESTS="${KIT_BUILD_TESTS:-1}"
# The notebooks' dependencies at opt 0 but the crates of kernel-helpers/evcxr/opt-levels.txt, as
# for a user (the default of scripts/common.sh, kit_evcxr_config; pinned here).
export KIT_EVCXR_DEPS_OPT="${KIT_EVCXR_DEPS_OPT:-0}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

all_steps=(fmt clippy unit recordio clients workshop summary handout lab conformance)
steps=("$@")
[[ ${#steps[@]} -eq 0 ]] && steps=("${all_steps[@]}")

passed=0
failed=0
t0=$(date +%s)
run_step() {
  local name="$1"; shift
  local s; s=$(date +%s)
  echo "::: step $name: $*"
  if "$@"; then
    passed=$((passed + 1))
    echo "::: step $name passed in $(( $(date +%s) - s )) s"
  else
    failed=$((failed + 1))
    echo "::: step $name FAILED after $(( $(date +%s) - s )) s"
    echo "test.sh: $passed passed, $failed failed"
    exit 1
  fi
}

scripts/python-env.sh

# Recordings of the stand-in's calls for the conformance step (sagemaker-offline --record).
rec="$root/out/conformance"
record_into() { rm -rf "${rec:?}/$1" && mkdir -p "$rec/$1" && printf '%s\n' "$rec/$1"; }

for step in "${steps[@]}"; do
  case "$step" in
    fmt) run_step fmt cargo fmt --all -- --check ;;
    clippy) run_step clippy cargo clippy --workspace --all-targets --locked -- -D warnings ;;
    unit) run_step unit env SAGEMAKER_OFFLINE_RECORD="$(record_into unit)" cargo test --workspace --locked ;;
    recordio) run_step recordio scripts/test-recordio-interop.sh ;;
    clients) run_step clients env SAGEMAKER_OFFLINE_RECORD="$(record_into clients)" scripts/test-clients.sh ;;
    workshop) run_step workshop env -u KIT_TARGET -u KIT_BUCKET -u KIT_PREFIX -u KIT_ROLE_ARN -u KIT_REGION \
      -u KIT_TRAINING_IMAGE -u KIT_GDELT_BUCKET -u KIT_ENDPOINT_INSTANCE_TYPE -u AWS_DEFAULT_REGION AWS_REGION=eu-west-1 \
      KIT_OUT="$root/out/ci" SAGEMAKER_OFFLINE_RECORD="$(record_into workshop)" \
      scripts/workshop.sh --scale 0.05 --fresh ;;
    conformance) run_step conformance "$KIT_PYTHON" scripts/check-conformance.py --self-test --reads \
      "$rec/unit" "$rec/clients" --strict "$rec/workshop" --expect "$rec/workshop" ;;
    summary) run_step summary "$KIT_PYTHON" scripts/check-summary.py "$root/out/ci/handout/summary.json" ;;
    handout) run_step handout env KIT_OUT="$root/out/ci" scripts/check-handout.sh ;;
    lab) run_step lab env KIT_OUT="$root/out/ci" scripts/check-lab.sh ;;
    *) echo "test.sh: unknown step '$step' (known: ${all_steps[*]})" >&2; exit 2 ;;
  esac
done
echo "test.sh: all steps done in $(( $(date +%s) - t0 )) s"
echo "test.sh: $passed passed, $failed failed"
