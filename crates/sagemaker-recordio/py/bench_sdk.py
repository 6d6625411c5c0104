"""Python side of scripts/bench-recordio.sh: times the sagemaker SDK's write_numpy_to_dense_tensor
and read_records on the same deterministic matrix the Rust side writes (common.gen_matrix), in
memory (io.BytesIO), and checks the SDK's bytes equal the Rust file.

Usage: python bench_sdk.py ROWS COLS SEED WRITE_REPS READ_REPS RUST_FILE  → one JSON line.
"""
import io
import json
import logging
import statistics
import sys
import time

logging.getLogger("sagemaker.config").setLevel(logging.WARNING)

from common import gen_matrix  # noqa: E402

from sagemaker.amazon.common import read_records, write_numpy_to_dense_tensor  # noqa: E402

rows, cols, seed, wreps, rreps = map(int, sys.argv[1:6])
rust_file = sys.argv[6]
X, y = gen_matrix(rows, cols, seed)
times, cpu = [], []
data = b""
for _ in range(wreps):
    buf = io.BytesIO()
    t, c = time.perf_counter(), time.thread_time()
    write_numpy_to_dense_tensor(buf, X, y)
    times.append(time.perf_counter() - t)
    cpu.append(time.thread_time() - c)
    data = buf.getvalue()
rust = open(rust_file, "rb").read()
rtimes, rcpu = [], []
for _ in range(rreps):
    t, c = time.perf_counter(), time.thread_time()
    recs = read_records(io.BytesIO(data))
    rtimes.append(time.perf_counter() - t)
    rcpu.append(time.thread_time() - c)
    assert len(recs) == rows
    del recs
print(json.dumps({
    "bytes": len(data),
    "identical_to_rust": data == rust,
    "write_times_s": times,
    "write_median_s": statistics.median(times),
    "write_cpu_s": cpu,
    "write_median_cpu_s": statistics.median(cpu),
    "read_times_s": rtimes,
    "read_median_s": statistics.median(rtimes) if rtimes else None,
    "read_cpu_s": rcpu,
    "read_median_cpu_s": statistics.median(rcpu) if rcpu else None,
}))
