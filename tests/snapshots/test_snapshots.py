"""One syrupy snapshot per synthesized template, asset hashes normalised, so a PR shows
exactly how a config or construct change alters CloudFormation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import EXAMPLES, Synth

ASSET_HASH = re.compile(r"[0-9a-f]{64}")
STACKS = ["lmi-shared", *sorted(f"lmi-{p.stem}" for p in EXAMPLES.glob("*.yaml"))]


def normalised(template: dict[str, Any]) -> Any:
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", STACKS)
def test_template_snapshot(examples: Synth, snapshot_json: SnapshotAssertion, stack: str) -> None:
    assert normalised(examples.templates[stack]) == snapshot_json


def test_every_example_has_a_snapshot(examples: Synth) -> None:
    assert sorted(examples.templates) == sorted(STACKS)
