"""Autoscaling blocks that make sense whatever the kind; each kind checks its own target fields."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig, ModelConfig
from lmi_core.issues import Finding, error, warning


@check(on=ModelConfig, fields=("autoscaling.min", "autoscaling.max"))
def scaling_range(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    scaling = config.autoscaling
    if scaling is not None and scaling.min > scaling.max:
        yield error("autoscaling", f"min ({scaling.min}) is above max ({scaling.max}) (allowed: min <= max)")


@check(on=InstanceConfig, fields=("autoscaling.max",))
def scaling_headroom(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    scaling = config.autoscaling
    if scaling is not None and scaling.max == 1:
        yield warning("autoscaling.max", "is 1: autoscaling can never add capacity (raise max or drop the block)")


@check(on=InstanceConfig, fields=("autoscaling.target_utilization",))
def utilization_is_serverless_only(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    scaling = config.autoscaling
    if scaling is not None and scaling.target_utilization is not None:
        yield error(
            "autoscaling.target_utilization",
            "is for kind serverless only (allowed: target_invocations_per_instance, or target_backlog_per_instance "
            "for async)",
        )
