#!/usr/bin/env bash
# Turns the executed notebooks (out/notebooks/*.ipynb) into one self-contained page,
# out/handout/index.html, that an attendee can keep: the workshop's summary table (training time of
# both jobs, the ratio, test errors of both models) followed by every notebook with its outputs
# (tables and charts inline, no network needed to view it), plus out/handout/summary.json.
# The summary is computed here (not in workshop.sh) so a handout made later from the same outputs
# carries the same numbers.
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

# 1. summary.json + the table (and combined.ipynb for the page).
"$py" - "$KIT_JOBS_FILE" "$KIT_OUT/jobs" "$out_dir" "$summary_only" "${notebooks[@]}" <<'PY'
import datetime, json, math, os, re, sys

jobs_file, jobs_dir, out_dir, summary_only, notebooks = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5:]

def die(msg):
    sys.exit(f"make-handout: error: {msg}")

def ts(v):
    """Epoch seconds from a describe-training-job timestamp (CLI v1 prints numbers, v2 ISO-8601)."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except ValueError:
        return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()

jobs = {}
if os.path.exists(jobs_file):
    try:
        jobs = json.load(open(jobs_file))
    except ValueError as e:
        die(f"{jobs_file}: not valid JSON ({e})")

summary = {"generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "jobs": {}, "notebooks": [os.path.basename(n) for n in notebooks]}
for kind in ("replicated", "sharded"):
    name = jobs.get(kind)
    entry = {"job": name}
    if name:
        path = os.path.join(jobs_dir, f"{name}.json")
        if os.path.exists(path):
            try:
                d = json.load(open(path))
            except ValueError as e:
                die(f"{path}: not valid JSON ({e})")
            start, end = ts(d.get("TrainingStartTime")), ts(d.get("TrainingEndTime"))
            channels = {c.get("ChannelName"): c.get("DataSource", {}).get("S3DataSource", {}).get("S3DataDistributionType")
                        for c in d.get("InputDataConfig", [])}
            entry.update({
                "status": d.get("TrainingJobStatus"),
                "distribution": channels.get("train"),
                "instance_count": d.get("ResourceConfig", {}).get("InstanceCount"),
                "instance_type": d.get("ResourceConfig", {}).get("InstanceType"),
                "training_start": start, "training_end": end,
                "training_seconds": (end - start) if start is not None and end is not None else None,
                "training_time_in_seconds": d.get("TrainingTimeInSeconds"),
                "billable_time_in_seconds": d.get("BillableTimeInSeconds"),
                "final_metrics": {m.get("MetricName"): m.get("Value") for m in d.get("FinalMetricDataList", [])},
                "description_file": path,
            })
    endpoint = (jobs.get("endpoints") or {}).get(kind)
    if endpoint:
        entry["endpoint"] = endpoint
    summary["jobs"][kind] = entry

r, s = summary["jobs"]["replicated"], summary["jobs"]["sharded"]
def ratio(a, b):
    return b / a if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > 0 else None
def whole_ratio(a, b):
    # A ratio of whole-second fields is only shown when both are long enough for the rounding to
    # matter less than 1 % (at --scale 0.05 both jobs report 1 s and the ratio would read 1.000).
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and min(a, b) >= 100:
        return b / a
    return None
summary["ratio_sharded_over_replicated"] = {
    "training_seconds": ratio(r.get("training_seconds"), s.get("training_seconds")),
    "training_time_in_seconds": whole_ratio(r.get("training_time_in_seconds"), s.get("training_time_in_seconds")),
    "billable_time_in_seconds": whole_ratio(r.get("billable_time_in_seconds"), s.get("billable_time_in_seconds")),
}

# Test errors: notebook 3 prints lines like "replicated: MSE=12.3 MAE=1.5".
line_re = re.compile(r"^\s*(replicated|sharded):\s*MSE=(\S+)\s+MAE=(\S+)\s*$", re.M)
errors = {}
for nb_path in notebooks:
    try:
        nb = json.load(open(nb_path))
    except ValueError as e:
        die(f"{nb_path}: not valid JSON ({e})")
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            text = o.get("text", "") if o.get("output_type") == "stream" else (o.get("data", {}) or {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            for kind, mse, mae in line_re.findall(text):
                try:
                    errors[kind] = {"mse": float(mse.rstrip(",;")), "mae": float(mae.rstrip(",;")), "notebook": os.path.basename(nb_path)}
                except ValueError:
                    die(f"{nb_path}: cannot read the numbers in '{kind}: MSE={mse} MAE={mae}'")
for kind in ("replicated", "sharded"):
    if kind in errors:
        summary["jobs"][kind]["test_mse"] = errors[kind]["mse"]
        summary["jobs"][kind]["test_mae"] = errors[kind]["mae"]

def fmt(v, digits=3):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.{digits}f}"
    return str(v)

rows = [("", "replicated", "sharded", "sharded / replicated")]
rat = summary["ratio_sharded_over_replicated"]
rows.append(("training job", r.get("job") or "-", s.get("job") or "-", ""))
rows.append(("train channel", fmt(r.get("distribution")), fmt(s.get("distribution")), ""))
rows.append(("instances", f"{fmt(r.get('instance_count'))} x {fmt(r.get('instance_type'))}",
             f"{fmt(s.get('instance_count'))} x {fmt(s.get('instance_type'))}", ""))
rows.append(("training time (start→end), s", fmt(r.get("training_seconds")), fmt(s.get("training_seconds")), fmt(rat["training_seconds"])))
whole = "(whole seconds: no ratio below 100 s)"
rows.append(("TrainingTimeInSeconds (whole s)", fmt(r.get("training_time_in_seconds")), fmt(s.get("training_time_in_seconds")),
             fmt(rat["training_time_in_seconds"]) if rat["training_time_in_seconds"] is not None else whole))
rows.append(("BillableTimeInSeconds (whole s, per instance)", fmt(r.get("billable_time_in_seconds")), fmt(s.get("billable_time_in_seconds")),
             fmt(rat["billable_time_in_seconds"]) if rat["billable_time_in_seconds"] is not None else whole))
rows.append(("test MSE (1984)", fmt(r.get("test_mse"), 4), fmt(s.get("test_mse"), 4), ""))
rows.append(("test MAE (1984)", fmt(r.get("test_mae"), 4), fmt(s.get("test_mae"), 4), ""))
summary["table"] = rows

with open(os.path.join(out_dir, "summary.json"), "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")

widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
for i, row in enumerate(rows):
    print("  ".join(str(c).ljust(widths[j]) for j, c in enumerate(row)).rstrip())
    if i == 0:
        print("  ".join("-" * w for w in widths))

if summary_only:
    sys.exit(0)

# The combined notebook: a summary cell, then each notebook under its own heading.
import html
table = ["<table class=\"kit-summary\">"]
for i, row in enumerate(rows):
    tag = "th" if i == 0 else "td"
    table.append("<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row) + "</tr>")
table.append("</table>")
intro = ("# Parallelized Data Distribution — workshop handout\n\n"
         f"Generated {summary['generated_at']}. FullyReplicated copies the whole train channel to each of "
         "the 5 instances; ShardedByS3Key gives each instance about a fifth of the objects. "
         "The table compares the two training jobs and the test errors of the two hosted models "
         "(the numbers come from `summary.json` next to this page).\n\n" + "\n".join(table) + "\n\n"
         + "\n".join(f"- [{os.path.basename(n)}](#nb-{i})" for i, n in enumerate(notebooks)))
cells = [{"cell_type": "markdown", "metadata": {}, "source": intro}]
meta = None
def cli_block():
    """The workshop's create-training-job command, as scripts/replicated.sh runs it."""
    path = os.path.join(os.environ.get("KIT_ROOT", "."), "scripts", "replicated.sh")
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return None
    start = next((i for i, l in enumerate(lines) if l.startswith("training_data=")), None)
    end = next((i for i, l in enumerate(lines) if l.startswith("--stopping-condition")), None)
    if start is None or end is None:
        return None
    keep = [l for l in lines[start:end + 1] if not l.lstrip().startswith(("#", "kit_"))]
    return "\n".join(keep)

