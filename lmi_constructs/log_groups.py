"""Log groups the project owns, made so that a retained group never blocks a later create.

A named, retained group outlives its stack (or its `aot:` block): the next create of the same name
fails with "already exists". So groups are unnamed (CloudFormation adds a random suffix) and, where a
service needs a name under /aws/vendedlogs/ (Step Functions: the CloudWatch Logs resource policy
stays small), the name ends in the generated, per-creation name of a sibling resource.
RETAIN_ON_UPDATE_OR_DELETE keeps the logs when the resource goes away, except after a failed first
create, whose rollback deletes them. Groups SageMaker writes to (/aws/sagemaker/...) are never
created here: SageMaker creates them on first write, outside any stack.
"""

from __future__ import annotations

from aws_cdk import Fn, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

VENDED_STATES = "/aws/vendedlogs/states/"


def owned_log_group(
    scope: Construct, construct_id: str, *, key: kms.IKey | None, unique_suffix: str | None = None
) -> logs.LogGroup:
    """An encrypted, one-year log group; unnamed, or `/aws/vendedlogs/states/<unique_suffix>` where
    `unique_suffix` is a token for another resource's generated physical name."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=None if unique_suffix is None else Fn.join("", [VENDED_STATES, unique_suffix]),
        retention=logs.RetentionDays.ONE_YEAR,
        encryption_key=key,
        removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    )
