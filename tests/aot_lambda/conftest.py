"""Fixtures for the AOT handler: JSON events, stubbed clients (botocore Stubber held to AWS's contract)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from handler import Clients

from tests.contract.aws_contract import StrictStubber

FIXTURES = Path(__file__).parent / "fixtures"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return event


@pytest.fixture
def optimization_event() -> dict[str, Any]:
    return load_event("create_optimization")


@pytest.fixture
def training_event() -> dict[str, Any]:
    return load_event("create_training")


def delete_of(create: dict[str, Any]) -> dict[str, Any]:
    event = load_event("delete")
    event["StackId"] = create["StackId"]
    event["ResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    return event


@dataclass
class Stubbed:
    clients: Clients
    sagemaker: StrictStubber
    s3: StrictStubber
    cloudformation: StrictStubber
    sleeps: list[float] = field(default_factory=list)

    def verify(self) -> None:
        for stub in (self.sagemaker, self.s3, self.cloudformation):
            stub.assert_no_pending_responses()


@pytest.fixture
def stubbed() -> Iterator[Stubbed]:
    sleeps: list[float] = []
    clients = Clients(
        boto3.client("sagemaker", region_name="us-east-1"),
        boto3.client("s3", region_name="us-east-1"),
        boto3.client("cloudformation", region_name="us-east-1"),
        sleep=sleeps.append,
    )
    # Every call is checked against AWS's own contract (lengths, patterns, enums), not only botocore's types.
    stubs = Stubbed(
        clients,
        StrictStubber(clients.sagemaker),
        StrictStubber(clients.s3),
        StrictStubber(clients.cloudformation),
        sleeps,
    )
    with stubs.sagemaker, stubs.s3, stubs.cloudformation:
        yield stubs
