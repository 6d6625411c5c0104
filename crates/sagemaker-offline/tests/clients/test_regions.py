"""Regions and STS through the real AWS CLI v1 and boto3 (the stand-in runs in us-east-1 here).

botocore follows S3's 301 PermanentRedirect (re-signing for the x-amz-bucket-region it names,
against the same endpoint URL), so these clients read buckets of any region; the SageMaker API
refuses a request signed for another region than the server's; `aws sts get-caller-identity`
answers the stand-in's account.
"""

import json
import shutil
import subprocess
import uuid

import boto3
import botocore.config
import botocore.exceptions
import pytest


def aws(*args):
    exe = shutil.which("aws")
    assert exe, "the AWS CLI (awscli v1) must be on PATH"
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    assert p.returncode == 0, f"aws {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_cli_get_caller_identity():
    ident = json.loads(aws("sts", "get-caller-identity", "--output", "json"))
    assert ident["Account"] == "123456789012"
    assert ident["Arn"] == "arn:aws:iam::123456789012:user/sagemaker-offline"


def test_botocore_follows_the_301_both_ways():
    eu = boto3.client("s3", region_name="eu-west-1")
    us = boto3.client("s3", region_name="us-east-1")
    name = f"eu-{uuid.uuid4().hex[:12]}"
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert us.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    eu.put_object(Bucket=name, Key="k", Body=b"v")
    # us-east-1 client, eu-west-1 bucket: the 301 is followed.
    assert us.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
    # eu-west-1 client, the us-east-1 public bucket (what notebook 1 reads).
    listed = eu.list_objects_v2(Bucket="gdelt-open-data", Prefix="events/")
    assert any(o["Key"].endswith(".csv") for o in listed.get("Contents", []))
    out = aws("s3", "ls", "s3://gdelt-open-data/events/", "--region", "eu-west-1")
    assert "1979.csv" in out


def test_no_location_constraint_outside_us_east_1_is_refused():
    eu = boto3.client("s3", region_name="eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        eu.create_bucket(Bucket=f"nocfg-{uuid.uuid4().hex[:12]}")
    assert e.value.response["Error"]["Code"] == "IllegalLocationConstraintException"


def test_sagemaker_refuses_another_region():
    sm = boto3.client(
        "sagemaker",
        region_name="eu-west-1",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sm.list_training_jobs()
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidSignatureException"
    assert "not 'eu-west-1'" in err["Message"]
    assert boto3.client("sagemaker").list_training_jobs()["ResponseMetadata"]["HTTPStatusCode"] == 200
