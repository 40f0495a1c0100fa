"""Generic checks over the team's own models (model_configs/), whatever it holds: a team adds,
renames or removes models without editing a test. A new or changed template needs only
`make snapshot-update` (the failing test says so)."""

from __future__ import annotations

import pytest
from cfnlint.api import ManualArgs, lint
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import INVENTORY, Synth, normalised, stack_names, synth
from tests.nag.test_nag import violations

MODELS = sorted(INVENTORY.glob("*.yaml")) + sorted(INVENTORY.glob("*.yml"))
pytestmark = pytest.mark.skipif(not MODELS, reason="model_configs/ holds no models yet")
STACKS = stack_names(INVENTORY) if MODELS else []
UPDATE = "review the change, then run `make snapshot-update` to record it"


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(INVENTORY, tmp_path_factory.mktemp("inventory-out"))


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_one_template_per_model_plus_shared(inventory: Synth) -> None:
    assert sorted(inventory.templates) == sorted(STACKS)


def test_no_unacknowledged_nag_findings(inventory: Synth) -> None:
    assert violations(inventory.outdir) == []


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_clean(inventory: Synth, stack: str) -> None:
    template = (inventory.outdir / f"{stack}.template.json").read_text()
    findings = lint(template, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    assert [f"{m.rule.id} {m.message} ({m.path})" for m in findings if m.rule.id.startswith("E")] == []


@pytest.mark.parametrize("stack", STACKS)
def test_template_snapshot(inventory: Synth, snapshot_json: SnapshotAssertion, stack: str) -> None:
    assert normalised(inventory.templates[stack]) == snapshot_json, f"{stack}: {UPDATE}"
