"""A team forks the project and replaces the starter inventory with its own models: the generic inventory
tests (synth, nag, cfn-lint, snapshots) pass after `make snapshot-update`, without editing a test.

Runs pytest in a copy of the repository (tracked and new files, no venv or node_modules: this venv's
Python and Node serve it). Cost: two synths of two models, about 15 s on two cores."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, REPO

TEAM_MODELS = {
    "search-chat.yaml": MINIMAL.replace("name: m1", "name: search-chat").replace(
        "s3://bucket/models/m1/", "s3://acme-ml-models/search-chat/"
    )
    + "autoscaling: {min: 1, max: 2, target_invocations_per_instance: 5}\n",
    "tiny-helper.yaml": """\
name: tiny-helper
kind: serverless
model: {id: HuggingFaceTB/SmolLM2-135M-Instruct, parameters: 0.135}
container: {image: cpu, tag: 0.36.0-cpu-full}
serving: {engine: Python, option.rolling_batch: disable, option.dtype: fp32}
serverless: {memory_mb: 4096, max_concurrency: 2}
""",
}


def repository_copy(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a deleted but still tracked file is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def inventory_tests(copy: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "tests/inventory", *options],
        cwd=copy, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


@pytest.mark.slow
def test_fork_with_its_own_models_passes_the_inventory_tests(tmp_path: Path) -> None:
    copy = repository_copy(tmp_path / "fork")
    inventory = copy / "model_configs"
    for old in [*inventory.glob("*.yaml"), *inventory.glob("*.yml")]:
        old.unlink()
    for name, text in TEAM_MODELS.items():
        (inventory / name).write_text(text)

    # What `make snapshot-update` runs for the inventory; every other inventory test (synth, nag, cfn-lint) runs
    # and must pass here too.
    updated = inventory_tests(copy, "--snapshot-update")
    assert updated.returncode == 0, updated.stdout[-3000:] + updated.stderr[-2000:]
    assert re.search(r"\d+ passed", updated.stdout) and not re.search(r"\d+ skipped", updated.stdout)
    snapshots = sorted(p.name for p in (copy / "tests" / "inventory" / "__snapshots__").rglob("*.json"))
    assert snapshots == [
        "test_template_snapshot[lmi-search-chat].json",
        "test_template_snapshot[lmi-shared].json",
        "test_template_snapshot[lmi-tiny-helper].json",
    ]  # the starter's snapshot is gone, one per new model

    again = inventory_tests(copy, "-k", "snapshot")  # the recorded snapshots now hold (the rest ran above)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert "3 passed" in again.stdout
