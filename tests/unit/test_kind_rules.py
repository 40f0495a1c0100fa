"""Rules of the serverless, async and batch kinds, each both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.helpers import DELETE, errors_for

SERVERLESS = """\
name: s1
kind: serverless
model: {id: org/small-model}
container: {image: cpu, tag: 0.36.0-cpu-full}
serving: {engine: Python, option.rolling_batch: disable}
serverless: {memory_mb: 4096, max_concurrency: 10, provisioned_concurrency: 2}
"""
ASYNC = """\
name: a1
kind: async
model: {id: "s3://bucket/models/a1/"}
container: {image: lmi, tag: 0.33.0-lmi15.0.0-cu128}
serving: {engine: Python, option.rolling_batch: vllm}
instance: {type: ml.g5.2xlarge, count: 1}
async: {max_concurrent_invocations_per_instance: 4, notifications: true}
autoscaling: {min: 0, max: 2, target_backlog_per_instance: 5}
"""
BATCH = """\
name: b1
kind: batch
model: {id: "s3://bucket/models/b1/"}
container: {image: lmi, tag: 0.33.0-lmi15.0.0-cu128}
serving: {engine: Python, option.rolling_batch: vllm}
instance: {type: ml.g5.2xlarge, count: 1}
batch: {input: "s3://data-bkt/in/", output: "s3://data-bkt/out/", max_payload_mb: 6, max_concurrent_transforms: 4}
"""

# id, base, compliant patch, non-compliant patch, expected fragment
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("serverless-gpu-image", SERVERLESS, {}, {"container": {"image": "lmi", "tag": "0.33.0-lmi15.0.0-cu128"}},
     "container.image: serverless endpoints have no GPU; 'lmi' needs one (allowed: cpu)"),
    ("serverless-instance-block", SERVERLESS, {}, {"instance": {"type": "ml.g5.xlarge"}},
     "instance: serverless endpoints have no instances to choose"),
    ("serverless-data-capture", SERVERLESS, {}, {"data_capture": {"sampling_percent": 5}},
     "data_capture: serverless endpoints do not support data capture"),
    ("serverless-vpc", SERVERLESS, {}, {"vpc": {"subnet_ids": ["subnet-0123abcd"], "security_group_ids": ["sg-0123abcd"]}},
     "vpc: serverless endpoints cannot run in a VPC"),
    ("serverless-tp", SERVERLESS, {"serving": {"option.tensor_parallel_degree": 1}},
     {"serving": {"option.tensor_parallel_degree": 2}},
     "serving.option.tensor_parallel_degree: serverless endpoints have no GPUs to shard over (allowed: 1)"),
    ("serverless-memory-step", SERVERLESS, {"serverless": {"memory_mb": 1024}}, {"serverless": {"memory_mb": 1500}},
     "serverless.memory_mb: 1500 is out of range (allowed: 1024..6144, a multiple of 1024)"),
    ("serverless-concurrency", SERVERLESS, {"serverless": {"max_concurrency": 200}}, {"serverless": {"max_concurrency": 201}},
     "serverless.max_concurrency: 201 is out of range (allowed: 1..200)"),
    ("serverless-provisioned-le-max", SERVERLESS, {"serverless": {"provisioned_concurrency": 10}},
     {"serverless": {"provisioned_concurrency": 11}},
     "serverless: provisioned_concurrency (11) must be <= max_concurrency (10)"),
    ("serverless-scaling-needs-provisioned", SERVERLESS, {"autoscaling": {"min": 1, "max": 3}},
     {"autoscaling": {"min": 1, "max": 3}, "serverless": {"provisioned_concurrency": DELETE}},
     "autoscaling: serverless autoscaling scales provisioned concurrency"),
    ("serverless-scaling-max", SERVERLESS, {"autoscaling": {"min": 1, "max": 10}}, {"autoscaling": {"min": 1, "max": 11}},
     "autoscaling.max: 11 exceeds serverless.max_concurrency (10)"),
    ("async-block-on-realtime", ASYNC, {}, {"kind": "realtime", "autoscaling": DELETE},
     "async: block is only allowed for kind async, not for kind realtime"),
    ("async-no-invocations-metric", ASYNC, {}, {"autoscaling": {"target_invocations_per_instance": 3}},
     "autoscaling.target_invocations_per_instance: InvocationsPerInstance is not published for async endpoints"),
    ("async-backlog-required", ASYNC, {}, {"autoscaling": {"target_backlog_per_instance": DELETE}},
     "autoscaling.target_backlog_per_instance: is required for kind async"),
    ("async-concurrency-range", ASYNC, {"async": {"max_concurrent_invocations_per_instance": 1000}},
     {"async": {"max_concurrent_invocations_per_instance": 1001}},
     "async.max_concurrent_invocations_per_instance: 1001 is out of range (allowed: 1..1000)"),
    ("batch-block-on-async", ASYNC, {}, {"batch": {"input": "s3://bkt/in/", "output": "s3://bkt/out/"}},
     "batch: block is only allowed for kind batch, not for kind async"),
    ("batch-payload-product", BATCH, {"batch": {"max_payload_mb": 25}}, {"batch": {"max_payload_mb": 26}},
     "batch: max_concurrent_transforms x max_payload_mb = 104, SageMaker allows at most 100"),
    ("batch-output-inside-input", BATCH, {}, {"batch": {"output": "s3://data-bkt/in/results/"}},
     "batch.output: is inside batch.input: every result would start another transform job"),
    ("batch-no-autoscaling", BATCH, {}, {"autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 1}},
     "autoscaling: transform jobs do not autoscale"),
    ("batch-split-type", BATCH, {"batch": {"split_type": "None"}}, {"batch": {"split_type": "Lines"}},
     "batch.split_type: 'Lines' is not allowed (allowed: 'None', 'Line', 'RecordIO', 'TFRecord')"),
    ("batch-input-prefix", BATCH, {}, {"batch": {"input": "s3://data-bkt/in/file.jsonl"}},
     "batch.input: must be an S3 prefix ending in '/'"),
    ("serverless-block-on-batch", BATCH, {}, {"serverless": {"memory_mb": 1024, "max_concurrency": 1}},
     "serverless: block is only allowed for kind serverless, not for kind batch"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "base", "good", "bad", "expected"), CASES, ids=[c[0] for c in CASES])
def test_kind_rule_both_ways(
    tmp_path: Path, case: str, base: str, good: dict[str, Any], bad: dict[str, Any], expected: str
) -> None:
    assert errors_for(tmp_path, good, base) == [], f"{case}: compliant config was rejected"
    errors = errors_for(tmp_path, bad, base)
    assert any(expected in error for error in errors), f"{case}: expected {expected!r} in {errors}"
