"""S3 through the real AWS CLI v1 and boto3 against a running sagemaker-offline.

Run by scripts/test-clients.sh, which starts the server with a temporary state dir and exports the
standard AWS_* variables from `sagemaker-offline env` (plus SAGEMAKER_OFFLINE_BIN/_STATE_DIR/_PORT).
"""

import hashlib
import os
import shutil
import subprocess
import uuid

import boto3
import botocore.exceptions
import pytest


def aws(*args, env=None, check=True):
    exe = shutil.which("aws")
    assert exe, "the AWS CLI (awscli v1) must be on PATH"
    p = subprocess.run([exe, *args], capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def bucket():
    name = f"core-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def test_env_points_at_loopback():
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def test_cli_multipart_copy_list_and_back(bucket, tmp_path):
    src = tmp_path / "big.bin"
    # 20 MiB of non-repeating bytes: above the CLI's 8 MiB multipart threshold.
    block = hashlib.sha256(b"seed").digest()
    with open(src, "wb") as f:
        for i in range(20 * 1024 * 1024 // 32):
            block = hashlib.sha256(block + i.to_bytes(4, "little")).digest()
            f.write(block)
    assert src.stat().st_size == 20 * 1024 * 1024
    aws("s3", "cp", str(src), f"s3://{bucket}/data/train/big.bin")

    out = aws("s3", "ls", f"s3://{bucket}/data/train/").stdout
    assert "big.bin" in out and str(20 * 1024 * 1024) in out, out

    head = boto3.client("s3").head_object(Bucket=bucket, Key="data/train/big.bin")
    assert head["ContentLength"] == 20 * 1024 * 1024
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]  # 8 + 8 + 4 MiB parts

    back = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{bucket}/data/train/big.bin", str(back))
    assert back.read_bytes() == src.read_bytes()

    # state dir layout: one file per object under s3/_buckets/<bucket>/, holding the bytes and then
    # the object's metadata (docs/SEMANTICS.md, S3)
    state = os.environ.get("SAGEMAKER_OFFLINE_STATE_DIR")
    if state:
        d = os.path.join(state, "s3", "_buckets", bucket)
        sizes = [os.path.getsize(os.path.join(d, n)) for n in os.listdir(d)]
        assert any(20 * 1024 * 1024 < s < 20 * 1024 * 1024 + 4096 for s in sizes), sizes


def test_boto3_put_get_list_delete(bucket):
    s3 = boto3.client("s3")
    for k in ["p/b.txt", "p/a.txt", "p/sub/c.txt", "q.txt"]:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode() * 3, ContentType="text/plain")
    got = s3.get_object(Bucket=bucket, Key="p/a.txt")
    assert got["Body"].read() == b"p/a.txt" * 3
    assert got["ContentType"] == "text/plain"
    assert got["ETag"] == '"%s"' % hashlib.md5(b"p/a.txt" * 3).hexdigest()

    listed = s3.list_objects_v2(Bucket=bucket, Prefix="p/")
    assert [o["Key"] for o in listed["Contents"]] == ["p/a.txt", "p/b.txt", "p/sub/c.txt"]
    assert [o["Size"] for o in listed["Contents"]] == [21, 21, 33]

    delim = s3.list_objects_v2(Bucket=bucket, Prefix="p/", Delimiter="/")
    assert [o["Key"] for o in delim["Contents"]] == ["p/a.txt", "p/b.txt"]
    assert [c["Prefix"] for c in delim["CommonPrefixes"]] == ["p/sub/"]

    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/", PaginationConfig={"PageSize": 2}))
    assert [o["Key"] for page in pages for o in page.get("Contents", [])] == ["p/a.txt", "p/b.txt", "p/sub/c.txt"]

    s3.delete_object(Bucket=bucket, Key="p/b.txt")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="p/b.txt")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"


def test_boto3_bad_signature_and_unknown_key(bucket):
    url = os.environ["AWS_ENDPOINT_URL"]
    bad = boto3.client("s3", endpoint_url=url, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bad.list_objects_v2(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    unknown = boto3.client("s3", endpoint_url=url, aws_access_key_id="AKIANOTAKEY000000000", aws_secret_access_key="x")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        unknown.list_objects_v2(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_unsigned_request_is_refused(bucket):
    from botocore import UNSIGNED
    from botocore.config import Config

    anon = boto3.client("s3", config=Config(signature_version=UNSIGNED))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        anon.list_objects_v2(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_eval_env_then_list_gdelt():
    """`eval "$(sagemaker-offline env)"` in a clean shell, then `aws s3 ls` of the seeded bucket."""
    binary = os.environ["SAGEMAKER_OFFLINE_BIN"]
    state = os.environ["SAGEMAKER_OFFLINE_STATE_DIR"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean["SAGEMAKER_OFFLINE_STATE_DIR"] = state
    clean["AWS_CONFIG_FILE"] = os.devnull
    clean["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    script = f'eval "$("{binary}" env)" && aws s3 ls s3://gdelt-open-data/events/'
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=clean)
    assert p.returncode == 0, p.stderr
    names = [line.split()[-1] for line in p.stdout.splitlines() if line.strip()]
    assert names == [f"{y}.csv" for y in range(1979, 1985)], p.stdout
    sizes = [int(line.split()[-2]) for line in p.stdout.splitlines() if line.strip()]
    assert all(s > 0 for s in sizes)
    # rows grow with the real counts (1979 has the fewest events, 1984 the most)
    assert sizes[0] < sizes[-1], sizes
