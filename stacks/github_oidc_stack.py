from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from lmi_constructs.scoped_policy import ScopedPolicy, arn
from lmi_core import naming
from lmi_core.settings import github_repo_problem

GITHUB_OIDC = "token.actions.githubusercontent.com"
DEPLOY_BRANCH = "refs/heads/main"
DEPLOY_WORKFLOW = ".github/workflows/deploy.yml"
# The token's audience: STS of the stack's partition (sts.amazonaws.com, sts.amazonaws.com.cn in China, where
# the workflows set configure-aws-credentials' `audience` from the AWS_OIDC_AUDIENCE variable).
AUDIENCE = f"sts.{Aws.URL_SUFFIX}"


def claim(name: str) -> str:
    """The IAM condition key of one GitHub OIDC claim (STS evaluates sub, aud and, since 2026,
    GitHub's actor, repository, repository_id, ref, environment, workflow and job_workflow_ref)."""
    return f"{GITHUB_OIDC}:{name}"


def subjects(repository: str, context: str) -> list[str]:
    """GitHub's default `sub`, in both forms: `repo:owner/name:<context>` and, for repositories created
    after 15 July 2026 (or opted in), `repo:owner@<owner id>/name@<repo id>:<context>`. `@` cannot
    occur in GitHub names, so the ids are the only thing the wildcards match."""
    owner, name = repository.split("/", 1)
    return [f"repo:{repository}:{context}", f"repo:{owner}@*/{name}@*:{context}"]


def deploy_trust(repository: str, stages: list[str]) -> dict[str, dict[str, str | list[str]]]:
    """Jobs of `deploy.yml` on `main` of this repository, in one of the stage environments.

    An environment job's `sub` names the environment but no branch, so any branch whose workflow says
    `environment: dev` would match it alone: the `ref` and `job_workflow_ref` claims bind the branch and
    the workflow file. All keys must match (StringEquals with a missing claim is false)."""
    return {
        "StringEquals": {
            claim("aud"): AUDIENCE,
            claim("repository"): repository,
            claim("environment"): list(stages),
            claim("ref"): DEPLOY_BRANCH,
            claim("job_workflow_ref"): f"{repository}/{DEPLOY_WORKFLOW}@{DEPLOY_BRANCH}",
        },
        "StringLike": {claim("sub"): [s for stage in stages for s in subjects(repository, f"environment:{stage}")]},
    }


def diff_trust(repository: str) -> dict[str, dict[str, str | list[str]]]:
    """`pull_request` jobs of this repository: their `sub` ends in `:pull_request` and their `ref` is the
    merge ref `refs/pull/<n>/merge` (a `pull_request_target` run has the base branch's ref instead)."""
    return {
        "StringEquals": {claim("aud"): AUDIENCE, claim("repository"): repository},
        "StringLike": {claim("sub"): subjects(repository, "pull_request"), claim("ref"): "refs/pull/*/merge"},
    }


class GithubOidcStack(Stack):
    """GitHub Actions OIDC provider and two roles, no long-lived keys:
    - deploy role: only `deploy.yml` jobs on `main` of one repository, in a stage's environment, may assume
      it; it may assume the CDK bootstrap roles (deploy, file/image publishing, lookup), which do the work, and
      send the post-deploy smoke request (describe lmi-* stacks, describe and invoke endpoints and components);
    - diff role: pull-request jobs of that repository; it may only read the `lmi-*` stacks' templates (`cdk diff`
      falls back to these credentials). Not the bootstrap lookup role, which reads most of the account, and any
      branch of the repository can run pull-request jobs.
    Deploy it once with `cdk deploy lmi-github-oidc -c github_repo=owner/name -c stages=dev,prod`; in an account
    that already has a GitHub OIDC provider, name it with `-c github_oidc_provider_arn=<arn>`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        stages: list[str],
        provider_arn: str | None = None,
        **kwargs: Any,
    ) -> None:
        if problem := github_repo_problem(repository):
            raise ValueError(problem)
        super().__init__(scope, construct_id, **kwargs)
        # An account has one provider per URL: where another stack made it, the roles trust that one.
        provider = (
            iam.OpenIdConnectProvider.from_open_id_connect_provider_arn(self, "GitHub", provider_arn)
            if provider_arn is not None
            else iam.OpenIdConnectProvider(self, "GitHub", url=f"https://{GITHUB_OIDC}", client_ids=[AUDIENCE])
        )
        bootstrap = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/cdk-hnb659fds"
        project_stacks = arn(f"arn:{{partition}}:cloudformation:{{region}}:{{account}}:stack/{naming.PREFIX}-*")

        deploy_role = iam.Role(
            self,
            "DeployRole",
            description=f"GitHub Actions deploys of {repository} from main",
            max_session_duration=Duration.hours(4),
            assumed_by=iam.WebIdentityPrincipal(
                provider.open_id_connect_provider_arn, conditions=deploy_trust(repository, stages)
            ),
        )
        ScopedPolicy(self, "DeployPolicy", role=deploy_role, description="assume the CDK bootstrap roles").allow(
            ["sts:AssumeRole"],
            [f"{bootstrap}-{kind}-role-{Aws.ACCOUNT_ID}-{Aws.REGION}" for kind in ("deploy", "file-publishing", "image-publishing", "lookup")],
        )  # fmt: skip
        smoke = ScopedPolicy(self, "SmokeTestPolicy", role=deploy_role, description="one request to each changed model")
        smoke.allow(
            ["cloudformation:DescribeStacks"],
            [project_stacks],
            reason="make invoke finds a model's endpoint in the outputs of its stack; every stack is named lmi-*.",
        )
        smoke.allow(
            ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"],
            [arn("arn:{partition}:sagemaker:{region}:{account}:endpoint/*")],
            reason="Endpoints carry the teams' model names, which share no prefix; make invoke sends one request "
            "to each model the push changed (realtime, serverless, component; not async or batch).",
        )
        smoke.allow(
            ["sagemaker:DescribeInferenceComponent", "sagemaker:InvokeEndpoint"],
            [arn("arn:{partition}:sagemaker:{region}:{account}:inference-component/*")],
            reason="Inference components carry the teams' model names, which share no prefix (a request to a "
            "component names it beside its endpoint).",
        )

        diff_role = iam.Role(
            self,
            "DiffRole",
            description=f"GitHub Actions read-only cdk diff for pull requests of {repository}",
            assumed_by=iam.WebIdentityPrincipal(
                provider.open_id_connect_provider_arn, conditions=diff_trust(repository)
            ),
        )
        diff_policy = ScopedPolicy(self, "DiffPolicy", role=diff_role, description="read templates for cdk diff")
        diff_policy.allow(
            ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"],
            [project_stacks],
            reason="cdk diff reads the templates of this project's stacks, all named lmi-*; stack ids end in a "
            "generated uuid.",
        )
        CfnOutput(
            self, "DeployRoleArn", value=deploy_role.role_arn, description="repository variable AWS_DEPLOY_ROLE_ARN"
        )
        CfnOutput(self, "DiffRoleArn", value=diff_role.role_arn, description="repository variable AWS_DIFF_ROLE_ARN")
