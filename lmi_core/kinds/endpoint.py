"""endpoint: GPU instances that host inference components (kind component), with managed instance scaling.

The production variant has no model; each component places its own model on it. With `scaling.min: 0`
SageMaker releases every instance while no copy runs (a cold start follows: README).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from lmi_core.checks import CheckContext, check
from lmi_core.checks.instance import instance_type_findings
from lmi_core.config import ConfigBase, DataCapture, Strict
from lmi_core.costs import Cost, PriceTable, instance_cost
from lmi_core.facts import images
from lmi_core.facts.instances import INFERENCE_COMPONENT_FAMILIES, INSTANCES, instance_spec
from lmi_core.issues import Finding, error, warning
from lmi_core.kinds.kind import Kind, Placement, endpoint_capture

ROUTING_STRATEGIES = {"least-outstanding-requests": "LEAST_OUTSTANDING_REQUESTS", "random": "RANDOM"}
SCALE_IN_STRATEGIES = {"idle-release": "IDLE_RELEASE", "consolidation": "CONSOLIDATION"}


class HostInstance(Strict):
    type: str = Field(description="SageMaker GPU instance type, e.g. ml.g5.48xlarge.")
    count: int = Field(default=1, ge=1, le=100, description="Instances at creation (SageMaker starts with >= 1).")
    inference_ami_version: images.InferenceAmiVersion | None = Field(
        default=None,
        description="Inference AMI; default al2023-ami-sagemaker-inference-gpu-4-1 (driver 580: CUDA 12 and 13 images).",
    )


class ManagedScaling(Strict):
    min: int = Field(ge=0, le=100, description="Instances kept; 0 = none while no component copy runs.")
    max: int = Field(ge=1, le=100)
    scale_in: Literal["idle-release", "consolidation"] = Field(
        default="idle-release",
        description="idle-release: release instances without copies; consolidation: also move copies to free some.",
    )


class ComponentEndpointConfig(ConfigBase):
    kind: Literal["endpoint"]
    instance: HostInstance
    scaling: ManagedScaling | None = Field(default=None, description="Managed instance scaling; none = fixed count.")
    routing: Literal["least-outstanding-requests", "random"] = "least-outstanding-requests"
    data_capture: DataCapture | None = None

    def instance_range(self) -> tuple[int, int]:
        if self.scaling is None:
            return self.instance.count, self.instance.count
        return self.scaling.min, self.scaling.max


@check(on=ComponentEndpointConfig, fields=("instance.type",))
def hosts_components(config: ComponentEndpointConfig, context: CheckContext) -> Iterator[Finding]:
    yield from instance_type_findings(config.instance.type)
    spec = instance_spec(config.instance.type)
    if spec is not None and spec.family not in INFERENCE_COMPONENT_FAMILIES:
        families = sorted({f"ml.{s.family}.*" for s in INSTANCES.values() if s.family in INFERENCE_COMPONENT_FAMILIES})
        yield error(
            "instance.type",
            f"{spec.name} has no GPU: a component copy reserves whole GPUs (allowed: {', '.join(families)})",
        )


@check(on=ComponentEndpointConfig, fields=("scaling", "instance.count"))
def managed_scaling_range(config: ComponentEndpointConfig, context: CheckContext) -> Iterator[Finding]:
    scaling = config.scaling
    if scaling is None:
        return
    if scaling.min > scaling.max:
        yield error("scaling", f"min ({scaling.min}) is above max ({scaling.max}) (allowed: min <= max)")
    elif not max(scaling.min, 1) <= config.instance.count <= scaling.max:
        yield error(
            "instance.count",
            f"{config.instance.count} is outside scaling min..max ({scaling.min}..{scaling.max}); SageMaker starts "
            f"an endpoint with at least one instance (allowed: {max(scaling.min, 1)}..{scaling.max})",
        )


@check(on=ComponentEndpointConfig, fields=("data_capture",))
def endpoint_prod_captures_data(config: ComponentEndpointConfig, context: CheckContext) -> Iterator[Finding]:
    if context.production and config.data_capture is None:
        yield warning("data_capture", f"is off in stage {context.stage}: no record of what the components answered")


def placement(config: ComponentEndpointConfig) -> Placement:
    spec = instance_spec(config.instance.type)
    low, high = config.instance_range()
    gpus = f"{spec.describe_accelerators()} per instance" if spec and spec.gpus else "none"
    scaling = f"{low}..{high} instances" + (" (scales to zero)" if low == 0 else "")
    return Placement(f"{config.instance.type} x {config.instance.count}", gpus, scaling)


def cost(config: ComponentEndpointConfig, prices: PriceTable) -> Cost:
    low, high = config.instance_range()
    note = "scales to zero when no component copy runs" if low == 0 else ""
    return instance_cost(config.instance.type, low, high, prices, note)


KIND = Kind(
    config=ComponentEndpointConfig,
    builder="stacks.kinds.endpoint:build",
    invocation="none",
    placement=placement,
    cost=cost,
    capture=endpoint_capture,
    rollout="new instances, and SageMaker places every component's copies on them again",
    block="scaling",
    smoke_tested=False,  # requests go to its components
    hosts_others=True,  # its components' stacks use its role and endpoint by name
    not_allowed={
        key: "an endpoint of kind endpoint has no model of its own (allowed: the model in a kind: component file)"
        for key in ("model", "container", "serving", "code", "aot")
    }
    | {"autoscaling": "components scale their copies (allowed: scaling: {min, max}, managed instance scaling)"},
)
