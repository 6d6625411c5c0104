#!/usr/bin/env bash
# How docs/BENCHMARKS.md's "fresh machine" figures are taken on a machine that already has the kit:
# a new clone of REPO run as a user with only Rust and Python would — a new HOME (so no
# ~/.cargo/bin/evcxr_jupyter, no ~/.cache/evcxr or kit-evcxr, no Jupyter kernelspec, no pip
# cache), a new CARGO_HOME holding only a copy of the crates.io registry (downloads may stay; that
# is what the measurement allows), the toolchain's own bin directory and Python on PATH, empty
# build directories — then COMMAND in the clone: by default the README's first command,
# `scripts/workshop.sh`; `.ci/run` for a cold CI. Every step's time is in the command's own
# summary; this adds the whole wall time and the load average before and after.
# Usage: scripts/bench/fresh-machine.sh REPO WORKDIR [COMMAND [ARGS...]]
#   REPO     what to clone (a path or URL)
#   WORKDIR  a new directory for the clone, HOME and CARGO_HOME (removed first if it exists)
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: fresh-machine.sh REPO WORKDIR [COMMAND [ARGS...]]" >&2; exit 2; }
repo="$1" work="$2"
shift 2
(($#)) || set -- scripts/workshop.sh
toolchain_bin="$(dirname "$(rustup which cargo)")"
python_bin="$(dirname "$(python3 -c 'import sys; print(sys.executable)')")"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
registry="${CARGO_HOME:-$HOME/.cargo}/registry"
rm -rf "$work"
mkdir -p "$work/home/.cargo"
cp -a "$registry" "$work/home/.cargo/registry"
git clone --quiet "$repo" "$work/kit"
cd "$work/kit"
echo "fresh machine: $(git log --oneline -1 | cut -c1-80); rustc $("$toolchain_bin/rustc" --version | awk '{print $2}'); $("$python_bin/python3" --version); load $(cut -d' ' -f1-3 /proc/loadavg)"
start="$(date +%s.%N)"
rc=0
env -i HOME="$work/home" CARGO_HOME="$work/home/.cargo" RUSTUP_HOME="$rustup_home" \
  PATH="$toolchain_bin:$python_bin:/usr/local/bin:/usr/bin:/bin" LANG=C.UTF-8 TERM=dumb \
  "$@" || rc=$?
echo "fresh machine: $* exited $rc after $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s; load $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"
