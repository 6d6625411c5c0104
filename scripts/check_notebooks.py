#!/usr/bin/env python3
"""Checks executed evcxr notebooks; exits 1 if any check fails.

A panicking evcxr cell does not fail `jupyter nbconvert --execute` (the panic only appears as a
stderr stream and execution goes on), so CI must read the executed notebook. Per notebook:

* every code cell ran (has an execution count);
* no `error` output; no stderr stream with `panicked at`, a compile error (`error[E…]`),
  evcxr's "Couldn't automatically determine type" or a tokio "no reactor running";
* every image payload is valid (SVG contains `<svg`, PNG is base64 of a PNG);
* the expected rich outputs are present (HTML tables, images) — by file-name prefix:
  `1-…` at least 6 HTML tables and 2 images, `2-…` at least 1 HTML table, 1 image, and the
  lines `replicated: MSE=<x> MAE=<y>` and `sharded: MSE=<x> MAE=<y>` with finite numbers;
  `4-…` (the experiments) at least 4 HTML tables and 7 charts, and the line
  `experiments: N of M jobs completed; results in <file>` with N = M ≥ 1 (a failed job fails the
  check: its one-line message is in the notebook's output).

With --timings, also prints each code cell's wall time (from nbclient's execution metadata).

Usage: check_notebooks.py [--no-expectations] [--timings] NOTEBOOK.ipynb...
"""
import base64
import datetime
import json
import math
import re
import sys

BAD_STDERR = [
    ("panicked at", "panic"),
    ("Couldn't automatically determine", "evcxr type inference failure"),
    ("there is no reactor running", "tokio runtime used across cells"),
]
COMPILE_ERROR = re.compile(r"^error(\[E\d+\])?:", re.M)
MSE_LINE = re.compile(r"^(replicated|sharded): MSE=(\S+) MAE=(\S+)\s*$", re.M)

EXPECT = {
    "1-": {"html": 6, "image": 1, "mse": []},
    "2-": {"html": 2, "image": 3, "mse": []},
    "3-": {"html": 1, "image": 1, "mse": ["replicated", "sharded"]},
    "4-": {"html": 4, "image": 7, "mse": [], "experiments": True},
}
EXPERIMENTS_LINE = re.compile(r"^experiments: (\d+) of (\d+) jobs completed; results in (\S.*)$", re.M)


def text_of(v):
    return v if isinstance(v, str) else "".join(v)


def cell_seconds(cell):
    """Seconds from iopub.execute_input to shell.execute_reply, or None."""
    ex = cell.get("metadata", {}).get("execution", {})
    a, b = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
    if not a or not b:
        return None
    parse = lambda t: datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))  # noqa: E731
    return (parse(b) - parse(a)).total_seconds()


def timings(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    total = 0.0
    lines = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        secs = cell_seconds(cell)
        first = text_of(cell.get("source", "")).strip().splitlines()[:1]
        if secs is not None:
            total += secs
            lines.append(f"  cell {i:2d} {secs:8.1f} s  {first[0][:70] if first else ''}")
    return lines, total


def check(path, expectations=True):
    problems = []
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    html = images = 0
    stdout_all = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        first = text_of(cell.get("source", "")).strip().splitlines()[:1]
        where = f"cell {i} ({first[0][:60] if first else 'empty'})"
        if cell.get("execution_count") is None:
            problems.append(f"{where}: not executed")
        for o in cell.get("outputs", []):
            t = o.get("output_type")
            if t == "error":
                problems.append(f"{where}: error output {o.get('ename')}: {o.get('evalue', '')[:300]}")
            elif t == "stream":
                text = text_of(o.get("text", ""))
                if o.get("name") == "stdout":
                    stdout_all.append(text)
                    continue
                for needle, what in BAD_STDERR:
                    if needle in text:
                        problems.append(f"{where}: {what}: {text.strip()[:300]}")
                if COMPILE_ERROR.search(text):
                    problems.append(f"{where}: compile error: {text.strip()[:300]}")
            else:
                data = o.get("data", {})
                for mime, v in data.items():
                    v = text_of(v)
                    if mime == "text/html" and "<table" in v:
                        html += 1
                    elif mime == "text/html" and "<svg" in v:
                        images += 1
                    elif mime == "image/svg+xml":
                        images += 1
                        if "<svg" not in v:
                            problems.append(f"{where}: image/svg+xml without <svg")
                    elif mime == "image/png":
                        images += 1
                        try:
                            raw = base64.b64decode(v.strip(), validate=False)
                        except Exception as e:  # noqa: BLE001 - report any decoding failure
                            raw = b""
                            problems.append(f"{where}: image/png is not base64: {e}")
                        if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
                            problems.append(f"{where}: image/png payload is not a PNG")
                    if mime == "text/plain" and "EVCXR_ERROR_OCCURRED" in v:
                        problems.append(f"{where}: evcxr reported a user error")
    found = {}
    for m in MSE_LINE.finditer("".join(stdout_all)):
        name, mse, mae = m.groups()
        try:
            vals = (float(mse), float(mae))
        except ValueError:
            vals = (math.nan, math.nan)
        found[name] = vals
    if expectations:
        name = path.rsplit("/", 1)[-1]
        exp = next((e for p, e in EXPECT.items() if name.startswith(p)), None)
        if exp:
            if html < exp["html"]:
                problems.append(f"expected at least {exp['html']} HTML tables, found {html}")
            if images < exp["image"]:
                problems.append(f"expected at least {exp['image']} images, found {images}")
            if exp.get("experiments"):
                m = EXPERIMENTS_LINE.search("".join(stdout_all))
                if not m:
                    problems.append("no 'experiments: N of M jobs completed; results in …' line")
                elif int(m.group(1)) != int(m.group(2)) or int(m.group(2)) < 1:
                    problems.append(f"experiments: only {m.group(1)} of {m.group(2)} jobs completed")
            for model in exp["mse"]:
                if model not in found:
                    problems.append(f"no '{model}: MSE=… MAE=…' line")
                elif not all(math.isfinite(x) and x >= 0 for x in found[model]):
                    problems.append(f"'{model}' MSE/MAE not finite non-negative: {found[model]}")
    summary = f"{path}: {html} HTML tables, {images} images"
    if found:
        summary += ", " + ", ".join(f"{k} MSE={v[0]:.6g} MAE={v[1]:.6g}" for k, v in sorted(found.items()))
    return summary, problems


def main(argv):
    expectations = True
    show_timings = False
    paths = []
    for a in argv:
        if a == "--no-expectations":
            expectations = False
        elif a == "--timings":
            show_timings = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    if not paths:
        print("check_notebooks.py: no notebooks given", file=sys.stderr)
        return 2
    failed = 0
    for p in paths:
        try:
            summary, problems = check(p, expectations)
        except (OSError, ValueError) as e:
            print(f"{p}: cannot read: {e}")
            failed += 1
            continue
        print(summary)
        if show_timings:
            lines, total = timings(p)
            print("\n".join(lines))
            print(f"  code cells total {total:.1f} s")
        for pr in problems:
            print(f"  FAIL {pr}")
        failed += bool(problems)
    print("check_notebooks: " + ("all good" if not failed else f"{failed} notebook(s) failed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
