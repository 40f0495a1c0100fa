"""component -> InferenceComponent on its endpoint (by name; the stack depends on the endpoint's), plus adapters."""

from __future__ import annotations

from dataclasses import replace

from aws_cdk import aws_iam as iam
from constructs import Construct

from lmi_constructs.inference_component import (
    ComputeProps,
    CopyScalingProps,
    InferenceComponent,
    InferenceComponentProps,
)
from lmi_constructs.scoped_policy import NamedBucket
from lmi_core import naming
from lmi_core.config import split_s3_uri
from lmi_core.kinds.component import ComponentConfig, effective_serving
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import ServingOutputs, model_props, pascal_case
from stacks.kinds.shared_refs import SharedRefs


def copy_scaling(config: ComponentConfig) -> CopyScalingProps | None:
    copies = config.copies
    if copies.min == copies.max:
        return None
    concurrent = copies.target_concurrent_requests_per_copy
    return CopyScalingProps(
        min=copies.min,
        max=copies.max,
        target=concurrent if concurrent is not None else float(copies.target_invocations_per_copy or 1),
        metric="concurrent-requests" if concurrent is not None else "invocations",
        scale_in_cooldown=copies.scale_in_cooldown,
        scale_out_cooldown=copies.scale_out_cooldown,
    )


def adapter_construct_id(adapter: str) -> str:
    """Keyed by the adapter's name, never its position: removing or renaming one adapter is a remove and an
    add of that adapter alone (InferenceComponentName updates in place, so a shifted position would rename
    another adapter's component)."""
    return f"Adapter-{adapter}"


def adapter_output_key(adapter: str) -> str:
    """The stack output of an adapter's component name: alphanumeric (as output keys must be), with a hash of
    the whole name, so that names differing only in hyphens or case keep their own keys."""
    return f"Adapter{pascal_case(adapter)}{naming.name_hash(adapter)}ComponentName"


def build(scope: Construct, loaded: LoadedConfig, shared: SharedRefs) -> ServingOutputs:
    config = loaded.config
    assert isinstance(config, ComponentConfig)
    name = loaded.physical(config.name)
    model = model_props(scope, loaded, shared, log_group=naming.component_log_group(name))
    component = InferenceComponent(
        scope,
        "Serving",
        props=InferenceComponentProps(
            component_name=naming.component_name(name),
            endpoint_name=naming.endpoint_name(loaded.physical(config.endpoint)),
            model=replace(model, serving={**effective_serving(config), **model.serving}),
            compute=ComputeProps(
                accelerators=config.accelerators() or 1,
                memory_mb=config.resources.memory_mb,
                cpus=config.resources.cpus,
            ),
            alarm_topic=shared.alarm_topic,
            initial_copies=config.copies.initial,
            startup_health_check_timeout=config.startup.health_check_timeout,
            model_data_download_timeout=config.startup.model_data_download_timeout,
            scaling=copy_scaling(config),
            host_role=iam.Role.from_role_name(
                scope, "HostRole", naming.endpoint_role_name(loaded.physical(config.endpoint))
            ),
        ),
    )
    outputs = {
        "EndpointName": component.endpoint_name,
        "InferenceComponentName": component.component_name,
        "InferenceComponentArn": component.component_arn,
    }
    for adapter in config.adapters:
        bucket_name, key = split_s3_uri(adapter.artifact)
        bucket = NamedBucket(bucket_name, shared.partition)
        added = component.add_adapter(
            adapter_construct_id(adapter.name),
            name=naming.component_name(loaded.physical(adapter.name)),
            bucket=bucket,
            key=key,
        )
        outputs[adapter_output_key(adapter.name)] = added.component_name
    return ServingOutputs(component, outputs)
