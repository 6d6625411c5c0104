#!/usr/bin/env python3
"""The kit's requests and the stand-in's answers, checked against AWS's own service models.

Nobody can reach AWS from CI, but AWS publishes the shapes of every request and response as data:
botocore's `service-2.json` models, the files the AWS CLI and boto3 validate against (botocore ships
in the kit's venv). This checks, against the models of `sagemaker`, `logs` and `sagemaker-runtime`:

1. **Recorded calls** (`sagemaker-offline serve --record DIR` / `SAGEMAKER_OFFLINE_RECORD=DIR`: one
   JSON line per SageMaker, Logs or runtime call, as it went over the wire; see
   crates/sagemaker-offline/src/record.rs). For every call:
   - the request body with botocore's `ParamValidator` (types, required members, unknown members,
     minimum lengths and values) plus what `ParamValidator` leaves out: enum values, maximum
     lengths and values, and `pattern` (full match);
   - a request the stand-in *accepted* (2xx) must pass all of that: the stand-in must not accept
     what AWS refuses, and the client must not send it. With `--strict DIR` every request in DIR must
     pass, accepted or not (the workshop run: the kit sends no deliberately bad request there);
   - a successful answer against the operation's output shape (written here: `ParamValidator` is for
     inputs): JSON types (timestamps as epoch seconds, as JSON 1.1 sends them), required members,
     no members the model does not have, enum values;
   - an error answer's code is one the operation models or one every JSON service may send.
2. **Coverage**: `--expect DIR` fails when an operation the kit sends (KIT_OPERATIONS below) never
   appears in DIR's recording, and the kernel-helpers source is scanned so that an operation name
   added there but not listed here fails too (drift guard).
3. **Reads** (static, no recording): every response member the kit's Rust code reads by name from
   an untyped JSON value (`.get("X")` / `["X"]` in kernel-helpers/src, tests stripped) is listed in
   READS with the operation and path it comes from, and every listed path exists in that
   operation's output shape. Reads through `sagemaker-api`'s generated types need no list: those
   types are generated from the same models, and `model/extract.py --check` (run here too) fails
   when the checked-in models differ from botocore's. The same for the scripts: every member they
   read from the AWS CLI's JSON (`kit_json_field A.B`, `--query 'X[].Y'`) is in SCRIPT_READS and
   exists in the output shape.

Usage:
  check-conformance.py [--strict DIR] [--expect DIR] [--reads] [DIR ...]
Exit status 0 when everything passes; each failure is printed with its file and line.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import botocore.session
from botocore.validate import ParamValidator

ROOT = Path(__file__).resolve().parent.parent

SERVICES = {"sagemaker": "sagemaker", "logs": "logs", "runtime": "sagemaker-runtime"}

# Errors any JSON 1.1 / REST-JSON AWS service may answer, modelled or not (botocore's common
# errors; the SageMaker and Logs API references' "Common Errors").
COMMON_ERRORS = {
    "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
    "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue",
    "InvalidQueryParameter", "MalformedQueryString", "MissingAction", "MissingAuthenticationToken",
    "MissingParameter", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
    "ThrottlingException", "ValidationError", "ValidationException", "SerializationException",
    "UnrecognizedClientException", "InvalidSignatureException", "UnknownOperationException",
    "RequestEntityTooLarge", "ExpiredTokenException",
}

# Every operation the kit sends, by who sends it. `--expect DIR` requires each to be in DIR's
# recording (the workshop run exercises all of them).
KIT_OPERATIONS = {
    # kernel-helpers (notebooks 1-3), JSON 1.1 through kernel_helpers::json11
    ("sagemaker", "CreateTrainingJob"), ("sagemaker", "DescribeTrainingJob"),
    ("sagemaker", "CreateModel"), ("sagemaker", "DescribeModel"),
    ("sagemaker", "CreateEndpointConfig"), ("sagemaker", "DescribeEndpointConfig"),
    ("sagemaker", "CreateEndpoint"), ("sagemaker", "DescribeEndpoint"),
    ("logs", "DescribeLogStreams"), ("logs", "GetLogEvents"),
    # kernel-helpers (notebook 3), aws-sdk-sagemakerruntime
    ("runtime", "InvokeEndpoint"),
    # scripts (AWS CLI): replicated.sh/sharded.sh, deploy.sh, cleanup.sh
    ("sagemaker", "DeleteEndpoint"), ("sagemaker", "DeleteEndpointConfig"),
    ("sagemaker", "DeleteModel"),
}
# Operations the kit sends only on paths a run does not always take (cleanup.sh's listings;
# StopTrainingJob: cleanup.sh for an experiment job still running; ListTrainingJobs: notebook 2 without a jobs file, which kernel-helpers/tests/it/standin/
# sends in the unit step; DescribeNotebookInstance: the settings rule's look-up of a notebook
# instance's role, which the notebook-instance rehearsal sends in the unit and clients steps):
# listed so the drift guard knows them, not required.
KIT_OPERATIONS_OPTIONAL = {
    ("sagemaker", "ListTrainingJobs"), ("sagemaker", "StopTrainingJob"),
    ("sagemaker", "DescribeNotebookInstance"),
    ("sagemaker", "ListEndpoints"), ("sagemaker", "ListEndpointConfigs"), ("sagemaker", "ListModels"),
}

# Response members the kit's Rust code reads from untyped JSON, by operation: dotted paths, `[]`
# for list items. (Reads through sagemaker-api's generated types are checked by construction.)
READS: dict = {
    # Empty since kernel-helpers reads every SageMaker and Logs answer as a sagemaker-api type
    # (generated from the same models; model/extract.py --check keeps them equal to botocore's).
    # A new untyped `.get("X")` read of an AWS answer must be listed here.
}
# Response members the scripts read from the AWS CLI's JSON (`kit_json_field A.B` in common.sh,
# deploy.sh; the `--query 'X[].Y'` listings of cleanup.sh --all-demo).
SCRIPT_READS = {
    ("sagemaker", "DescribeTrainingJob"): [
        "TrainingJobStatus", "SecondaryStatus", "FailureReason", "ModelArtifacts.S3ModelArtifacts",
        "AlgorithmSpecification.TrainingImage", "SecondaryStatusTransitions",
    ],
    ("sagemaker", "DescribeEndpoint"): ["EndpointStatus", "FailureReason"],
    ("sagemaker", "ListEndpoints"): ["Endpoints[].EndpointName"],
    ("sagemaker", "ListEndpointConfigs"): ["EndpointConfigs[].EndpointConfigName"],
    ("sagemaker", "ListModels"): ["Models[].ModelName"],
    ("sagemaker", "ListTrainingJobs"): ["TrainingJobSummaries[].TrainingJobName"],
}
SCRIPTS = ["common.sh", "deploy.sh", "cleanup.sh", "replicated.sh", "sharded.sh", "workshop.sh"]
SCRIPT_FIELD = re.compile(r"kit_json_field ([A-Za-z][A-Za-z0-9.]*)")
SCRIPT_QUERY = re.compile(r"'([A-Za-z]+\[\]\.[A-Za-z]+)'")
# Names read from JSON that is not an AWS response: the jobs file (`replicated`, `sharded`),
# Linear Learner's inference answer (`predictions`, `score`: the algorithm's format, not a model
# shape), error bodies (`__type`, `code`, `message`, `Message`, `errorMessage`), the kit's own
# maps keyed by distribution type (`FullyReplicated`, `ShardedByS3Key`).
NOT_AWS_READS = {"replicated", "sharded", "predictions", "score", "__type", "code", "message",
                 "Message", "errorMessage", "FullyReplicated", "ShardedByS3Key"}

OP_NAME = re.compile(r'"((?:Create|Describe|List|Delete|Get|Stop|Update|Invoke|Put)[A-Z][A-Za-z]+)"')
# How kernel-helpers reads a member by name: `.get("X")`, `["X"]`, its `s(v, "X")` helper, and
# JSON pointers (`.pointer("/A/B")`, `str_at(v, "/A/B")`).
READ_NAME = re.compile(r'(?:\.get\(|\[|\bs\(\s*&?\w+,\s*)"([A-Za-z_][A-Za-z0-9_]*)"[\])]')
READ_POINTER = re.compile(r'(?:\.pointer\(|\bstr_at\(\s*&?\w+,\s*)"(/[^"]+)"\)')


class Failures:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, msg: str) -> None:
        self.items.append(f"{where}: {msg}")


_session = botocore.session.get_session()
_models: dict[str, object] = {}


def model(service: str):
    name = SERVICES[service]
    if name not in _models:
        _models[name] = _session.get_service_model(name)
    return _models[name]


# ---- requests: what ParamValidator leaves out -------------------------------------------------

def _java_pattern(p: str) -> str:
    # The models' patterns are Java regexes; the ones these services use need two translations.
    return p.replace(r"\p{L}", "a-zA-Z").replace(r"\p{N}", "0-9")


_pattern_cache: dict[str, re.Pattern | None] = {}


def compiled(pattern: str):
    if pattern not in _pattern_cache:
        try:
            _pattern_cache[pattern] = re.compile(_java_pattern(pattern), re.S)
        except re.error:
            _pattern_cache[pattern] = None
    return _pattern_cache[pattern]


def extra_input_checks(value, shape, path: str, out: list[str]) -> None:
    """Enums, max lengths and values, patterns: what botocore's ParamValidator does not check."""
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                extra_input_checks(v, shape.members[k], f"{path}.{k}", out)
    elif t == "list" and isinstance(value, list):
        mx = shape.metadata.get("max")
        if mx is not None and len(value) > mx:
            out.append(f"{path}: {len(value)} items, the model allows at most {mx}")
        for i, v in enumerate(value):
            extra_input_checks(v, shape.member, f"{path}[{i}]", out)
    elif t == "map" and isinstance(value, dict):
        mx = shape.metadata.get("max")
        if mx is not None and len(value) > mx:
            out.append(f"{path}: {len(value)} entries, the model allows at most {mx}")
        for k, v in value.items():
            extra_input_checks(k, shape.key, f"{path} key", out)
            extra_input_checks(v, shape.value, f"{path}[{k!r}]", out)
    elif t == "string" and isinstance(value, str):
        enum = shape.enum
        if enum and value not in enum:
            out.append(f"{path}: {value!r} is not one of the model's {len(enum)} {shape.name} values")
        mx = shape.metadata.get("max")
        if mx is not None and len(value) > mx:
            out.append(f"{path}: length {len(value)} > max {mx}")
        pat = shape.metadata.get("pattern")
        if pat:
            rx = compiled(pat)
            if rx is not None and not rx.fullmatch(value):
                out.append(f"{path}: {value!r} does not match the model's pattern {pat}")
    elif t in ("integer", "long", "float", "double") and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        mx = shape.metadata.get("max")
        if mx is not None and value > mx:
            out.append(f"{path}: {value} > max {mx}")
    elif t == "blob" and isinstance(value, int):
        # The runtime's Body is recorded as its length.
        mx = shape.metadata.get("max")
        if mx is not None and value > mx:
            out.append(f"{path}: {value} bytes > max {mx}")