def step_cell(base):
    """Markdown for the workshop's terminal steps that run between the notebooks."""
    names = {k: (summary["jobs"].get(k) or {}) for k in ("replicated", "sharded")}
    if base.startswith("2-"):
        block = cli_block()
        text = ("<a id=\"step-train\"></a>\n\n---\n\n# Workshop step: the two training jobs (terminal)\n\n"
                "After notebook 1, the workshop starts both jobs from a terminal with the AWS CLI: "
                "`scripts/replicated.sh`, then right away `scripts/sharded.sh` (each starts its job and "
                "returns; both jobs run at the same time). The core of `replicated.sh`:\n\n")
        if block:
            text += "```bash\n" + block + "\n```\n\n"
        text += ("`sharded.sh` is the same command with `S3DataDistributionType=ShardedByS3Key` for the "
                 "`train` channel (validation stays `FullyReplicated`). This run's jobs: "
                 + ", ".join(f"`{v.get('job')}` ({k}, {v.get('status')})" for k, v in names.items() if v) + ".")
        return text
    if base.startswith("3-"):
        eps = ", ".join(f"`{v.get('endpoint')}`" for v in names.values() if v.get("endpoint"))
        return ("<a id=\"step-deploy\"></a>\n\n---\n\n# Workshop step: hosting (terminal)\n\n"
                "The workshop creates a model, an endpoint configuration and an endpoint per job in the "
                "console, all named `distributed-replicated` / `distributed-sharded`. `scripts/deploy.sh` "
                "does the same with the AWS CLI, for each job (`NAME` is `distributed-replicated` or "
                "`distributed-sharded`):\n\n"
                "```bash\n"
                "aws sagemaker create-model --model-name $NAME \\\n"
                "    --primary-container Image=$TRAINING_IMAGE,ModelDataUrl=$(aws sagemaker describe-training-job \\\n"
                "        --training-job-name $JOB --query ModelArtifacts.S3ModelArtifacts --output text) \\\n"
                "    --execution-role-arn $ROLE_ARN\n"
                "aws sagemaker create-endpoint-config --endpoint-config-name $NAME \\\n"
                "    --production-variants VariantName=AllTraffic,ModelName=$NAME,InitialInstanceCount=1,InstanceType=ml.m4.xlarge\n"
                "aws sagemaker create-endpoint --endpoint-name $NAME --endpoint-config-name $NAME\n"
                "aws sagemaker wait endpoint-in-service --endpoint-name $NAME\n"
                "```\n\n"
                + (f"This run's endpoints: {eps}." if eps else ""))
    return None

