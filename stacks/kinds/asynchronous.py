"""async -> AsyncEndpoint."""

from __future__ import annotations

from constructs import Construct

from lmi_constructs.async_endpoint import AsyncEndpoint, AsyncEndpointProps
from lmi_constructs.scoped_policy import S3Location
from lmi_core import naming
from lmi_core.kinds.asynchronous import AsyncConfig
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import (
    ServingOutputs,
    capture_props,
    instance_props,
    model_props,
    scaling_props,
)
from stacks.kinds.shared_refs import SharedRefs


def build(scope: Construct, loaded: LoadedConfig, shared: SharedRefs) -> ServingOutputs:
    config = loaded.config
    assert isinstance(config, AsyncConfig)
    name = loaded.physical(config.name)
    block, scaling = config.async_, config.autoscaling
    results = None
    if block.output is not None and block.failure is not None:
        results = (shared.location(block.output), shared.location(block.failure))
    endpoint = AsyncEndpoint(
        scope,
        "Serving",
        props=AsyncEndpointProps(
            endpoint_name=naming.endpoint_name(name),
            model=model_props(scope, loaded, shared),
            instance=instance_props(config),
            key=shared.key,
            payloads=S3Location(shared.bucket("async-payloads"), naming.async_prefix(name)),
            max_concurrent_invocations_per_instance=block.max_concurrent_invocations_per_instance,
            notifications=block.notifications,
            scaling=scaling_props(scaling, scaling.target_backlog_per_instance if scaling else None, 1),
            capture=capture_props(loaded, shared),
            results=results,
        ),
    )
    outputs = {
        "EndpointName": endpoint.endpoint_name,
        "EndpointArn": endpoint.endpoint_arn,
        "InputUri": endpoint.input_uri,
        "OutputUri": endpoint.output_uri,
        "FailureUri": endpoint.failure_uri,
    }
    if endpoint.success_topic is not None and endpoint.error_topic is not None:
        outputs["SuccessTopicArn"] = endpoint.success_topic.topic_arn
        outputs["ErrorTopicArn"] = endpoint.error_topic.topic_arn
    return ServingOutputs(endpoint, outputs)
