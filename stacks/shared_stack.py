from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from lmi_constructs.shared_resources import BucketNames, SharedResourcesProps, SharedServingResources
from stacks.kinds.common import shared_bucket_name


class SharedStack(Stack):
    """The KMS key, data-capture, async-payload, AOT-artifact and access-log buckets and the alarm topic."""

    def __init__(self, scope: Construct, construct_id: str, *, name_stage: str | None = None, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = BucketNames(
            capture=shared_bucket_name("data-capture", name_stage),
            access_logs=shared_bucket_name("access-logs", name_stage),
            async_payloads=shared_bucket_name("async-payloads", name_stage),
            aot_artifacts=shared_bucket_name("aot-artifacts", name_stage),
        )
        self.resources = SharedServingResources(self, "Shared", props=SharedResourcesProps(bucket_names=names))
