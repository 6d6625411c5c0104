#!/usr/bin/env python3
"""Checks the workshop's summary (out/handout/summary.json, written by make-handout.sh).

What a finished workshop must show: both training jobs Completed, with the train channel
FullyReplicated vs ShardedByS3Key on the same instance count; sharded training faster than
replicated (TrainingStartTime -> TrainingEndTime, sub-second); both models' test MSE and MAE on 1984
finite, non-negative and close to each other (within --mse-tolerance, relative); the handout page
present next to the summary. Exits 1 naming every failed check.

Usage: check-summary.py SUMMARY_JSON [--mse-tolerance 0.25]
"""
import json
import math
import os
import sys


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    path = argv[1]
    tol = 0.25
    if "--mse-tolerance" in argv:
        tol = float(argv[argv.index("--mse-tolerance") + 1])
    try:
        with open(path, encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        print(f"check-summary: cannot read {path}: {e}")
        return 1
    problems = []
    jobs = summary.get("jobs", {})
    rep, sha = jobs.get("replicated"), jobs.get("sharded")
    if not rep or not sha:
        problems.append("summary lacks the replicated or the sharded job")
    else:
        for name, job, dist in (("replicated", rep, "FullyReplicated"), ("sharded", sha, "ShardedByS3Key")):
            if job.get("status") != "Completed":
                problems.append(f"{name} job {job.get('job')} is {job.get('status')}, not Completed")
            if job.get("distribution") != dist:
                problems.append(f"{name} job's train channel is {job.get('distribution')}, not {dist}")
            for key in ("test_mse", "test_mae"):
                v = job.get(key)
                if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                    problems.append(f"{name} {key} is not a finite non-negative number: {v!r}")
        if rep.get("instance_count") != sha.get("instance_count"):
            problems.append("the two jobs ran on different instance counts")
        rs, ss = rep.get("training_seconds"), sha.get("training_seconds")
        if not isinstance(rs, (int, float)) or not isinstance(ss, (int, float)):
            problems.append(f"training times missing: replicated {rs!r}, sharded {ss!r}")
        elif not ss < rs:
            problems.append(f"sharded training ({ss:.3f} s) is not faster than replicated ({rs:.3f} s)")
        rm, sm = rep.get("test_mse"), sha.get("test_mse")
        if isinstance(rm, (int, float)) and isinstance(sm, (int, float)) and max(rm, sm) > 0:
            rel = abs(rm - sm) / max(rm, sm)
            if rel > tol:
                problems.append(f"test MSE not close: replicated {rm:.6g}, sharded {sm:.6g} ({rel:.1%} apart > {tol:.0%})")
    page = os.path.join(os.path.dirname(os.path.abspath(path)), "index.html")
    if not os.path.isfile(page):
        problems.append(f"handout page {page} is missing")
    if problems:
        for p in problems:
            print(f"check-summary: FAIL {p}")
        return 1
    print(
        f"check-summary: ok: both Completed; sharded/replicated training time "
        f"{sha['training_seconds'] / rep['training_seconds']:.3f}; test MSE {rep['test_mse']:.6g} vs "
        f"{sha['test_mse']:.6g}, MAE {rep['test_mae']:.6g} vs {sha['test_mae']:.6g}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
