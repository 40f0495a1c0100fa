"""batch: a transform job per new input object (EventBridge -> Step Functions), or by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from lmi_core.checks import CheckContext, check
from lmi_core.config import InstanceConfig, S3Prefix, Strict
from lmi_core.costs import Cost, PriceTable, instance_cost
from lmi_core.facts.instances import NOT_FOR_BATCH_TRANSFORM
from lmi_core.issues import Finding, error, warning
from lmi_core.kinds.kind import Kind, S3Use, instance_placement, model_s3_uses

MAX_PAYLOAD_PRODUCT = 100  # SageMaker: MaxConcurrentTransforms x MaxPayloadInMB
# ModelClientConfig defaults (botocore: InvocationsTimeoutInSeconds 600, InvocationsMaxRetries 3). A
# MultiRecord request generates a whole payload of prompts in one call: it gets SageMaker's maximum.
SAGEMAKER_TIMEOUT, SAGEMAKER_RETRIES, MULTI_RECORD_TIMEOUT = 600, 3, 3600
# LMI ends a request after option.predict_timeout seconds, 120 unless set (djl-serving 0.36.0-lmi27-dlc,
# engines/python/.../PyEnv.java getPredictTimeout, PyModel.java "predict_timeout").
LMI_PREDICT_TIMEOUT = 120


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
    invocation_timeout: int | None = Field(
        default=None,
        ge=1,
        le=3600,
        description="Seconds SageMaker waits for one request (ModelClientConfig.InvocationsTimeoutInSeconds; "
        "also LMI's option.predict_timeout unless serving: sets it). Default 600; MultiRecord 3600.",
    )
    invocation_retries: int | None = Field(
        default=None,
        ge=0,
        le=3,
        description="Retries of a failed or timed-out request (ModelClientConfig.InvocationsMaxRetries). Default 3; "
        "MultiRecord 0 (a batch that timed out would time out again).",
    )

    @property
    def timeout_seconds(self) -> int:
        if self.invocation_timeout is not None:
            return self.invocation_timeout
        return MULTI_RECORD_TIMEOUT if self.strategy == "MultiRecord" else SAGEMAKER_TIMEOUT

    @property
    def retries(self) -> int:
        if self.invocation_retries is not None:
            return self.invocation_retries
        return 0 if self.strategy == "MultiRecord" else SAGEMAKER_RETRIES


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


@check(on=BatchConfig, fields=("batch.invocation_timeout", "serving.option.predict_timeout"))
def lmi_waits_as_long_as_sagemaker(config: BatchConfig, context: CheckContext) -> Iterator[Finding]:
    value = config.serving.get("option.predict_timeout")
    if value is None or isinstance(value, bool) or not str(value).strip().isdigit():
        return  # set for you from batch.invocation_timeout; a malformed value is the serving checks' to report
    if int(str(value)) < config.batch.timeout_seconds:
        yield warning(
            "serving.option.predict_timeout",
            f"{value} s ends a request in LMI before SageMaker's batch.invocation_timeout "
            f"({config.batch.timeout_seconds} s) (allowed: at least that, or leave it out: it is set for you)",
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


@check(on=BatchConfig, fields=("instance.inference_ami_version",))
def transform_takes_no_inference_ami(config: BatchConfig, context: CheckContext) -> Iterator[Finding]:
    """ProductionVariant.InferenceAmiVersion is an endpoint setting; CreateTransformJob has no such field."""
    if config.instance.inference_ami_version is not None:
        yield error(
            "instance.inference_ami_version",
            f"{config.instance.inference_ami_version} is an endpoint's AMI; a transform job does not take one, "
            "so it would be dropped (allowed: leave it out)",
        )


def s3_uses(config: BatchConfig) -> tuple[S3Use, ...]:
    return (
        *model_s3_uses(config),
        S3Use("batch.input", config.batch.input, "input"),
        S3Use("batch.output", config.batch.output, "output"),
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
    s3_uses=s3_uses,
)
