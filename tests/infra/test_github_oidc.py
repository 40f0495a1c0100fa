"""The optional CI/CD identity stack: OIDC trust limited to one repository and its environments."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.github_oidc_stack import DEPLOY_BRANCH, DEPLOY_WORKFLOW, GithubOidcStack
from tests.conftest import MINIMAL, Synth, synth, write_configs
from tests.conftest import REPO as REPO_ROOT


@pytest.fixture(scope="module")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    configs = write_configs(tmp_path_factory.mktemp("oidc-configs"), {"m1.yaml": MINIMAL})
    return synth(configs, tmp_path_factory.mktemp("oidc-out"), github_repo="acme/llm-serving", stages="dev,prod")


def roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}


def trust(oidc: Synth, role: str) -> dict[str, Any]:
    """The Condition block of a role's trust policy (one statement)."""
    found = Template.from_stack(oidc.stack("lmi-github-oidc")).find_resources("AWS::IAM::Role")
    (properties,) = [r["Properties"] for k, r in found.items() if k.startswith(role)]
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    return statement["Condition"]  # type: ignore[no-any-return]


def allows(condition: dict[str, Any], token: dict[str, str]) -> bool:
    """IAM's evaluation of StringEquals / StringLike: every key must match one of its values; a claim
    missing from the token never matches."""

    def like(pattern: str, value: str) -> bool:
        return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value) is not None

    tests = {"StringEquals": lambda p, v: p == v, "StringLike": like}
    for operator, keys in condition.items():
        for key, wanted in keys.items():
            claim = token.get(key.removeprefix(f"{GITHUB}:"))
            values = [resolved(v) for v in (wanted if isinstance(wanted, list) else [wanted])]
            if claim is None or not any(tests[operator](v, claim) for v in values):
                return False
    return True


GITHUB = "token.actions.githubusercontent.com"
# STS of the stack's partition; resolved to the commercial partition's where a token's claims are tested
AUDIENCE = {"Fn::Join": ["", ["sts.", {"Ref": "AWS::URLSuffix"}]]}


def resolved(value: Any) -> Any:
    return "sts.amazonaws.com" if value == AUDIENCE else value


REPO = "acme/llm-serving"
MAIN_DEPLOY = {  # a push to main running deploy.yml in the dev environment (GitHub's default claims)
    "aud": "sts.amazonaws.com",
    "sub": f"repo:{REPO}:environment:dev",
    "repository": REPO,
    "environment": "dev",
    "ref": "refs/heads/main",
    "job_workflow_ref": f"{REPO}/.github/workflows/deploy.yml@refs/heads/main",
    "event_name": "push",
}
PULL_REQUEST = {
    "aud": "sts.amazonaws.com",
    "sub": f"repo:{REPO}:pull_request",
    "repository": REPO,
    "ref": "refs/pull/7/merge",
    "job_workflow_ref": f"{REPO}/.github/workflows/pr.yml@refs/pull/7/merge",
    "event_name": "pull_request",
}


def test_deploy_trust_names_repository_branch_workflow_and_environments(oidc: Synth) -> None:
    Template.from_stack(oidc.stack("lmi-github-oidc")).has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Condition": {
                                "StringEquals": {
                                    f"{GITHUB}:aud": AUDIENCE,
                                    f"{GITHUB}:repository": REPO,
                                    f"{GITHUB}:environment": ["dev", "prod"],
                                    f"{GITHUB}:ref": "refs/heads/main",
                                    f"{GITHUB}:job_workflow_ref": f"{REPO}/.github/workflows/deploy.yml@refs/heads/main",
                                },
                                "StringLike": {
                                    f"{GITHUB}:sub": [
                                        f"repo:{REPO}:environment:dev",
                                        "repo:acme@*/llm-serving@*:environment:dev",
                                        f"repo:{REPO}:environment:prod",
                                        "repo:acme@*/llm-serving@*:environment:prod",
                                    ]
                                },
                            }
                        }
                    )
                ]
            }
        },
    )


