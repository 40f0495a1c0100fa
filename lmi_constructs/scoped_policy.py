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
from lmi_constructs.tokens import AWS, is_unresolved


def arn(template: str) -> str:
    """An ARN from a template with {partition}, {region} and {account}: 'arn:{partition}:logs:...'."""
    return template.format(partition=AWS.partition, region=AWS.region, account=AWS.account_id)


_NOT_IN_A_VALUE = frozenset("*?$")  # IAM wildcards, and the start of an IAM policy variable (${aws:username})


def _literal_problem(text: str) -> str | None:
    if is_unresolved(text):
        return None
    if any(c in _NOT_IN_A_VALUE or not c.isprintable() for c in text):
        return f"{text!r} holds a wildcard, a policy variable or a control character"
    return None


@dataclass(frozen=True)
class S3Location:
    """A prefix in a bucket ("" for the whole bucket, else ending in "/"). Bucket and prefix come from users, so
    neither may carry a wildcard into a policy: the only `*` a grant on it holds is the one written here."""

    bucket: s3.IBucket
    prefix: str

    def __post_init__(self) -> None:
        for text in (self.bucket.bucket_name, self.prefix):
            problem = _literal_problem(text)
            if problem is not None:
                raise ValueError(f"S3 location {problem}")

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
                # The one wildcard a grant may hold is the trailing one its construct wrote; any other came in
                # with a value (a name, a prefix) and is an error, never an acknowledged finding.
                if resource.count("*") != 1 or not resource.endswith("*") or "?" in resource:
                    raise ValueError(f"wildcard resource {label} holds a wildcard that a value brought in")
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
