from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from lmi_constructs.scoped_policy import ScopedPolicy
from lmi_constructs.shared_resources import SharedServingResources
from lmi_core import naming
from lmi_core.kinds import kind_of
from lmi_core.loader import LoadedConfig
from stacks.kinds import build_serving
from stacks.shared_stack import export_in_use_guard, import_in_use_guard


class ModelStack(Stack):
    """One model: whatever its kind builds, plus tags and outputs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        loaded: LoadedConfig,
        shared: SharedServingResources,
        shared_stack_name: str | None = None,  # the shared stack's name, when the caller knows it
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = loaded.config
        with ScopedPolicy.gathered():  # each IAM policy of the model reaches Node in one batch
            self.serving = build_serving(self, loaded, shared)
        for output_name, value in self.serving.outputs.items():
            CfnOutput(self, output_name, value=value)
        import_in_use_guard(self, shared_stack_name or Stack.of(shared).stack_name)
        if kind_of(self.config).hosts_others:  # its components' stacks reach its role and endpoint by name
            export_in_use_guard(self, "Imported by the stacks of the components it hosts: delete them first.")
        tags = Tags.of(self)
        tags.add(naming.MODEL_TAG, self.config.name)
        for key, value in sorted(self.config.tags.items()):
            tags.add(key, value)
