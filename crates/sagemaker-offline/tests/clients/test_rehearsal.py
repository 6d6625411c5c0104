"""The notebook-instance rehearsal (issue 14 D6), scripts side: the workshop's scripts with the real
AWS CLI v1 on what a SageMaker notebook instance provides, with no KIT_* variable at all.

A notebook instance gives its notebooks and terminals: /opt/ml/metadata/resource-metadata.json
naming the instance, the instance role's temporary credentials from the instance metadata service
(IMDSv2), and a region. Here: the metadata file through SAGEMAKER_OFFLINE_METADATA_FILE (the tests'
override of that path), an IMDSv2-like endpoint on loopback (AWS_EC2_METADATA_SERVICE_ENDPOINT,
which botocore and aws-config honour) serving the stand-in's key pair as the role's credentials,
AWS_DEFAULT_REGION/AWS_REGION=eu-west-1, and the stand-in (started with --region eu-west-1
--notebook-instance kit-rehearsal) as the shared config file's `endpoint_url`, not AWS_ENDPOINT_URL:
the settings rule then takes the AWS branch as on a real instance (docs/SEMANTICS.md, "The
notebook-instance rehearsal"). The scripts run from a copy of scripts/ (a checkout on the instance),
so that their out/ is private to the test.

Expected: SageMaker's default bucket sagemaker-eu-west-1-<account> (STS), the role from
DescribeNotebookInstance, eu-west-1's Linear Learner image; replicated.sh and sharded.sh complete,
deploy.sh hosts both, cleanup.sh removes them. Notebook 1's cells are rehearsed the same way in
kernel-helpers/tests/it/standin/ (here the data is put in place with boto3).
"""

