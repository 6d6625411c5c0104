"""The workshop path with the real AWS CLI v1 and boto3 against a running sagemaker-offline.

Training jobs are created with `aws sagemaker create-training-job` and the shorthand exactly as the
workshop's scripts write it (braces in a variable, expanded unquoted); hosting with the CLI and the
`endpoint-in-service` / `endpoint-deleted` waiters; inference with `aws sagemaker-runtime
invoke-endpoint` and boto3's `runtime.sagemaker` client. Data is a few hundred rows of
recordIO-protobuf written here, byte for byte as the SageMaker SDK's writer does.
"""

import json
import os
import struct
import subprocess
import uuid

import boto3
import botocore.exceptions
import pytest

IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
FEATURES = 4


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _ld(field, payload):
    return bytes([field << 3 | 2]) + _varint(len(payload)) + payload


def _value(floats):
    tensor = _ld(1, struct.pack("<%df" % len(floats), *floats))  # Float32Tensor.values (packed)
    return _ld(2, tensor)  # Value.float32_tensor


def _record(features, label):
    feats = _ld(1, _ld(1, b"values") + _ld(2, _value(features)))
    lab = _ld(2, _ld(1, b"values") + _ld(2, _value([label])))
    payload = feats + lab
    pad = (4 - len(payload) % 4) % 4
    return struct.pack("<II", 0xCED7230A, len(payload)) + payload + b"\0" * pad


def _rows(seed, n):
    s = seed * 7919 + 17
    for _ in range(n):
        xs = []
        for _ in range(FEATURES):
            s = (s * 1103515245 + 12345) % (1 << 31)
            xs.append((s % 10000) / 5000.0 - 1.0)
        yield xs, 1.0 + 2.0 * xs[0] - xs[1] + 0.5 * xs[2] + 3.0 * xs[3]


def _dataset(seed, n=80):
    return b"".join(_record(x, y) for x, y in _rows(seed, n))