@pytest.mark.parametrize(
    ("change", "allowed"),
    [
        ({}, True),
        ({"environment": "prod", "sub": f"repo:{REPO}:environment:prod"}, True),
        ({"sub": "repo:acme@1234/llm-serving@5678:environment:dev"}, True),  # immutable subject claim
        ({"event_name": "workflow_dispatch"}, True),
        # another branch that says `environment: dev` (the hole this trust closes)
        ({"ref": "refs/heads/feature", "job_workflow_ref": f"{REPO}/.github/workflows/deploy.yml@refs/heads/feature"}, False),
        ({"ref": "refs/heads/feature"}, False),
        ({"job_workflow_ref": f"{REPO}/.github/workflows/deploy.yml@refs/heads/feature"}, False),
        ({"ref": "refs/tags/v1", "job_workflow_ref": f"{REPO}/.github/workflows/deploy.yml@refs/tags/v1"}, False),
        ({"job_workflow_ref": f"{REPO}/.github/workflows/pr.yml@refs/heads/main"}, False),  # another workflow on main
        ({"environment": "staging", "sub": f"repo:{REPO}:environment:staging"}, False),  # a stage with no role
        ({"repository": "acme/other", "sub": "repo:acme/other:environment:dev",
          "job_workflow_ref": "acme/other/.github/workflows/deploy.yml@refs/heads/main"}, False),
        ({"repository": "evil/llm-serving", "sub": "repo:evil/llm-serving:environment:dev"}, False),
        ({"sub": f"repo:{REPO}:ref:refs/heads/main", "environment": None}, False),  # a job with no environment
        ({"sub": f"repo:{REPO}:pull_request"}, False),
        ({"aud": "https://github.com/acme"}, False),
        ({"ref": None}, False),
        ({"job_workflow_ref": None}, False),
    ],
)  # fmt: skip
def test_deploy_trust_decides_tokens(oidc: Synth, change: dict[str, str | None], allowed: bool) -> None:
    token = {k: v for k, v in {**MAIN_DEPLOY, **change}.items() if v is not None}
    assert allows(trust(oidc, "DeployRole"), token) is allowed


@pytest.mark.parametrize(
    ("change", "allowed"),
    [
        ({}, True),
        ({"sub": "repo:acme@1/llm-serving@2:pull_request"}, True),
        ({"ref": "refs/heads/main", "event_name": "pull_request_target"}, False),  # runs with the base ref
        ({"sub": f"repo:{REPO}:ref:refs/heads/main", "ref": "refs/heads/main", "event_name": "push"}, False),
        ({"sub": f"repo:{REPO}:environment:dev", "environment": "dev"}, False),
        ({"repository": "fork/llm-serving", "sub": "repo:fork/llm-serving:pull_request"}, False),
        ({"repository": "acme/other", "sub": "repo:acme/other:pull_request"}, False),
    ],
)
def test_diff_trust_only_pull_requests_of_the_repository(
    oidc: Synth, change: dict[str, str | None], allowed: bool
) -> None:
    token = {k: v for k, v in {**PULL_REQUEST, **change}.items() if v is not None}
    assert allows(trust(oidc, "DiffRole"), token) is allowed


def test_the_deploy_workflow_is_the_one_trusted() -> None:
    assert (REPO_ROOT / DEPLOY_WORKFLOW).is_file()
    assert DEPLOY_BRANCH == "refs/heads/main"


def test_a_repository_with_wildcards_is_refused_by_the_stack_too() -> None:
    from aws_cdk import App

    with pytest.raises(ValueError, match="is not one GitHub repository"):
        GithubOidcStack(App(), "x", repository="acme/*", stages=["dev"])


