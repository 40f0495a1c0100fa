"""realtime -> RealtimeEndpoint."""

from __future__ import annotations

from constructs import Construct

from lmi_constructs.realtime_endpoint import RealtimeEndpoint, RealtimeEndpointProps
from lmi_core import naming
from lmi_core.kinds.realtime import RealtimeConfig
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import ServingOutputs, capture_props, instance_props, model_props, scaling_props
from stacks.kinds.shared_refs import SharedRefs


def build(scope: Construct, loaded: LoadedConfig, shared: SharedRefs) -> ServingOutputs:
    config = loaded.config
    assert isinstance(config, RealtimeConfig)
    name = loaded.physical(config.name)
    scaling = config.autoscaling
    endpoint = RealtimeEndpoint(
        scope,
        "Serving",
        props=RealtimeEndpointProps(
            endpoint_name=naming.endpoint_name(name),
            model=model_props(scope, loaded, shared),
            instance=instance_props(config),
            alarm_topic=shared.alarm_topic,
            storage_key=shared.key,
            scaling=scaling_props(scaling, scaling.target_invocations_per_instance if scaling else None, 1),
            capture=capture_props(loaded, shared),
        ),
    )
    return ServingOutputs(endpoint, {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.endpoint_arn})
