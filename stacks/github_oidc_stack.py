from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from lmi_constructs.scoped_policy import ScopedPolicy, arn
from lmi_core import naming

GITHUB_OIDC = "token.actions.githubusercontent.com"


class GithubOidcStack(Stack):
    """GitHub Actions OIDC provider and two roles, no long-lived keys:
    - deploy role: only `environment:<stage>` jobs of one repository may assume it; it may only
      assume the CDK bootstrap roles (deploy, file/image publishing, lookup), which do the work;
    - diff role: pull-request jobs of that repository; it may only assume the bootstrap lookup role
      and read CloudFormation templates (`cdk diff`).
    Deploy it once with `cdk deploy lmi-github-oidc -c github_repo=owner/name -c stages=dev,prod`.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, repository: str, stages: list[str], **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        provider = iam.OpenIdConnectProvider(
            self, "GitHub", url=f"https://{GITHUB_OIDC}", client_ids=["sts.amazonaws.com"]
        )
        audience = {f"{GITHUB_OIDC}:aud": "sts.amazonaws.com"}
        bootstrap = f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/cdk-hnb659fds"

        deploy_role = iam.Role(
            self,
            "DeployRole",
            description=f"GitHub Actions deploys of {repository}",
            max_session_duration=Duration.hours(4),
            assumed_by=iam.WebIdentityPrincipal(
                provider.open_id_connect_provider_arn,
                conditions={
                    "StringEquals": audience,
                    "StringLike": {f"{GITHUB_OIDC}:sub": [f"repo:{repository}:environment:{s}" for s in stages]},
                },
            ),
        )
        ScopedPolicy(self, "DeployPolicy", role=deploy_role, description="assume the CDK bootstrap roles").allow(
            ["sts:AssumeRole"],
            [f"{bootstrap}-{kind}-role-{Aws.ACCOUNT_ID}-{Aws.REGION}" for kind in ("deploy", "file-publishing", "image-publishing", "lookup")],
        )  # fmt: skip

        diff_role = iam.Role(
            self,
            "DiffRole",
            description=f"GitHub Actions read-only cdk diff for pull requests of {repository}",
            assumed_by=iam.WebIdentityPrincipal(
                provider.open_id_connect_provider_arn,
                conditions={
                    "StringEquals": {**audience, f"{GITHUB_OIDC}:sub": f"repo:{repository}:pull_request"},
                },
            ),
        )
        diff_policy = ScopedPolicy(self, "DiffPolicy", role=diff_role, description="read templates for cdk diff")
        diff_policy.allow(["sts:AssumeRole"], [f"{bootstrap}-lookup-role-{Aws.ACCOUNT_ID}-{Aws.REGION}"])
        diff_policy.allow(
            ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"],
            [arn(f"arn:{{partition}}:cloudformation:{{region}}:{{account}}:stack/{naming.PREFIX}-*")],
            reason="cdk diff reads the templates of this project's stacks, all named lmi-*; stack ids end in a "
            "generated uuid.",
        )
        CfnOutput(
            self, "DeployRoleArn", value=deploy_role.role_arn, description="repository variable AWS_DEPLOY_ROLE_ARN"
        )
        CfnOutput(self, "DiffRoleArn", value=diff_role.role_arn, description="repository variable AWS_DIFF_ROLE_ARN")
