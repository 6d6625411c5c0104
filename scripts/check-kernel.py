"""Starts the Jupyter kernel "rust" the way any front end does (jupyter_client reads the
kernelspec: a plain `jupyter lab`, VS Code, nbconvert), runs a probe cell and `:dep kernel_helpers`
in it, and prints each cell's time. The probe checks that the kernel got the kit's settings from
its kernelspec alone (scripts/evcxr-kernel.sh): a locked build dir under
KIT_EVCXR_HOME/kernels/slot-N and the kit's EVCXR_CONFIG_DIR. Run it with almost no environment to
check what a Jupyter started outside the kit's scripts gets:

    env -i HOME=$HOME PATH=/usr/bin:/bin .venv/bin/python scripts/check-kernel.py [--dep PATH] [EXTRA_CELL…]

--dep PATH loads that crate instead of kernel-helpers (`:dep name = { path = PATH }`, the name
from its Cargo.toml), for a check that does not need the notebooks' dependencies compiled.

Exit status 1 when a cell fails or the probe does not see the kit's settings.
"""

import os
import sys
import time

from jupyter_client.manager import start_new_kernel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = """for k in ["KIT_EVCXR_HOME", "EVCXR_TMPDIR", "EVCXR_CONFIG_DIR"] {
    println!("{k}={}", std::env::var(k).unwrap_or_default());
}"""
DEP = f':dep kernel_helpers = {{ path = "{ROOT}/kernel-helpers" }}\nuse kernel_helpers::prelude::*;'


def run(kc, code, timeout=3600):
    t0 = time.time()
    msg_id = kc.execute(code)
    out, status = [], None
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        kind = m["msg_type"]
        if kind == "stream":
            out.append(m["content"]["text"])
        elif kind == "error":
            out.append(f"{m['content']['ename']}: {m['content']['evalue']}")
            status = "error"
        elif kind in ("execute_result", "display_data"):
            out.append(m["content"]["data"].get("text/plain", "<rich output>"))
        elif kind == "status" and m["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=60)
    status = status or reply["content"]["status"]
    return time.time() - t0, status, "".join(out).strip()


def main():
    args = sys.argv[1:]
    dep = DEP
    if args[:1] == ["--dep"]:
        path = os.path.abspath(args[1])
        name = next(l.split("=", 1)[1].strip().strip('"') for l in open(f"{path}/Cargo.toml")
                    if l.startswith("name"))
        dep = f':dep {name.replace("-", "_")} = {{ package = "{name}", path = "{path}" }}'
        args = args[2:]
    cells = [PROBE, dep] + args
    t0 = time.time()
    km, kc = start_new_kernel(kernel_name="rust", startup_timeout=300)
    print(f"check-kernel: kernel started in {time.time() - t0:.1f} s", flush=True)
    failed = False
    try:
        for code in cells:
            took, status, text = run(kc, code)
            print(f"check-kernel: {took:7.1f} s  {status:5}  {code.splitlines()[0]}", flush=True)
            if text:
                print("    " + text.replace("\n", "\n    "), flush=True)
            if status != "ok" or "panicked" in text:
                failed = True
            if code == PROBE:
                env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
                home = env.get("KIT_EVCXR_HOME", "")
                if not (home and env.get("EVCXR_TMPDIR", "").startswith(f"{home}/kernels/slot-")
                        and env.get("EVCXR_CONFIG_DIR") == f"{home}/config"):
                    print("check-kernel: the kernel did not get the kit's settings", flush=True)
                    failed = True
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
