"""batch: a transform job per new input object (EventBridge -> Step Functions), or by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from lmi_core.checks import CheckContext, check
from lmi_core.config import InstanceConfig, S3Prefix, Strict
from lmi_core.costs import Cost, PriceTable, instance_cost
from lmi_core.issues import Finding, error
from lmi_core.kinds.kind import Kind, instance_placement

MAX_PAYLOAD_PRODUCT = 100  # SageMaker: MaxConcurrentTransforms x MaxPayloadInMB


class Batch(Strict):
    input: S3Prefix = Field(description="s3://bucket/prefix/ watched for new input objects.")
    output: S3Prefix = Field(description="s3://bucket/prefix/ for transform results.")
    strategy: Literal["MultiRecord", "SingleRecord"] = "MultiRecord"
    split_type: Literal["None", "Line", "RecordIO", "TFRecord"] = "Line"
    max_payload_mb: int = Field(default=6, ge=0, le=100)
    max_concurrent_transforms: int = Field(default=1, ge=1, le=100)


class BatchConfig(InstanceConfig):
    kind: Literal["batch"]
    batch: Batch


@check(on=BatchConfig, fields=("batch.max_concurrent_transforms", "batch.max_payload_mb"))
def payload_product(config: BatchConfig, context: CheckContext) -> Iterator[Finding]:
    product = config.batch.max_concurrent_transforms * config.batch.max_payload_mb
    if product > MAX_PAYLOAD_PRODUCT:
        yield error(
            "batch",
            f"max_concurrent_transforms x max_payload_mb = {product}, SageMaker allows at most {MAX_PAYLOAD_PRODUCT}",
        )


@check(on=BatchConfig, fields=("autoscaling", "batch.input", "batch.output"))
def batch_settings(config: BatchConfig, context: CheckContext) -> Iterator[Finding]:
    if config.autoscaling is not None:
        yield error("autoscaling", "transform jobs do not autoscale; set instance.count instead")
    if config.batch.output.startswith(config.batch.input):
        yield error(
            "batch.output",
            "is inside batch.input: every result would start another transform job (use a sibling prefix)",
        )


def cost(config: BatchConfig, prices: PriceTable) -> Cost:
    running = instance_cost(config.instance.type, 0, config.instance.count, prices)
    return Cost(running.hour_min, running.hour_max, running.note or "per hour while a transform job runs; 0 when idle")


KIND = Kind(
    config=BatchConfig,
    builder="stacks.kinds.batch:build",
    invocation="batch",
    placement=instance_placement,
    cost=cost,
    rollout=None,
    block="batch",
    block_updates_in_place=True,
    smoke_tested=False,  # a smoke test must not start a transform over a whole input prefix
    billed_monthly=False,
)
