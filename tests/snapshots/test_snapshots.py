"""One syrupy snapshot per synthesized template, asset hashes normalised, so a PR shows
exactly how a config or construct change alters CloudFormation."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import EXAMPLES, Synth, normalised, stack_names

STACKS = stack_names(EXAMPLES)


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", STACKS)
def test_template_snapshot(examples: Synth, snapshot_json: SnapshotAssertion, stack: str) -> None:
    assert normalised(examples.templates[stack]) == snapshot_json, (
        f"{stack}: review the change, then run `make snapshot-update` to record it"
    )


def test_every_example_has_a_snapshot(examples: Synth) -> None:
    assert sorted(examples.templates) == sorted(STACKS)
