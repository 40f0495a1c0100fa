"""Every SageMaker resource and transform-job request the examples and the inventory ship passes AWS's
contract (botocore's service model, strictly: lengths, patterns, enums, ranges)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import EXAMPLES, Synth, stack_names
from tests.contract.aws_contract import check_request
from tests.contract.templates import sagemaker_requests, transform_job_requests

STACKS = stack_names(EXAMPLES)


def problems(template: dict[str, Any]) -> list[str]:
    found = [
        f"{logical_id} {operation}: {problem}"
        for logical_id, operation, request in sagemaker_requests(template)
        for problem in check_request("sagemaker", operation, request)
    ]
    found += [
        f"{machine} CreateTransformJob: {problem}"
        for machine, request in transform_job_requests(template)
        for problem in check_request("sagemaker", "CreateTransformJob", request)
    ]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_example_requests_meet_the_contract(examples: Synth, stack: str) -> None:
    assert problems(examples.templates[stack]) == []


def test_every_sagemaker_kind_of_request_is_checked(examples: Synth) -> None:
    operations = {op for t in examples.templates.values() for _, op, _ in sagemaker_requests(t)}
    assert {"CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint"} <= operations
    assert any(True for t in examples.templates.values() for _ in transform_job_requests(t))


def test_a_broken_request_is_caught(examples: Synth) -> None:
    template = examples.templates["lmi-llama3-8b-chat"]
    (config_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    broken = {**template, "Resources": {**template["Resources"]}}
    resource = broken["Resources"][config_id]
    variants = [{**resource["Properties"]["ProductionVariants"][0], "InstanceType": "ml.g5.huge"}]
    broken["Resources"][config_id] = {
        **resource,
        "Properties": {**resource["Properties"], "ProductionVariants": variants},
    }
    assert any("ProductionVariants[0].InstanceType" in p for p in problems(broken))
