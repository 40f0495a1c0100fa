"""Generic checks over the team's own models (cdk.json's `model_configs` directory), whatever it holds, with
the team's cdk.json context (stages, region, ...): a team adds, renames or removes models without editing a
test. A new or changed template needs only `make snapshot-update` (the failing test says so).

A configured directory that does not exist fails (a typo in cdk.json must not leave the team's models
untested); one that exists but holds no model yet skips, with the reason shown in the summary."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from lmi_core.settings import parse_settings
from tests.conftest import INVENTORY, Synth, normalised, stack_names, synth, team_context
from tests.nag.test_nag import violations
from tests.template_lint import lint_errors

MODELS = sorted([*INVENTORY.glob("*.yaml"), *INVENTORY.glob("*.yml")]) if INVENTORY.is_dir() else []
SETTINGS, _ = parse_settings(team_context())
STACKS = stack_names(INVENTORY, SETTINGS) if MODELS else []
UPDATE = "review the change, then run `make snapshot-update` to record it"
pytestmark = pytest.mark.team_context
needs_models = pytest.mark.skipif(not MODELS, reason=f"{INVENTORY} holds no models yet")


def test_configured_directory_exists() -> None:
    assert INVENTORY.is_dir(), (
        f"cdk.json's model_configs names {INVENTORY}, which is not a directory: the team's models would go untested"
    )


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(INVENTORY, tmp_path_factory.mktemp("inventory-out"), base=team_context())


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@needs_models
def test_one_template_per_model_plus_shared(inventory: Synth) -> None:
    assert sorted(inventory.templates) == sorted(STACKS)


@needs_models
def test_no_unacknowledged_nag_findings(inventory: Synth) -> None:
    assert violations(inventory.outdir) == []


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_clean(inventory: Synth, stack: str) -> None:
    assert lint_errors((inventory.outdir / f"{stack}.template.json").read_text()) == []


@pytest.mark.parametrize("stack", STACKS)
def test_template_snapshot(inventory: Synth, snapshot_json: SnapshotAssertion, stack: str) -> None:
    assert normalised(inventory.templates[stack]) == snapshot_json, f"{stack}: {UPDATE}"
