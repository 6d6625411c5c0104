#!/usr/bin/env bash
# Compiles the notebooks' dependencies before evcxr_jupyter is installed, so that scripts/setup.sh
# can run the two longest builds of a first set-up side by side instead of one after the other.
#
# It does in the first kernel build dir ($KIT_EVCXR_HOME/kernels/slot-0) what evcxr 0.22.0 does
# there for a notebook's `:dep kernel_helpers = { path = "../kernel-helpers" }` cell, minus the
# cell's own crate:
#   * writes the Cargo.toml and .cargo/config.toml evcxr writes (evcxr/src/module.rs at v0.22.0,
#     get_cargo_toml_contents and get_config_toml_contents; the path made absolute and canonical as
#     evcxr's crate_config.rs does), with `opt-level` from the kit's `:opt`;
#   * runs the cargo command evcxr runs (eval_context.rs, cargo_command: CARGO_TARGET_DIR and
#     CARGO_BUILD_BUILD_DIR "target", RUSTC as evcxr finds it, RUSTFLAGS=-Cprefer-dynamic, --target
#     the host, --message-format=json), limited to kernel_helpers and what it depends on, under the
#     same cargo configuration ($KIT_EVCXR_HOME/.cargo/config.toml: opt-levels, foldhash patch);
#   * with crates/evcxr-cache-wrapper as RUSTC_WRAPPER in place of evcxr's own, which stores each
#     compiled registry crate in evcxr's cache (~/.cache/evcxr) under evcxr's key, for the kernels
#     that start in another build dir.
# Cargo's fingerprints do not include the wrapper, so the warm-up that follows (scripts/warm-evcxr.sh,
# through evcxr) finds every dependency fresh and compiles only its cells. If evcxr ever writes a
# different Cargo.toml (another evcxr version), the warm-up simply compiles what differs, as it did
# before this script existed; warm-evcxr.sh says so.
# Usage: scripts/prebuild-evcxr.sh   (scripts/setup.sh runs it; safe to re-run)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export PATH="$HOME/.cargo/bin:$PATH"

kit_evcxr_config
if [[ ! "$KIT_EVCXR_OPT_LEVEL" =~ ^[0-3]$ ]]; then
  kit_log "skipped: evcxr's :opt is '$KIT_EVCXR_OPT_LEVEL' (this script writes numeric opt-levels only); the warm-up compiles everything"
  exit 0
fi
slot="$KIT_EVCXR_HOME/kernels/slot-0"
mkdir -p "$slot/src" "$slot/.cargo"
exec 8>"$slot.lock"
flock -n 8 || kit_die "a notebook kernel is using $slot: shut it down (Kernel → Shut Down) and re-run"

# The wrapper: one rustc call (it has no dependencies), redone only when its source changed.
wrapper="$KIT_EVCXR_HOME/bin/evcxr-cache-wrapper"
src="$KIT_ROOT/crates/evcxr-cache-wrapper/src"
key="$(cat "$src"/*.rs | sha256sum | cut -c1-16)"
if [[ ! -x "$wrapper" || "$(cat "$wrapper.key" 2>/dev/null)" != "$key" ]]; then
  mkdir -p "$(dirname "$wrapper")"
  rustc --edition 2024 -C opt-level=1 --crate-name evcxr_cache_wrapper "$src/main.rs" -o "$wrapper.tmp"
  mv -f "$wrapper.tmp" "$wrapper"
  printf '%s\n' "$key" >"$wrapper.key"
fi

# write_exact FILE CONTENT — FILE holds exactly CONTENT (no newline added), rewritten only when it
# differs, as evcxr writes it.
write_exact() {
  [[ -f "$1" ]] && cmp -s "$1" <(printf '%s' "$2") && return 0
  printf '%s' "$2" >"$1.tmp"
  mv -f "$1.tmp" "$1"
}
# TOML basic string escaping of a path (as evcxr's escape_toml_string; paths rarely need it).
toml_escape() {
  local s="${1//\\/\\\\}"
  printf '%s' "${s//\"/\\\"}"
}
helpers="$(realpath "$KIT_ROOT/kernel-helpers")"
# Byte for byte what evcxr 0.22.0 writes, leading and trailing blank lines included: evcxr rewrites
# the file only when its content differs, and cargo then re-resolves.
write_exact "$slot/Cargo.toml" "
[package]
name = \"ctx\"
version = \"1.0.0\"
edition = \"2024\"

[lib]
crate-type = [\"cdylib\"]
path = \"src/lib.rs\"

[profile.dev]
opt-level = $KIT_EVCXR_OPT_LEVEL
debug = false
strip = \"debuginfo\"
rpath = true
lto = false
debug-assertions = true
codegen-units = 16
panic = 'unwind'
incremental = true
overflow-checks = true

[dependencies]
kernel_helpers = { path = \"$(toml_escape "$helpers")\" }

"
write_exact "$slot/.cargo/config.toml" "
[net]
offline = false
"
[[ -f "$slot/src/lib.rs" ]] || : >"$slot/src/lib.rs"

host="$(rustc -vV | sed -n 's/^host: //p')"
rustc_path="$(rustup which rustc 2>/dev/null || command -v rustc)"
log="$KIT_OUT/logs/prebuild-evcxr.log"
mkdir -p "$(dirname "$log")"
kit_log "compiling the notebooks' dependencies into $slot (evcxr's build dir) and evcxr's cache"
t0="$(kit_now)"
(cd "$slot" && "$(kit_python)" "$KIT_ROOT/scripts/progress.py" \
  --label "compiling the notebooks' dependencies" --log "$log" \
  --fingerprints "$slot/target/debug/.fingerprint" --fingerprints "$slot/target/$host/debug/.fingerprint" \
  --reference evcxr-prebuild -- \
  env CARGO_TARGET_DIR=target CARGO_BUILD_BUILD_DIR=target RUSTC="$rustc_path" RUSTFLAGS=-Cprefer-dynamic \
  RUSTC_WRAPPER="$wrapper" EVCXR_TARGET_DIR="$slot/target" \
  cargo build -p kernel_helpers --target "$host" --message-format=json)
kit_log "the notebooks' dependencies compiled in $(kit_elapsed "$t0") s"
