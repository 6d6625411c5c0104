"""The workshop's own scripts, end to end, with the real AWS CLI v1 against the stand-in:
replicated.sh and sharded.sh started together (--wait), deploy.sh, cleanup.sh.

What the CLI actually sent is checked against the kit's one definition of the request: each job's
DescribeTrainingJob must hold every member of `kit request <kind> <name>` (the canonical
CreateTrainingJob for the same settings, crates/kit/src/request.rs). The jobs file must hold what
every script recorded (one locked writer, `kit jobs set`).
"""

import json
import os
import subprocess
import uuid

import boto3
import pytest

from test_workshop import _record

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
FEATURES = 25  # the scripts' feature_dim


def _rows(seed, n):
    s = seed * 7919 + 17
    for _ in range(n):
        xs = []
        for _ in range(FEATURES):
            s = (s * 1103515245 + 12345) % (1 << 31)
            xs.append(float(s % 2))
        yield xs, 1.0 + 2.0 * xs[0] - xs[1] + 0.5 * xs[2]


def _dataset(seed, n=60):
    return b"".join(_record(x, y) for x, y in _rows(seed, n))


def kit_bin():
    b = os.environ.get("KIT_BIN")
    assert b and os.access(b, os.X_OK), "KIT_BIN must name the built kit binary (scripts/test-clients.sh sets it)"
    return b


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    out = tmp_path_factory.mktemp("kit-out")
    bucket = f"sm-scripts-{uuid.uuid4().hex[:8]}"
    prefix = "sagemaker/data_distribution_types"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    for year in range(1979, 1984):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/train/{year}.data", Body=_dataset(year))
    s3.put_object(Bucket=bucket, Key=f"{prefix}/validation/1984.data", Body=_dataset(1984))
    e = dict(os.environ)
    for k in [k for k in e if k.startswith("KIT_") and k not in ("KIT_BIN", "KIT_PYTHON", "KIT_PROFILE")]:
        del e[k]
    e.update(KIT_BUCKET=bucket, KIT_OUT=str(out), KIT_POLL_SECONDS="1")
    return e


def run(script, env, *args):
    return subprocess.run([os.path.join(ROOT, "scripts", script), *args], capture_output=True,
                          text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def jobs(env):
    suffix = uuid.uuid4().hex[:6]
    procs = {}
    for kind in ("replicated", "sharded"):
        e = dict(env, KIT_JOB_NAME=f"DEMO-linear-{kind}-{suffix}")
        procs[kind] = subprocess.Popen([os.path.join(ROOT, "scripts", f"{kind}.sh"), "--wait"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    names = {}
    for kind, p in procs.items():
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        names[kind] = out.strip()
        assert names[kind] == f"DEMO-linear-{kind}-{suffix}"
    return names


def _leaves(v, path=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _leaves(x, f"{path}.{k}" if path else k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _leaves(x, f"{path}[{i}]")
    else:
        yield path, str(v).rstrip("/")


def test_what_the_cli_sent_is_the_canonical_request(jobs, env):
    for kind, job in jobs.items():
        want = json.loads(subprocess.run([kit_bin(), "request", kind, job], capture_output=True,
                                         text=True, check=True, env=env).stdout)
        got = json.loads(subprocess.run(["aws", "sagemaker", "describe-training-job", "--training-job-name",
                                         job], capture_output=True, text=True, check=True, env=env).stdout)
        assert got["TrainingJobStatus"] == "Completed", got.get("FailureReason")
        have = dict(_leaves(got))
        for path, value in _leaves(want):
            assert have.get(path) == value, f"{kind}: {path}: sent {have.get(path)!r}, canonical {value!r}"


def test_the_jobs_file_keeps_every_writer(jobs, env):
    with open(os.path.join(env["KIT_OUT"], "jobs.json")) as f:
        recorded = json.load(f)
    assert recorded["replicated"] == jobs["replicated"] and recorded["sharded"] == jobs["sharded"]
    for kind, job in jobs.items():
        assert os.path.exists(os.path.join(env["KIT_OUT"], "jobs", f"{job}.json"))


def test_the_summary_reads_what_the_scripts_saved(jobs, env):
    """`kit summary` (through make-handout.sh --summary-only) reads the descriptions the AWS CLI
    saved and the test errors recorded in the jobs file; nothing is parsed out of printed text."""
    subprocess.run([kit_bin(), "jobs", "set", "evaluation.replicated.mse", "1"], check=True, env=env)
    r = run("make-handout.sh", env, "--summary-only")
    assert r.returncode != 0 and "evaluation.replicated" in r.stderr, r.stderr  # a string is not a record
    with open(os.path.join(env["KIT_OUT"], "jobs.json")) as f:
        recorded = json.load(f)
    recorded["evaluation"] = {k: {"mse": 2.0 + i, "mae": 1.0 + i, "rows": 10, "endpoint": f"distributed-{k}"}
                              for i, k in enumerate(("replicated", "sharded"))}
    with open(os.path.join(env["KIT_OUT"], "jobs.json"), "w") as f:
        json.dump(recorded, f)
    r = run("make-handout.sh", env, "--summary-only")
    assert r.returncode == 0, r.stderr
    assert "training time (start→end), s" in r.stdout
    with open(os.path.join(env["KIT_OUT"], "handout", "summary.json")) as f:
        summary = json.load(f)
    sm = boto3.client("sagemaker")
    for i, (kind, job) in enumerate(jobs.items()):
        got = summary["jobs"][kind]
        d = sm.describe_training_job(TrainingJobName=job)
        assert got["job"] == job and got["status"] == "Completed"
        assert got["distribution"] == ("FullyReplicated" if kind == "replicated" else "ShardedByS3Key")
        assert got["instance_count"] == d["ResourceConfig"]["InstanceCount"]
        want = (d["TrainingEndTime"] - d["TrainingStartTime"]).total_seconds()
        assert abs(got["training_seconds"] - want) < 1e-3, (got["training_seconds"], want)
        assert (got["test_mse"], got["test_mae"]) == (2.0 + i, 1.0 + i)
    rat = summary["ratio_sharded_over_replicated"]["training_seconds"]
    assert abs(rat - summary["jobs"]["sharded"]["training_seconds"] / summary["jobs"]["replicated"]["training_seconds"]) < 1e-9


def test_deploy_then_cleanup(jobs, env):
    r = run("deploy.sh", env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["distributed-replicated", "distributed-sharded"]
    with open(os.path.join(env["KIT_OUT"], "jobs.json")) as f:
        recorded = json.load(f)
    # deploy.sh's keys were added next to the job names (none was dropped).
    assert recorded["replicated"] == jobs["replicated"]
    assert recorded["endpoints"] == {"replicated": "distributed-replicated", "sharded": "distributed-sharded"}
    sm = boto3.client("sagemaker")
    for kind, job in jobs.items():
        model = sm.describe_model(ModelName=f"distributed-{kind}")
        image = sm.describe_training_job(TrainingJobName=job)["AlgorithmSpecification"]["TrainingImage"]
        assert model["PrimaryContainer"]["Image"] == image  # the job's own image
        assert sm.describe_endpoint(EndpointName=f"distributed-{kind}")["EndpointStatus"] == "InService"
    r = run("cleanup.sh", env)
    assert r.returncode == 0, r.stderr
    for kind in jobs:
        with pytest.raises(sm.exceptions.ClientError):
            sm.describe_endpoint(EndpointName=f"distributed-{kind}")