def input_for_validator(service: str, req: dict) -> dict:
    if service == "runtime" and isinstance(req.get("Body"), int):
        req = dict(req, Body=b"")
    return req


def request_problems(service: str, operation: str, req) -> list[str]:
    op = model(service).operation_model(operation)
    shape = op.input_shape
    if shape is None:
        return [] if not req else [f"{operation} takes no input, got {req!r}"]
    if not isinstance(req, dict):
        return [f"request body is not a JSON object: {req!r}"]
    out: list[str] = []
    report = ParamValidator().validate(input_for_validator(service, req), shape)
    if report.has_errors():
        out.extend(line.strip() for line in report.generate_report().splitlines()
                   if line.strip() and not line.startswith("Parameter validation failed"))
    extra_input_checks(req, shape, operation, out)
    return out


# ---- responses: an output-shape validator -----------------------------------------------------

def output_problems(value, shape, path: str, out: list[str]) -> None:
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            out.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
            return
        for k in shape.required_members:
            if k not in value:
                out.append(f"{path}: required member {k} missing")
        for k, v in value.items():
            m = shape.members.get(k)
            if m is None:
                out.append(f"{path}: member {k} is not in the model's {shape.name}")
            elif v is not None:
                output_problems(v, m, f"{path}.{k}", out)
    elif t == "list":
        if not isinstance(value, list):
            out.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, v in enumerate(value):
            output_problems(v, shape.member, f"{path}[{i}]", out)
    elif t == "map":
        if not isinstance(value, dict):
            out.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for k, v in value.items():
            output_problems(v, shape.value, f"{path}[{k!r}]", out)
    elif t == "string":
        if not isinstance(value, str):
            out.append(f"{path}: expected a string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            out.append(f"{path}: {value!r} is not one of the model's {shape.name} values")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(f"{path}: expected an integer, got {value!r}")
    elif t in ("float", "double"):
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or \
            value in ("NaN", "Infinity", "-Infinity")
        if not ok:
            out.append(f"{path}: expected a number, got {value!r}")
    elif t == "boolean":
        if not isinstance(value, bool):
            out.append(f"{path}: expected a boolean, got {value!r}")
    elif t == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(f"{path}: expected epoch seconds (JSON 1.1 timestamps), got {value!r}")
    elif t == "blob":
        if not isinstance(value, str):
            out.append(f"{path}: expected base64 text, got {value!r}")


def response_problems(service: str, operation: str, resp) -> list[str]:
    op = model(service).operation_model(operation)
    shape = op.output_shape
    if shape is None:
        return [] if resp in (None, {}) else [f"{operation} has no output, got {resp!r}"]
    if service == "runtime":
        # Only the header members are recorded; Body (the payload) is the algorithm's.
        shape_members = {k: m for k, m in shape.members.items()
                         if m.serialization.get("location") == "header"}
        out: list[str] = []
        for k, v in (resp or {}).items():
            if k not in shape_members:
                out.append(f"{operation}.{k}: not a header member of the model's output")
            else:
                output_problems(v, shape_members[k], f"{operation}.{k}", out)
        return out
    out = []
    output_problems(resp, shape, operation, out)
    return out


def error_problems(service: str, operation: str, code: str) -> list[str]:
    op = model(service).operation_model(operation)
    modelled = {e.name for e in op.error_shapes} | {
        e.metadata.get("error", {}).get("code", e.name) for e in op.error_shapes}
    if code in modelled or code in COMMON_ERRORS:
        return []
    return [f"error code {code!r} is neither one of {operation}'s modelled errors "
            f"{sorted(modelled)} nor a common error"]


# ---- recordings -------------------------------------------------------------------------------

def check_recording(dir_: Path, strict: bool, fails: Failures, seen: Counter) -> int:
    files = sorted(dir_.glob("*.jsonl"))
    if not files:
        fails.add(str(dir_), "no recording (*.jsonl) here: run the suite with SAGEMAKER_OFFLINE_RECORD set")
        return 0
    n = 0
    for f in files:
        for lineno, line in enumerate(f.read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"{f}:{lineno}"
            try:
                call = json.loads(line)
            except json.JSONDecodeError as e:
                fails.add(where, f"not a JSON line: {e}")
                continue
            n += 1
            service, operation, status = call["service"], call["operation"], call["status"]
            where += f" ({service} {operation}, {status}, {call.get('user_agent', '-')[:40]})"
            try:
                model(service).operation_model(operation)
            except Exception:  # unknown operation: the stand-in answered it, the model has none
                if 200 <= status < 300:
                    fails.add(where, f"the stand-in answered an operation {service} does not have")
                continue
            seen[(service, operation)] += 1
            if "request" in call:
                probs = request_problems(service, operation, call["request"])
            else:
                probs = ["request body is not JSON"]
            accepted = 200 <= status < 300
            if probs and (accepted or strict):
                why = "accepted by the stand-in but " if accepted else ""
                fails.add(where, why + "invalid for the model: " + "; ".join(probs))
            if accepted:
                for p in response_problems(service, operation, call.get("response")):
                    fails.add(where, "response: " + p)
            else:
                code = (call.get("error") or {}).get("code", "")
                for p in error_problems(service, operation, code):
                    fails.add(where, p)
    return n


# ---- static: what the Rust code names ---------------------------------------------------------

def rust_sources() -> list[Path]:
    return sorted((ROOT / "kernel-helpers" / "src").glob("*.rs"))


def strip_tests(text: str) -> str:
    """Drops `#[cfg(test)] mod … { … }` blocks and line comments."""
    out, i = [], 0
    while True:
        j = text.find("#[cfg(test)]", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = text.find("{", j)
        depth, p = 0, k
        while p < len(text):
            if text[p] == "{":
                depth += 1
            elif text[p] == "}":
                depth -= 1
                if depth == 0:
                    break
            p += 1
        i = p + 1
    return re.sub(r"//[^\n]*", "", "".join(out))


def operation_of(name: str):
    for service in SERVICES:
        if name in model(service).operation_names:
            return service, name
    return None


def check_static(fails: Failures) -> None:
    known = KIT_OPERATIONS | KIT_OPERATIONS_OPTIONAL
    read_names = {n for paths in READS.values() for p in paths for n in p.replace("[]", "").split(".")}
    all_reads: set[str] = set()
    for f in rust_sources():
        text = strip_tests(f.read_text())
        for name in sorted(set(OP_NAME.findall(text))):
            op = operation_of(name)
            if op and op not in known:
                fails.add(str(f.relative_to(ROOT)), f"names operation {name}, which KIT_OPERATIONS "
                          "in scripts/check-conformance.py does not list (add it: the recording must show it)")
        names = set(READ_NAME.findall(text))
        names |= {n for p in READ_POINTER.findall(text) for n in p.strip("/").split("/")
                  if not n.isdigit()}
        all_reads |= names
        for name in sorted(names):
            if name not in read_names and name not in NOT_AWS_READS \
                    and not name.startswith(("KIT_", "AWS_")):  # environment variables
                fails.add(str(f.relative_to(ROOT)), f"reads member {name!r} from untyped JSON; list "
                          "its operation and path in READS (scripts/check-conformance.py)")
    script_paths = {p for paths in SCRIPT_READS.values() for p in paths}
    script_reads: set[str] = set()
    for name in SCRIPTS:
        f = ROOT / "scripts" / name
        if not f.exists():
            continue
        text = re.sub(r"(?m)^\s*#.*$", "", f.read_text())
        for path in SCRIPT_FIELD.findall(text) + SCRIPT_QUERY.findall(text):
            path = path.rstrip(".")  # `kit_json_field X.$i.Y`: X is the modelled part
            script_reads.add(path)
            if path not in script_paths:
                fails.add(f"scripts/{name}", f"reads {path!r} from the AWS CLI's answer; list its "
                          "operation and path in SCRIPT_READS (scripts/check-conformance.py)")
    for (service, operation), paths in READS.items():
        for path in paths:
            leaf = path.replace("[]", "").split(".")[-1]
            if leaf not in all_reads:
                fails.add(f"READS {operation}", f"{path}: kernel-helpers/src does not read {leaf} "
                          "(any more): drop it from READS")
    for (service, operation), paths in SCRIPT_READS.items():
        for path in paths:
            if path not in script_reads:
                fails.add(f"SCRIPT_READS {operation}", f"{path}: no script reads it (any more): "
                          "drop it from SCRIPT_READS")
    for (service, operation), paths in list(READS.items()) + list(SCRIPT_READS.items()):
        shape = model(service).operation_model(operation).output_shape
        for path in paths:
            s = shape
            for part in path.split("."):
                lst = part.endswith("[]")
                name = part[:-2] if lst else part
                if s.type_name != "structure" or name not in s.members:
                    fails.add(f"READS {operation}", f"{path}: {name} is not a member of {s.name}")
                    break
                s = s.members[name]
                if lst:
                    if s.type_name != "list":
                        fails.add(f"READS {operation}", f"{path}: {name} is not a list")
                        break
                    s = s.member
    r = subprocess.run([sys.executable, str(ROOT / "crates/sagemaker-api/model/extract.py"), "--check"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fails.add("crates/sagemaker-api/model", "the checked-in models differ from botocore's: "
                  + (r.stdout + r.stderr).strip()[-500:])


# Calls the checker must refuse (run first by `--self-test`, so that a checker that stopped looking
# cannot pass): each with a substring of the failure it must report.
SELF_TEST = [
    ({"service": "sagemaker", "operation": "CreateTrainingJob", "status": 200,
      "request": {"TrainingJobName": "a_b", "RoleArn": "arn:aws:iam::123456789012:role/R",
                  "AlgorithmSpecification": {"TrainingInputMode": "Filez"},
                  "OutputDataConfig": {"S3OutputPath": "s3://b/p"},
                  "ResourceConfig": {"InstanceCount": "5", "VolumeSizeInGB": 10},
                  "StoppingCondition": {"MaxRuntimeInSeconds": 1}},
      "response": {"TrainingJobArn": "arn:aws:sagemaker:eu-west-1:123456789012:training-job/a"}},
     ["does not match the model's pattern", "not one of the model's 3 TrainingInputMode",
      "Invalid type for parameter ResourceConfig.InstanceCount"]),
    ({"service": "sagemaker", "operation": "DeleteEndpoint", "status": 400,
      "request": {"EndpointName": "x" * 64}, "error": {"code": "ValidationException", "message": ""}},
     []),
    ({"service": "sagemaker", "operation": "DescribeEndpoint", "status": 200,
      "request": {"EndpointName": "ep"},
      "response": {"EndpointName": "ep", "EndpointArn": "arn", "EndpointStatus": "Ready",
                   "CreationTime": "2020-01-01", "Extra": 1}},
     ["required member LastModifiedTime missing", "'Ready' is not one of the model's EndpointStatus",
      "expected epoch seconds", "member Extra is not in the model"]),
    ({"service": "logs", "operation": "GetLogEvents", "status": 400,
      "request": {"logStreamName": "s"}, "error": {"code": "NoSuchThing", "message": ""}},
     ["neither one of GetLogEvents's modelled errors"]),
    ({"service": "runtime", "operation": "InvokeEndpoint", "status": 200,
      "request": {"EndpointName": "ep", "ContentType": "text/csv", "Body": 7_000_000},
      "response": {"ContentType": "application/json"}},
     ["7000000 bytes > max 6291456"]),
]


def self_test() -> list[str]:
    """Runs the checker over SELF_TEST; returns what it failed to catch."""
    import tempfile
    missed = []
    with tempfile.TemporaryDirectory() as d:
        for i, (call, expected) in enumerate(SELF_TEST):
            fails = Failures()
            one = Path(d) / f"only{i}"
            one.mkdir()
            (one / "x.jsonl").write_text(json.dumps(call) + "\n")
            check_recording(one, False, fails, Counter())
            text = "\n".join(fails.items)
            for e in expected:
                if e not in text:
                    missed.append(f"self-test call {i} ({call['operation']}): expected {e!r} in {text!r}")
            if not expected and fails.items:
                missed.append(f"self-test call {i}: expected no failure, got {text!r}")
    return missed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", type=Path, help="recordings: accepted requests must be valid")
    ap.add_argument("--strict", action="append", type=Path, default=[],
                    help="a recording in which every request must be valid")
    ap.add_argument("--expect", action="append", type=Path, default=[],
                    help="a recording that must contain every operation the kit sends")
    ap.add_argument("--self-test", action="store_true",
                    help="first check that the checker refuses known-bad calls")
    ap.add_argument("--reads", action="store_true",
                    help="also the static checks (operation names, reads, sagemaker-api models)")
    args = ap.parse_args()
    fails = Failures()
    total = 0
    if args.self_test:
        for m in self_test():
            fails.add("self-test", m)
        print(f"check-conformance: self-test: {len(SELF_TEST)} known-bad calls")
    dirs = [(d, False) for d in args.dirs] + [(d, True) for d in args.strict]
    for d in args.expect:
        if d not in args.dirs and d not in args.strict:
            dirs.append((d, False))
    per_dir: dict[Path, Counter] = {}
    for d, strict in dirs:
        seen: Counter = Counter()
        n = check_recording(d, strict, fails, seen)
        per_dir[d] = seen
        total += n
        print(f"check-conformance: {d}: {n} calls, {len(seen)} operations"
              + (" (strict)" if strict else ""))
    for d in args.expect:
        missing = sorted(KIT_OPERATIONS - set(per_dir.get(d, {})))
        for service, op in missing:
            fails.add(str(d), f"the kit's operation {service} {op} is not in this recording")
    if args.reads:
        check_static(fails)
        n_reads = sum(len(v) for v in READS.values()) + sum(len(v) for v in SCRIPT_READS.values())
        print(f"check-conformance: static: {n_reads} read paths (Rust and scripts), "
              f"{len(KIT_OPERATIONS | KIT_OPERATIONS_OPTIONAL)} operations named")
    for f in fails.items:
        print("FAIL", f)
    by_op = defaultdict(int)
    for seen in per_dir.values():
        for k, v in seen.items():
            by_op[k] += v
    if by_op:
        print("check-conformance: calls by operation: " + ", ".join(
            f"{op}={n}" for (_, op), n in sorted(by_op.items())))
    print(f"check-conformance: {total} calls checked, {len(fails.items)} failures")
    return 1 if fails.items else 0


if __name__ == "__main__":
    sys.exit(main())
