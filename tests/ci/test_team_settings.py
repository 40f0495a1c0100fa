"""A team sets region, stages, stage targets and its config directory in cdk.json (README) and edits no test:
the tests over the project's own fixtures keep the fixtures' context, the tests over the team's models follow
the team's cdk.json, and every tool reads the config directory cdk.json names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lmi_core import settings as settings_module
from lmi_core.settings import parse_settings, project_config_dir
from tests.ci.test_fork import repository_copy
from tests.conftest import REPO, fixture_context, team_context

TEAM = {
    "region": "eu-west-1",
    "stages": "sandbox,live",
    "unsuffixed_stage": "sandbox",
    "production_stages": "live",
    "stage_targets": {"live": {"account": "111122223333"}},
    "model_configs": "platform/models",
    "github_repo": "acme/llm-platform",
}


def team_cdk_json(directory: Path, **changes: Any) -> Path:
    """The repository's cdk.json as a team edits it: its settings changed, CDK's feature flags kept."""
    document = json.loads((REPO / "cdk.json").read_text())
    document["context"].update(changes)
    path = directory / "cdk.json"
    path.write_text(json.dumps(document))
    return path


def run_pytest(copy: Path, *selection: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", *selection],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_fixture_context_holds_the_default_settings_whatever_the_team_sets() -> None:
    context = fixture_context()
    settings, issues = parse_settings(context)
    assert issues == []
    default, _ = parse_settings({})
    assert settings == default  # stages dev,prod, dev unsuffixed, no account or region, model_configs/
    assert (settings.stages, settings.unsuffixed_stage, settings.region) == (("dev", "prod"), "dev", None)
    # only CDK's feature flags come from cdk.json, and all of them
    flags = {key: value for key, value in team_context().items() if key.startswith("@")}
    assert context == flags and len(flags) > 50


def test_in_process_tools_read_the_fixture_cdk_json(fixture_cdk_json: Path) -> None:
    assert fixture_cdk_json == settings_module.CDK_JSON
    assert json.loads(fixture_cdk_json.read_text())["context"] == fixture_context()


def test_the_tool_settings_follow_cdk_json(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(settings_module, "CDK_JSON", team_cdk_json(tmp_path, **TEAM))
    assert project_config_dir() == Path("platform/models")
    settings, issues = settings_module.project_settings("live")
    assert issues == [] and (settings.region, settings.account) == ("eu-west-1", "111122223333")
    assert settings.production_stages == ("live",)


@pytest.mark.slow
def test_fixture_tests_pass_under_a_team_cdk_json_and_inventory_tests_follow_it(tmp_path: Path) -> None:
    """A copy of the repository whose cdk.json a team edited (another region, stages sandbox,live, a config
    directory that does not exist yet): the tests over the fixtures that read settings in this process or in
    new ones (catalog, stages, validate's process and cache, the app's process) pass unchanged, without a synth;
    the inventory's first test fails, naming the missing directory, instead of skipping the team's models."""
    copy = repository_copy(tmp_path / "team")
    team_cdk_json(copy, **TEAM)
    fixtures = run_pytest(
        copy,
        "tests/catalog/test_catalog.py",  # messages that name the stages (allowed: dev, prod)
        "tests/unit/test_stages.py",  # the examples' stage overrides
        "tests/unit/test_validate_cache.py",  # validate in new processes (fixture_command)
        "tests/catalog/test_hostile_inputs.py::test_catalog_file_is_rejected_at_both_entry_points",
    )
    assert fixtures.returncode == 0, fixtures.stdout[-3000:]
    assert not re.search(r"\d+ (failed|skipped|error)", fixtures.stdout)
    inventory = run_pytest(copy, "tests/inventory/test_inventory.py::test_configured_directory_exists")
    assert inventory.returncode == 1
    assert f"cdk.json's model_configs names {copy / 'platform/models'}, which is not a directory" in inventory.stdout


def test_validate_report_and_invoke_default_to_the_configured_directory(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    from lmi_cli import validate
    from lmi_cli.invoke import kind_from_configs
    from lmi_cli.report.__main__ import main as report
    from tests.conftest import MINIMAL, write_configs

    staged = MINIMAL + "stages: {live: {instance: {count: 2}}}\n"  # an override for the team's own stage
    configs = write_configs(tmp_path / "platform" / "models", {"m1.yaml": staged})
    monkeypatch.setattr(settings_module, "CDK_JSON", team_cdk_json(tmp_path, **{**TEAM, "model_configs": str(configs)}))
    assert validate.main(["--no-cache"]) == 0
    assert "1 model config(s) valid" in capsys.readouterr().out
    assert report(["--changed-models"]) == 0  # deploy.yml's smoke test list, in the team's stages
    assert capsys.readouterr().out.splitlines() == ["m1"]
    known = kind_from_configs("m1", configs)
    assert known is not None and known.kind == "realtime"


def test_config_dir_command_prints_cdk_json_setting(tmp_path: Path) -> None:
    team_cdk_json(tmp_path, model_configs="platform/models")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "lmi_cli.config_dir"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout == "platform/models\n"


def test_make_pre_commit_and_pr_workflow_name_no_config_directory_of_their_own() -> None:
    """The Makefile, the pre-commit hook and pr.yml leave the directory to cdk.json (lmi_cli.config_dir)."""
    makefile = (REPO / "Makefile").read_text()
    assert "model_configs)" not in makefile.replace("-c model_configs=$(DIR)", "")
    assert "lmi_cli.config_dir" in (REPO / ".github" / "workflows" / "pr.yml").read_text()
    assert "'model_configs/" not in (REPO / ".github" / "workflows" / "pr.yml").read_text()
