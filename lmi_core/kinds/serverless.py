"""serverless: the LMI CPU image on SageMaker Serverless Inference; no GPU, no instances."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from lmi_core.checks import CheckContext, check
from lmi_core.checks.memory import Fit, fit_findings, weights_gib
from lmi_core.config import ModelConfig, Strict
from lmi_core.costs import Cost, PriceTable
from lmi_core.issues import Finding, error
from lmi_core.kinds.kind import Kind, Placement, no_capture
from lmi_core.serving_properties import tensor_parallel_degree


class Serverless(Strict):
    memory_mb: int = Field(ge=1024, le=6144, multiple_of=1024, description="1024..6144, in 1024 MB steps.")
    max_concurrency: int = Field(ge=1, le=200)
    provisioned_concurrency: int | None = Field(default=None, ge=1, le=200)


class ServerlessConfig(ModelConfig):
    kind: Literal["serverless"]
    serverless: Serverless


@check(on=ServerlessConfig, fields=("serverless.provisioned_concurrency", "serverless.max_concurrency"))
def provisioned_within_max(config: ServerlessConfig, context: CheckContext) -> Iterator[Finding]:
    block = config.serverless
    if block.provisioned_concurrency is not None and block.provisioned_concurrency > block.max_concurrency:
        yield error(
            "serverless",
            f"provisioned_concurrency ({block.provisioned_concurrency}) must be <= max_concurrency ({block.max_concurrency})",
        )


@check(on=ServerlessConfig, fields=("container.image", "serving.option.tensor_parallel_degree", "autoscaling", "aot"))
def serverless_has_no_gpu_features(config: ServerlessConfig, context: CheckContext) -> Iterator[Finding]:
    if config.container.flavour not in (None, "cpu"):
        yield error(
            "container.image",
            f"serverless endpoints have no GPU; '{config.container.flavour}' needs one (allowed: cpu)",
        )
    if tensor_parallel_degree(config.serving) not in (None, 1):
        yield error(
            "serving.option.tensor_parallel_degree", "serverless endpoints have no GPUs to shard over (allowed: 1)"
        )
    scaling = config.autoscaling
    if scaling is not None:
        if config.serverless.provisioned_concurrency is None:
            yield error(
                "autoscaling",
                "serverless autoscaling scales provisioned concurrency; set serverless.provisioned_concurrency",
            )
        if scaling.min < 1:
            yield error(
                "autoscaling.min",
                f"is {scaling.min}, but provisioned concurrency scales from 1 (allowed: "
                f"1..{config.serverless.max_concurrency}, up to serverless.max_concurrency)",
            )
        if scaling.max > config.serverless.max_concurrency:
            yield error(
                "autoscaling.max",
                f"{scaling.max} exceeds serverless.max_concurrency ({config.serverless.max_concurrency})",
            )
        for field in ("target_invocations_per_instance", "target_backlog_per_instance"):
            if getattr(scaling, field) is not None:
                yield error(f"autoscaling.{field}", "is not for kind serverless (allowed: target_utilization)")
    if config.aot is not None:
        yield error(
            "aot", "ahead-of-time preparation targets GPU instances; serverless has none (allowed: no aot: block)"
        )


@check(on=ServerlessConfig, fields=("model.parameters", "serverless.memory_mb"))
def serverless_memory_fits(config: ServerlessConfig, context: CheckContext) -> Iterator[Finding]:
    parameters = config.model.parameters
    if parameters is None:
        return
    memory_mb = config.serverless.memory_mb
    weights = weights_gib(parameters, {"option.dtype": "fp32", **config.serving})
    fit = Fit(weights, memory_mb / 1024, f"{memory_mb} MB of serverless memory")
    yield from fit_findings(parameters, fit, "(allowed: a smaller model, or a GPU kind)")


def placement(config: ServerlessConfig) -> Placement:
    block = config.serverless
    return Placement(f"serverless {block.memory_mb} MB, max {block.max_concurrency} concurrent", "none")


def cost(config: ServerlessConfig, prices: PriceTable) -> Cost:
    gb = config.serverless.memory_mb / 1024
    low = config.serverless.provisioned_concurrency or 0
    high = config.autoscaling.max if config.autoscaling is not None else low
    per_unit = gb * 3600 * prices.provisioned_gb_second
    per_1k = 1000 * gb * prices.serverless_gb_second
    return Cost(
        low * per_unit,
        high * per_unit,
        f"provisioned concurrency only; plus ${per_1k:.4f} per 1,000 one-second requests",
    )


KIND = Kind(
    config=ServerlessConfig,
    builder="stacks.kinds.serverless:build",
    invocation="endpoint",
    placement=placement,
    cost=cost,
    capture=no_capture,
    rollout="SageMaker replaces the instances",
    block="serverless",
    not_allowed={
        "instance": "serverless endpoints have no instances to choose (allowed: memory_mb and max_concurrency in serverless:)",
        "data_capture": "serverless endpoints do not support data capture (allowed: kind realtime or async)",
        "vpc": "serverless endpoints cannot run in a VPC (allowed: kind realtime or async)",
    },
)
