"""InvokeEndpoint with a ≈5 MB text/csv body (the size notebook 3's predict_batches sends) through
boto3: one prediction per row, in a single request under the 6 MiB limit.

Reuses the workshop test module's fixtures (bucket, training jobs, endpoints); imported fixtures get
this module's scope, so the jobs and endpoints here are this module's own.
"""

import json

import boto3
import botocore.config

from test_workshop import FEATURES, _rows, data, endpoints, jobs  # noqa: F401 (fixtures)

TARGET = 5_000_000


def _body():
    rows, size = [], 0
    seed = 2000
    while True:
        for xs, _ in _rows(seed, 1000):
            r = ",".join("%g" % v for v in xs)
            if size + len(r) + 1 > TARGET:
                return "\n".join(rows).encode(), len(rows)
            rows.append(r)
            size += len(r) + 1
        seed += 1


def test_invoke_5mb_csv_one_prediction_per_row(endpoints):  # noqa: F811
    body, n = _body()
    assert 4_900_000 < len(body) <= TARGET < 6 * 1024 * 1024
    rt = boto3.client("runtime.sagemaker",
                      config=botocore.config.Config(read_timeout=300, retries={"total_max_attempts": 1}))
    r = rt.invoke_endpoint(EndpointName=endpoints["sharded"], ContentType="text/csv",
                           Accept="application/json", Body=body)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["ContentType"] == "application/json"
    preds = json.loads(r["Body"].read())["predictions"]
    assert len(preds) == n and n > 100_000 // FEATURES
    assert all(isinstance(p["score"], float) for p in preds)
    # The same rows, scored again, give the same scores (row order is kept).
    head = b"\n".join(body.split(b"\n")[:50])
    again = json.loads(rt.invoke_endpoint(EndpointName=endpoints["sharded"], ContentType="text/csv",
                                          Body=head)["Body"].read())["predictions"]
    assert [p["score"] for p in again] == [p["score"] for p in preds[:50]]
