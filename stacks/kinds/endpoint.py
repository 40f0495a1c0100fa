"""endpoint -> ComponentEndpoint (a variant without a model, for inference components)."""

from __future__ import annotations

from constructs import Construct

from lmi_constructs.component_endpoint import ComponentEndpoint, ComponentEndpointProps, ManagedScalingProps
from lmi_constructs.scoped_policy import S3Location
from lmi_constructs.variant import CaptureProps
from lmi_core import naming
from lmi_core.facts import images
from lmi_core.facts.instances import instance_spec
from lmi_core.kinds.endpoint import ROUTING_STRATEGIES, SCALE_IN_STRATEGIES, ComponentEndpointConfig
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import ServingOutputs
from stacks.kinds.shared_refs import SharedRefs


def build(scope: Construct, loaded: LoadedConfig, shared: SharedRefs) -> ServingOutputs:
    config = loaded.config
    assert isinstance(config, ComponentEndpointConfig)
    name = loaded.physical(config.name)
    scaling, capture = config.scaling, config.data_capture
    spec = instance_spec(config.instance.type)
    endpoint = ComponentEndpoint(
        scope,
        "Serving",
        props=ComponentEndpointProps(
            endpoint_name=naming.endpoint_name(name),
            instance_type=config.instance.type,
            instance_count=config.instance.count,
            storage_key=shared.key,
            role_name=naming.endpoint_role_name(name),
            log_group_name=naming.endpoint_log_group(name),
            scaling=None
            if scaling is None
            else ManagedScalingProps(scaling.min, scaling.max, SCALE_IN_STRATEGIES[scaling.scale_in]),
            routing_strategy=ROUTING_STRATEGIES[config.routing],
            capture=None
            if capture is None
            else CaptureProps(
                S3Location(shared.bucket("data-capture"), naming.capture_prefix(name)),
                shared.key,
                capture.sampling_percent,
                capture.mode,
            ),
            # GPU pools default to the CUDA 13 AMI (driver 580): it runs the CUDA 12 and 13 images of any component.
            inference_ami_version=config.instance.inference_ami_version
            or (images.CU130_AMI_VERSION if spec is not None and spec.gpus else None),
            local_nvme=spec is not None and spec.has_nvme,
        ),
    )
    return ServingOutputs(endpoint, {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.endpoint_arn})
