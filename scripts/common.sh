# shellcheck shell=bash
# Shared helpers for the kit's shell scripts (sourced, never executed).
#
# Why this file exists: every workshop script needs the same few things — the repository root
# whatever the caller's cwd, the AWS CLI from the kit's venv, the rule that decides "offline
# stand-in or real AWS", the four workshop values (role ARN, training image, bucket, region), the
# jobs file and a way to start and stop the stand-in. Keeping them here keeps replicated.sh /
# sharded.sh readable as the workshop prints them.
#
# The rules themselves live in one place, the `kit` binary (crates/kit), which the notebooks'
# kernel-helpers share as a library: the target and settings rule (`kit settings`, documented in
# docs/SEMANTICS.md "Settings"), the region → image table, the locked jobs file (`kit jobs`),
# reading JSON answers (`kit json`) and the hosting names. This file only does the AWS CLI calls
# the rule asks for and hands their answers to `kit`.
#   * KIT_TARGET=offline|aws, when set, decides; otherwise "offline" when AWS_ENDPOINT_URL_SAGEMAKER
#     or AWS_ENDPOINT_URL is a loopback URL (the stand-in), "aws" otherwise. Never the credentials.
#   * workshop.sh, lab.sh and run-notebooks.sh default to offline (they start the stand-in).

if [[ -n "${KIT_COMMON_SOURCED:-}" ]]; then
  return 0
fi
KIT_COMMON_SOURCED=1

KIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIT_SCRIPT="$(basename "${BASH_SOURCE[1]:-${0}}")"
KIT_OUT="${KIT_OUT:-$KIT_ROOT/out}"
KIT_JOBS_FILE="${KIT_JOBS_FILE:-$KIT_OUT/jobs.json}"
KIT_OFFLINE_ACCOUNT="123456789012"
export KIT_ROOT KIT_OUT KIT_JOBS_FILE

kit_log() {
  printf '[%s] %s: %s\n' "$(date -u +%H:%M:%S)" "$KIT_SCRIPT" "$*" >&2
}

kit_die() {
  printf '%s: error: %s\n' "$KIT_SCRIPT" "$*" >&2
  exit 1
}

# Seconds since the epoch with milliseconds (for step timings).
kit_now() {
  date +%s.%N | cut -c1-14
}

# kit_elapsed START -> "12.3" seconds since START (a kit_now value).
kit_elapsed() {
  awk -v s="$1" -v e="$(kit_now)" 'BEGIN { printf "%.1f", e - s }'
}

# The Python that has the kit's packages (venv made by scripts/python-env.sh), else python3.
kit_python() {
  if [[ -n "${KIT_PYTHON:-}" ]]; then
    printf '%s\n' "$KIT_PYTHON"
  elif [[ -x "$KIT_ROOT/.venv/bin/python" ]]; then
    printf '%s\n' "$KIT_ROOT/.venv/bin/python"
  elif command -v python3 >/dev/null 2>&1; then
    command -v python3
  else
    kit_die "no Python found: install python3 or run scripts/python-env.sh"
  fi
}

# The AWS CLI: $KIT_AWS, the venv's (awscli v1, see scripts/requirements.txt), else `aws` on PATH.
kit_aws_path() {
  if [[ -n "${KIT_AWS:-}" ]]; then
    printf '%s\n' "$KIT_AWS"
  elif [[ -x "$KIT_ROOT/.venv/bin/aws" ]]; then
    printf '%s\n' "$KIT_ROOT/.venv/bin/aws"
  elif type -P aws >/dev/null 2>&1; then
    # The executable on PATH, not the `aws` function below (`command -v aws` names the function,
    # which then called itself forever: a notebook instance's own CLI, no .venv).
    type -P aws
  else
    kit_die "the AWS CLI is missing: run scripts/python-env.sh (creates $KIT_ROOT/.venv with awscli) or set KIT_AWS"
  fi
}

# `aws …` in the scripts runs the kit's CLI, so the workshop's commands read as printed.
aws() {
  local cli
  cli="$(kit_aws_path)"
  "$cli" "$@"
}

# The SageMaker endpoint URL the CLI will use ("" = the real AWS endpoint).
kit_sagemaker_endpoint() {
  printf '%s\n' "${AWS_ENDPOINT_URL_SAGEMAKER:-${AWS_ENDPOINT_URL:-}}"
}

# Prints "offline" or "aws" (the rule at the top of this file, decided by `kit settings target`).
kit_target() {
  local out
  out="$(kit_cli settings target 2>&1)" || kit_die "$out"
  printf '%s\n' "$out"
}

# Cargo profile used by the scripts: debug (cargo's dev profile, target/debug) by default, release
# on request (KIT_PROFILE=release). Measured for the workshop's binaries (docs/BENCHMARKS.md,
# "Stand-in: release or dev profile"): the dev build with the stand-in's per-byte crates optimised
# (Cargo.toml's [profile.dev.package.*]) compiles in 0.4x the time of release and seeds the six
# GDELT years as fast; release gains nothing the workshop waits for.
kit_profile() {
  case "${KIT_PROFILE:-debug}" in
    release | debug) printf '%s\n' "${KIT_PROFILE:-debug}" ;;
    *) kit_die "KIT_PROFILE must be 'debug' or 'release', not '$KIT_PROFILE'" ;;
  esac
}

