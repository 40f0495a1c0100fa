"""Make targets a developer types: one model's deploy/destroy/diff name its exact stack, with the venv's Node."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from lmi_core import naming
from lmi_core.settings import parse_settings
from tests.conftest import REPO, team_context


def make(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}  # not the outer make's flags
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True, check=False, env=env
    )


def recipe(*args: str) -> str:
    result = make("-n", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.team_context  # make reads the team's cdk.json: its stages and unsuffixed stage
def test_deploy_and_destroy_one_model_name_its_exact_stack() -> None:
    settings, issues = parse_settings(team_context())
    assert issues == []
    stage = settings.stages[-1]  # the last stage (prod by default) carries its name unless it is unsuffixed
    stack = naming.stack_name("chat", settings.name_stage)
    deploy = recipe("deploy", "MODEL=chat", f"STAGE={stage}")
    staged_stack = naming.stack_name("chat", settings.name_stage_of(stage))
    assert f" deploy {staged_stack} " in deploy and "-c models=chat" in deploy and f"-c stage={stage}" in deploy
    assert f" deploy {stack} " in recipe("deploy", "MODEL=chat")
    assert "--all" not in deploy
    assert " deploy --all " in recipe("deploy")
    destroy = recipe("destroy", "MODEL=chat")
    assert f" destroy {stack} --exclusively " in destroy and "-c models=chat" in destroy  # never the shared stack
    refused = make("destroy")
    assert refused.returncode != 0 and "make destroy needs MODEL=<name>" in refused.stdout
    bad = make("deploy", "MODEL=Not a name")
    assert bad.returncode != 0 and "is not a model name" in bad.stderr


def test_diff_uses_only_options_the_pinned_cdk_knows() -> None:
    diff = recipe("diff")
    assert " diff --method template" in diff and "--all" not in diff
    cdk = [str(REPO / ".venv" / "bin" / "node"), str(REPO / "node_modules" / "aws-cdk" / "bin" / "cdk")]
    help_text = subprocess.run([*cdk, "diff", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--method" in help_text and "\n  --all " not in help_text  # `cdk diff` diffs every stack by default
    one = recipe("diff", "MODEL=chat").split()
    assert one[-3:] == ["-c", "models=chat", naming.stack_name("chat")]


def test_targets_run_with_the_venv_node_first() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)" in makefile
    which = subprocess.run(
        ["make", "--no-print-directory", "-s", "--eval", "which-node:\n\t@command -v node", "which-node"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert which.stdout.strip() == str(REPO / ".venv" / "bin" / "node")


def test_report_reads_another_directory() -> None:
    words = recipe("report", "DIR=examples").split()
    assert words[words.index("--configs") + 1] == "examples"


def test_validate_and_report_leave_the_directory_to_cdk_json() -> None:
    """Without FILES=/DIR=, the tools read cdk.json's `model_configs` themselves (lmi_core.settings)."""
    assert recipe("validate").split()[-1] == "lmi_cli.validate"
    assert "--configs" not in recipe("report").split()


def test_gitignore_and_pre_commit() -> None:
    assert "loadtest-reports/" in (REPO / ".gitignore").read_text().split()
    (hook,) = [h for repo in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
               for h in repo["hooks"] if h["id"] == "lmi-validate"]  # fmt: skip
    # no path: validate reads cdk.json's `model_configs`; on every commit, since cdk.json may name any directory
    assert hook["entry"].endswith("lmi_cli.validate") and hook["pass_filenames"] is False
    assert hook["always_run"] is True and "files" not in hook


def test_every_pytest_plugin_the_suite_installs_is_named_in_addopts() -> None:
    """`make test` turns plugin autoloading off; a plugin left out of addopts would silently not load."""
    import re
    import tomllib
    from importlib.metadata import distribution

    addopts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    named = set(re.findall(r"-p (\S+)", addopts))
    used_without = {
        "locust",  # serves pytest-style locustfiles; the load test runs locust itself
        "xdist.looponfail",  # `--looponfail` (-f), which make test does not use
    }
    pins = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==", (REPO / "requirements-dev.txt").read_text(), re.M)
    plugins = {ep.name for pin in pins for ep in distribution(pin).entry_points if ep.group == "pytest11"}
    assert plugins - used_without == named
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1" in recipe("test")
