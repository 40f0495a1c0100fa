"""Fixtures for the AOT handler: JSON events, stubbed clients (botocore Stubber)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from handler import Clients

FIXTURES = Path(__file__).parent / "fixtures"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return event


@pytest.fixture
def create_event() -> dict[str, Any]:
    return load_event("create")


@pytest.fixture
def delete_event(create_event: dict[str, Any]) -> dict[str, Any]:
    event = load_event("delete")
    event["ResourceProperties"] = copy.deepcopy(create_event["ResourceProperties"])
    return event


@dataclass
class Stubbed:
    clients: Clients
    sagemaker: Stubber
    s3: Stubber
    cloudformation: Stubber

    def verify(self) -> None:
        for stub in (self.sagemaker, self.s3, self.cloudformation):
            stub.assert_no_pending_responses()


@pytest.fixture
def stubbed() -> Iterator[Stubbed]:
    clients = Clients(
        boto3.client("sagemaker", region_name="us-east-1"),
        boto3.client("s3", region_name="us-east-1"),
        boto3.client("cloudformation", region_name="us-east-1"),
    )
    stubs = Stubbed(clients, Stubber(clients.sagemaker), Stubber(clients.s3), Stubber(clients.cloudformation))
    with stubs.sagemaker, stubs.s3, stubs.cloudformation:
        yield stubs
