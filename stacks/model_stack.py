from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from lmi_constructs.config.code import CodeBundle
from lmi_constructs.config.models import AnyModel
from lmi_constructs.kinds import build_serving
from lmi_constructs.shared import SharedServingResources


class ModelStack(Stack):
    """One model: whatever its kind builds, plus tags and outputs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AnyModel,
        shared: SharedServingResources,
        code: CodeBundle | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.serving = build_serving(self, config, shared, code)
        for output_name, value in self.serving.outputs.items():
            CfnOutput(self, output_name, value=value)
        Tags.of(self).add("lmi:model", config.name)
        for key, value in sorted(config.tags.items()):
            Tags.of(self).add(key, value)
