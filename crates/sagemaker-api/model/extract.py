#!/usr/bin/env python3
"""Trim botocore's service models to the operations the kit serves or calls.

Usage: python3 extract.py            (rewrites sagemaker.json, sagemaker-runtime.json, logs.json here)
       python3 extract.py --check    (exit 1 if the checked-in files differ from a fresh extraction)

It reads botocore's own `service-2.json` (the models AWS publishes for its SDKs; botocore ships them
gzip'd) through `botocore.loaders`, keeps the listed operations and every shape they reach
(input, output, errors), and writes a small, stable JSON file per service that records the
botocore version it came from. Documentation is cut to its first sentence with HTML stripped, so
the generated Rust stays lean. Run it with the kit's venv: `.venv/bin/python
crates/sagemaker-api/model/extract.py`, then `cargo run -p sagemaker-api-codegen` (or
`UPDATE_GENERATED=1 cargo test -p sagemaker-api --test codegen`).
"""

import html
import json
import re
import sys
from pathlib import Path

import botocore
from botocore.loaders import Loader

HERE = Path(__file__).resolve().parent

SERVICES = {
    "sagemaker": [
        # Training (served by sagemaker-offline, called by scripts and kernel-helpers).
        "CreateTrainingJob",
        "DescribeTrainingJob",
        "ListTrainingJobs",
        "StopTrainingJob",
        # Hosting.
        "CreateModel",
        "DescribeModel",
        "DeleteModel",
        "ListModels",
        "CreateEndpointConfig",
        "DescribeEndpointConfig",
        "DeleteEndpointConfig",
        "ListEndpointConfigs",
        "CreateEndpoint",
        "DescribeEndpoint",
        "DeleteEndpoint",
        "ListEndpoints",
        "UpdateEndpoint",
        # Notebook instance (the workshop's original runs in one).
        "DescribeNotebookInstance",
    ],
    "sagemaker-runtime": ["InvokeEndpoint"],
    "logs": [
        "CreateLogGroup",
        "CreateLogStream",
        "PutLogEvents",
        "DescribeLogGroups",
        "DescribeLogStreams",
        "GetLogEvents",
        "FilterLogEvents",
    ],
}

# Shape keys the generator uses; everything else (examples, deprecation notes, endpoint
# discovery, ...) is dropped.
SHAPE_KEYS = (
    "type", "required", "members", "member", "key", "value", "enum", "min", "max", "pattern",
    "documentation", "error", "exception", "fault", "timestampFormat", "payload", "streaming",
    "sensitive", "box", "union", "event", "eventstream",
)
MEMBER_KEYS = (
    "shape", "location", "locationName", "documentation", "jsonvalue", "idempotencyToken",
    "hostLabel", "streaming",
)


# Members the services send that botocore's model does not list. Each is added to the trimmed
# model with a documentation line saying so.
EXTRA = {
    "sagemaker-runtime": {
        # InvokeEndpoint's ModelError body carries "ErrorCode": "CLIENT_ERROR_FROM_MODEL" or
        # "SERVER_ERROR_FROM_MODEL" next to the modelled members (botocore hands it to callers as
        # `ClientError.response["ErrorCode"]`).
        "ModelError": [("ErrorCode", "ModelErrorCode", "Not in botocore's model: CLIENT_ERROR_FROM_MODEL or SERVER_ERROR_FROM_MODEL.")],
    },
}
EXTRA_SHAPES = {
    "sagemaker-runtime": {"ModelErrorCode": {"type": "string"}},
}


# The patterns as SageMaker quotes them in its ValidationException messages ("Member must satisfy
# regular expression pattern: ..."). botocore's current models drop the ^/$ anchors that the
# service's own text keeps (older botocore releases carried these anchored forms); sagemaker-offline
# sends these texts and its tests pin them. Stored as "messagePattern" next to "pattern".
MESSAGE_PATTERNS = {
    "sagemaker": {
        "TrainingJobName": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        "EndpointName": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        "EndpointConfigName": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        "VariantName": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        "ModelName": "^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?$",
        "RoleArn": "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$",
        "S3Uri": "^(https|s3)://([^/]+)/?(.*)$",
    },
}


