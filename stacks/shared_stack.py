from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_cdk import CfnOutput, Fn, Stack
from constructs import Construct

from lmi_constructs.shared_resources import BucketNames, SharedResourcesProps, SharedServingResources
from stacks.kinds.shared_refs import shared_bucket_name


def in_use_export(stack_name: str) -> str:
    """The export the stacks that use this one import, so that CloudFormation refuses to delete it while one
    exists ("Export ... cannot be deleted as it is in use by lmi-<model>, ..."): the shared stack's, imported by
    every model stack, and a component endpoint's, imported by its components' stacks."""
    return f"{stack_name}-in-use"


def export_in_use_guard(stack: Stack, description: str) -> CfnOutput:
    """The guard export of `stack`: its value never changes, so imports never block an update."""
    return CfnOutput(
        stack, "InUse", value=stack.stack_name, export_name=in_use_export(stack.stack_name), description=description
    )


@cache
def _import_value(export_name: str) -> str:
    """`Fn.importValue(name)`: an intrinsic bound to no scope, so one token serves every stack."""
    return Fn.import_value(export_name)


def import_in_use_guard(stack: Stack, guarded_stack_name: str, output_id: str = "SharedStackInUse") -> CfnOutput:
    """A stack's import of another's guard export (an output: it changes no resource)."""
    return CfnOutput(
        stack,
        output_id,
        value=_import_value(in_use_export(guarded_stack_name)),
        description=f"Imports {in_use_export(guarded_stack_name)}: {guarded_stack_name} cannot be deleted while "
        "this stack exists.",
    )


class SharedStack(Stack):
    """The KMS key, data-capture, async-payload, AOT-artifact and access-log buckets and the alarm topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_stage: str | None = None,
        alarm_emails: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        names = BucketNames(
            capture=shared_bucket_name("data-capture", name_stage),
            access_logs=shared_bucket_name("access-logs", name_stage),
            async_payloads=shared_bucket_name("async-payloads", name_stage),
            aot_artifacts=shared_bucket_name("aot-artifacts", name_stage),
        )
        self.resources = SharedServingResources(
            self, "Shared", props=SharedResourcesProps(bucket_names=names, alarm_emails=alarm_emails)
        )
        # Model stacks reach the key and topic by weak references (Fn::GetStackOutput), which do not stop a
        # delete: this export does.
        export_in_use_guard(
            self, "Imported by every model stack: delete them (cdk destroy lmi-<model>) before this one."
        )
        self._publish_for_model_stacks(self.resources.alarm_topic.topic_arn, self.resources.key.key_arn)

    def _publish_for_model_stacks(self, *values: str) -> None:
        """The outputs model stacks read by weak reference, whatever models are synthesized. CDK adds each one
        when a model stack first uses it, so a synth of some models (`MODEL=`) would publish fewer, in another
        order, and deploying that would take outputs from deployed model stacks. CDK finds these by their id
        (`Publish/Output<the reference as JSON>`) and uses them."""
        publish = Construct(self, "Publish")
        for value in values:
            CfnOutput(publish, "Output" + json.dumps(self.resolve(value), separators=(",", ":")), value=value)
