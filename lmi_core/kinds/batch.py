"""batch: a transform job per new input object (EventBridge -> Step Functions), or by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from lmi_core.checks import CheckContext, check
from lmi_core.config import InstanceConfig, S3Prefix, Strict
from lmi_core.costs import Cost, PriceTable, instance_cost
from lmi_core.facts.instances import NOT_FOR_BATCH_TRANSFORM
from lmi_core.issues import Finding, error
from lmi_core.kinds.kind import Kind, instance_placement

MAX_PAYLOAD_PRODUCT = 100  # SageMaker: MaxConcurrentTransforms x MaxPayloadInMB


class Batch(Strict):
    input: S3Prefix = Field(description="s3://bucket/prefix/ watched for new input objects.")
    output: S3Prefix = Field(description="s3://bucket/prefix/ for transform results.")
    strategy: Literal["SingleRecord", "MultiRecord"] = Field(
        default="SingleRecord",
        description="SingleRecord: one JSON line per request (LMI's default handler). MultiRecord: many lines per "
        "request, for a code: handler that splits them.",
    )
    split_type: Literal["None", "Line", "RecordIO", "TFRecord"] = "Line"
    max_payload_mb: int = Field(default=6, ge=0, le=100)
    max_concurrent_transforms: int = Field(default=1, ge=1, le=100)


class BatchDataCapture(Strict):
    """Batch transform captures every record: SageMaker has no sampling or mode for it."""

    generate_inference_id: bool = True

    @model_validator(mode="before")
    @classmethod
    def _no_endpoint_fields(cls, data: object) -> object:
        if isinstance(data, dict):
            given = sorted(key for key in ("sampling_percent", "mode") if key in data)
            if given:
                raise ValueError(
                    f"{' and '.join(given)} are not settings of batch data capture: a transform job captures every "
                    "record (allowed: generate_inference_id, or an empty block {})"
                )
        return data


class BatchConfig(InstanceConfig):
    kind: Literal["batch"]
    batch: Batch
    # The endpoints' data_capture block has sampling and mode; batch capture has neither.
    data_capture: BatchDataCapture | None = None  # type: ignore[assignment]


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


@check(on=BatchConfig, fields=("batch.strategy", "code"))
def multi_record_needs_a_splitting_handler(config: BatchConfig, context: CheckContext) -> Iterator[Finding]:
    if config.batch.strategy != "MultiRecord" or context.custom_handler:
        return
    yield error(
        "batch.strategy",
        "MultiRecord puts many JSON lines in one request, and LMI's default handler parses a request body as one "
        "JSON document ('Extra data') (allowed: SingleRecord, or MultiRecord with a code: handler that defines "
        "handle() and splits the lines, like examples/code/jsonlines-batch)",
    )


def capture(config: BatchConfig) -> str:
    return "off" if config.data_capture is None else "every record"


@check(on=BatchConfig, fields=("instance.type",))
def transform_instance(config: BatchConfig, context: CheckContext) -> Iterator[Finding]:
    if config.instance.type in NOT_FOR_BATCH_TRANSFORM:
        yield error(
            "instance.type",
            f"{config.instance.type} does not run transform jobs (CreateTransformJob's TransformInstanceType) "
            "(allowed: ml.g5.*, ml.g6.*, ml.g6e.*, ml.g4dn.*, ml.inf2.*, ...; or kind realtime or async)",
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
    capture=capture,
    rollout=None,
    block="batch",
    block_updates_in_place=True,
    smoke_tested=False,  # a smoke test must not start a transform over a whole input prefix
    billed_monthly=False,
)