def test_roles_assume_bootstrap_roles_and_the_deploy_role_sends_the_smoke_request(oidc: Synth) -> None:
    template = oidc.templates["lmi-github-oidc"]
    policies = {
        k.rstrip("0123456789ABCDEF"): r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }

    def actions(policy: str) -> set[str]:
        statements = policies[policy]["PolicyDocument"]["Statement"]
        return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}

    assert actions("DeployPolicy") == {"sts:AssumeRole"}
    assert "cdk-hnb659fds-deploy-role" in json.dumps(policies["DeployPolicy"])
    # deploy.yml's smoke test: `make invoke` of each changed realtime, serverless or component model (the deploy
    # role's own credentials: without these it could never pass)
    assert actions("SmokeTestPolicy") == {
        "cloudformation:DescribeStacks", "sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint",
        "sagemaker:DescribeInferenceComponent",
    }  # fmt: skip
    assert {r["Ref"] for r in policies["SmokeTestPolicy"]["Roles"]} == {
        r["Ref"] for r in policies["DeployPolicy"]["Roles"]
    }
    # the diff role, which any branch's pull request can use, may not assume the lookup role (it reads most of
    # the account); it reads the lmi-* templates with its own credentials
    assert actions("DiffPolicy") == {"cloudformation:DescribeStacks", "cloudformation:GetTemplate"}


def test_nag_clean(oidc: Synth) -> None:
    report = Path(oidc.outdir) / "validation-report.json"
    assert not report.exists() or json.loads(report.read_text())["pluginReports"] == []


def test_not_in_the_default_app(examples: Synth) -> None:
    assert "lmi-github-oidc" not in examples.templates


def test_audience_is_sts_of_the_stacks_partition(oidc: Synth) -> None:
    """sts.amazonaws.com, and sts.amazonaws.com.cn in China (the workflows' AWS_OIDC_AUDIENCE variable)."""
    template = Template.from_stack(oidc.stack("lmi-github-oidc"))
    (provider,) = template.find_resources("Custom::AWSCDKOpenIdConnectProvider").values()
    assert provider["Properties"]["ClientIDList"] == [AUDIENCE]
    for workflow in ("deploy.yml", "pr.yml"):
        text = (REPO_ROOT / ".github" / "workflows" / workflow).read_text()
        assert "audience: ${{ vars.AWS_OIDC_AUDIENCE || 'sts.amazonaws.com' }}" in text, workflow


def test_an_existing_provider_is_trusted_instead_of_a_new_one() -> None:
    """An account has one provider per URL: where one exists (another stack made it), the roles trust it and
    the stack makes none (nor the Lambda that CDK's provider construct needs, with its AWS managed policy)."""
    from aws_cdk import App

    from tests.conftest import fixture_context

    existing = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    stack = GithubOidcStack(
        App(context=fixture_context()),
        "lmi-github-oidc",
        repository=REPO,
        stages=["dev", "prod"],
        provider_arn=existing,
    )
    template = Template.from_stack(stack).to_json()
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert types == {"AWS::IAM::Role", "AWS::IAM::ManagedPolicy"}
    roles = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2
    for role in roles:
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Federated": existing}


def test_a_provider_arn_must_be_github_s() -> None:
    from lmi_core.settings import parse_settings

    _, issues = parse_settings({"github_oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/example.com"})
    assert [str(issue) for issue in issues] == [
        "cdk context: github_oidc_provider_arn: 'arn:aws:iam::111122223333:oidc-provider/example.com' is not the ARN "
        "of a GitHub Actions OIDC provider (allowed: arn:aws:iam::<12 digits>:oidc-provider/"
        "token.actions.githubusercontent.com, in your partition)"
    ]
    settings, issues = parse_settings(
        {"github_oidc_provider_arn": "arn:aws-cn:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}
    )
    assert issues == [] and settings.github_oidc_provider_arn is not None


def test_a_provider_of_another_account_or_partition_is_refused() -> None:
    from lmi_core.settings import parse_settings

    arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    _, issues = parse_settings({"github_oidc_provider_arn": arn, "account": "999999999999", "region": "us-east-1"})
    assert [issue.field for issue in issues] == ["github_oidc_provider_arn"]
    assert "is in account 111122223333, but stage dev deploys to account 999999999999" in str(issues[0])
    _, issues = parse_settings({"github_oidc_provider_arn": arn, "region": "cn-north-1"})
    assert ["is in partition aws, but stage dev deploys to partition aws-cn" in str(i) for i in issues] == [True]
    _, issues = parse_settings({"github_oidc_provider_arn": arn, "account": "111122223333", "region": "us-east-1"})
    assert issues == []
