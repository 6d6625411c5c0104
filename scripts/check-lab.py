"""Checks a running `scripts/lab.sh` the way a user's first notebook cells would: opens notebook 1
in a session with a `rust` kernel through the Jupyter server's REST API, runs notebook 1's first two code cells over the
kernel's websocket (`:dep kernel_helpers`, then the settings cell that talks to the stand-in),
and fails on any error output. Prints each cell's time.

Usage: check-lab.py URL TOKEN NOTEBOOKS_DIR [--cells N]
(URL like http://127.0.0.1:8899; TOKEN from the Lab's log). Before notebook 1's cells it runs a
probe cell that checks the kernel got the kit's settings from its kernelspec
(scripts/evcxr-kernel.sh): its own locked build dir under KIT_EVCXR_HOME/kernels, the kit's
EVCXR_CONFIG_DIR. --cells N runs only notebook 1's first N code cells (default 2; 1 = the `:dep`
cell alone, for a Jupyter without the stand-in's settings). Used by scripts/check-lab.sh.
"""

import json
import sys
import time
import urllib.request
import uuid

from tornado import ioloop, websocket

NOTEBOOK = "1-explore-and-upload.ipynb"


def rest(url, token, method, path, body=None):
    req = urllib.request.Request(
        f"{url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
        return json.loads(text) if text else None


def cells_of(path, n):
    nb = json.load(open(path))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"][:n]


async def run(url, token, kernel_id, cells):
    ws_url = url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?token={token}"
    conn = await websocket.websocket_connect(ws_url)
    session = uuid.uuid4().hex
    failures = []
    debug = bool(__import__("os").environ.get("CHECK_LAB_DEBUG"))
    for code in cells:
        msg_id = uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session,
                       "username": "check-lab", "version": "5.4",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        t0 = time.time()
        status, outputs, idle = None, [], False
        while status is None or not idle:
            raw = await conn.read_message()
            if raw is None:
                sys.exit("check-lab: the kernel's websocket closed")
            m = json.loads(raw)
            if debug:
                print("check-lab: <-", m.get("channel"), m["header"]["msg_type"],
                      m.get("parent_header", {}).get("msg_id"), file=sys.stderr)
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = m["header"]["msg_type"]
            if kind == "execute_reply":
                status = m["content"]["status"]
            elif kind == "stream":
                outputs.append(m["content"]["text"])
            elif kind == "error":
                outputs.append(f"{m['content']['ename']}: {m['content']['evalue']}")
            elif kind in ("execute_result", "display_data"):
                outputs.append(m["content"]["data"].get("text/plain", "<rich output>"))
            idle = idle or (kind == "status" and m["content"]["execution_state"] == "idle")
        first = code.splitlines()[0]
        text = "".join(outputs).strip()
        print(f"check-lab: {time.time() - t0:6.1f} s  {status:5}  {first}")
        if text:
            print("    " + text.replace("\n", "\n    "))
        if status != "ok" or "panicked" in text:
            failures.append(first)
        elif code == PROBE and not check_probe(text):
            failures.append("probe: the kernel did not get the kit's settings (scripts/evcxr-kernel.sh)")
    conn.close()
    return failures


PROBE = """for k in ["KIT_EVCXR_HOME", "EVCXR_TMPDIR", "EVCXR_CONFIG_DIR"] {
    println!("{k}={}", std::env::var(k).unwrap_or_default());
}"""


def check_probe(text):
    """The probe cell's output names a slot build dir under KIT_EVCXR_HOME and its config dir."""
    env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    home = env.get("KIT_EVCXR_HOME", "")
    ok = (home and env.get("EVCXR_TMPDIR", "").startswith(f"{home}/kernels/slot-")
          and env.get("EVCXR_CONFIG_DIR") == f"{home}/config")
    return bool(ok)


def main():
    url, token = sys.argv[1].rstrip("/"), sys.argv[2]
    ncells = int(sys.argv[sys.argv.index("--cells") + 1]) if "--cells" in sys.argv else 2
    # A session for the notebook, as opening it in the Lab creates (its kernel runs in notebooks/,
    # where the first cell's relative `:dep` path points).
    session = rest(url, token, "POST", "/api/sessions",
                   {"path": NOTEBOOK, "type": "notebook", "name": NOTEBOOK, "kernel": {"name": "rust"}})
    try:
        cells = [PROBE] + cells_of(f"{sys.argv[3]}/{NOTEBOOK}", ncells)
        kernel_id = session["kernel"]["id"]
        failures = ioloop.IOLoop.current().run_sync(lambda: run(url, token, kernel_id, cells))
    finally:
        rest(url, token, "DELETE", f"/api/sessions/{session['id']}")
    if failures:
        sys.exit(f"check-lab: failed cells: {failures}")
    print("check-lab: the Lab's Rust kernel loads kernel_helpers and reaches the stand-in")


if __name__ == "__main__":
    main()
