"""The per-model YAML format (v1), as pydantic v2 models.

Pydantic checks shape, types and ranges here. Cross-field rules (GPU counts, image
flavours, removed LMI options, ...) live in `rules.py`, so each can report its own
field path. Nothing in this package imports aws_cdk.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME_PATTERN = r"^[a-z0-9](-?[a-z0-9])*$"
S3_PREFIX_PATTERN = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>.*)$")
HF_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")

ServingValue = Union[bool, int, float, str]


class Strict(BaseModel):
    """Unknown keys are errors; configs are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSource(Strict):
    id: str = Field(description="Uncompressed S3 prefix (s3://bucket/prefix/) or a Hugging Face hub id (org/name).")
    task: str | None = Field(default=None, description="Optional task, e.g. text-generation.")
    parameters: float | None = Field(
        default=None, gt=0, le=2000, description="Parameter count in billions, for the GPU memory fit check."
    )

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if value.startswith("s3://"):
            match = S3_PREFIX_PATTERN.match(value)
            if not match:
                raise ValueError("is not a valid S3 URI (allowed: s3://bucket/prefix/)")
            key = match.group("key")
            if key.endswith((".tar.gz", ".tgz", ".tar", ".zip", ".bin", ".safetensors")):
                raise ValueError(
                    "points at a file; LMI needs an uncompressed S3 prefix ending in '/' (allowed: s3://bucket/prefix/)"
                )
            if not key.endswith("/"):
                raise ValueError(f"must be an S3 prefix ending in '/' (allowed: {value}/)")
            return value
        if not HF_ID_PATTERN.match(value):
            raise ValueError("is neither an S3 prefix nor a Hugging Face id (allowed: s3://bucket/prefix/ or org/name)")
        return value

    @property
    def is_s3(self) -> bool:
        return self.id.startswith("s3://")

    @property
    def s3_bucket_and_prefix(self) -> tuple[str, str]:
        match = S3_PREFIX_PATTERN.match(self.id)
        if not match:
            raise ValueError(f"{self.id} is not an S3 prefix")
        return match.group("bucket"), match.group("key")


class Container(Strict):
    image: Literal["lmi", "tensorrtllm", "neuronx", "cpu"] | None = Field(
        default=None,
        description="LMI image flavour (repository djl-inference). Give `image` + `tag`, or `uri`.",
    )
    tag: str | None = Field(default=None, description="Pinned image tag, e.g. 0.33.0-lmi15.0.0-cu128.")
    uri: str | None = Field(default=None, description="A full image URI instead of image + tag.")

    @model_validator(mode="after")
    def _image_or_uri(self) -> Container:
        if self.uri is not None and (self.image is not None or self.tag is not None):
            raise ValueError("give either `uri`, or `image` and `tag`, but not both")
        if self.uri is None and (self.image is None or self.tag is None):
            raise ValueError("give `image` (lmi|tensorrtllm|neuronx|cpu) and a pinned `tag`, or a full `uri`")
        if self.tag is not None and self.tag in {"latest", ""}:
            raise ValueError("the image tag must be pinned (allowed: a version tag such as 0.33.0-lmi15.0.0-cu128)")
        return self


Timeout = Annotated[int, Field(ge=60, le=3600, description="Seconds, 60..3600.")]


class Instance(Strict):
    type: str = Field(description="SageMaker instance type, e.g. ml.g5.12xlarge.")
    count: int = Field(default=1, ge=1, le=100, description="Initial instance count.")
    startup_health_check_timeout: Timeout = 1800
    model_data_download_timeout: Timeout = 1800
    inference_ami_version: str | None = Field(
        default=None,
        description="Inference AMI; cu130 images need al2023-ami-sagemaker-inference-gpu-4-1 (set for you).",
    )
    volume_size_gb: int | None = Field(
        default=None,
        ge=1,
        le=512,
        description="EBS volume size; rejected on instances with local NVMe (g5, g6, p4d, ...).",
    )


class Vpc(Strict):
    subnet_ids: list[str] = Field(min_length=1, max_length=16, description="Private subnets for the model containers.")
    security_group_ids: list[str] = Field(min_length=1, max_length=5)

    @field_validator("subnet_ids")
    @classmethod
    def _subnets(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"subnet-[0-9a-f]{8,17}", v)]
        if bad:
            raise ValueError(f"{', '.join(bad)} are not subnet ids (allowed: subnet-0123abcd...)")
        return value

    @field_validator("security_group_ids")
    @classmethod
    def _security_groups(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"sg-[0-9a-f]{8,17}", v)]
        if bad:
            raise ValueError(f"{', '.join(bad)} are not security group ids (allowed: sg-0123abcd...)")
        return value


class Serverless(Strict):
    memory_mb: int = Field(ge=1024, le=6144, multiple_of=1024, description="1024..6144, in 1024 MB steps.")
    max_concurrency: int = Field(ge=1, le=200)
    provisioned_concurrency: int | None = Field(default=None, ge=1, le=200)

    @model_validator(mode="after")
    def _provisioned_within_max(self) -> Serverless:
        if self.provisioned_concurrency is not None and self.provisioned_concurrency > self.max_concurrency:
            raise ValueError(
                f"provisioned_concurrency ({self.provisioned_concurrency}) must be <= max_concurrency ({self.max_concurrency})"
            )
        return self


