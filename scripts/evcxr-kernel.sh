#!/usr/bin/env bash
# The Jupyter kernel "rust" as the kit registers it (kernel.json's argv, written by
# kit_kernel_install in scripts/common.sh): sets up evcxr with the kit's settings and execs
# evcxr_jupyter. So the settings apply however a notebook is opened — scripts/lab.sh, a plain
# `jupyter lab`, VS Code, a SageMaker notebook instance's Jupyter, nbconvert — even when Jupyter
# was started with almost no environment:
#   * cargo and rustc on PATH (the directory recorded at install), libstd on LD_LIBRARY_PATH (evcxr's
#     cells link it dynamically; on this toolchain it is only under lib/rustlib/<host>/lib);
#   * EVCXR_CONFIG_DIR=$KIT_EVCXR_HOME/config (init.evcxr: `:opt`, `:cache` — the compiled
#     dependencies shared by every kernel in ~/.cache/evcxr);
#   * GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072: freed frames go back to the system (below);
#   * the build dir: the first free $KIT_EVCXR_HOME/kernels/slot-N, under an flock held for the
#     kernel's life (the lock's fd is inherited by evcxr_jupyter through exec): evcxr 0.22 takes no
#     lock and rewrites its build dir for every cell, so two kernels must never share one. slot-0
#     is the one scripts/warm-evcxr.sh warms; $KIT_EVCXR_HOME/.cargo/config.toml above the slots
#     gives their builds the dependencies' opt-levels, the foldhash patch and the build jobs.
# An EVCXR_TMPDIR set by the caller is used (locked the same way) instead of a slot.
# Usage (by Jupyter): evcxr-kernel.sh --control_file CONNECTION_FILE
set -uo pipefail
KIT_EVCXR_HOME="${KIT_EVCXR_HOME:-${KIT_EVCXR_HOME_DEFAULT:-}}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-${KIT_CACHE_HOME_DEFAULT:-${HOME:-/root}/.cache}}"
[[ -n "$KIT_EVCXR_HOME" ]] || KIT_EVCXR_HOME="$XDG_CACHE_HOME/kit-evcxr"
export KIT_EVCXR_HOME
if [[ -n "${KIT_CARGO_BIN_DEFAULT:-}" ]]; then
  export PATH="$KIT_CARGO_BIN_DEFAULT:${PATH:-/usr/local/bin:/usr/bin:/bin}"
fi
export PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}:${HOME:-/root}/.cargo/bin"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
KIT_SCRIPT=evcxr-kernel.sh

evcxr="${KIT_EVCXR_JUPYTER_DEFAULT:-}"
[[ -x "$evcxr" ]] || evcxr="$(command -v evcxr_jupyter)" ||
  kit_die "evcxr_jupyter not found (run the kit's scripts/setup.sh)"
command -v cargo >/dev/null || kit_die "cargo is not on PATH (run the kit's scripts/setup.sh)"

# The configuration, as set-up wrote it; written with the defaults if it is missing.
[[ -f "$KIT_EVCXR_HOME/config/init.evcxr" && -f "$KIT_EVCXR_HOME/.cargo/config.toml" ]] || kit_evcxr_config
export EVCXR_CONFIG_DIR="$KIT_EVCXR_HOME/config"

rust_libdir="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/lib"
export LD_LIBRARY_PATH="$rust_libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# A build dir of its own, locked on fd 9 for as long as this process (then evcxr_jupyter) lives.
take() { # take DIR [WAIT_SECONDS] — 0 when DIR's lock is ours
  mkdir -p "$1" || return 1
  exec 9>"$1.lock" || return 1
  flock -w "${2:-0}" 9
}
if [[ -n "${EVCXR_TMPDIR:-}" ]]; then
  if ! take "$EVCXR_TMPDIR"; then
    kit_log "waiting for the other kernel using $EVCXR_TMPDIR to exit"
    flock 9
  fi
else
  slots="${KIT_EVCXR_SLOTS:-8}"
  found=""
  for ((n = 0; n < slots; n++)); do
    # slot-0 is the warm one: give a kernel that is just exiting (the previous notebook's, in a
    # headless run) a few seconds to let go of it before taking a colder slot.
    if take "$KIT_EVCXR_HOME/kernels/slot-$n" "$( ((n == 0)) && echo "${KIT_EVCXR_SLOT0_WAIT:-5}" || echo 0)"; then
      found="$KIT_EVCXR_HOME/kernels/slot-$n"
      break
    fi
  done
  if [[ -z "$found" ]]; then
    kit_log "all $slots build dirs are in use: waiting for slot-0"
    exec 9>"$KIT_EVCXR_HOME/kernels/slot-0.lock"
    flock 9
    found="$KIT_EVCXR_HOME/kernels/slot-0"
  fi
  export EVCXR_TMPDIR="$found"
fi
# glibc malloc with a fixed mmap threshold (128 KiB, glibc's starting value), so that the big
# buffers of polars' frames are mmapped and go back to the system when a cell drops them. By
# default glibc raises the threshold each time such a buffer is freed (up to 32 MiB); from then on
# the buffers come from the heap, which keeps the memory after they are freed: at full scale
# notebook 1's runtime process still held 1.16 GB after its upload cell had dropped every year's
# frames, and the next cell's compile came on top of that (the workshop's peak); 0.60 GB with the
# fixed threshold, the upload cell 58.9 s against 57.6 s (docs/BENCHMARKS.md, "Notebook 1's upload
# cell: where the memory stays"). The tunable:
# https://www.gnu.org/software/libc/manual/html_node/Memory-Allocation-Tunables.html
# It applies to evcxr_jupyter and all it starts (the runtime process running the cells, cargo,
# rustc). A caller's own GLIBC_TUNABLES is kept; one that sets glibc.malloc.mmap_threshold wins.
case ":${GLIBC_TUNABLES:-}" in
  *:glibc.malloc.mmap_threshold=*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.mmap_threshold=131072" ;;
esac

mem="$(kit_memory_bytes)"
kit_log "build dir $EVCXR_TMPDIR, config $KIT_EVCXR_HOME, $(kit_gib "$mem") of memory$( ((mem < KIT_LOW_MEMORY_BYTES)) && echo ' (low: run one notebook kernel at a time; each holds about 2 GB)')"
exec "$evcxr" "$@"