def first_sentence(doc):
    """The first sentence of an HTML documentation string, as plain text."""
    if not doc:
        return None
    text = re.sub(r"<[^>]+>", " ", doc)
    text = html.unescape(text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    m = re.search(r"(?<![ .][A-Za-z])(?<!e\.g)(?<!i\.e)\.(\s|$)", text)
    if m:
        text = text[: m.start() + 1]
    return text


def trim_shape(shape):
    out = {}
    for k in SHAPE_KEYS:
        if k not in shape:
            continue
        v = shape[k]
        if k == "documentation":
            v = first_sentence(v)
            if v is None:
                continue
        elif k == "members":
            # A list, not an object: member order is the model's (and the generated struct's).
            v = [
                dict(
                    {"name": name},
                    **{
                        mk: (first_sentence(mv) if mk == "documentation" else mv)
                        for mk, mv in m.items()
                        if mk in MEMBER_KEYS
                        and not (mk == "documentation" and first_sentence(mv) is None)
                    },
                )
                for name, m in v.items()
            ]
        elif k in ("member", "key", "value"):
            v = {mk: mv for mk, mv in v.items() if mk in MEMBER_KEYS and mk != "documentation"}
        out[k] = v
    return out


def reach(shapes, name, seen):
    if name in seen:
        return
    seen.add(name)
    s = shapes[name]
    for m in s.get("members", {}).values():
        reach(shapes, m["shape"], seen)
    for k in ("member", "key", "value"):
        if k in s:
            reach(shapes, s[k]["shape"], seen)


def extract(service, ops):
    loader = Loader()
    model = loader.load_service_model(service, "service-2")
    shapes = model["shapes"]
    meta = model["metadata"]
    out_ops = {}
    seen = set()
    for op in ops:
        o = model["operations"][op]
        entry = {"http": o["http"]}
        doc = first_sentence(o.get("documentation"))
        if doc:
            entry["documentation"] = doc
        for k in ("input", "output"):
            if k in o:
                entry[k] = o[k]["shape"]
                reach(shapes, o[k]["shape"], seen)
        entry["errors"] = [e["shape"] for e in o.get("errors", [])]
        for e in entry["errors"]:
            reach(shapes, e, seen)
        out_ops[op] = entry
    out_shapes = {name: trim_shape(shapes[name]) for name in sorted(seen)}
    for name, shape in EXTRA_SHAPES.get(service, {}).items():
        out_shapes[name] = shape
    for shape, pattern in MESSAGE_PATTERNS.get(service, {}).items():
        if shape in out_shapes:
            bare = out_shapes[shape].get("pattern")
            assert bare == pattern.lstrip("^").rstrip("$"), (shape, bare, pattern)
            out_shapes[shape]["messagePattern"] = pattern
    for shape, members in EXTRA.get(service, {}).items():
        for name, target, doc in members:
            out_shapes[shape]["members"].append({"name": name, "shape": target, "documentation": doc})
    return {
        "source": {
            "botocore": botocore.__version__,
            "service": service,
            "file": f"botocore/data/{service}/{meta['apiVersion']}/service-2.json",
        },
        "metadata": {
            k: meta[k]
            for k in ("apiVersion", "protocol", "jsonVersion", "targetPrefix", "endpointPrefix",
                      "serviceId", "signingName")
            if k in meta
        },
        "operations": out_ops,
        "shapes": dict(sorted(out_shapes.items())),
    }


def render(service):
    return json.dumps(extract(service, SERVICES[service]), indent=1, sort_keys=True) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for service in SERVICES:
        path = HERE / f"{service}.json"
        text = render(service)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
            print(f"{path.name}: {len(text)} bytes, botocore {botocore.__version__}")
    if stale:
        print("stale (rerun extract.py):", ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
