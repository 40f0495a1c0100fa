"""async: requests and results in S3, SNS notifications, scale to zero on the request backlog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import ConfigDict, Field

from lmi_core.checks import CheckContext, check
from lmi_core.config import InstanceConfig, S3Prefix, Strict
from lmi_core.costs import Cost, PriceTable
from lmi_core.issues import Finding, error
from lmi_core.kinds.kind import (
    Kind,
    S3Use,
    capacity,
    endpoint_capture,
    endpoint_cost,
    instance_placement,
    model_s3_uses,
)


class Async(Strict):
    max_concurrent_invocations_per_instance: int = Field(default=4, ge=1, le=1000)
    notifications: bool = False
    output: S3Prefix | None = Field(
        default=None, description="Own S3 prefix for results (default: the shared payload bucket)."
    )
    failure: S3Prefix | None = Field(
        default=None, description="Own S3 prefix for errors; required together with output."
    )


class AsyncConfig(InstanceConfig):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["async"]
    async_: Async = Field(default_factory=Async, alias="async")


@check(on=AsyncConfig, fields=("async.output", "async.failure"))
def result_paths(config: AsyncConfig, context: CheckContext) -> Iterator[Finding]:
    block = config.async_
    if (block.output is None) != (block.failure is None):
        missing = "output" if block.output is None else "failure"
        yield error(
            "async",
            f"an async endpoint needs both an output and a failure path; {missing} is missing (allowed: both, or neither for the shared payload bucket)",
        )
    elif block.output is not None and block.output == block.failure:
        yield error(
            "async", "output and failure are the same prefix (allowed: two prefixes, like .../output/ and .../failure/)"
        )


@check(on=AsyncConfig, fields=("autoscaling",))
def async_autoscaling(config: AsyncConfig, context: CheckContext) -> Iterator[Finding]:
    scaling = config.autoscaling
    if scaling is None:
        return
    if scaling.target_invocations_per_instance is not None:
        yield error(
            "autoscaling.target_invocations_per_instance",
            "InvocationsPerInstance is not published for async endpoints (use target_backlog_per_instance)",
        )
    if scaling.target_backlog_per_instance is None:
        yield error("autoscaling.target_backlog_per_instance", "is required for kind async")


def s3_uses(config: AsyncConfig) -> tuple[S3Use, ...]:
    """Its own result prefixes when given (else the shared payload bucket, the project's own)."""
    results = (("async.output", config.async_.output), ("async.failure", config.async_.failure))
    return (*model_s3_uses(config), *(S3Use(field, uri, "output") for field, uri in results if uri is not None))


def cost(config: AsyncConfig, prices: PriceTable) -> Cost:
    result = endpoint_cost(config, prices)
    low, _ = capacity(config)
    if low == 0 and result.hour_min is not None:
        return Cost(result.hour_min, result.hour_max, "scales to zero when idle")
    return result


KIND = Kind(
    config=AsyncConfig,
    builder="stacks.kinds.asynchronous:build",
    invocation="async",
    placement=instance_placement,
    cost=cost,
    capture=endpoint_capture,
    rollout="SageMaker replaces the instances",
    block="async",
    s3_uses=s3_uses,
    # its answer lands in the team's async.output, which the deploy role may not read: `make invoke` with your own
    # credentials tests it
    smoke_tested=False,
)
