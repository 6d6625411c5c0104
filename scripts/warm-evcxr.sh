#!/usr/bin/env bash
# Warms evcxr for the notebooks: runs a two-cell notebook (`:dep kernel_helpers` + one cell that
# renders a table and a chart) in the kit's Jupyter kernel "rust" (scripts/evcxr-kernel.sh, with
# the settings kit_evcxr_config writes: cells at `:opt` KIT_EVCXR_OPT (0), the dependencies at
# opt-level 0 except the crates of kernel-helpers/evcxr/opt-levels.txt, evcxr's `:cache`, fewer
# build jobs below 6 GiB of memory) in the first kernel build dir, $KIT_EVCXR_HOME/kernels/slot-0.
# Afterwards the first `:dep` cell of a notebook takes seconds instead of minutes: cargo's state in
# slot-0 is reused by the first kernel, and the registry crates are in evcxr's cache
# (~/.cache/evcxr) for any other. scripts/setup.sh calls this; it is safe to re-run.
# The second cell keeps its variable inside braces: evcxr asks rust-analyzer for the type of every
# top-level variable, and the first such question in a kernel makes it analyse the whole crate graph
# (12.9 s here, against 2.7 s for the same cell in braces; docs/BENCHMARKS.md, "The warm-up's check
# cell"). That analysis lives only in the warm-up's kernel process, so no notebook gains from it.
# Shows one progress line (scripts/progress.py); evcxr's own output goes to a log file.
# The `:dep` cell has no time limit (KIT_WARM_TIMEOUT seconds sets one): the cold build takes 6 min
# on an idle 2-core machine but over an hour with one build job on a loaded or throttled one (a 4 GiB
# instance compiles one crate at a time), and nbconvert's former 3600 s limit ended such a build
# with a cell error while cargo was still compiling (docs/BENCHMARKS.md, First run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export PATH="$HOME/.cargo/bin:$PATH"

[[ -x "$KIT_ROOT/.venv/bin/jupyter" ]] || "$KIT_ROOT/scripts/python-env.sh" >&2
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
  kit_log "evcxr_jupyter missing: cargo install evcxr_jupyter --version 0.22.0 --locked"
  cargo install evcxr_jupyter --version 0.22.0 --locked >&2
fi

kit_memory_check
kit_evcxr_setup
slot="$KIT_EVCXR_HOME/kernels/slot-0"
mkdir -p "$slot"
exec 8>"$slot.lock"
flock -n 8 || kit_die "a notebook kernel is using $slot: shut it down (Kernel → Shut Down) and re-run"
exec 8>&-
export EVCXR_TMPDIR="$slot"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The helpers' path as the notebooks' `:dep kernel_helpers = { path = "../kernel-helpers" }` ends up:
# evcxr makes a relative path absolute and canonical (evcxr/src/crate_config.rs at v0.22.0), so with
# realpath the warm-up writes the same Cargo.toml as a notebook's first cell, symlinks or not.
"$(kit_python)" "$KIT_ROOT/scripts/make-notebook.py" "$work/warm.ipynb" \
  ":dep kernel_helpers = { path = \"$(realpath "$KIT_ROOT/kernel-helpers")\" }
use kernel_helpers::prelude::*;" \
  '{
    let mut t = Table::new(["a", "b"]);
    t.push(["1", "2"]);
    println!("{}", t.to_text());
}
kernel_helpers::charts::bar_chart("warm-up", "n", &["x".to_string()], &[1.0])?'
kit_log "warming evcxr (opt $KIT_EVCXR_OPT_LEVEL, deps opt ${KIT_EVCXR_DEPS_OPT:-0} + kernel-helpers/evcxr/opt-levels.txt, build dir $EVCXR_TMPDIR, cache ${XDG_CACHE_HOME:-~/.cache}/evcxr)"
t0="$(kit_now)"
touch "$work/started"
log="$KIT_OUT/logs/warm-evcxr.log"
mkdir -p "$(dirname "$log")"
: >"$log"
"$(kit_python)" "$KIT_ROOT/scripts/progress.py" --label "compiling the notebooks' dependencies (evcxr)" \
  --log "$log" --fingerprints "$slot/target/debug/.fingerprint" \
  --fingerprints "$slot/target/$(rustc -vV | sed -n 's/^host: //p')/debug/.fingerprint" --reference evcxr-deps -- \
  "$KIT_ROOT/.venv/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=rust --ExecutePreprocessor.timeout="${KIT_WARM_TIMEOUT:-0}" \
  --ExecutePreprocessor.startup_timeout=300 \
  --output-dir "$work" --output warm-out.ipynb "$work/warm.ipynb"
"$KIT_ROOT/.venv/bin/python" "$KIT_ROOT/scripts/check_notebooks.py" --no-expectations --timings "$work/warm-out.ipynb"
# What the cells compiled besides their own crate (ctx): the cold build's ~370 crates, or none when
# slot-0 was already warm.
compiled="$(find "$slot/target" -path '*/.fingerprint/*/invoked.timestamp' -newer "$work/started" 2>/dev/null |
  grep -vc '/\.fingerprint/ctx-' || true)"
kit_log "evcxr warm-up done in $(kit_elapsed "$t0") s; besides the cells, $compiled crate(s) compiled"
