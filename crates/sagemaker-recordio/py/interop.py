"""Interop between the Rust codec (examples/recordio_tool.rs) and the sagemaker Python SDK's own
writer/reader (`write_numpy_to_dense_tensor`, `read_records`, `_write_recordio`, `Record`).

Usage: python interop.py TOOL WORKDIR. Compares values exactly (float bit patterns) and bytes;
prints one PASS/FAIL line per check and `N passed, N failed`; exits 1 on any failure.
"""
import io
import json
import logging
import subprocess
import sys
import traceback

logging.getLogger("sagemaker.config").setLevel(logging.WARNING)

from common import gen_matrix, record_json

import numpy as np
from sagemaker.amazon.common import read_records, write_numpy_to_dense_tensor
from sagemaker.amazon.record_pb2 import Record
from sagemaker.serializer_utils import _write_recordio

TOOL, WORK = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        detail = str(detail)
        print(f"FAIL {name}: {detail[:400]}{'...' if len(detail) > 400 else ''}")


def section(name):
    """Decorator: runs the function now; an exception counts as one failure and the run goes on."""
    def run(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            check(f"{name} (raised)", False, f"{type(e).__name__}: {e} | {traceback.format_exc(limit=2)}")
        return fn
    return run


def tool(*args):
    return subprocess.run([TOOL, *map(str, args)], check=True, capture_output=True, text=True).stdout


def rust_dump(path):
    return [json.loads(line) for line in tool("dump", path).splitlines()]


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"first difference at item {i}: {x!r} vs {y!r}"
    return f"lengths {len(a)} vs {len(b)}"


def sdk_bytes(write):
    buf = io.BytesIO()
    write(buf)
    return buf.getvalue()


# --- Python SDK writes, Rust reads (and Rust's writer must produce the very same bytes) ---------
@section("dense_float32")
def _dense_float32():
    for rows, cols, seed, label in [(1000, 25, 1, True), (333, 7, 2, False), (5, 1, 3, True), (17, 301, 4, True)]:
        X, y = gen_matrix(rows, cols, seed)
        data = sdk_bytes(lambda f: write_numpy_to_dense_tensor(f, X, y if label else None))
        sdk_path = f"{WORK}/sdk_{rows}x{cols}.rec"
        open(sdk_path, "wb").write(data)
        rust_path = f"{WORK}/rust_{rows}x{cols}.rec"
        tool("gen-write", rust_path, rows, cols, seed, "label" if label else "nolabel")
        rust = open(rust_path, "rb").read()
        check(f"bytes identical: SDK write_numpy_to_dense_tensor vs Rust write_dense_matrix {rows}x{cols} label={label}",
              rust == data, f"{len(rust)} vs {len(data)} bytes; " + first_diff(rust, data))
        want = [record_json(r) for r in read_records(io.BytesIO(data))]
        got = rust_dump(sdk_path)
        check(f"Rust reads SDK float32 file {rows}x{cols} label={label}", got == want, first_diff(got, want))
        # and the values are the generated ones
        feats = [np.array(r["features"]["values"]["values"], dtype=np.uint32).view(np.float32) for r in got]
        ok = len(feats) == rows and all(np.array_equal(f.view(np.uint32), X[i].view(np.uint32)) for i, f in enumerate(feats))
        if label:
            labs = np.array([r["label"]["values"]["values"][0] for r in got], dtype=np.uint32)
            ok = ok and np.array_equal(labs, y.view(np.uint32))
        check(f"Rust-read values equal the generated matrix {rows}x{cols}", ok)

    # Other dtypes the SDK writer resolves: float64 features + int labels, int features.


@section("other_dtypes")
def _other_dtypes():
    X, y = gen_matrix(50, 6, 9)
    cases = {
        "float64 features + int64 labels": (X.astype(np.float64) / 3.0, (y * 100).astype(int)),
        "int64 features (negative too) + float64 labels": ((X * 1000).astype(int), y.astype(np.float64) / 7.0),
    }
    for name, (A, L) in cases.items():
        data = sdk_bytes(lambda f: write_numpy_to_dense_tensor(f, A, L))
        path = f"{WORK}/sdk_{name.split()[0]}.rec"
        open(path, "wb").write(data)
        want = [record_json(r) for r in read_records(io.BytesIO(data))]
        got = rust_dump(path)
        check(f"Rust reads SDK {name}", got == want, first_diff(got, want))


@section("sdk_records")
def _sdk_records():
    # Records built with the SDK's own Record class: sparse, float64, int32, bytes, strings, many keys.
    recs = []
    r = Record()
    r.features["values"].float32_tensor.values.extend([0.5, -1.25, 3.0])
    r.features["values"].float32_tensor.keys.extend([0, 7, 1_000_000])
    r.features["values"].float32_tensor.shape.extend([1_000_001])
    r.label["values"].float32_tensor.values.extend([1.0])
    recs.append(r)
    r = Record()
    r.features["values"].float64_tensor.values.extend([np.pi, -1e300, 5e-324])
    r.label["values"].int32_tensor.values.extend([-1, -(2**31), 2**31 - 1, 0, 300])
    r.label["values"].int32_tensor.keys.extend([1, 2, 3, 4, 5])
    r.label["values"].int32_tensor.shape.extend([6])
    r.label["score"].float32_tensor.values.extend([0.25])
    recs.append(r)
    r = Record()
    r.features["image"].bytes.value.extend([b"\x00\x01\x02\xff", b"", b"abc"])
    r.features["image"].bytes.content_type = "application/x-image"
    r.features["blob"].bytes.value.append(b"\x09" * 300)
    r.uid = "uid-\u00fc-\u20ac-\U0001F600"
    r.metadata = ""
    r.configuration = '{"a": 1}'
    recs.append(r)
    r = Record()  # empty record
    recs.append(r)
    r = Record()
    r.features["values"].float32_tensor.values.extend([])  # empty tensor, still set
    r.features["values"].float32_tensor.shape.extend([4])
    recs.append(r)
    path = f"{WORK}/sdk_mixed.rec"
    with open(path, "wb") as f:
        for r in recs:
            _write_recordio(f, r.SerializeToString())
    want = [record_json(r) for r in recs]
    got = rust_dump(path)
    check("Rust reads SDK Record messages (sparse, float64, int32, bytes, strings)", got == want, first_diff(got, want))


@section("rust_dense")
def _rust_dense():
    for rows, cols, seed in [(2000, 25, 11), (3, 1000, 12)]:
        X, y = gen_matrix(rows, cols, seed)
        path = f"{WORK}/rust_gen_{rows}x{cols}.rec"
        tool("gen-write", path, rows, cols, seed, "label")
        recs = read_records(open(path, "rb"))
        ok = len(recs) == rows
        for i, r in enumerate(recs if ok else []):
            f = np.array(r.features["values"].float32_tensor.values, dtype=np.float32)
            lab = np.array(r.label["values"].float32_tensor.values, dtype=np.float32)
            if not (np.array_equal(f.view(np.uint32), X[i].view(np.uint32)) and lab.shape == (1,) and lab.view(np.uint32)[0] == y[i:i+1].view(np.uint32)[0]
                    and r.features["values"].WhichOneof("value") == "float32_tensor" and len(r.features["values"].float32_tensor.keys) == 0):
                ok = False
                print(f"  row {i} differs")
                break
        check(f"SDK read_records reads Rust file {rows}x{cols}: values exactly the generated matrix", ok, f"{len(recs)} records")


@section("rust_mixed")
def _rust_mixed():
    path = f"{WORK}/rust_mixed.rec"
    want = [json.loads(line) for line in tool("write-mixed", path).splitlines()]
    got = [record_json(r) for r in read_records(open(path, "rb"))]
    check("SDK read_records reads Rust records of every tensor type", got == want and len(want) >= 7, first_diff(got, want))
    # Re-serialised by the SDK's protobuf runtime, each payload is byte-identical to Rust's, except
    # for the order of entries in maps with several keys (unspecified in protobuf; Rust sorts by key).
    from sagemaker.serializer_utils import read_recordio

    raw = list(read_recordio(open(path, "rb")))
    sdk = read_records(open(path, "rb"))
    single = [(p, r) for p, r in zip(raw, sdk) if len(r.features) <= 1 and len(r.label) <= 1]
    multi = [(p, r) for p, r in zip(raw, sdk) if not (len(r.features) <= 1 and len(r.label) <= 1)]
    bad = [i for i, (p, r) in enumerate(single) if p != r.SerializeToString()]
    check(f"SDK re-serialisation of Rust's single-key records is byte-identical ({len(single)} records)",
          len(single) >= 5 and not bad, f"records {bad} differ")
    bad = [i for i, (p, r) in enumerate(multi) if len(p) != len(r.SerializeToString())]
    check(f"SDK re-serialisation of Rust's multi-key records has the same length ({len(multi)} records)",
          len(multi) >= 2 and not bad, f"records {bad} differ")


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
