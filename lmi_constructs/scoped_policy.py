"""A customer-managed IAM policy whose every wildcard carries its reason, and S3 prefix grants.

Managed rather than inline (HIPAA/NIST `IAMNoInlinePolicy`), explicit actions only (no `s3:Get*`),
and each `*` in a resource acknowledged for cdk-nag's AwsSolutions-IAM5 with the reason written
where the statement is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lmi_constructs.nag import Acknowledgements, nag_label
from lmi_constructs.tokens import AWS


def arn(template: str) -> str:
    """An ARN from a template with {partition}, {region} and {account}: 'arn:{partition}:logs:...'."""
    return template.format(partition=AWS.partition, region=AWS.region, account=AWS.account_id)


@dataclass(frozen=True)
class S3Location:
    """A prefix in a bucket ("" for the whole bucket, else ending in "/")."""

    bucket: s3.IBucket
    prefix: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket.bucket_name}/{self.prefix}"

    def describe(self) -> str:
        """bucket/prefix as text, also when the bucket name is a deploy-time token (<AWS::AccountId>...)."""
        return f"{nag_label(self.bucket, self.bucket.bucket_name)}/{self.prefix}"

    def objects_arn(self, suffix: str = "*") -> str:
        return self.bucket.arn_for_objects(f"{self.prefix}{suffix}")


class ScopedPolicy(Construct):
    """`iam.ManagedPolicy` attached to one role, with reasoned wildcards."""

    def __init__(self, scope: Construct, construct_id: str, *, role: iam.IRole, description: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(self, "Policy", description=description, roles=[role])
        self.acknowledgements = Acknowledgements(self.policy)

    def allow(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        reason: str | None = None,
        conditions: dict[str, dict[str, object]] | None = None,
    ) -> None:
        """Allow `actions` on `resources`; `reason` is required if a resource holds a wildcard."""
        for action in actions:
            if "*" in action:
                raise ValueError(f"write the action out instead of {action}")
        for resource in resources:
            if "*" in resource:  # literal text only: an unresolved token never holds a '*'
                label = nag_label(self, resource)
                if reason is None:
                    raise ValueError(f"wildcard resource {label} needs a reason")
                self.acknowledgements.add(f"AwsSolutions-IAM5[Resource::{label}]", reason)
        self.policy.add_statements(
            iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=conditions)
        )

    def allow_prefix(
        self, location: S3Location, actions: Sequence[str], *, reason: str, list_bucket: bool = True
    ) -> None:
        """`actions` on every object under the prefix (names unknown at synth), and ListBucket only there."""
        self.allow(actions, [location.objects_arn()], reason=reason)
        if list_bucket:
            self.allow(
                ["s3:ListBucket"],
                [location.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{location.prefix}*"]}},
            )