class Autoscaling(Strict):
    min: int = Field(ge=0, le=100)
    max: int = Field(ge=1, le=100)
    target_invocations_per_instance: int | None = Field(default=None, ge=1, description="realtime target tracking")
    target_backlog_per_instance: int | None = Field(default=None, ge=1, description="async target tracking")
    target_utilization: float | None = Field(
        default=None,
        ge=0.1,
        le=1.0,
        description="serverless: provisioned-concurrency utilization to track (default 0.5)",
    )
    scale_in_cooldown: int = Field(default=600, ge=0, le=3600, description="Seconds.")
    scale_out_cooldown: int = Field(default=300, ge=0, le=3600, description="Seconds.")

    @model_validator(mode="after")
    def _min_le_max(self) -> Autoscaling:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must be <= max ({self.max})")
        return self


class Async(Strict):
    max_concurrent_invocations_per_instance: int = Field(default=4, ge=1, le=1000)
    notifications: bool = False
    output: str | None = Field(
        default=None, description="Own S3 prefix for results (default: the shared payload bucket)."
    )
    failure: str | None = Field(default=None, description="Own S3 prefix for errors; required together with output.")

    @field_validator("output", "failure")
    @classmethod
    def _s3_prefix(cls, value: str | None) -> str | None:
        if value is not None:
            match = S3_PREFIX_PATTERN.match(value)
            if not match or not match.group("key").endswith("/"):
                raise ValueError("must be an S3 prefix ending in '/' (allowed: s3://bucket/prefix/)")
        return value

    @model_validator(mode="after")
    def _both_paths(self) -> Async:
        if (self.output is None) != (self.failure is None):
            missing = "output" if self.output is None else "failure"
            raise ValueError(f"an async endpoint needs both an output and a failure path; {missing} is missing")
        if self.output is not None and self.output == self.failure:
            raise ValueError("output and failure must be different prefixes")
        return self


class Batch(Strict):
    input: str = Field(description="s3://bucket/prefix/ watched for new input objects.")
    output: str = Field(description="s3://bucket/prefix/ for transform results.")
    strategy: Literal["MultiRecord", "SingleRecord"] = "MultiRecord"
    split_type: Literal["None", "Line", "RecordIO", "TFRecord"] = "Line"
    max_payload_mb: int = Field(default=6, ge=0, le=100)
    max_concurrent_transforms: int = Field(default=1, ge=1, le=100)

    @field_validator("input", "output")
    @classmethod
    def _s3_prefix(cls, value: str) -> str:
        match = S3_PREFIX_PATTERN.match(value)
        if not match or not match.group("key").endswith("/"):
            raise ValueError("must be an S3 prefix ending in '/' (allowed: s3://bucket/prefix/)")
        return value

    @model_validator(mode="after")
    def _payload_product(self) -> Batch:
        product = self.max_concurrent_transforms * self.max_payload_mb
        if product > 100:
            raise ValueError(f"max_concurrent_transforms x max_payload_mb = {product}, SageMaker allows at most 100")
        return self


class DataCapture(Strict):
    sampling_percent: int = Field(default=20, ge=0, le=100)
    mode: Literal["Input", "Output", "InputAndOutput"] = "InputAndOutput"


class Aot(Strict):
    mode: Literal["trtllm", "quantize-awq", "quantize-fp8", "partition"]
    instance_type: str


ServingProperties = dict[str, ServingValue]


class _ModelBase(Strict):
    name: str = Field(
        min_length=1,
        max_length=40,
        pattern=NAME_PATTERN,
        description="[a-z0-9-], 1..40; names stack and endpoint.",
    )
    model: ModelSource
    container: Container
    serving: ServingProperties = Field(default_factory=dict, description="LMI serving.properties keys, verbatim.")
    serving_passthrough: list[str] = Field(
        default_factory=list,
        description="serving: keys that this tool does not know yet and should pass through unchecked.",
    )
    code: str | None = Field(
        default=None,
        description="Directory (relative to this file) shipped in the bundle: model.py, requirements.txt, ...",
    )
    code_max_mb: int = Field(default=20, ge=1, le=500, description="Size cap of the code directory in MB.")
    autoscaling: Autoscaling | None = None
    aot: Aot | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class RealtimeModel(_ModelBase):
    vpc: Vpc | None = None
    kind: Literal["realtime"]
    instance: Instance
    data_capture: DataCapture | None = None


class ServerlessModel(_ModelBase):
    kind: Literal["serverless"]
    serverless: Serverless


class AsyncModel(_ModelBase):
    vpc: Vpc | None = None
    kind: Literal["async"]
    instance: Instance
    async_: Async = Field(default_factory=Async, alias="async")
    data_capture: DataCapture | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BatchModel(_ModelBase):
    vpc: Vpc | None = None
    kind: Literal["batch"]
    instance: Instance
    batch: Batch
    data_capture: DataCapture | None = None


ModelConfig = Annotated[
    RealtimeModel | ServerlessModel | AsyncModel | BatchModel,
    Field(discriminator="kind"),
]
AnyModel = Union[RealtimeModel, ServerlessModel, AsyncModel, BatchModel]
KIND_MODELS: dict[str, type[_ModelBase]] = {
    "realtime": RealtimeModel,
    "serverless": ServerlessModel,
    "async": AsyncModel,
    "batch": BatchModel,
}
