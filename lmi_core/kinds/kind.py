"""What a kind is: one unit that the loader, the stacks, the report and invoke all read.

A kind is a pair of modules plus one line in lmi_core/kinds/__init__.py:
- lmi_core/kinds/<kind>.py: its config class (extending ConfigBase, ModelConfig or InstanceConfig), its
  own checks (@check(on=<its config>)) and this `Kind` record: report and invoke hooks;
- stacks/kinds/<kind>.py: `build(scope, loaded, shared)`, turning the config into construct props and
  constructs (named in `builder`, imported lazily so validation never starts CDK).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lmi_core.config import ConfigBase, InstanceConfig, ModelConfig
from lmi_core.costs import Cost, PriceTable, instance_cost

# How invoke and loadtest talk to a deployed model of this kind ("component": InvokeEndpoint with an
# InferenceComponentName; "none": nothing to invoke, e.g. an endpoint that only hosts components).
Invocation = Literal["endpoint", "async", "batch", "component", "none"]


@dataclass(frozen=True)
class S3Use:
    """A location in S3 the model's roles reach: `weights` are read (the model, an adapter), objects created
    under an `input` start a job, and the role writes under an `output`."""

    field: str  # the dotted YAML field that names it
    uri: str
    access: Literal["weights", "input", "output"]


def model_s3_uses(config: object) -> tuple[S3Use, ...]:
    """model.id when it is an S3 prefix: what every kind with a model reads."""
    if isinstance(config, ModelConfig) and config.model.is_s3:
        return (S3Use("model.id", config.model.id, "weights"),)
    return ()


@dataclass(frozen=True)
class Placement:
    """Where a model runs, as the report shows it."""

    where: str  # "ml.g5.2xlarge x 1"
    accelerators: str  # "1 x A10G (24 GiB), TP 1" or "none"
    scaling: str | None = None  # the report's autoscaling cell, for kinds that scale without `autoscaling:`


@dataclass(frozen=True)
class Kind:
    config: type[ConfigBase]
    builder: str  # "module:function" on the CDK side
    invocation: Invocation
    placement: Callable[[Any], Placement]
    cost: Callable[[Any, PriceTable], Cost]
    capture: Callable[[Any], str]  # the data capture the report shows ("20 % InputAndOutput", "off")
    rollout: str | None  # what a new EndpointConfig means on deploy; None: the kind has no endpoint
    block: str | None = None  # the kind's own top-level YAML block
    block_updates_in_place: bool = False  # a change to `block` updates in place instead of a new EndpointConfig
    not_allowed: Mapping[str, str] = field(default_factory=dict)  # blocks it refuses, with the reason
    smoke_tested: bool = True  # the deploy workflow sends one request after a change
    billed_monthly: bool = True  # counted in the monthly total (batch bills per running job)
    depends_on: Callable[[Any], tuple[str, ...]] = lambda config: ()  # models whose stacks deploy first
    hosts_others: bool = False  # other models' stacks depend on its stack: it exports a guard they import
    invocable_names: Callable[[Any], tuple[str, ...]] = lambda config: ()  # more names invoke takes (adapters)
    # every S3 URI of the config, and what the model does there (lmi_core/checks/s3_prefixes.py)
    s3_uses: Callable[[Any], tuple[S3Use, ...]] = model_s3_uses

    @property
    def name(self) -> str:
        annotation = self.config.model_fields["kind"].annotation
        (value,) = getattr(annotation, "__args__", (None,))
        if not isinstance(value, str):
            raise TypeError(f"{self.config.__name__}.kind must be a Literal of one string")
        return value


# ---------------------------------------------------------------- hooks shared by instance kinds


def capacity(config: InstanceConfig) -> tuple[int, int]:
    """(min, max) instances: the autoscaling range, else the fixed count."""
    if config.autoscaling is not None:
        return config.autoscaling.min, config.autoscaling.max
    return config.instance.count, config.instance.count


def instance_placement(config: InstanceConfig) -> Placement:
    spec = config.instance.spec()
    tp = config.serving.get("option.tensor_parallel_degree", "default")
    described = "unknown" if spec is None else spec.describe_accelerators()
    accelerators = described if described in ("none", "unknown") else f"{described}, TP {tp}"
    return Placement(f"{config.instance.type} x {config.instance.count}", accelerators)


def endpoint_capture(config: Any) -> str:
    """Sampled data capture of an endpoint (any config with a `data_capture` block of DataCapture)."""
    capture = config.data_capture
    return "off" if capture is None else f"{capture.sampling_percent} % {capture.mode}"


def no_capture(config: object) -> str:
    return "off"


def endpoint_cost(config: InstanceConfig, prices: PriceTable) -> Cost:
    low, high = capacity(config)
    return instance_cost(config.instance.type, low, high, prices)
