#!/usr/bin/env bash
# Turns the executed notebooks (out/notebooks/*.ipynb) into one self-contained page,
# out/handout/index.html, that an attendee can keep: the workshop's summary table (training time of
# both jobs, the ratio, test errors of both models) followed by every notebook with its outputs
# (tables and charts inline, no network needed to view it), plus out/handout/summary.json.
# The summary is computed here (not in workshop.sh) so a handout made later from the same outputs
# carries the same numbers. When notebook 4 ran, its results file (\$KIT_EXPERIMENTS_FILE, default
# \$KIT_OUT/experiments.json) adds a short results table of the experiments (its charts come with
# the notebook) and is printed after the summary table.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

nb_dir="$KIT_OUT/notebooks"
out_dir="$KIT_OUT/handout"
summary_only=0
while (($#)); do
  case "$1" in
    --notebooks)
      [[ $# -ge 2 ]] || kit_die "--notebooks needs a directory"
      nb_dir="$2"
      shift
      ;;
    --out)
      [[ $# -ge 2 ]] || kit_die "--out needs a directory"
      out_dir="$2"
      shift
      ;;
    --summary-only) summary_only=1 ;;
    -h | --help)
      cat <<HELP
Usage: scripts/make-handout.sh [--notebooks DIR] [--out DIR] [--summary-only]

Reads the executed notebooks in DIR (default \$KIT_OUT/notebooks), the jobs file \$KIT_JOBS_FILE
and the saved job descriptions \$KIT_OUT/jobs/<job>.json (written by replicated.sh / sharded.sh),
writes OUT/summary.json (default OUT = \$KIT_OUT/handout) and prints the summary table; unless
--summary-only, also writes OUT/index.html: the summary table and all notebooks with their outputs
in one self-contained page (nbconvert to HTML; external scripts removed; images inline).
Check it with scripts/check-handout.sh.
HELP
      exit 0
      ;;
    *) kit_die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

py="$(kit_python)"
mkdir -p "$out_dir"
shopt -s nullglob
notebooks=("$nb_dir"/*.ipynb)
shopt -u nullglob
if [[ "$summary_only" == 0 && ${#notebooks[@]} -eq 0 ]]; then
  kit_die "no executed notebooks in $nb_dir (run scripts/run-notebooks.sh or scripts/workshop.sh first)"
fi

# 1. summary.json + the table: `kit summary` (crates/kit/src/summary.rs) from the jobs file, the
#    descriptions replicated.sh/sharded.sh --wait saved and the test errors notebook 3 recorded.
kit_cli summary "$KIT_OUT/jobs" "$out_dir/summary.json" "${notebooks[@]}" ||
  kit_die "kit summary failed (see above)"
if [[ "$summary_only" == 1 ]]; then
  kit_log "wrote $out_dir/summary.json"
  exit 0
fi

# 2. One notebook (the summary table, the notebooks, the terminal steps between them), HTML via
#    nbconvert, then drop the external <script src=…> tags (require.js / MathJax CDN) so the
#    page is self-contained and loads without a network.
jupyter="$(dirname "$py")/jupyter"
[[ -x "$jupyter" ]] || jupyter="$(command -v jupyter || true)"
[[ -n "$jupyter" ]] || kit_die "jupyter (nbconvert) not found: run scripts/python-env.sh"
experiments_file="${KIT_EXPERIMENTS_FILE:-$KIT_OUT/experiments.json}"
experiments_args=()
if [[ -f "$experiments_file" ]]; then
  experiments_args=(--experiments "$experiments_file")
  "$py" "$KIT_ROOT/scripts/assemble-handout.py" experiments "$experiments_file"
fi
"$py" "$KIT_ROOT/scripts/assemble-handout.py" combine "$out_dir/summary.json" "$out_dir/combined.ipynb" \
  "${experiments_args[@]}" "${notebooks[@]}"
"$jupyter" nbconvert --to html --embed-images --output index --output-dir "$out_dir" \
  "$out_dir/combined.ipynb" >&2 ||
  kit_die "nbconvert failed on $out_dir/combined.ipynb"
"$py" "$KIT_ROOT/scripts/assemble-handout.py" strip "$out_dir/index.html"
rm -f "$out_dir/combined.ipynb"
kit_log "wrote $out_dir/index.html ($(du -h "$out_dir/index.html" | cut -f1)) and $out_dir/summary.json"