# The binaries the workshop runs ("package:binary"), and the one cargo line that builds them in
# KIT_PROFILE (scripts/setup.sh, scripts/workshop.sh): only these — the notebooks compile their own
# copy of kernel-helpers inside evcxr, so a `--workspace` build (521 units in release, against 257
# for the stand-in alone) built polars, the AWS SDKs and plotters for nothing. KIT_BUILD_TESTS=1
# (scripts/test.sh, CI) builds what `cargo test --workspace --no-run` builds instead (the same
# binaries among the integration tests' inputs), so after CI's unit step nothing is rebuilt: a
# `cargo build -p` of the binary alone unifies features differently and recompiled ~70 crates
# (tokio, hyper, serde_json …).
KIT_BINARIES=(sagemaker-offline:sagemaker-offline)
# crates/kit: the scripts' settings / jobs-file binary (built too once that crate is in the tree).
[[ -f "$KIT_ROOT/crates/kit/Cargo.toml" ]] && KIT_BINARIES+=(kit:kit)
kit_build_args() {
  local args=(build --locked) item
  if [[ "${KIT_BUILD_TESTS:-0}" == 1 ]]; then
    [[ "$(kit_profile)" == release ]] && kit_die "KIT_BUILD_TESTS=1 builds the tests' dev profile: use it with KIT_PROFILE=debug"
    printf '%s\n' test --workspace --locked --no-run
    return 0
  fi
  [[ "$(kit_profile)" == release ]] && args+=(--release)
  for item in "${KIT_BINARIES[@]}"; do
    args+=(-p "${item%%:*}" --bin "${item#*:}")
  done
  printf '%s\n' "${args[@]}"
}

# The reference build scripts/progress.py compares set-up's build with (scripts/progress-reference.tsv).
kit_build_reference() {
  if [[ "${KIT_BUILD_TESTS:-0}" == 1 ]]; then
    printf '%s\n' build-tests
  else
    printf 'build-%s\n' "$(kit_profile)"
  fi
}

kit_target_dir() {
  printf '%s\n' "${CARGO_TARGET_DIR:-$KIT_ROOT/target}"
}

# Path of the sagemaker-offline binary ($KIT_OFFLINE_BIN, else target/<profile>/, else the other
# profile's build, else PATH).
kit_offline_bin() {
  kit_built_bin sagemaker-offline KIT_OFFLINE_BIN
}

# Path of the kit binary ($KIT_BIN, else target/<profile>/kit, else the other profile's build, else
# PATH), found like the stand-in's.
kit_bin() {
  kit_built_bin kit KIT_BIN
}

# kit_built_bin NAME VAR — a workspace binary: $VAR if set, else target/<profile>/NAME, else the
# other profile's build, else NAME on PATH; a message naming set-up and VAR when there is none.
kit_built_bin() {
  local name="$1" var="$2" profile td other
  if [[ -n "${!var:-}" ]]; then
    printf '%s\n' "${!var}"
    return 0
  fi
  profile="$(kit_profile)"
  td="$(kit_target_dir)"
  if [[ "$profile" == release ]]; then other=debug; else other=release; fi
  if [[ -x "$td/$profile/$name" ]]; then
    printf '%s\n' "$td/$profile/$name"
  elif [[ -x "$td/$other/$name" ]]; then
    printf '%s\n' "$td/$other/$name"
  elif command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
  else
    kit_die "$name is not built: run scripts/setup.sh (or cargo build -p $name), or set $var"
  fi
}

# kit_cli ARGS… — runs the kit binary.
kit_cli() {
  local bin
  bin="$(kit_bin)" || exit 1
  "$bin" "$@"
}

# Does a stand-in answer GET /__health at URL (http://HOST:PORT)? Plain bash (/dev/tcp), so that it
# works before anything is built and costs no interpreter start per poll.
kit_offline_healthy() {
  local hostport host port resp
  hostport="${1#http://}"
  hostport="${hostport%%/*}"
  host="${hostport%:*}"
  port="${hostport##*:}"
  [[ "$port" =~ ^[0-9]+$ ]] || return 1
  # shellcheck disable=SC2016  # expanded by the inner bash
  resp="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" &&
    printf "GET /__health HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3 && cat <&3' "$host" "$port" 2>/dev/null)" ||
    return 1
  [[ "$resp" == HTTP/1.[01]\ 200* && "$resp" == *'"status":"ok"'* ]]
}

