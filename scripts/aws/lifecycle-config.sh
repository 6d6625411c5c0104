#!/bin/bash
# SageMaker notebook-instance lifecycle configuration ("Start notebook" script) for the Rust kit.
# UNTESTED ON AWS: written from the documented lifecycle-config rules; nothing here has run on a
# real notebook instance. See docs/aws.md for how to attach it.
#
# What it does, as ec2-user, on every start:
#   1. installs Rust 1.95 with rustup into /home/ec2-user/SageMaker/.kit-rust (the SageMaker/ folder
#      is the instance's persistent volume, so later starts find it and skip the download),
#   2. installs evcxr_jupyter 0.22.0 (--locked) there, and
#   3. registers the "rust" Jupyter kernel (evcxr_jupyter --install, user kernelspec dir).
# Lifecycle scripts must finish within 5 minutes or the instance fails to start; the evcxr build
# alone takes ~5.5 min on 2 cores, so steps 1-3 run in the background (nohup) and log to
# /home/ec2-user/SageMaker/.kit-rust/install.log. The Rust kernel appears in Jupyter when done
# (reload the page). Needs internet access from the instance (crates.io, static.rust-lang.org).
set -euo pipefail

KIT_RUST_HOME=/home/ec2-user/SageMaker/.kit-rust
mkdir -p "$KIT_RUST_HOME"
chown ec2-user:ec2-user "$KIT_RUST_HOME"

cat >"$KIT_RUST_HOME/install.sh" <<'INSTALL'
#!/bin/bash
set -euo pipefail
export RUSTUP_HOME=/home/ec2-user/SageMaker/.kit-rust/rustup
export CARGO_HOME=/home/ec2-user/SageMaker/.kit-rust/cargo
export PATH="$CARGO_HOME/bin:$PATH"
echo "kit: $(date -u) start"
if ! command -v rustc >/dev/null 2>&1 || [[ "$(rustc --version | awk '{print $2}')" != 1.95.* ]]; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs -o /tmp/rustup-init.sh
  sh /tmp/rustup-init.sh -y --no-modify-path --profile minimal --default-toolchain 1.95.0
fi
if ! cargo install --list 2>/dev/null | grep -q "^evcxr_jupyter v0.22.0:"; then
  cargo install evcxr_jupyter --version 0.22.0 --locked
fi
evcxr_jupyter --install
# Let notebooks' kernels and terminals find cargo (evcxr runs `cargo` to build each cell).
KERNEL=/home/ec2-user/.local/share/jupyter/kernels/rust/kernel.json
python3 - "$KERNEL" "$CARGO_HOME" "$RUSTUP_HOME" <<'PY'
import json, sys
path, cargo_home, rustup_home = sys.argv[1:4]
spec = json.load(open(path))
spec["env"] = {"CARGO_HOME": cargo_home, "RUSTUP_HOME": rustup_home,
               "PATH": cargo_home + "/bin:/usr/local/bin:/usr/bin:/bin"}
json.dump(spec, open(path, "w"), indent=1)
PY
grep -q kit-rust /home/ec2-user/.bashrc 2>/dev/null || cat >>/home/ec2-user/.bashrc <<RC
# kit-rust: Rust toolchain for the Rust workshop kit (lifecycle config)
export RUSTUP_HOME=$RUSTUP_HOME CARGO_HOME=$CARGO_HOME PATH=$CARGO_HOME/bin:\$PATH
RC
echo "kit: $(date -u) done: $(rustc --version), evcxr_jupyter 0.22.0"
INSTALL
chmod +x "$KIT_RUST_HOME/install.sh"
chown ec2-user:ec2-user "$KIT_RUST_HOME/install.sh"

# C compiler for crates with C build scripts (ring, zstd-sys and lz4-sys in the notebooks' dependencies).
if command -v yum >/dev/null 2>&1; then
  yum install -y gcc gcc-c++ make >/dev/null 2>&1 || true
fi

touch "$KIT_RUST_HOME/install.log"
chown ec2-user:ec2-user "$KIT_RUST_HOME/install.log"
# The log is opened by root here on purpose (it already belongs to ec2-user).
# shellcheck disable=SC2024
sudo -u ec2-user -i nohup "$KIT_RUST_HOME/install.sh" >>"$KIT_RUST_HOME/install.log" 2>&1 &
echo "kit: Rust/evcxr install started in the background; log: $KIT_RUST_HOME/install.log"
