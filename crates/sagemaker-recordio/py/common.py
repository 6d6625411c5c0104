"""Shared helpers for the recordIO interop test and benchmark (Python side).

`gen_matrix` mirrors `gen_matrix` in `examples/recordio_tool.rs` bit for bit (splitmix64, exactly
representable float32 values), so both languages build the very same training matrix.
"""
import os
import warnings

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def splitmix(seed, n):
    """splitmix64 outputs 0..n-1 of the stream seeded with `seed` (uint64 array)."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    z = np.uint64(seed) + i * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def unit(z):
    """Exactly representable float32 in [-1, 1) from the top 24 bits."""
    k = (z >> np.uint64(40)).astype(np.int64)
    return (2 * k - (1 << 24)).astype(np.float32) / np.float32(1 << 24)


def gen_matrix(rows, cols, seed):
    """(features float32 rows×cols in [-8, 8), labels float32 rows in [-1, 1))."""
    feats = (unit(splitmix(seed, rows * cols)) * np.float32(8)).reshape(rows, cols)
    labels = unit(splitmix(seed ^ 0xABCDEF01, rows))
    return feats, labels


def f32bits(vals):
    return np.asarray(list(vals), dtype=np.float32).view(np.uint32).tolist()


def f64bits(vals):
    return [str(x) for x in np.asarray(list(vals), dtype=np.float64).view(np.uint64).tolist()]


def value_json(v):
    """JSON form of an aialgs.data.Value, identical to `tensor_json` in recordio_tool.rs."""
    kind = v.WhichOneof("value")
    if kind == "float32_tensor":
        t = v.float32_tensor
        return {"type": "Float32", "values": f32bits(t.values), "keys": list(t.keys), "shape": list(t.shape)}
    if kind == "float64_tensor":
        t = v.float64_tensor
        return {"type": "Float64", "values": f64bits(t.values), "keys": list(t.keys), "shape": list(t.shape)}
    if kind == "int32_tensor":
        t = v.int32_tensor
        return {"type": "Int32", "values": list(t.values), "keys": list(t.keys), "shape": list(t.shape)}
    if kind == "bytes":
        t = v.bytes
        return {
            "type": "Bytes",
            "values": [b.hex() for b in t.value],
            "content_type": t.content_type if t.HasField("content_type") else None,
        }
    return None  # no tensor set: the Rust reader stores no entry


def record_json(r):
    def m(mp):
        out = {}
        for k, v in mp.items():
            j = value_json(v)
            if j is not None:
                out[k] = j
        return out

    return {
        "features": m(r.features),
        "label": m(r.label),
        "uid": r.uid if r.HasField("uid") else None,
        "metadata": r.metadata if r.HasField("metadata") else None,
        "configuration": r.configuration if r.HasField("configuration") else None,
    }
