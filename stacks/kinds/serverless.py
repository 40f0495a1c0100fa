"""serverless -> ServerlessEndpoint."""

from __future__ import annotations

from constructs import Construct

from lmi_constructs.serverless_endpoint import ServerlessEndpoint, ServerlessEndpointProps
from lmi_core import naming
from lmi_core.kinds.serverless import ServerlessConfig
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import ServingOutputs, model_props, scaling_props
from stacks.kinds.shared_refs import SharedRefs

DEFAULT_UTILIZATION = 0.5


def build(scope: Construct, loaded: LoadedConfig, shared: SharedRefs) -> ServingOutputs:
    config = loaded.config
    assert isinstance(config, ServerlessConfig)
    name = loaded.physical(config.name)
    scaling = config.autoscaling
    endpoint = ServerlessEndpoint(
        scope,
        "Serving",
        props=ServerlessEndpointProps(
            endpoint_name=naming.endpoint_name(name),
            model=model_props(scope, loaded, shared),
            memory_mb=config.serverless.memory_mb,
            max_concurrency=config.serverless.max_concurrency,
            storage_key=shared.key,
            provisioned_concurrency=config.serverless.provisioned_concurrency,
            scaling=scaling_props(scaling, scaling.target_utilization if scaling else None, DEFAULT_UTILIZATION),
        ),
    )
    return ServingOutputs(endpoint, {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.endpoint_arn})
