"""CloudWatch Logs through boto3 and the AWS CLI v1 against a running sagemaker-offline."""

import json
import shutil
import subprocess
import uuid

import boto3
import botocore.exceptions
import pytest

GROUP = "/aws/sagemaker/TrainingJobs"


@pytest.fixture(scope="module")
def streams():
    logs = boto3.client("logs")
    try:
        logs.create_log_group(logGroupName=GROUP)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    job = f"core-{uuid.uuid4().hex[:8]}"
    names = [f"{job}/algo-{h}-1700000000" for h in (1, 2)]
    for h, name in enumerate(names, start=1):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=name)
        events = [{"timestamp": 1_700_000_000_000 + 1000 * i + h, "message": f"#quality_metric: host=algo-{h}, epoch={i}, train mse_objective <loss>=0.{i}"}
                  for i in range(40)]
        logs.put_log_events(logGroupName=GROUP, logStreamName=name, logEvents=events)
    return job, names


def test_describe_log_streams(streams):
    job, names = streams
    logs = boto3.client("logs")
    r = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=job + "/")
    assert [s["logStreamName"] for s in r["logStreams"]] == names
    s0 = r["logStreams"][0]
    assert s0["firstEventTimestamp"] == 1_700_000_000_001
    assert s0["lastEventTimestamp"] == 1_700_000_039_001
    assert s0["arn"].startswith("arn:aws:logs:") and s0["arn"].endswith(":log-stream:" + names[0])
    r = logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", descending=True, limit=1)
    assert len(r["logStreams"]) == 1 and "nextToken" in r


def test_get_log_events_paging_stops(streams):
    _, names = streams
    logs = boto3.client("logs")
    kwargs = {"logGroupName": GROUP, "logStreamName": names[0], "startFromHead": True, "limit": 15}
    seen, token = [], None
    for _ in range(20):
        r = logs.get_log_events(**kwargs, **({"nextToken": token} if token else {}))
        seen += [e["message"] for e in r["events"]]
        if r["nextForwardToken"] == token:
            break
        token = r["nextForwardToken"]
    assert len(seen) == 40
    assert seen[0].endswith("epoch=0, train mse_objective <loss>=0.0")
    assert seen[-1].endswith("epoch=39, train mse_objective <loss>=0.39")


def test_filter_log_events(streams):
    job, _ = streams
    logs = boto3.client("logs")
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=GROUP, logStreamNamePrefix=job + "/", filterPattern='"epoch=3,"', PaginationConfig={"PageSize": 1})
    hits = [(e["logStreamName"].split("/")[1], e["message"]) for p in pages for e in p["events"]]
    assert [h[0] for h in hits] == ["algo-1-1700000000", "algo-2-1700000000"]
    assert all("epoch=3," in m for _, m in hits)


def test_cli_get_log_events(streams):
    _, names = streams
    exe = shutil.which("aws")
    p = subprocess.run([exe, "logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name", names[1],
                        "--start-from-head", "--output", "json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert len(out["events"]) == 40
    assert out["nextForwardToken"].startswith("f/")


def test_unknown_group_error():
    logs = boto3.client("logs")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.get_log_events(logGroupName="/no/such/group", logStreamName="x")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."
