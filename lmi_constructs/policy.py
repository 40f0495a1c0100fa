"""A customer-managed IAM policy whose every wildcard carries its reason.

Managed rather than inline (HIPAA/NIST `IAMNoInlinePolicy`), explicit actions only (no
`s3:Get*`), and each `*` in a resource acknowledged for cdk-nag's AwsSolutions-IAM5 with
the reason written where the statement is added.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from lmi_constructs.nag import acknowledge

# How cdk-nag prints the pseudo parameters inside an IAM5 finding id.
_PSEUDO = {
    "partition": (Aws.PARTITION, "<AWS::Partition>"),
    "region": (Aws.REGION, "<AWS::Region>"),
    "account": (Aws.ACCOUNT_ID, "<AWS::AccountId>"),
}


class Arn:
    """An ARN written as a template, e.g. 'arn:{partition}:s3:::my-bucket/prefix/*'."""

    def __init__(self, template: str) -> None:
        self.value = template.format(**{k: token for k, (token, _) in _PSEUDO.items()})
        self.nag_label = template.format(**{k: label for k, (_, label) in _PSEUDO.items()})

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.nag_label


class ScopedPolicy(Construct):
    """`iam.ManagedPolicy` attached to one role, with reasoned wildcards."""

    def __init__(self, scope: Construct, construct_id: str, *, role: iam.IRole, description: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(self, "Policy", description=description, roles=[role])

    def allow(
        self,
        actions: Sequence[str],
        resources: Sequence[Arn | str],
        *,
        reason: str | None = None,
        conditions: dict[str, dict[str, object]] | None = None,
    ) -> None:
        """Allow `actions` on `resources`; `reason` is required if a resource holds a wildcard."""
        for action in actions:
            if "*" in action:
                raise ValueError(f"write the action out instead of {action}")
        values = []
        for resource in resources:
            label = resource.nag_label if isinstance(resource, Arn) else resource
            if "*" in label:
                if reason is None:
                    raise ValueError(f"wildcard resource {label} needs a reason")
                acknowledge(self.policy, f"AwsSolutions-IAM5[Resource::{label}]", reason)
            values.append(resource.value if isinstance(resource, Arn) else resource)
        self.policy.add_statements(iam.PolicyStatement(actions=list(actions), resources=values, conditions=conditions))
