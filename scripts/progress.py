#!/usr/bin/env python3
"""One progress view for the kit's long builds (scripts/setup.sh, scripts/warm-evcxr.sh).

Runs COMMAND with its output going to a log file (whose path it prints), and shows instead what is
being built, how many of the build's units are done, and the time left estimated from a measured
reference build (scripts/progress-reference.tsv). It follows the build through cargo's target
directory, so it works for cargo run by evcxr too: cargo creates one `.fingerprint/<unit>-<hash>`
directory per unit when the build is planned (so their number is the build's total), writes
`invoked.timestamp` there when the unit starts and its fingerprint file when it is done.

Usage: progress.py --label TEXT --log FILE --fingerprints DIR [--fingerprints DIR…]
                   [--reference NAME] -- COMMAND...
(evcxr builds with --target, so its units are under target/<triple>/debug, its build scripts and
proc macros under target/debug: give both.)
On a terminal the view is one line rewritten every 2 s; otherwise a line at every 10 % and at
least once a minute. Exit status: COMMAND's. On failure the log's last 40 lines are printed.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_reference(name):
    """(total units, seconds, [seconds at 0 %, 10 %, …, 100 % of the units]) or None."""
    path = os.path.join(HERE, "progress-reference.tsv")
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if cols[0] == name:
                    curve = [float(x) for x in cols[3].split(",")]
                    return int(cols[1]), float(cols[2]), curve, cols[4] if len(cols) > 4 else ""
    except OSError:
        pass
    return None


def scan(fp_dirs):
    """(total, done, [names being built]) from cargo .fingerprint directories."""
    total = done = 0
    building = []
    entries = []
    for fp_dir in fp_dirs:
        try:
            entries += [os.path.join(fp_dir, e) for e in os.listdir(fp_dir)]
        except OSError:
            pass
    for e in entries:
        try:
            files = os.listdir(e)
        except OSError:
            continue
        total += 1
        if any(f != "invoked.timestamp" for f in files):
            done += 1
        elif files:
            building.append(os.path.basename(e).rsplit("-", 1)[0])
    return total, done, sorted(building)


def ref_time_at(curve, fraction):
    """Seconds into the reference build at which `fraction` of its units were done."""
    fraction = min(max(fraction, 0.0), 1.0)
    pos = fraction * (len(curve) - 1)
    i = min(int(pos), len(curve) - 2)
    return curve[i] + (curve[i + 1] - curve[i]) * (pos - i)


def fmt_min(seconds):
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--fingerprints", required=True, action="append",
                    help="a .fingerprint directory (repeatable: host and target units)")
    ap.add_argument("--reference")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command")
    ref = load_reference(a.reference) if a.reference else None
    tty = sys.stderr.isatty()
    os.makedirs(os.path.dirname(os.path.abspath(a.log)), exist_ok=True)
    before = scan(a.fingerprints)[1]
    say = lambda s: print(f"{a.label}: {s}", file=sys.stderr, flush=True)
    note = f"; a reference run took {fmt_min(ref[1])} ({ref[3]})" if ref and ref[3] else ""
    say(f"started; full output in {a.log}{note}")
    t0 = time.time()
    with open(a.log, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        last_line, last_print, last_decile = "", 0.0, -1
        while True:
            try:
                rc = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                rc = None
            if rc is not None:
                break
            total, done, building = scan(a.fingerprints)
            if ref and before == 0:
                # Cargo may create the units' directories as it goes (evcxr's builds do): until
                # they are all there, the reference build's count is the better total.
                total = max(total, ref[0])
            elapsed = time.time() - t0
            if total == 0:
                line = f"{fmt_min(elapsed)} elapsed, preparing"
            else:
                frac = done / total
                now = ", ".join(building[:3]) + (" …" if len(building) > 3 else "")
                line = f"{done}/{total} units ({frac:.0%}), {fmt_min(elapsed)} elapsed"
                if ref and done > before:
                    # Scale the reference's remaining time by how fast this run is going.
                    new_frac = (done - before) / max(total - before, 1)
                    t_ref = ref_time_at(ref[2], new_frac)
                    speed = min(max(elapsed / t_ref, 0.5), 4.0) if new_frac >= 0.1 and t_ref > 0 else 1.0
                    left = max(ref[1] - t_ref, 0) * speed
                    line += f", about {fmt_min(left)} left"
                if now:
                    line += f"; building {now}"
            if tty:
                print(f"\r\033[K{a.label}: {line}"[:200], end="", file=sys.stderr, flush=True)
            else:
                decile = int(done * 10 / total) if total else -1
                if decile != last_decile or time.time() - last_print >= 60:
                    say(line)
                    last_print, last_decile = time.time(), decile
            last_line = line
    if tty:
        print(file=sys.stderr)
    took = time.time() - t0
    if rc == 0:
        total, done, _ = scan(a.fingerprints)
        say(f"done in {fmt_min(took)} ({done}/{total} units; log {a.log})")
    else:
        with open(a.log, "rb") as f:
            tail = f.read()[-6000:].decode("utf-8", "replace").replace("\r", "\n").splitlines()[-40:]
        print("\n".join(tail), file=sys.stderr)
        say(f"FAILED after {fmt_min(took)} (exit {rc}); full output in {a.log}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