def aws(*args, check=True):
    r = subprocess.run(["aws", *args], capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


def bash(script, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300, env=e)


@pytest.fixture(scope="module")
def data():
    bucket = f"sm-clients-{uuid.uuid4().hex[:8]}"
    prefix = "sagemaker/DEMO-linear"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    for year in range(1979, 1984):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/train/{year}.data", Body=_dataset(year))
    s3.put_object(Bucket=bucket, Key=f"{prefix}/validation/1984.data", Body=_dataset(1984))
    return bucket, prefix


# The workshop's command, as scripts/sharded.sh writes it (braces in variables, unquoted expansion).
CREATE = r"""
set -euo pipefail
training_data=s3://$BUCKET/$PREFIX/train
eval_data=s3://$BUCKET/$PREFIX/validation
train_source={S3DataSource={S3DataType=S3Prefix,S3DataDistributionType=$DIST,S3Uri=$training_data}}
eval_source={S3DataSource={S3DataType=S3Prefix,S3DataDistributionType=FullyReplicated,S3Uri=$eval_data}}
aws --region $AWS_DEFAULT_REGION \
sagemaker create-training-job \
--role-arn $ROLE \
--training-job-name $JOB \
--algorithm-specification TrainingImage=$IMAGE,TrainingInputMode=File \
--resource-config InstanceCount=5,InstanceType=ml.c4.2xlarge,VolumeSizeInGB=10 \
--input-data-config ChannelName=train,DataSource=$train_source,CompressionType=None,RecordWrapperType=None ChannelName=validation,DataSource=$eval_source,CompressionType=None,RecordWrapperType=None \
--output-data-config S3OutputPath=s3://$BUCKET/$PREFIX \
--hyper-parameters feature_dim=4,mini_batch_size=50,predictor_type=regressor,epochs=3,num_models=4,loss=absolute_loss \
--stopping-condition MaxRuntimeInSeconds=1800
"""


@pytest.fixture(scope="module")
def jobs(data):
    bucket, prefix = data
    suffix = uuid.uuid4().hex[:6]
    names = {}
    for kind, dist in (("replicated", "FullyReplicated"), ("sharded", "ShardedByS3Key")):
        job = f"DEMO-linear-{kind}-{suffix}"
        r = bash(CREATE, BUCKET=bucket, PREFIX=prefix, DIST=dist, JOB=job, ROLE=ROLE, IMAGE=IMAGE)
        assert r.returncode == 0, r.stderr
        arn = json.loads(r.stdout)["TrainingJobArn"]
        assert arn == f"arn:aws:sagemaker:{os.environ['AWS_DEFAULT_REGION']}:{arn.split(':')[4]}:training-job/{job.lower()}"
        names[kind] = job
    sm = boto3.client("sagemaker")
    waiter = sm.get_waiter("training_job_completed_or_stopped")
    for job in names.values():
        waiter.wait(TrainingJobName=job, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    return names


def test_training_jobs_complete_with_the_real_shape(jobs, data):
    bucket, prefix = data
    for kind, job in jobs.items():
        d = json.loads(aws("sagemaker", "describe-training-job", "--training-job-name", job).stdout)
        assert d["TrainingJobStatus"] == "Completed", d
        assert d["SecondaryStatus"] == "Completed"
        assert [t["Status"] for t in d["SecondaryStatusTransitions"]] == [
            "Starting", "Downloading", "Training", "Uploading", "Completed"]
        assert isinstance(d["CreationTime"], (int, float))  # CLI v1 prints epoch numbers as received
        assert d["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://{bucket}/{prefix}/{job}/output/model.tar.gz"
        assert d["ResourceConfig"]["InstanceCount"] == 5
        dist = d["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"]
        assert dist == ("ShardedByS3Key" if kind == "sharded" else "FullyReplicated")
        assert d["HyperParameters"]["loss"] == "absolute_loss"
        assert d["TrainingTimeInSeconds"] >= 1 and d["BillableTimeInSeconds"] >= 1
        names = {m["MetricName"] for m in d.get("FinalMetricDataList", [])}
        assert "validation:objective_loss" in names or "validation:absolute_loss" in names, names
        head = boto3.client("s3").head_object(Bucket=bucket, Key=f"{prefix}/{job}/output/model.tar.gz")
        assert head["ContentLength"] > 0


def test_training_logs_one_stream_per_host(jobs):
    logs = boto3.client("logs")
    job = jobs["sharded"]
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=job + "/")
    names = sorted(s["logStreamName"] for s in streams["logStreams"])
    assert [n.rsplit("-", 1)[0] for n in names] == [f"{job}/algo-{h}" for h in range(1, 6)]
    ev = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=names[0], startFromHead=True)
    assert ev["events"][0]["message"] == "Docker entrypoint called with argument(s): train"


def test_list_and_errors(jobs, data):
    bucket, prefix = data
    out = json.loads(aws("sagemaker", "list-training-jobs", "--name-contains", jobs["sharded"][-6:],
                         "--sort-by", "Name", "--sort-order", "Ascending").stdout)
    assert [s["TrainingJobName"] for s in out["TrainingJobSummaries"]] == sorted(jobs.values())
    r = aws("sagemaker", "describe-training-job", "--training-job-name", "no-such-job", check=False)
    assert r.returncode == 255
    assert "An error occurred (ValidationException) when calling the DescribeTrainingJob operation: Requested resource not found." in r.stderr
    r = bash(CREATE, BUCKET=bucket, PREFIX=prefix, DIST="ShardedByS3Key", JOB=jobs["sharded"], ROLE=ROLE, IMAGE=IMAGE)
    assert r.returncode == 255 and "(ResourceInUse)" in r.stderr and "a training job with this name already exists" in r.stderr
    r = bash(CREATE, BUCKET=bucket, PREFIX="empty-prefix", DIST="ShardedByS3Key", JOB="empty-job", ROLE=ROLE, IMAGE=IMAGE)
    assert r.returncode == 255 and f'No S3 objects found under S3 URL "s3://{bucket}/empty-prefix/train"' in r.stderr
    r = bash(CREATE, BUCKET=bucket, PREFIX=prefix, DIST="ShardedByS3Key", JOB="bad_name", ROLE=ROLE, IMAGE=IMAGE)
    assert r.returncode == 255
    assert "Value 'bad_name' at 'trainingJobName' failed to satisfy constraint" in r.stderr


@pytest.fixture(scope="module")
def endpoints(jobs, data):
    bucket, prefix = data
    eps = {}
    for kind, job in jobs.items():
        url = f"s3://{bucket}/{prefix}/{job}/output/model.tar.gz"
        aws("sagemaker", "create-model", "--model-name", job, "--execution-role-arn", ROLE,
            "--primary-container", f"Image={IMAGE},ModelDataUrl={url}")
        aws("sagemaker", "create-endpoint-config", "--endpoint-config-name", f"{job}-config",
            "--production-variants",
            f"VariantName=AllTraffic,ModelName={job},InitialInstanceCount=1,InstanceType=ml.m4.xlarge")
        aws("sagemaker", "create-endpoint", "--endpoint-name", f"{job}-ep", "--endpoint-config-name", f"{job}-config")
        eps[kind] = f"{job}-ep"
    for ep in eps.values():
        aws("sagemaker", "wait", "endpoint-in-service", "--endpoint-name", ep)
    yield eps
    for ep in eps.values():
        aws("sagemaker", "delete-endpoint", "--endpoint-name", ep, check=False)


def test_endpoints_in_service(endpoints):
    for ep in endpoints.values():
        d = json.loads(aws("sagemaker", "describe-endpoint", "--endpoint-name", ep).stdout)
        assert d["EndpointStatus"] == "InService"
        assert d["ProductionVariants"][0]["VariantName"] == "AllTraffic"
        assert d["EndpointArn"].endswith(":endpoint/" + ep.lower())
    listed = json.loads(aws("sagemaker", "list-endpoints", "--status-equals", "InService").stdout)
    assert set(endpoints.values()) <= {e["EndpointName"] for e in listed["Endpoints"]}


def test_cli_invoke_endpoint(endpoints, tmp_path):
    body = tmp_path / "rows.csv"
    body.write_text("0.5,-0.25,0.1,0.3\n0,0,0,0")
    out = tmp_path / "out.json"
    r = aws("sagemaker-runtime", "invoke-endpoint", "--endpoint-name", endpoints["replicated"],
            "--content-type", "text/csv", "--body", f"fileb://{body}", str(out))
    meta = json.loads(r.stdout)
    assert meta["ContentType"] == "application/json"
    assert meta["InvokedProductionVariant"] == "AllTraffic"
    preds = json.loads(out.read_text())["predictions"]
    assert len(preds) == 2 and all(isinstance(p["score"], float) for p in preds)


def test_boto3_runtime(endpoints):
    rt = boto3.client("runtime.sagemaker")
    rows = [x for x, _ in _rows(1990, 50)]
    payload = "\n".join(",".join("%g" % v for v in r) for r in rows)
    r = rt.invoke_endpoint(EndpointName=endpoints["sharded"], ContentType="text/csv", Body=payload)
    assert r["ContentType"] == "application/json"
    preds = json.loads(r["Body"].read())["predictions"]
    assert len(preds) == 50
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rt.invoke_endpoint(EndpointName=endpoints["sharded"], ContentType="text/csv", Body="not,numbers,at,all")
    err = e.value.response
    assert err["Error"]["Code"] == "ModelError"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert err["OriginalStatusCode"] == 400
    assert err["Error"]["Message"].startswith("Received client error (400) from primary with message")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rt.invoke_endpoint(EndpointName="no-such-endpoint", ContentType="text/csv", Body="1,2,3,4")
    assert e.value.response["Error"]["Code"] == "ValidationError"
    assert e.value.response["Error"]["Message"].startswith("Endpoint no-such-endpoint of account ")


def test_delete_and_waiter(endpoints):
    ep = endpoints["replicated"]
    aws("sagemaker", "delete-endpoint", "--endpoint-name", ep)
    aws("sagemaker", "wait", "endpoint-deleted", "--endpoint-name", ep)
    r = aws("sagemaker", "describe-endpoint", "--endpoint-name", ep, check=False)
    assert r.returncode == 255 and "(ValidationException)" in r.stderr and "Could not find endpoint" in r.stderr
    sm = boto3.client("sagemaker")
    with pytest.raises(botocore.exceptions.WaiterError):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=ep, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