# Loads the stand-in's client settings (endpoint, keys, region) into this shell:
# kit_offline_env PORT STATE_DIR
kit_offline_env() {
  local port="$1" state="$2" bin exports
  bin="$(kit_offline_bin)"
  exports="$("$bin" env --port "$port" --state-dir "$state")" ||
    kit_die "'$bin env --port $port --state-dir $state' failed"
  # Accept only `export NAME=VALUE` lines for the AWS_* variables we expect.
  local line
  while IFS= read -r line; do
    [[ -z "$line" || "$line" =~ ^[[:space:]]*# ]] && continue
    if [[ ! "$line" =~ ^export[[:space:]]+AWS_[A-Z_]+= ]]; then
      kit_die "unexpected line from '$bin env': $line"
    fi
  done <<<"$exports"
  eval "$exports"
  export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  AWS_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
  AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
  export AWS_REGION AWS_DEFAULT_REGION
}

# ---- evcxr, the notebooks' kernel -------------------------------------------------------------
# The kit's evcxr settings live in the kernel's own configuration, so they apply however a notebook
# is opened (scripts/lab.sh, a plain `jupyter lab`, VS Code, a SageMaker notebook instance):
#   * the kernelspec "rust" (kit_kernel_install) runs scripts/evcxr-kernel.sh, which takes a build
#     dir and then execs evcxr_jupyter;
#   * everything it reads lives in KIT_EVCXR_HOME (default ~/.cache/kit-evcxr, written by
#     kit_evcxr_config): config/ (EVCXR_CONFIG_DIR: init.evcxr with `:opt` and `:cache`),
#     .cargo/config.toml (the dependencies' opt-levels per crate, the foldhash patch, build jobs)
#     and kernels/slot-N (one build dir per running kernel, under an flock held for the kernel's
#     life: evcxr 0.22 takes no lock and rewrites its build dir per cell). Cargo reads
#     .cargo/config.toml from the build dir's ancestors, so it applies to the kernels' builds only.
# Compiled dependencies are shared by every kernel through evcxr's `:cache` (~/.cache/evcxr), and
# slot-0 (the first kernel's) is the build dir scripts/warm-evcxr.sh warms.
KIT_EVCXR_HOME="${KIT_EVCXR_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kit-evcxr}"

# The memory this process may use, in bytes: the smallest of MemTotal and the memory cgroup limits
# (v1: this cgroup and its ancestors; v2: memory.max). KIT_MEMORY_BYTES overrides (tests).
kit_memory_bytes() {
  if [[ -n "${KIT_MEMORY_BYTES:-}" ]]; then
    printf '%s\n' "$KIT_MEMORY_BYTES"
    return 0
  fi
  local best path f v
  best="$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo 2>/dev/null || true)"
  best="${best:-0}"
  path="$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup 2>/dev/null || true)"
  if [[ -n "$path" && -d /sys/fs/cgroup/memory ]]; then
    while :; do
      f="/sys/fs/cgroup/memory${path%/}/memory.limit_in_bytes"
      if [[ -r "$f" ]]; then
        v="$(cat "$f")"
        if [[ "$v" =~ ^[0-9]+$ ]] && { ((best == 0)) || ((v < best)); }; then best="$v"; fi
      fi
      [[ -z "$path" || "$path" == / ]] && break
      path="$(dirname "$path")"
    done
  fi
  path="$(awk -F: '$1 == "0" && $2 == "" { print $3 }' /proc/self/cgroup 2>/dev/null || true)"
  if [[ -n "$path" && -r "/sys/fs/cgroup${path%/}/memory.max" ]]; then
    v="$(cat "/sys/fs/cgroup${path%/}/memory.max")"
    if [[ "$v" =~ ^[0-9]+$ ]] && { ((best == 0)) || ((v < best)); }; then best="$v"; fi
  fi
  printf '%s\n' "$best"
}

# "3.9 GiB" for a byte count.
kit_gib() {
  awk -v b="$1" 'BEGIN { printf "%.1f GiB", b / 1073741824 }'
}

# Parallel jobs for compiling the notebooks' dependencies (polars, the AWS SDK): KIT_BUILD_JOBS if
# set, else 1 below 6 GiB (an evcxr kernel holds ~2 GB while rustc compiles beside it; with two
# jobs the warm-up reached 4.06 GiB before polars-core), else "" (cargo's default: one per core).
KIT_LOW_MEMORY_BYTES=$((6 * 1024 * 1024 * 1024))
kit_build_jobs() {
  if [[ -n "${KIT_BUILD_JOBS:-}" ]]; then
    [[ "$KIT_BUILD_JOBS" =~ ^[1-9][0-9]*$ ]] || kit_die "KIT_BUILD_JOBS must be a positive number, not '$KIT_BUILD_JOBS'"
    printf '%s\n' "$KIT_BUILD_JOBS"
  elif (($(kit_memory_bytes) < KIT_LOW_MEMORY_BYTES)); then
    echo 1
  else
    echo ""
  fi
}

# Below this much memory the notebooks do not fit at all, even one crate at a time: under a 4 GiB
# cgroup limit the cold warm-up peaked at 3.43 GB (the kernel's ~1.9 GB beside rustc compiling
# polars-core) and notebook 1 at 3.87 GB (kernel + the upload cell's frames), docs/BENCHMARKS.md.
# A 4 GiB instance reports about 3.8 GiB, so the line is drawn at 3.5 GiB.
KIT_MIN_MEMORY_BYTES=$((7 * 512 * 1024 * 1024))
# kit_memory_check — dies with what to do when the notebooks' build cannot fit (KIT_FORCE_LOW_MEMORY=1
# tries anyway), instead of letting the kernel or rustc be killed for lack of memory minutes later.
kit_memory_check() {
  local mem
  mem="$(kit_memory_bytes)"
  ((mem >= KIT_MIN_MEMORY_BYTES)) && return 0
  if [[ "${KIT_FORCE_LOW_MEMORY:-0}" == 1 ]]; then
    kit_log "$(kit_gib "$mem") of memory, under $(kit_gib "$KIT_MIN_MEMORY_BYTES"): going on because KIT_FORCE_LOW_MEMORY=1 (expect the kernel or rustc to be killed for lack of memory)"
    return 0
  fi
  kit_die "$(kit_gib "$mem") of memory (memory cgroup limit or MemTotal): the notebooks' first build needs about 3.4 GB (an evcxr kernel holds ~1.9 GB while rustc compiles polars beside it) and the workshop's notebooks at most about 3.1 GB (notebook 1), measured under a 4 GiB limit; with less the kernel or rustc would be killed part-way. Use a machine or notebook instance with 4 GiB or more (e.g. ml.t3.medium) or stop other programs; KIT_FORCE_LOW_MEMORY=1 tries anyway"
}

# The notebooks' dependencies compiled optimised, one "crate opt-level" per line (# comments);
# every other dependency is at KIT_EVCXR_DEPS_OPT (default 0).
KIT_EVCXR_OPT_LEVELS_FILE="${KIT_EVCXR_OPT_LEVELS_FILE:-$KIT_ROOT/kernel-helpers/evcxr/opt-levels.txt}"

# Writes KIT_EVCXR_HOME's configuration for the current settings, rewriting only files whose
# content changes (a new path or a newer file would make cargo rebuild polars):
#   KIT_EVCXR_OPT        the cells' own `:opt` (default 0)
#   KIT_EVCXR_DEPS_OPT   the dependencies' opt-level (default 0); the crates listed in
#                        kernel-helpers/evcxr/opt-levels.txt at their own level (KIT_EVCXR_HOT=0: not)
#   KIT_BUILD_JOBS       cargo's jobs ([build] jobs; default kit_build_jobs: 1 below 6 GiB)
kit_evcxr_config() {
  local opt="${KIT_EVCXR_OPT:-0}" deps_opt="${KIT_EVCXR_DEPS_OPT:-0}" jobs
  [[ "$opt" =~ ^[0-3sz]$ ]] || kit_die "KIT_EVCXR_OPT must be 0-3, s or z, not '$opt'"
  [[ "$deps_opt" =~ ^[0-3sz]$ ]] || kit_die "KIT_EVCXR_DEPS_OPT must be 0-3, s or z, not '$deps_opt'"
  jobs="$(kit_build_jobs)"
  KIT_EVCXR_OPT_LEVEL="$opt"
  mkdir -p "$KIT_EVCXR_HOME/config" "$KIT_EVCXR_HOME/.cargo" "$KIT_EVCXR_HOME/kernels"
  kit_write_if_changed "$KIT_EVCXR_HOME/config/init.evcxr" \
    "$(sed "s/^:opt .*/:opt $opt/" "$KIT_ROOT/.ci/evcxr/init.evcxr")"
  # The patched foldhash (kernel-helpers/evcxr/README.md), copied to a path that does not depend on
  # where this checkout lives, and only when it changed.
  local patched="$KIT_EVCXR_HOME/patches/foldhash"
  if ! diff -r -q "$KIT_ROOT/kernel-helpers/evcxr/foldhash" "$patched" >/dev/null 2>&1; then
    rm -rf "$patched"
    mkdir -p "$(dirname "$patched")"
    cp -r "$KIT_ROOT/kernel-helpers/evcxr/foldhash" "$patched"
  fi
  local hot="" name level
  if [[ "${KIT_EVCXR_HOT:-1}" != 0 && -r "$KIT_EVCXR_OPT_LEVELS_FILE" ]]; then
    while read -r name level _; do
      [[ -z "$name" || "$name" == \#* ]] && continue
      [[ "$level" =~ ^[0-3sz]$ ]] || kit_die "$KIT_EVCXR_OPT_LEVELS_FILE: bad opt-level '$level' for $name"
      hot+="$(printf '\n[profile.dev.package.%s]\nopt-level = %s' "$name" "$(kit_toml_opt "$level")")"
    done <"$KIT_EVCXR_OPT_LEVELS_FILE"
  fi
  local want
  want="$(printf '%s\n' \
    "# Written by the kit (scripts/common.sh, kit_evcxr_config) for the notebooks' evcxr builds:" \
    "# dependencies at opt-level $deps_opt, the crates of kernel-helpers/evcxr/opt-levels.txt as listed," \
    "# each cell's own code at evcxr's :opt ($opt)." \
    '[profile.dev.package."*"]' "opt-level = $(kit_toml_opt "$deps_opt")$hot" \
    "" \
    "# One seed for every cell's copy of foldhash, so polars frames keep working across cells" \
    "# (kernel-helpers/evcxr/README.md)." \
    '[patch.crates-io]' "foldhash = { path = \"$patched\" }")"
  if [[ -n "$jobs" ]]; then
    want+=$'\n\n'"# $(kit_gib "$(kit_memory_bytes)") of memory (or KIT_BUILD_JOBS): $jobs job(s), so a kernel and rustc fit."
    want+=$'\n[build]\njobs = '"$jobs"
  fi
  kit_write_if_changed "$KIT_EVCXR_HOME/.cargo/config.toml" "$want"
}

# kit_write_if_changed FILE CONTENT — atomic (temp file + rename), and only when CONTENT differs.
kit_write_if_changed() {
  local file="$1" content="$2" tmp
  [[ -f "$file" && "$(cat "$file")" == "$content" ]] && return 0
  tmp="$(mktemp "$file.XXXXXX")"
  printf '%s\n' "$content" >"$tmp"
  mv -f "$tmp" "$file"
}

# The user's Jupyter kernelspec directory for "rust" (where `jupyter kernelspec list` looks first).
kit_kernel_dir() {
  printf '%s\n' "${JUPYTER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/jupyter}/kernels/rust"
}

# Registers the kernelspec "rust" so that every Jupyter front end starts evcxr through
# scripts/evcxr-kernel.sh. The wrapper's defaults (this checkout's KIT_EVCXR_HOME, evcxr_jupyter,
# cargo's directory, evcxr's cache home) are recorded in kernel.json's env as KIT_*_DEFAULT (and
# CARGO_HOME / RUSTUP_HOME when set, as the SageMaker lifecycle config's toolchain needs): a
# Jupyter started with almost no environment gets them, while a script's own KIT_EVCXR_HOME still
# wins. evcxr's own files (logos, version.txt) are copied too: without version.txt evcxr_jupyter
# re-installs its plain kernel.json over this one when it starts.
kit_kernel_install() {
  local dir evcxr cargo_bin tmp want
  dir="$(kit_kernel_dir)"
  evcxr="$(command -v evcxr_jupyter)" || kit_die "evcxr_jupyter is not on PATH (run scripts/setup.sh)"
  cargo_bin="$(dirname "$(command -v cargo)")"
  want="$("$(kit_python)" -c '
import json, os, sys
wrapper, home, evcxr, cargo_bin, cache = sys.argv[1:]
print(json.dumps({
    "argv": [wrapper, "--control_file", "{connection_file}"],
    "display_name": "Rust",
    "language": "rust",
    "interrupt_mode": "message",
    "env": {"KIT_EVCXR_HOME_DEFAULT": home, "KIT_EVCXR_JUPYTER_DEFAULT": evcxr,
            "KIT_CARGO_BIN_DEFAULT": cargo_bin, "KIT_CACHE_HOME_DEFAULT": cache,
            # a toolchain installed outside ~/.cargo, ~/.rustup (SageMaker lifecycle config)
            **{k: os.environ[k] for k in ("CARGO_HOME", "RUSTUP_HOME") if os.environ.get(k)}},
}, indent=2))' "$KIT_ROOT/scripts/evcxr-kernel.sh" "$KIT_EVCXR_HOME" "$evcxr" "$cargo_bin" \
    "${XDG_CACHE_HOME:-$HOME/.cache}")"
  if [[ -f "$dir/kernel.json" && "$(cat "$dir/kernel.json")" == "$want" && -f "$dir/version.txt" ]]; then
    return 0
  fi
  tmp="$(mktemp -d)"
  # evcxr_jupyter --install writes into $JUPYTER_PATH/kernels/rust, else $XDG_DATA_HOME/jupyter/….
  (unset JUPYTER_PATH && XDG_DATA_HOME="$tmp" "$evcxr" --install >/dev/null)
  mkdir -p "$dir"
  cp "$tmp"/jupyter/kernels/rust/* "$dir/"
  rm -rf "$tmp"
  kit_write_if_changed "$dir/kernel.json" "$want"
  kit_log "registered the Jupyter kernel 'rust': $dir/kernel.json runs scripts/evcxr-kernel.sh"
}

# What a script that runs notebooks needs (run-notebooks.sh, warm-evcxr.sh, lab.sh, setup.sh): the
# configuration written and the kernelspec registered. The kernels set themselves up (the wrapper).
kit_evcxr_setup() {
  kit_evcxr_config
  kit_kernel_install
  export KIT_EVCXR_HOME
  local jobs
  jobs="$(kit_build_jobs)"
  if [[ -n "$jobs" && -z "${KIT_BUILD_JOBS:-}" ]]; then
    kit_log "$(kit_gib "$(kit_memory_bytes)") of memory (under 6 GiB): the notebooks' dependencies compile one crate at a time (slower, but a kernel and rustc fit; KIT_BUILD_JOBS overrides)"
  fi
}

# opt-level as TOML: numbers bare, "s"/"z" quoted.
kit_toml_opt() {
  if [[ "$1" =~ ^[0-3]$ ]]; then printf '%s' "$1"; else printf '"%s"' "$1"; fi
}

# Starts the stand-in unless one already answers on PORT.
# kit_offline_start PORT STATE_DIR SCALE LOGFILE [REGION]
# REGION (e.g. "$(kit_region)": AWS_REGION / AWS_DEFAULT_REGION) is the stand-in's --region; empty:
# its default, us-east-1. kit_offline_check_region, after kit_offline_env, refuses a reused stand-in
# of another region. Sets KIT_OFFLINE_PID (empty when an already running server was reused) and
# KIT_OFFLINE_URL.
KIT_OFFLINE_PID=""
KIT_OFFLINE_URL=""
kit_offline_start() {
  local port="$1" state="$2" scale="$3" logfile="$4" region="${5:-}" bin timeout waited=0
  KIT_OFFLINE_URL="http://127.0.0.1:$port"
  if kit_offline_healthy "$KIT_OFFLINE_URL"; then
    kit_log "reusing the stand-in already running at $KIT_OFFLINE_URL (it stays running)"
    KIT_OFFLINE_PID=""
    return 0
  fi
  bin="$(kit_offline_bin)"
  mkdir -p "$state" "$(dirname "$logfile")"
  local region_args=()
  [[ -n "$region" ]] && region_args=(--region "$region")
  kit_log "starting $bin serve --port $port --state-dir $state --gdelt-scale $scale${region:+ --region $region} (log: $logfile)"
  "$bin" serve --port "$port" --state-dir "$state" --gdelt-scale "$scale" "${region_args[@]}" >"$logfile" 2>&1 &
  KIT_OFFLINE_PID=$!
  # First start at full scale seeds six GDELT years; allow for it.
  timeout="${KIT_OFFLINE_START_TIMEOUT:-900}"
  until grep -q "sagemaker-offline listening on http://127.0.0.1:$port" "$logfile" 2>/dev/null &&
    kit_offline_healthy "$KIT_OFFLINE_URL"; do
    if ! kill -0 "$KIT_OFFLINE_PID" 2>/dev/null; then
      local pid="$KIT_OFFLINE_PID"
      KIT_OFFLINE_PID=""
      tail -n 20 "$logfile" >&2 || true
      kit_die "sagemaker-offline (pid $pid) exited before it was ready; log: $logfile"
    fi
    if ((waited >= timeout * 2)); then
      tail -n 20 "$logfile" >&2 || true
      kit_die "sagemaker-offline did not become ready within ${timeout}s (KIT_OFFLINE_START_TIMEOUT); log: $logfile"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  kit_log "stand-in ready at $KIT_OFFLINE_URL (pid $KIT_OFFLINE_PID)"
}

# kit_offline_check_region REGION — after kit_offline_env: the stand-in's region (now AWS_REGION) must be
# REGION when one was asked for (a stand-in reused on the port may run in another one).
kit_offline_check_region() {
  local want="${1:-}"
  [[ -z "$want" || "$AWS_REGION" == "$want" ]] && return 0
  kit_die "the stand-in at ${AWS_ENDPOINT_URL:-its port} runs in $AWS_REGION, but AWS_REGION/AWS_DEFAULT_REGION asks for $want: stop that stand-in, choose another port (--port or KIT_OFFLINE_PORT), or change AWS_REGION"
}

# The default state dir of a stand-in at SCALE in REGION: $KIT_OUT/state/scale-S, with -REGION
# appended outside us-east-1 (buckets keep the region they were created in, so one state dir per
# region keeps sagemaker-offline-workshop in the run's region).
kit_offline_state_default() {
  local scale="$1" region="${2:-}"
  if [[ -n "$region" && "$region" != us-east-1 ]]; then
    printf '%s\n' "$KIT_OUT/state/scale-$scale-$region"
  else
    printf '%s\n' "$KIT_OUT/state/scale-$scale"
  fi
}

# Stops the stand-in if this script started it (SIGTERM, then waits up to 20 s).
kit_offline_stop() {
  local pid="${KIT_OFFLINE_PID:-}"
  [[ -z "$pid" ]] && return 0
  KIT_OFFLINE_PID=""
  if kill -0 "$pid" 2>/dev/null; then
    kit_log "stopping the stand-in (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      kit_log "stand-in (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# When offline and no endpoint is configured, load the settings of the default local stand-in
# (port KIT_OFFLINE_PORT or 18999, state dir SAGEMAKER_OFFLINE_STATE_DIR) if it is running.
kit_ensure_endpoint() {
  if [[ "$(kit_target)" != offline ]] || [[ -n "$(kit_sagemaker_endpoint)" ]]; then
    return 0
  fi
  local port="${KIT_OFFLINE_PORT:-18999}"
  local state="${SAGEMAKER_OFFLINE_STATE_DIR:-}"
  if [[ -z "$state" ]]; then
    kit_die "KIT_TARGET=offline but AWS_ENDPOINT_URL is not set. Start the stand-in and load its settings:
  $(kit_offline_bin 2>/dev/null || echo sagemaker-offline) serve &   then   eval \"\$(sagemaker-offline env)\"
or run scripts/workshop.sh, which does both."
  fi
  kit_offline_healthy "http://127.0.0.1:$port" ||
    kit_die "KIT_TARGET=offline but no stand-in answers at http://127.0.0.1:$port (start it: sagemaker-offline serve --port $port --state-dir $state)"
  kit_offline_env "$port" "$state"
}

# The region the CLI will use from the environment (empty: the profile's, see kit_resolve_settings).
kit_region() {
  printf '%s\n' "${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
}

# Linear Learner training image for REGION (the table in crates/kit, shared with the notebooks).
kit_training_image_for() {
  local out
  out="$(kit_cli image "$1" 2>&1)" ||
    kit_die "$out; set KIT_TRAINING_IMAGE"
  printf '%s\n' "$out"
}

# The last line of a failed CLI call's output (the CLI's one-line error message).
kit_last_line() {
  printf '%s\n' "$1" | sed '/^[[:space:]]*$/d' | tail -n 1
}

# Resolves the workshop's values into KIT_TARGET, KIT_REGION, KIT_BUCKET, KIT_PREFIX, KIT_ROLE_ARN,
# KIT_TRAINING_IMAGE, KIT_GDELT_BUCKET, KIT_JOBS_FILE with the one rule (`kit settings`, see
# docs/SEMANTICS.md "Settings"): KIT_* first; offline defaults only for the stand-in; on AWS the
# region from the configuration, SageMaker's default bucket sagemaker-<region>-<account> (STS), the
# notebook instance's execution role (metadata file → describe-notebook-instance) and the region's
# Linear Learner image. This function only makes the AWS CLI calls the rule asks for
# (`kit settings needs`); a refusal names the setting to change.
kit_resolve_settings() {
  local out target region facts=() KIT_NEED_ACCOUNT=0 KIT_NEED_METADATA=0 KIT_NOTEBOOK_INSTANCE=""
  out="$(kit_cli settings needs 2>&1)" || kit_die "$out"
  eval "$out"
  target="$(kit_target)"
  region="$(kit_region)"
  if [[ -z "$region" && "$target" == aws ]]; then
    region="$(aws configure get region 2>/dev/null || true)"
  fi
  [[ -n "$region" ]] && facts+=(--region "$region")
  if [[ "$KIT_NEED_ACCOUNT" == 1 ]]; then
    # The account (default bucket) and the caller's ARN (an assumed role is the execution role when
    # the notebook instance's cannot be read), tab-separated.
    if out="$(aws ${region:+--region "$region"} sts get-caller-identity --query '[Account,Arn]' --output text 2>&1)"; then
      local account caller
      IFS=$'\t' read -r account caller <<<"$out"
      facts+=(--account "$account")
      [[ -n "${caller:-}" ]] && facts+=(--caller-arn "$caller")
    else
      facts+=(--account-error "$(kit_last_line "$out")")
    fi
  fi
  if [[ -n "$KIT_NOTEBOOK_INSTANCE" ]]; then
    if out="$(aws ${region:+--region "$region"} sagemaker describe-notebook-instance \
      --notebook-instance-name "$KIT_NOTEBOOK_INSTANCE" --query RoleArn --output text 2>&1)"; then
      facts+=(--described-role "$out")
    else
      facts+=(--described-role-error "$(kit_last_line "$out")")
    fi
  fi
  out="$(kit_cli settings export "${facts[@]}" 2>&1)" || kit_die "$out"
  eval "$out"
  if [[ "$target" == aws ]]; then
    # A bucket in another region fails every training job: name the setting now. (No answer —
    # the bucket does not exist yet, or no permission — leaves the check to the first upload.)
    local where
    if where="$(aws --region "$KIT_REGION" s3api get-bucket-location --bucket "$KIT_BUCKET" \
      --query LocationConstraint --output text 2>/dev/null)"; then
      [[ "$where" == None || -z "$where" ]] && where=us-east-1
      [[ "$where" == EU ]] && where=eu-west-1
      out="$(kit_cli settings export "${facts[@]}" --bucket-region "$where" 2>&1 >/dev/null)" || kit_die "$out"
    fi
  fi
  export KIT_TARGET KIT_REGION KIT_BUCKET KIT_PREFIX KIT_ROLE_ARN KIT_TRAINING_IMAGE KIT_GDELT_BUCKET KIT_JOBS_FILE \
    KIT_ENDPOINT_INSTANCE_TYPE
  export AWS_REGION="$KIT_REGION" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$KIT_REGION}"
}

# kit_jobs_set KEY VALUE [KEY VALUE …] — sets top-level (or dotted, e.g. endpoints.sharded) keys in
# $KIT_JOBS_FILE: one locked read-modify-write (`kit jobs set`), so replicated.sh and sharded.sh,
# started together, never lose each other's entry.
kit_jobs_set() {
  kit_cli jobs set "$@" || kit_die "could not record $* in $KIT_JOBS_FILE"
}

# kit_jobs_get KEY — prints the (dotted) key from $KIT_JOBS_FILE, or nothing.
kit_jobs_get() {
  kit_cli jobs get "$1"
}

# kit_json_field PATH — prints a value from the JSON on stdin (dotted path, list items by index
# as in ProductionVariants.0.ModelName, -1 for the last; missing → empty).
kit_json_field() {
  kit_cli json "$1"
}

# kit_wait_training_job NAME POLL_SECONDS OUT_JSON — polls describe-training-job every few seconds
# (the CLI waiter sleeps 120 s between polls), prints each status change, saves the final describe
# output to OUT_JSON and returns 0 only for Completed.
kit_wait_training_job() {
  local name="$1" poll="$2" out_json="$3" desc status secondary message last="" reason
  local errors=0
  mkdir -p "$(dirname "$out_json")"
  while true; do
    if ! desc="$(aws sagemaker describe-training-job --training-job-name "$name" --output json 2>&1)"; then
      errors=$((errors + 1))
      if ((errors >= 5)); then
        printf '%s\n' "$desc" >&2
        kit_log "$name: describe-training-job failed 5 times in a row; giving up"
        return 1
      fi
      kit_log "$name: describe-training-job failed (attempt $errors of 5): $desc"
      sleep "$poll"
      continue
    fi
    errors=0
    status="$(kit_json_field TrainingJobStatus <<<"$desc")"
    secondary="$(kit_json_field SecondaryStatus <<<"$desc")"
    message="$(kit_json_field SecondaryStatusTransitions.-1.StatusMessage <<<"$desc")"
    if [[ "$status/$secondary" != "$last" ]]; then
      kit_log "$name: $status / $secondary${message:+ — $message}"
      last="$status/$secondary"
    fi
    case "$status" in
      Completed | Failed | Stopped) break ;;
    esac
    sleep "$poll"
  done
  printf '%s\n' "$desc" >"$out_json"
  kit_log "$name: final description saved to $out_json"
  if [[ "$status" != Completed ]]; then
    reason="$(kit_json_field FailureReason <<<"$desc")"
    kit_log "$name: training job ended $status: ${reason:-no FailureReason given}"
    return 1
  fi
  return 0
}

# ---- replicated.sh / sharded.sh ---------------------------------------------------------------

# The workshop's scripts start their job and return (the learner starts the second one right
# away); --wait is the kit's addition for scripted runs (workshop.sh).
KIT_WAIT=0
KIT_POLL_SECONDS="${KIT_POLL_SECONDS:-3}"

# kit_job_args KIND "$@" — options shared by replicated.sh and sharded.sh; resolves the settings.
kit_job_args() {
  local kind="$1"
  shift
  while (($#)); do
    case "$1" in
      --wait) KIT_WAIT=1 ;;
      --no-wait) KIT_WAIT=0 ;;
      --poll)
        [[ $# -ge 2 && "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]] || kit_die "--poll needs a number of seconds"
        KIT_POLL_SECONDS="$2"
        shift
        ;;
      -h | --help)
        local dist=FullyReplicated
        [[ "$kind" == sharded ]] && dist=ShardedByS3Key
        cat <<HELP
Usage: scripts/$kind.sh [--wait | --no-wait] [--poll SECONDS]

Starts the workshop's $dist Linear Learner training job with the AWS CLI (5 x ml.c4.2xlarge,
feature_dim=25, mini_batch_size=500, predictor_type=regressor, epochs=2, num_models=32,
loss=absolute_loss; validation channel FullyReplicated), prints the job name on stdout, records it as
"$kind" in \$KIT_JOBS_FILE and returns, as the workshop's script does (default --no-wait): start
the other script right away, both jobs run at the same time. With --wait it then polls
describe-training-job every --poll seconds (default 3, or KIT_POLL_SECONDS), printing status
changes, saves the final description to \$KIT_OUT/jobs/<name>.json and exits non-zero with the
FailureReason if the job does not complete.

Settings (environment):
  KIT_TARGET          offline | aws. Default: offline when AWS_ENDPOINT_URL(_SAGEMAKER) is a loopback
                      URL (the stand-in; load it with: eval "\$(sagemaker-offline env)"), else aws.
  KIT_ROLE_ARN        SageMaker execution role ARN. Offline default arn:aws:iam::$KIT_OFFLINE_ACCOUNT:role/SageMakerRole;
                      on AWS the notebook instance's execution role (describe-notebook-instance)
  KIT_BUCKET          bucket notebook 1 uploaded to, with or without s3://. Offline default
                      sagemaker-offline-workshop; on AWS SageMaker's default bucket sagemaker-<region>-<account>
  AWS_REGION          or AWS_DEFAULT_REGION, else the profile's region (offline default us-east-1)
  KIT_TRAINING_IMAGE  default: the region's Linear Learner image (the table in crates/kit: kit image REGION)
  KIT_PREFIX          key prefix of train/ and validation/ (default sagemaker/data_distribution_types)
  KIT_JOB_NAME        job name (default DEMO-linear-$kind-<date>-<milliseconds>)
  KIT_JOBS_FILE       jobs file (default \$KIT_OUT/jobs.json)     KIT_OUT  output dir (default <repo>/out)
The rule is docs/SEMANTICS.md "Settings"; \`kit settings json\` shows what it resolves to.
HELP
        exit 0
        ;;
      *) kit_die "unknown argument '$1' (see --help)" ;;
    esac
    shift
  done
  kit_aws_path >/dev/null
  kit_bin >/dev/null
  kit_ensure_endpoint
  kit_resolve_settings
}

kit_job_starting() {
  local name="$1" data="$2" out
  out="$(kit_cli name check-job "$name" 2>&1)" || kit_die "$out"
  kit_log "target $(kit_target)${AWS_ENDPOINT_URL:+ ($AWS_ENDPOINT_URL)}, region $KIT_REGION"
  kit_log "creating training job $name (train data $data/, image $KIT_TRAINING_IMAGE)"
}

kit_job_create_failed() {
  local name="$1" data="$2"
  kit_die "create-training-job for $name failed (the CLI's message is above). Check that notebook 1 uploaded the data under $data/ and $(dirname "$data")/validation/, and the settings in --help."
}

# kit_job_started KIND NAME — records and (with --wait) waits; exits with the job's outcome. Without
# --wait it says how to follow the job.
kit_job_started() {
  local kind="$1" name="$2"
  printf '%s\n' "$name"
  kit_jobs_set "$kind" "$name"
  kit_log "recorded $kind=$name in $KIT_JOBS_FILE"
  if [[ "$KIT_WAIT" == 1 ]]; then
    kit_wait_training_job "$name" "$KIT_POLL_SECONDS" "$KIT_OUT/jobs/$name.json" || exit 1
  else
    kit_log "started; not waiting (--wait waits). Follow it with: aws sagemaker describe-training-job --training-job-name $name --query TrainingJobStatus"
  fi
}
