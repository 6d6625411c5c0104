#!/usr/bin/env python3
"""The handout page's two Python steps (nbconvert is Python; scripts/make-handout.sh runs both).

  assemble-handout.py combine SUMMARY_JSON OUT_IPYNB NOTEBOOK...
      one notebook: an introduction with the summary table (the rows `kit summary` wrote into
      SUMMARY_JSON), then each executed notebook under its own heading, with the workshop's
      terminal steps (the two training jobs, hosting) between them, as the workshop runs them
      With --experiments FILE (notebook 4's experiments.json) the introduction also gets the
      experiments' results table, read from that file
  assemble-handout.py experiments FILE
      prints that results table as text (make-handout.sh, after the summary table)
  assemble-handout.py strip HTML
      drops nbconvert's external <script src=...>/<link href=...> tags (require.js, MathJax's
      CDN) so the page loads without a network; fails if any external resource is left

The numbers come only from SUMMARY_JSON (`kit summary`: the jobs file, the saved job
descriptions and the test errors notebook 3 recorded), never from text a notebook printed.
"""
import html
import json
import os
import re
import sys


def die(msg):
    sys.exit(f"assemble-handout: error: {msg}")


def cli_block():
    """The workshop's create-training-job command, as scripts/replicated.sh runs it."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "replicated.sh")
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        return None
    start = next((i for i, l in enumerate(lines) if l.startswith("training_data=")), None)
    end = next((i for i, l in enumerate(lines) if l.startswith("--stopping-condition")), None)
    if start is None or end is None:
        return None
    keep = [l for l in lines[start:end + 1] if not l.lstrip().startswith(("#", "kit_"))]
    return "\n".join(keep)

def step_cell(base, summary):
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


def fmt(v, digits=3):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def experiments_rows(path):
    """Notebook 4's results file → (header + one row per job, the file's context)."""
    try:
        e = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as err:
        die(f"{path}: {err}")
    rows = [("train distribution", "instances", "epochs", "status", "training time (start→end), s",
             "billed instance-seconds", "compute, USD", "epochs run", "test MAE", "test MSE")]
    for r in e.get("results", []):
        rows.append((r.get("distribution"), r.get("instances"), r.get("epochs"), r.get("status"),
                     fmt(r.get("training_seconds")), fmt(r.get("billed_instance_seconds"), 0),
                     fmt(r.get("compute_usd"), 5), len(r.get("validation_loss_by_epoch") or []),
                     fmt(r.get("test_mae"), 4), fmt(r.get("test_mse"), 4)))
    return rows, e


def print_experiments(path):
    rows, e = experiments_rows(path)
    done = sum(1 for r in e.get("results", []) if r.get("status") == "Completed")
    print(f"\nexperiments (notebook 4): {done} of {len(rows) - 1} jobs completed ({path})")
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(str(c).ljust(widths[j]) for j, c in enumerate(row)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def experiments_section(path):
    rows, e = experiments_rows(path)
    done = sum(1 for r in e.get("results", []) if r.get("status") == "Completed")
    price = e.get("price") or {}
    t = ["<table class=\"kit-experiments\">"]
    for i, row in enumerate(rows):
        tag = "th" if i == 0 else "td"
        t.append("<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row) + "</tr>")
    t.append("</table>")
    return ("\n\n## The experiments (notebook 4)\n\n"
            f"{done} of {len(rows) - 1} training jobs completed, each the workshop's request with the "
            "instance count, the train distribution or the epochs changed, scored on 1984. Compute = "
            f"BillableTimeInSeconds (per instance) × instances × {price.get('usd_per_hour')} USD per "
            f"{price.get('instance_type')} hour ({price.get('region')}, copied {price.get('as_of')} from "
            f"{price.get('source')}; check it there). The numbers come from `experiments.json`, the file "
            "notebook 4 writes; its charts are in the notebook below.\n\n" + "\n".join(t))


def combine(summary_path, out_path, notebooks):
    experiments = None
    if notebooks[:1] == ["--experiments"]:
        if len(notebooks) < 2:
            die("--experiments needs a file")
        experiments, notebooks = notebooks[1], notebooks[2:]
    try:
        summary = json.load(open(summary_path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        die(f"{summary_path}: {e}")
    rows = summary["table"]
    table = ["<table class=\"kit-summary\">"]
    for i, row in enumerate(rows):
        tag = "th" if i == 0 else "td"
        table.append("<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row) + "</tr>")
    table.append("</table>")
    intro = ("# Parallelized Data Distribution — workshop handout\n\n"
             f"Generated {summary['generated_at']}. FullyReplicated copies the whole train channel to each of "
             "the 5 instances; ShardedByS3Key gives each instance about a fifth of the objects. "
             "The table compares the two training jobs and the test errors of the two hosted models "
             "(the numbers come from `summary.json` next to this page).\n\n" + "\n".join(table)
             + (experiments_section(experiments) if experiments else "") + "\n\n"
             + "\n".join(f"- [{os.path.basename(n)}](#nb-{i})" for i, n in enumerate(notebooks)))
    cells = [{"cell_type": "markdown", "metadata": {}, "source": intro}]
    meta = None
    for i, nb_path in enumerate(notebooks):
        try:
            nb = json.load(open(nb_path, encoding="utf-8"))
        except (OSError, ValueError) as e:
            die(f"{nb_path}: {e}")
        meta = meta or nb.get("metadata", {})
        step = step_cell(os.path.basename(nb_path), summary)
        if step:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": step})
        cells.append({"cell_type": "markdown", "metadata": {},
                      "source": f"<a id=\"nb-{i}\"></a>\n\n---\n\n# Notebook: {os.path.basename(nb_path)}"})
        for c in nb.get("cells", []):
            c = dict(c)
            c.pop("id", None)
            cells.append(c)
    combined = {"cells": cells, "metadata": meta or {}, "nbformat": 4, "nbformat_minor": 4}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(combined, f)


def strip(p):
    s = open(p, encoding="utf-8").read()
    s = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", s)
    s = re.sub(r'<link[^>]*\bhref="https?://[^"]*"[^>]*/?>', "", s)
    open(p, "w", encoding="utf-8").write(s)
    left = re.findall(r'(?:src|href)="https?://[^"]*"', s)
    left = [x for x in left if not x.startswith('href="http')]  # plain links in prose are fine
    if left:
        die(f"{p} still loads external resources: {left[:3]}")


def main(argv):
    if len(argv) >= 4 and argv[1] == "combine":
        combine(argv[2], argv[3], argv[4:])
    elif len(argv) == 3 and argv[1] == "experiments":
        print_experiments(argv[2])
    elif len(argv) == 3 and argv[1] == "strip":
        strip(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
