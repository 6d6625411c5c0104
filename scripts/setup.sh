#!/usr/bin/env bash
# One-time (and idempotent) set-up on a machine with only Rust and Python: builds the binaries the
# workshop runs (the stand-in), installs the evcxr Jupyter kernel (0.22.0, the last release that
# builds with Rust 1.95) and registers the kit's kernel "rust" (scripts/evcxr-kernel.sh), creates
# the Python venv (AWS CLI v1, boto3, Jupyter bits) and warms evcxr's build cache so the notebooks'
# first `:dep` cell does not take minutes. Each step says what it did and how long it took; the long
# ones show one progress line (scripts/progress.py) and keep cargo's output in a log file
# ($KIT_OUT/logs/); steps that are already done cost seconds. Below 6 GiB of memory (cgroup limit
# or MemTotal) the notebooks' dependencies compile one crate at a time, and it says so; below 3.5 GiB
# the notebooks do not fit at all, and it stops at once with what to do (KIT_FORCE_LOW_MEMORY=1 goes on).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

skip_warm=0
while (($#)); do
  case "$1" in
    --no-warm) skip_warm=1 ;;
    -h | --help)
      cat <<HELP
Usage: scripts/setup.sh [--no-warm]

Idempotent set-up. Steps (each timed; 2 and 3 run in the background during 4 unless memory is
under 6 GiB or KIT_SETUP_SERIAL=1):
  1. check cargo/rustc (Rust >= 1.95) and python3
  2. scripts/python-env.sh        -> $KIT_ROOT/.venv (awscli v1, boto3, nbconvert, ...)
  3. cargo $(kit_build_args | tr '\n' ' ')
                                  the binaries the workshop runs, in cargo's dev profile with the
                                  stand-in's hot crates optimised (KIT_PROFILE=release: release;
                                  KIT_BUILD_TESTS=1, as CI: what cargo test --workspace builds)
  4. evcxr_jupyter 0.22.0         cargo install --version 0.22.0 --locked at opt-level 1
                                  (KIT_EVCXR_INSTALL_OPT), if missing or another version
  5. Jupyter kernel "rust"        the kit's kernelspec (scripts/evcxr-kernel.sh) in $(kit_kernel_dir)
  6. scripts/warm-evcxr.sh        (skipped when its inputs did not change; --no-warm skips)
