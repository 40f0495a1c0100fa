"""The job that can mint AWS credentials: stages with a role, packages installed by hash."""

from __future__ import annotations

import re

import pytest

from lmi_core.settings import parse_settings
from stacks.github_oidc_stack import DEPLOY_WORKFLOW
from tests.ci.test_workflows import load
from tests.conftest import REPO, team_context

DEPLOY = REPO / DEPLOY_WORKFLOW
LOCK = REPO / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    return {canonical(name): version for name, version in PIN.findall(text)}


@pytest.mark.team_context
def test_every_stage_offered_has_a_deploy_role() -> None:
    """The stage list lives in one place, the team's `stages` context the OIDC stack makes roles for; deploy.yml's
    stage choice (GitHub reads it from the file, it cannot read cdk.json) must list the same (README, CI/CD)."""
    settings, issues = parse_settings(team_context())
    assert issues == []
    workflow = load(DEPLOY)
    stage = workflow["on"]["workflow_dispatch"]["inputs"]["stage"]
    assert stage["options"] == list(settings.stages), (
        f"{DEPLOY_WORKFLOW}: on.workflow_dispatch.inputs.stage.options must be cdk.json's stages {list(settings.stages)}"
    )
    assert stage["default"] in settings.stages
    # a push to main without DEPLOY_STAGE deploys the fallback stage: it needs a role too
    job = workflow["jobs"]["deploy"]
    fallbacks = [re.findall(r"\|\| '([^']+)' \}\}$", text) for text in (job["environment"], job["env"]["STAGE"])]
    assert all(len(found) == 1 for found in fallbacks)
    (fallback,) = {found[0] for found in fallbacks}  # environment and STAGE agree
    assert fallback in settings.stages


def test_deploy_job_installs_python_packages_by_hash_before_any_make() -> None:
    steps = load(DEPLOY)["jobs"]["deploy"]["steps"]
    runs = [step.get("run", "") for step in steps]
    install = next(i for i, run in enumerate(runs) if "--require-hashes" in run)
    assert "-r requirements.lock" in runs[install]
    assert all("make" not in run for run in runs[:install])
    assert not any("pip install" in run and "--require-hashes" not in run for run in runs)
    assert "npm ci" in (REPO / "Makefile").read_text()  # npm packages: package-lock.json integrity hashes


def test_lock_pins_every_requirement_at_the_same_version() -> None:
    locked = pins(LOCK.read_text())
    for requirements in ("requirements.txt", "requirements-dev.txt"):
        for name, version in pins((REPO / requirements).read_text()).items():
            assert locked.get(name) == version, f"{requirements}: {name}=={version} is {locked.get(name)} in the lock"


def test_every_locked_package_carries_a_hash() -> None:
    lines = [line for line in LOCK.read_text().splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in lines if line.startswith("-")], "no index, find-links or -r options"
    entries = re.split(r"\n(?=[A-Za-z0-9])", "\n".join(lines).strip())
    assert len(entries) == len(pins(LOCK.read_text())) > 50
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_pins_reads_requirements_and_lock_lines() -> None:
    text = "# comment\nmoto[server]==5.2.5\nsix==1.17.0 \\\n    --hash=sha256:ab\nTypes_PyYAML==6.0.12\n-r requirements.txt\n"
    assert pins(text) == {"moto": "5.2.5", "six": "1.17.0", "types-pyyaml": "6.0.12"}
