"""The one place where a validated YAML model becomes construct props, per kind.

`BUILDERS` maps each `kind` to the function that builds its construct; stacks call
`build_serving()` and never branch on kind themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from lmi_constructs.config.models import AnyModel, RealtimeModel
from lmi_constructs.endpoint import CaptureProps, InstanceProps, ScalingProps
from lmi_constructs.image import ImageProps
from lmi_constructs.model import LmiModelProps
from lmi_constructs.realtime import RealtimeEndpoint, RealtimeEndpointProps
from lmi_constructs.shared import CAPTURE_BUCKET_NAME, SharedServingResources


@dataclass(frozen=True)
class ServingOutputs:
    """What a model stack exports, whatever the kind."""

    construct: Construct
    outputs: dict[str, str]  # output name -> value (may be a token)


def model_props(config: AnyModel) -> LmiModelProps:
    container = config.container
    return LmiModelProps(
        name=config.name,
        model_id=config.model.id,
        image=ImageProps(flavour=container.image, tag=container.tag, uri=container.uri),
        serving=dict(config.serving),
        log_groups=(f"/aws/sagemaker/Endpoints/{config.name}",),
    )


def instance_props(config: Any) -> InstanceProps:
    instance = config.instance
    return InstanceProps(
        type=instance.type,
        count=instance.count,
        startup_health_check_timeout=instance.startup_health_check_timeout,
        model_data_download_timeout=instance.model_data_download_timeout,
        volume_size_gb=instance.volume_size_gb,
    )


def capture_props(config: Any, shared: SharedServingResources) -> CaptureProps | None:
    capture = config.data_capture
    if capture is None:
        return None
    return CaptureProps(CAPTURE_BUCKET_NAME, shared.key, capture.sampling_percent, capture.mode)


def build_realtime(scope: Construct, config: RealtimeModel, shared: SharedServingResources) -> ServingOutputs:
    scaling = config.autoscaling
    endpoint = RealtimeEndpoint(
        scope,
        "Serving",
        props=RealtimeEndpointProps(
            model=model_props(config),
            instance=instance_props(config),
            alarm_topic=shared.alarm_topic,
            storage_key=shared.key,
            scaling=None
            if scaling is None
            else ScalingProps(
                min=scaling.min,
                max=scaling.max,
                target=scaling.target_invocations_per_instance or 1,
                scale_in_cooldown=scaling.scale_in_cooldown,
                scale_out_cooldown=scaling.scale_out_cooldown,
            ),
            capture=capture_props(config, shared),
        ),
    )
    return ServingOutputs(
        endpoint,
        {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.endpoint_arn},
    )


Builder = Callable[[Construct, Any, SharedServingResources], ServingOutputs]
BUILDERS: dict[str, Builder] = {
    "realtime": build_realtime,
}


def build_serving(scope: Construct, config: AnyModel, shared: SharedServingResources) -> ServingOutputs:
    return BUILDERS[config.kind](scope, config, shared)
