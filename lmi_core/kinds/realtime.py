"""realtime: GPU instances behind a named endpoint, blue/green rollouts, target tracking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from lmi_core.checks import CheckContext, check
from lmi_core.config import InstanceConfig
from lmi_core.issues import Finding, error
from lmi_core.kinds.kind import Kind, endpoint_capture, endpoint_cost, instance_placement


class RealtimeConfig(InstanceConfig):
    kind: Literal["realtime"]


@check(on=RealtimeConfig, fields=("autoscaling", "instance.count"))
def realtime_autoscaling(config: RealtimeConfig, context: CheckContext) -> Iterator[Finding]:
    scaling = config.autoscaling
    if scaling is None:
        return
    if scaling.min < 1:
        yield error(
            "autoscaling.min",
            "a real-time endpoint cannot scale to zero (allowed: 1..max; use kind async for scale to zero)",
        )
    if scaling.target_invocations_per_instance is None:
        yield error("autoscaling.target_invocations_per_instance", "is required for kind realtime")
    if scaling.target_backlog_per_instance is not None:
        yield error(
            "autoscaling.target_backlog_per_instance",
            "is for kind async (allowed: target_invocations_per_instance for kind realtime)",
        )
    if scaling.min <= scaling.max and not scaling.min <= config.instance.count <= scaling.max:
        yield error(
            "instance.count",
            f"{config.instance.count} is outside autoscaling min..max ({scaling.min}..{scaling.max})",
        )


KIND = Kind(
    config=RealtimeConfig,
    builder="stacks.kinds.realtime:build",
    invocation="endpoint",
    placement=instance_placement,
    cost=endpoint_cost,
    capture=endpoint_capture,
    rollout="blue/green rollout with auto-rollback",
)