Logs of steps 3, 4 and 6: \$KIT_OUT/logs/setup-*.log, warm-evcxr.log.
Environment: KIT_PROFILE=debug|release (default debug), KIT_BUILD_TESTS=1, CARGO_TARGET_DIR, KIT_SKIP_BUILD=1 (skip step 3),
KIT_BUILD_JOBS (jobs for the notebooks' dependencies; default 1 below 6 GiB of memory),
KIT_FORCE_LOW_MEMORY=1 (go on below 3.5 GiB), KIT_SETUP_SERIAL=1, KIT_WARM_TIMEOUT (seconds; the warm-up has no limit),
KIT_EVCXR_INSTALL_OPT (evcxr_jupyter's opt-level, default 1).
HELP
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

profile="$(kit_profile)"
summary=()
total_start="$(kit_now)"
current_step=""
on_error() {
  local rc=$?
  if [[ -n "$current_step" ]]; then
    kit_log "step '$current_step' failed (exit $rc)"
    current_step=""
  fi
}
set -E
trap on_error ERR
step() { # step NAME FUNCTION — runs and times one step (errexit stays on inside it)
  local name="$1" start took
  shift
  start="$(kit_now)"
  current_step="$name"
  STEP_NOTE=""
  kit_log "== $name"
  "$@"
  current_step=""
  took="$(kit_elapsed "$start")"
  summary+=("$(printf '%-34s %8ss  %s' "$name" "$took" "$STEP_NOTE")")
  kit_log "== $name: ${STEP_NOTE} (${took}s)"
}
STEP_NOTE=""

check_tools() {
  command -v cargo >/dev/null || kit_die "cargo not found: install Rust 1.95 (rustup) and put ~/.cargo/bin on PATH"
  command -v python3 >/dev/null || kit_die "python3 not found: install Python 3.9+"
  local v
  v="$(rustc --version | awk '{print $2}')"
  if ! printf '1.95.0\n%s\n' "$v" | sort -V -C; then
    kit_die "rustc $v is older than 1.95 (the workspace's rust-version)"
  fi
  # Before the long steps, not after them: the notebooks' build cannot fit below 3.5 GiB.
  ((skip_warm)) || kit_memory_check
  STEP_NOTE="rustc $v, $(python3 --version 2>&1), $(kit_gib "$(kit_memory_bytes)") of memory"
}

python_env() {
  [[ -x "$KIT_ROOT/scripts/python-env.sh" ]] || kit_die "scripts/python-env.sh is missing"
  "$KIT_ROOT/scripts/python-env.sh" >&2
  STEP_NOTE="$("$KIT_ROOT/.venv/bin/aws" --version 2>&1 | awk '{print $1}')"
}

build() {
  if [[ "${KIT_SKIP_BUILD:-0}" == 1 ]]; then
    STEP_NOTE="skipped (KIT_SKIP_BUILD=1)"
    return 0
  fi
  local args
  mapfile -t args < <(kit_build_args)
  (cd "$KIT_ROOT" && "$(kit_python)" scripts/progress.py --label "building the workshop's binaries ($profile)" \
    --log "$KIT_OUT/logs/setup-build.log" --fingerprints "$(kit_target_dir)/$profile/.fingerprint" \
    --reference "$(kit_build_reference)" -- cargo "${args[@]}")
  local item
  for item in "${KIT_BINARIES[@]}"; do
    [[ -x "$(kit_target_dir)/$profile/${item#*:}" ]] ||
      kit_die "cargo build finished but $(kit_target_dir)/$profile/${item#*:} is missing"
  done
  STEP_NOTE="cargo ${args[*]}"
}

evcxr() {
  local have=""
  # evcxr_jupyter has no --version flag: ask cargo what it installed.
  if command -v evcxr_jupyter >/dev/null 2>&1; then
    have="$(cargo install --list 2>/dev/null | awk '/^evcxr_jupyter v/ {sub(/^v/, "", $2); sub(/:$/, "", $2); print $2}' || true)"
  fi
  if [[ "$have" == 0.22.0 ]]; then
    STEP_NOTE="evcxr_jupyter 0.22.0 already installed"
    return 0
  fi
  local log="$KIT_OUT/logs/setup-evcxr-install.log" target
  target="$(mktemp -d)"
  # At opt-level 1 instead of cargo install's 3 (KIT_EVCXR_INSTALL_OPT sets another): the install
  # is the longest step of a first set-up; alone it took 347.5 s at opt 1 against 441 s at 3, and
  # the four notebooks at full scale ran no slower with it (361.9 s against 380.7 s, back to back;
  # docs/BENCHMARKS.md, "evcxr_jupyter at opt-level 1 or 3").
  local opt="${KIT_EVCXR_INSTALL_OPT:-1}"
  [[ "$opt" =~ ^[0-3sz]$ ]] || kit_die "KIT_EVCXR_INSTALL_OPT must be 0-3, s or z, not '$opt'"
  # Three rust-analyzer crates evcxr links but never calls (it asks rust-analyzer for variable types,
  # completions and hover only, not for assists, diagnostics or structural search-and-replace) are
  # compiled at opt-level 0: alone, 267.9 -> 261.9 s and 518 -> 486 s of CPU (those three crates
  # 52.1 -> 12.7 s; docs/BENCHMARKS.md, "evcxr's unused IDE crates").
  local unused=(ra_ap_ide_assists ra_ap_ide_diagnostics ra_ap_ide_ssr) crate config=()
  for crate in "${unused[@]}"; do
    config+=(--config "profile.release.package.$crate.opt-level=0")
  done
  "$(kit_python)" "$KIT_ROOT/scripts/progress.py" --label "installing evcxr_jupyter 0.22.0 (opt-level $opt)" \
    --log "$log" --fingerprints "$target/release/.fingerprint" --reference evcxr-install -- \
    env CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" \
    cargo install evcxr_jupyter --version 0.22.0 --locked --target-dir "$target" "${config[@]}"
  rm -rf "$target"
  STEP_NOTE="installed evcxr_jupyter 0.22.0 at opt-level $opt${have:+ (was $have)}"
}

kernel() {
  command -v evcxr_jupyter >/dev/null || kit_die "evcxr_jupyter is not on PATH (add ~/.cargo/bin to PATH)"
  kit_evcxr_setup
  STEP_NOTE="kernel 'rust' → scripts/evcxr-kernel.sh ($(kit_kernel_dir)); settings in $KIT_EVCXR_HOME"
}

warm() {
  local script="$KIT_ROOT/scripts/warm-evcxr.sh" stamp key
  if [[ "$skip_warm" == 1 ]]; then
    STEP_NOTE="skipped (--no-warm)"
    return 0
  fi
  if [[ ! -x "$script" ]]; then
    STEP_NOTE="skipped (scripts/warm-evcxr.sh not present)"
    return 0
  fi
  # Inputs of the warm-up: the helper crate, the lock file, the evcxr config, the script itself
  # and the opt levels (cells, dependencies).
  key="$( (cd "$KIT_ROOT" && find kernel-helpers .ci/evcxr Cargo.lock scripts/warm-evcxr.sh -type f \
    -not -path '*/target/*' 2>/dev/null | LC_ALL=C sort | xargs sha256sum
    echo "opt=${KIT_EVCXR_OPT:-0} deps=${KIT_EVCXR_DEPS_OPT:-0} hot=${KIT_EVCXR_HOT:-1} home=$KIT_EVCXR_HOME") |
    sha256sum | cut -c1-16)"
  stamp="$KIT_OUT/.stamps/warm-evcxr"
  [[ -d "$KIT_EVCXR_HOME/kernels/slot-0/target" ]] || rm -f "$stamp"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" && -z "${KIT_FORCE_WARM:-}" ]]; then
    STEP_NOTE="already warm for these inputs ($key; KIT_FORCE_WARM=1 redoes it)"
    return 0
  fi
  "$script" >&2
  mkdir -p "$(dirname "$stamp")"
  printf '%s\n' "$key" >"$stamp"
  STEP_NOTE="warmed ($key)"
}

