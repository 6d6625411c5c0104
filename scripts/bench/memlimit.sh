#!/usr/bin/env bash
# Runs a command under a memory limit and reports its peak memory (how docs/BENCHMARKS.md's 4 GiB
# figures were taken). Needs root and the cgroup v1 memory controller (/sys/fs/cgroup/memory): makes
# a child group of this shell's own memory cgroup, sets memory.limit_in_bytes, moves the command in,
# samples the load average and memory.stat's total_rss / total_cache every 5 s, and writes
#   OUT/NAME.summary  wall time, load at start/end and its average, memory.max_usage_in_bytes (page
#                     cache included: it reaches the limit whenever the cache fills it), the largest
#                     sampled total_rss, failcnt (reclaims), oom_kill, /usr/bin/time -v's figures
#   OUT/NAME.samples  one line per sample
# Usage: scripts/bench/memlimit.sh [--limit BYTES|none] [--out DIR] NAME -- COMMAND...
#        (default limit 4 GiB, default OUT $KIT_OUT/memlimit or out/memlimit)
# Example: scripts/bench/memlimit.sh warm -- scripts/warm-evcxr.sh
set -uo pipefail
limit=$((4 * 1024 * 1024 * 1024))
out="${KIT_OUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/out}/memlimit"
while (($#)); do
  case "$1" in
    --limit) limit="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n 2,14p "$0"; exit 0 ;;
    *) name="$1"; shift ;;
  esac
done
[[ -n "${name:-}" && $# -gt 0 ]] || { echo "usage: memlimit.sh [--limit BYTES|none] [--out DIR] NAME -- COMMAND..." >&2; exit 2; }
mine="$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)"
[[ -d /sys/fs/cgroup/memory ]] || { echo "memlimit.sh: no cgroup v1 memory controller at /sys/fs/cgroup/memory" >&2; exit 2; }
cg="/sys/fs/cgroup/memory${mine%/}/memlimit-$name-$$"
mkdir "$cg" || exit 2
[[ "$limit" == none ]] || echo "$limit" >"$cg/memory.limit_in_bytes"
mkdir -p "$out"
sum="$out/$name.summary" samples="$out/$name.samples"
: >"$samples"
start="$(date +%s.%N)"
{
  echo "name=$name limit=$limit start=$(date -u +%FT%TZ) load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cmd=$*"
} >"$sum"
(
  echo "$BASHPID" >"$cg/cgroup.procs"
  exec /usr/bin/time -v -o "$out/$name.time" "$@"
) &
child=$!
(
  while kill -0 "$child" 2>/dev/null; do
    echo "$(date -u +%T) $(cut -d' ' -f1 /proc/loadavg) $(awk '$1 == "total_rss" { r = $2 } $1 == "total_cache" { c = $2 } END { print "rss=" r, "cache=" c }' "$cg/memory.stat") usage=$(cat "$cg/memory.usage_in_bytes")" >>"$samples"
    sleep 5
  done
) &
sampler=$!
wait "$child"
rc=$?
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
{
  echo "end=$(date -u +%FT%TZ) rc=$rc wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') load_end=$(cut -d' ' -f1-3 /proc/loadavg) avg_load_1m=$(awk '{ s += $2; n++ } END { if (n) printf "%.2f", s / n }' "$samples")"
  echo "max_usage_in_bytes=$(cat "$cg/memory.max_usage_in_bytes") max_sampled_total_rss=$(awk '{ split($3, a, "="); if (a[2] > m) m = a[2] } END { print m + 0 }' "$samples") failcnt=$(cat "$cg/memory.failcnt") $(awk '$1 == "oom_kill" { print "oom_kill=" $2 }' "$cg/memory.oom_control")"
  grep -E 'Elapsed|Maximum resident|User time|System time' "$out/$name.time"
} >>"$sum"
cat "$sum"
rmdir "$cg" 2>/dev/null || true
exit "$rc"