for i, nb_path in enumerate(notebooks):
    nb = json.load(open(nb_path))
    meta = meta or nb.get("metadata", {})
    step = step_cell(os.path.basename(nb_path))
    if step:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": step})
    cells.append({"cell_type": "markdown", "metadata": {},
                  "source": f"<a id=\"nb-{i}\"></a>\n\n---\n\n# Notebook: {os.path.basename(nb_path)}"})
    for c in nb.get("cells", []):
        cells.append(dict(c))
combined = {"cells": cells, "metadata": meta or {}, "nbformat": 4, "nbformat_minor": 5}
for c in combined["cells"]:
    c.pop("id", None)
combined["nbformat_minor"] = 4
with open(os.path.join(out_dir, "combined.ipynb"), "w") as f:
    json.dump(combined, f)
PY

if [[ "$summary_only" == 1 ]]; then
  kit_log "wrote $out_dir/summary.json"
  exit 0
fi

# 2. HTML via nbconvert, then drop the external <script src=…> tags (require.js / MathJax CDN) so the
#    page is self-contained and loads without a network.
jupyter="$(dirname "$py")/jupyter"
[[ -x "$jupyter" ]] || jupyter="$(command -v jupyter || true)"
[[ -n "$jupyter" ]] || kit_die "jupyter (nbconvert) not found: run scripts/python-env.sh"
"$jupyter" nbconvert --to html --embed-images --output index --output-dir "$out_dir" \
  "$out_dir/combined.ipynb" >&2 ||
  kit_die "nbconvert failed on $out_dir/combined.ipynb"
"$py" - "$out_dir/index.html" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
s, n = re.subn(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", s)
s = re.sub(r'<link[^>]*\bhref="https?://[^"]*"[^>]*/?>', "", s)
open(p, "w", encoding="utf-8").write(s)
left = re.findall(r'(?:src|href)="https?://[^"]*"', s)
left = [x for x in left if not x.startswith('href="http')]  # plain links in prose are fine
if left:
    sys.exit(f"make-handout: error: {p} still loads external resources: {left[:3]}")
PY
rm -f "$out_dir/combined.ipynb"
kit_log "wrote $out_dir/index.html ($(du -h "$out_dir/index.html" | cut -f1)) and $out_dir/summary.json"