# Steps 2 and 3 in the background while step 4 installs evcxr_jupyter: on 2 cores neither cargo
# build keeps both busy (the stand-in's dev build averaged about one core), and pip mostly waits on
# the network, so overlapping them takes minutes off a first set-up (docs/BENCHMARKS.md, "A fresh
# machine, start to finish"). Their output goes to their log files; set-up waits for both before the
# warm-up, which needs the venv, and follows the progress lines of one still running. Below 6 GiB of
# memory (where the notebooks' build also goes one crate at a time) or with KIT_SETUP_SERIAL=1 the
# steps run one after the other.
background_pids=()
background_names=()
background() { # background NAME FUNCTION — step NAME FUNCTION in a subshell, output to a log file
  local name="$1" fn="$2" out="$KIT_OUT/logs/setup-$2.out"
  mkdir -p "$KIT_OUT/logs"
  kit_log "== $name: in the background while evcxr_jupyter installs (log: $out)"
  (
    summary=()
    step "$name" "$fn"
    printf '%s\n' "${summary[@]}" >"$out.summary"
  ) >"$out" 2>&1 &
  background_pids+=("$!")
  background_names+=("$name|$out")
}
wait_background() {
  local i name out pid followed
  for ((i = ${#background_pids[@]} - 1; i >= 0; i--)); do
    name="${background_names[$i]%%|*}" out="${background_names[$i]#*|}" pid="${background_pids[$i]}"
    followed=0
    # Still running after the install (a slow network for pip, a loaded machine): show its progress
    # lines as they come rather than wait in silence.
    if kill -0 "$pid" 2>/dev/null; then
      kit_log "waiting for '$name' (its output: $out)"
      tail -n 1 -f --pid="$pid" "$out" >&2
      followed=1
    fi
    if ! wait "$pid"; then
      ((followed)) || tail -n 20 "$out" >&2
      kit_die "step '$name' failed (its output: $out)"
    fi
    # In the summary in the steps' order: after "check tools", before the evcxr_jupyter install.
    summary=("${summary[0]}" "$(cat "$out.summary")" "${summary[@]:1}")
    ((followed)) || tail -n 1 "$out" >&2
  done
}

export PATH="$HOME/.cargo/bin:$PATH"
step "check tools" check_tools
if [[ "${KIT_SETUP_SERIAL:-0}" == 1 || -n "$(kit_build_jobs)" ]]; then
  step "python venv" python_env
  step "build binaries ($profile)" build
  step "evcxr_jupyter 0.22.0" evcxr
else
  background "python venv" python_env
  background "build binaries ($profile)" build
  step "evcxr_jupyter 0.22.0" evcxr
  wait_background
fi
step "jupyter kernel" kernel
step "warm evcxr cache" warm
mkdir -p "$KIT_OUT/.stamps"
printf '%s\n' "$profile" >"$KIT_OUT/.stamps/setup"

echo
echo "set-up done in $(kit_elapsed "$total_start")s:"
printf '  %s\n' "${summary[@]}"
