"""The optional CI/CD identity stack: OIDC trust limited to one repository and its environments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MINIMAL, Synth, synth, write_configs


@pytest.fixture(scope="module")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    configs = write_configs(tmp_path_factory.mktemp("oidc-configs"), {"m1.yaml": MINIMAL})
    return synth(configs, tmp_path_factory.mktemp("oidc-out"), github_repo="acme/llm-serving", stages="dev,prod")


def roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}


def test_trust_is_limited_to_repository_and_stage(oidc: Synth) -> None:
    template = oidc.templates["lmi-github-oidc"]
    by_name = {k: v for k, v in roles(template).items()}
    deploy = next(v for k, v in by_name.items() if k.startswith("DeployRole"))
    condition = deploy["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringLike"]["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/llm-serving:environment:dev",
        "repo:acme/llm-serving:environment:prod",
    ]
    assert condition["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    diff = next(v for k, v in by_name.items() if k.startswith("DiffRole"))
    diff_condition = diff["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]
    assert diff_condition["token.actions.githubusercontent.com:sub"] == "repo:acme/llm-serving:pull_request"


def test_roles_only_assume_bootstrap_roles(oidc: Synth) -> None:
    template = oidc.templates["lmi-github-oidc"]
    policies = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    actions = {
        a
        for p in policies
        for s in p["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {"sts:AssumeRole", "cloudformation:DescribeStacks", "cloudformation:GetTemplate"}
    assert "cdk-hnb659fds-deploy-role" in json.dumps(policies)


def test_nag_clean(oidc: Synth) -> None:
    report = Path(oidc.outdir) / "validation-report.json"
    assert not report.exists() or json.loads(report.read_text())["pluginReports"] == []


def test_not_in_the_default_app(examples: Synth) -> None:
    assert "lmi-github-oidc" not in examples.templates
