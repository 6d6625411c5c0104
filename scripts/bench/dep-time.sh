#!/usr/bin/env bash
# Times a notebook's `:dep kernel_helpers` cell in the kit's kernel (the settings set-up writes:
# kit_evcxr_setup in scripts/common.sh), for comparing two versions of kernel-helpers' dependency
# tree (docs/BENCHMARKS.md, "`:dep kernel_helpers` before and after the typed client").
# Runs a one-cell notebook (`:dep kernel_helpers = { path = HELPERS }`) RUNS times in one build
# dir: the first run is cold when the build dir and evcxr's cache are new, the others are warm
# (a new kernel, everything compiled). Prints one line per run with the cell's wall time and load.
# Usage: scripts/bench/dep-time.sh HELPERS_DIR BUILD_DIR [RUNS]
#   HELPERS_DIR  a kernel-helpers directory (any version, e.g. in a `git worktree` of an old commit)
#   BUILD_DIR    the evcxr build dir (EVCXR_TMPDIR); empty or new for a cold first run
# Set XDG_CACHE_HOME to a new directory too for a cold run (evcxr's `:cache` lives under it), and
# KIT_EVCXR_HOME to keep the kit's configuration apart from the user's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
export PATH="$HOME/.cargo/bin:$PATH"
[[ $# -ge 2 && -f "$1/Cargo.toml" ]] || { echo "usage: dep-time.sh HELPERS_DIR BUILD_DIR [RUNS]" >&2; exit 2; }
helpers="$(cd "$1" && pwd)" build="$2" runs="${3:-2}"
kit_evcxr_setup
mkdir -p "$build"
export EVCXR_TMPDIR="$build"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$(kit_python)" "$KIT_ROOT/scripts/make-notebook.py" "$work/dep.ipynb" ":dep kernel_helpers = { path = \"$helpers\" }"
for ((i = 1; i <= runs; i++)); do
  load0="$(cut -d' ' -f1 /proc/loadavg)"
  t0="$(kit_now)"
  "$KIT_ROOT/.venv/bin/jupyter" nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.timeout=0 --ExecutePreprocessor.startup_timeout=300 \
    --output-dir "$work" --output "out-$i.ipynb" "$work/dep.ipynb" >"$work/nbconvert-$i.log" 2>&1 ||
    { cat "$work/nbconvert-$i.log" >&2; exit 1; }
  cell="$("$KIT_ROOT/.venv/bin/python" "$KIT_ROOT/scripts/check_notebooks.py" --no-expectations --timings "$work/out-$i.ipynb" |
    awk '$1 == "cell" { print "the :dep cell " $3 " s"; exit }')"
  echo "run $i: $helpers: notebook $(kit_elapsed "$t0") s; $cell; load ${load0} → $(cut -d' ' -f1 /proc/loadavg)"
done