import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from test_scripts import _dataset

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
INSTANCE = "kit-rehearsal"
ROLE_NAME = "AmazonSageMaker-ExecutionRole-sagemaker-offline"
IMDS_TOKEN = "kit-rehearsal-imds-token"
PREFIX = "sagemaker/data_distribution_types"


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class _Imds(http.server.BaseHTTPRequestHandler):
    """IMDSv2 as an instance has it: a session token first, then the role and its credentials."""

    creds = {}
    served = 0

    def log_message(self, *args):
        pass

    def _send(self, status, body="", headers=()):
        data = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token":
            self._send(200, IMDS_TOKEN, [("x-aws-ec2-metadata-token-ttl-seconds", "21600")])
        else:
            self._send(404)

    def do_GET(self):
        if self.headers.get("x-aws-ec2-metadata-token") != IMDS_TOKEN:
            self._send(401)
        elif self.path == "/latest/meta-data/iam/security-credentials/":
            self._send(200, ROLE_NAME)
        elif self.path == f"/latest/meta-data/iam/security-credentials/{ROLE_NAME}":
            type(self).served += 1
            self._send(200, json.dumps(self.creds))
        else:
            self._send(404)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """The stand-in in eu-west-1 plus everything a notebook instance provides; yields the env."""
    tmp = tmp_path_factory.mktemp("rehearsal")
    binary = os.environ.get("SAGEMAKER_OFFLINE_BIN")
    assert binary, "SAGEMAKER_OFFLINE_BIN must name the stand-in (scripts/test-clients.sh sets it)"
    state = tmp / "state"
    port = _free_port()
    proc = subprocess.Popen([binary, "serve", "--port", str(port), "--state-dir", str(state),
                             "--region", "eu-west-1", "--notebook-instance", INSTANCE, "--no-seed"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.time() + 60
        while "listening on" not in (proc.stdout.readline() or ""):
            assert proc.poll() is None and time.time() < deadline, "the stand-in did not start"
        exports = subprocess.run([binary, "env", "--port", str(port), "--state-dir", str(state)],
                                 capture_output=True, text=True, check=True).stdout
        keys = {}
        for line in exports.splitlines():
            if line.startswith("export "):
                k, _, v = line[len("export "):].partition("=")
                keys[k] = v.strip("'\"")
        now = datetime.now(timezone.utc)
        _Imds.creds = {
            "Code": "Success", "Type": "AWS-HMAC",
            "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Expiration": (now + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "AccessKeyId": keys["AWS_ACCESS_KEY_ID"], "SecretAccessKey": keys["AWS_SECRET_ACCESS_KEY"],
            "Token": "kit-rehearsal-session-token",
        }
        imds = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Imds)
        threading.Thread(target=imds.serve_forever, daemon=True).start()

        ident = boto3.client("sts", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                             aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
                             aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"]).get_caller_identity()
        account = ident["Account"]
        meta = tmp / "resource-metadata.json"
        meta.write_text(json.dumps({
            "ResourceArn": f"arn:aws:sagemaker:eu-west-1:{account}:notebook-instance/{INSTANCE}",
            "ResourceName": INSTANCE}))
        config = tmp / "aws-config"
        config.write_text(f"[default]\nendpoint_url = http://127.0.0.1:{port}\n")
        # A checkout of the kit on the instance: its own out/.
        checkout = tmp / "kit"
        shutil.copytree(os.path.join(ROOT, "scripts"), checkout / "scripts")
        kit_bin = os.environ.get("KIT_BIN") or shutil.which("kit")
        assert kit_bin, "the kit binary (KIT_BIN from scripts/test-clients.sh)"
        path = os.pathsep.join([os.path.dirname(kit_bin), os.path.dirname(shutil.which("aws")),
                                os.environ.get("PATH", "")])
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "KIT_", "SAGEMAKER_OFFLINE_"))}
        env.update(PATH=path, HOME=str(tmp), AWS_CONFIG_FILE=str(config),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
                   AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{imds.server_address[1]}",
                   AWS_DEFAULT_REGION="eu-west-1", AWS_REGION="eu-west-1",
                   SAGEMAKER_OFFLINE_METADATA_FILE=str(meta))
        yield {"env": env, "account": account, "checkout": checkout, "imds": imds}
        imds.shutdown()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _session(env):
    """boto3 configured exactly as the scripts are (no explicit endpoint, keys or region)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        s = boto3.session.Session()
        return {name: s.client(name) for name in ("s3", "sagemaker", "sts")}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(instance, script, *args):
    return subprocess.run([str(instance["checkout"] / "scripts" / script), *args], capture_output=True,
                          text=True, timeout=600, env=instance["env"])


def test_the_scripts_on_a_rehearsed_notebook_instance(instance):
    env, account = instance["env"], instance["account"]
    assert not [k for k in env if k.startswith("KIT_") or k.startswith("AWS_ENDPOINT_URL")]
    c = _session(env)
    assert c["sts"].get_caller_identity()["Account"] == account  # through the profile's endpoint_url
    bucket = f"sagemaker-eu-west-1-{account}"
    # What notebook 1 uploads (kernel-helpers' standin tests rehearse the cells themselves).
    c["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for year in range(1979, 1984):
        c["s3"].put_object(Bucket=bucket, Key=f"{PREFIX}/train/{year}.data", Body=_dataset(year))
    c["s3"].put_object(Bucket=bucket, Key=f"{PREFIX}/validation/1984.data", Body=_dataset(1984))

    procs = {kind: subprocess.Popen([str(instance["checkout"] / "scripts" / f"{kind}.sh"), "--wait"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for kind in ("replicated", "sharded")}
    jobs = {}
    for kind, p in procs.items():
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        jobs[kind] = out.strip()
        assert "target aws" in err, err
    role = f"arn:aws:iam::{account}:role/service-role/{ROLE_NAME}"
    for kind, job in jobs.items():
        d = c["sagemaker"].describe_training_job(TrainingJobName=job)
        assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
        assert d["RoleArn"] == role
        assert d["AlgorithmSpecification"]["TrainingImage"] == \
            "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
        assert d["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"].startswith(
            f"s3://{bucket}/{PREFIX}/train")
        assert d["TrainingJobArn"].startswith("arn:aws:sagemaker:eu-west-1:")
    with open(instance["checkout"] / "out" / "jobs.json") as f:
        assert {k: v for k, v in json.load(f).items() if k in jobs} == jobs

    r = run(instance, "deploy.sh")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["distributed-replicated", "distributed-sharded"]
    for kind in jobs:
        cfg = c["sagemaker"].describe_endpoint_config(EndpointConfigName=f"distributed-{kind}")
        assert cfg["ProductionVariants"][0]["InstanceType"] == "ml.m4.xlarge"
    r = run(instance, "cleanup.sh")
    assert r.returncode == 0, r.stderr
    for kind in jobs:
        with pytest.raises(c["sagemaker"].exceptions.ClientError):
            c["sagemaker"].describe_endpoint(EndpointName=f"distributed-{kind}")
    assert _Imds.served >= 1, "the instance-role credentials were never fetched"


def test_a_missing_notebook_instance_names_the_setting(instance):
    """An instance the service does not know (DescribeNotebookInstance: RecordNotFound) and an
    IAM-user caller: one message naming KIT_ROLE_ARN, before any job is created."""
    meta = instance["checkout"] / "other-metadata.json"
    meta.write_text(json.dumps({"ResourceName": "not-this-one"}))
    env = dict(instance["env"], SAGEMAKER_OFFLINE_METADATA_FILE=str(meta))
    r = subprocess.run([str(instance["checkout"] / "scripts" / "sharded.sh")], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode != 0
    assert "KIT_ROLE_ARN" in r.stderr and "RecordNotFound" in r.stderr, r.stderr
    assert "create-training-job" not in r.stderr
