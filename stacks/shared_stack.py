from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from lmi_constructs.shared import SharedResourcesProps, SharedServingResources


class SharedStack(Stack):
    """The KMS key, data-capture and access-log buckets and the alarm topic all models share."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.resources = SharedServingResources(self, "Shared", props=SharedResourcesProps())
