#!/usr/bin/env bash
# Warms evcxr for the notebooks: runs a two-cell notebook (`:dep kernel_helpers` + one cell that
# renders a table and a chart) with the same evcxr settings scripts/run-notebooks.sh uses —
# EVCXR_CONFIG_DIR=.ci/evcxr (:opt 0, :cache 20000), the reused EVCXR_TMPDIR (default
# ~/.cache/kit-evcxr/tmp) and dependencies at opt-level KIT_EVCXR_DEPS_OPT (default 1; see
# kit_evcxr_setup in scripts/common.sh). Afterwards the first `:dep` cell of a notebook takes seconds instead of
# minutes: cargo's state in the tmpdir is reused, and the registry crates are in evcxr's cache
# (~/.cache/evcxr) even for a fresh tmpdir. scripts/setup.sh calls this; it is safe to re-run.
# Prints the time of each cell.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export PATH="$HOME/.cargo/bin:$PATH"

[[ -x "$KIT_ROOT/.venv/bin/jupyter" ]] || "$KIT_ROOT/scripts/python-env.sh" >&2
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
  kit_log "evcxr_jupyter missing: cargo install evcxr_jupyter --version 0.22.0 --locked"
  cargo install evcxr_jupyter --version 0.22.0 --locked >&2
fi
"$KIT_ROOT/.venv/bin/jupyter" kernelspec list 2>/dev/null | grep -qE '^\s*rust\s' || evcxr_jupyter --install >&2

kit_evcxr_setup

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$KIT_ROOT/.venv/bin/python" - "$work/warm.ipynb" "$KIT_ROOT/kernel-helpers" <<'PY'
import json, sys
path, helpers = sys.argv[1], sys.argv[2]
cells = [
    f':dep kernel_helpers = {{ path = "{helpers}" }}\nuse kernel_helpers::prelude::*;',
    'let mut t = Table::new(["a", "b"]);\nt.push(["1", "2"]);\nprintln!("{}", t.to_text());\n'
    'kernel_helpers::charts::bar_chart("warm-up", "n", &["x".to_string()], &[1.0])?',
]
nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"warm{i}", "metadata": {},
                 "outputs": [], "source": c} for i, c in enumerate(cells)],
      "metadata": {"kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}},
      "nbformat": 4, "nbformat_minor": 5}
json.dump(nb, open(path, "w"))
PY
kit_log "warming evcxr (opt $KIT_EVCXR_OPT_LEVEL, deps opt ${KIT_EVCXR_DEPS_OPT:-1}, tmpdir $EVCXR_TMPDIR, cache ~/.cache/evcxr); a cold run takes minutes"
t0="$(kit_now)"
"$KIT_ROOT/.venv/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=rust --ExecutePreprocessor.timeout=3600 \
  --ExecutePreprocessor.startup_timeout=300 \
  --output-dir "$work" --output warm-out.ipynb "$work/warm.ipynb" >&2
"$KIT_ROOT/.venv/bin/python" "$KIT_ROOT/scripts/check_notebooks.py" --no-expectations --timings "$work/warm-out.ipynb"
kit_log "evcxr warm-up done in $(kit_elapsed "$t0") s"
