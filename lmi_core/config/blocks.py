"""The blocks of the model YAML (v1) and the base classes every kind's config extends.

Pydantic owns the shape: types, ranges, patterns and the format of single fields. How fields
relate to each other, and what SageMaker and LMI accept, are checks (lmi_core.checks), so every
rule lives in one registry and reports its own field path.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from lmi_core.config import s3
from lmi_core.facts import images
from lmi_core.facts.instances import InstanceSpec, family_of, instance_spec
from lmi_core.facts.optimization import V1_MODES
from lmi_core.issues import quoted
from lmi_core.serving_properties import ServingValue

NAME_PATTERN = r"^[a-z0-9](-?[a-z0-9])*$"
INSTANCE_TYPE_PATTERN = re.compile(r"^ml\.[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+$")
TASK_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# huggingface_hub's REPO_ID_REGEX (utils/_validators.py): the repository name is 1..96 of [\w.-], starting and
# ending with a word character; validate_repo_id also refuses '--' and '..'. The hub caps only the name; the
# namespace (user or organisation) gets the same cap here, so no id is unbounded.
_HF_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
HF_ID_PATTERN = re.compile(rf"^(?!.*(?:--|\.\.)){_HF_PART}/{_HF_PART}$")


class Strict(BaseModel):
    """Unknown keys are errors; configs are immutable once loaded. Validators are built on first use
    (defer_build): a run builds only the kinds its files use."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, strict=True)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key), for a URI the config has validated."""
    return s3.parse(uri)


def _s3_prefix(value: str) -> str:
    s3.prefix(value)
    return value


S3Prefix = Annotated[str, AfterValidator(_s3_prefix)]


def _instance_type(value: str | None) -> str | None:
    """The shape of a SageMaker instance type; whether it is known is a check (with a suggestion)."""
    if value is not None and not INSTANCE_TYPE_PATTERN.fullmatch(value):
        raise ValueError(f"{quoted(value)} is not an instance type (allowed: ml.<family>.<size>, like ml.g5.2xlarge)")
    return value


def _image_tag(value: str | None) -> str | None:
    """ECR's tag rule; an empty tag and `latest` are left to the pinning check, which says why."""
    if value and value != "latest" and not images.IMAGE_TAG.fullmatch(value):
        raise ValueError(
            f"{quoted(value)} is not an image tag (allowed: letters, digits, '.', '_' and '-', at most 128, "
            "like 0.33.0-lmi15.0.0-cu128)"
        )
    return value


class ModelSource(Strict):
    id: str = Field(description="Uncompressed S3 prefix (s3://bucket/prefix/) or a Hugging Face hub id (org/name).")
    task: str | None = Field(default=None, description="Optional task, e.g. text-generation (written as option.task).")
    parameters: float | None = Field(
        default=None, gt=0, le=2000, description="Parameter count in billions, for the GPU memory fit check."
    )

    @field_validator("task")
    @classmethod
    def _task_shape(cls, value: str | None) -> str | None:
        if value is not None and not TASK_PATTERN.fullmatch(value):
            raise ValueError(
                f"{quoted(value)} is not a task name; it is written to serving.properties as option.task "
                "(allowed: letters, digits, '-' and '_', like text-generation)"
            )
        return value

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if value.startswith("s3://"):
            _, key = s3.parse(value)
            if key.endswith((".tar.gz", ".tgz", ".tar", ".zip", ".bin", ".safetensors")):
                raise ValueError(
                    "points at a file; LMI needs an uncompressed S3 prefix ending in '/' (allowed: s3://bucket/prefix/)"
                )
            s3.prefix(value)
            return value
        if not HF_ID_PATTERN.fullmatch(value):
            raise ValueError(
                "is neither an S3 prefix nor a Hugging Face id (allowed: s3://bucket/prefix/ or org/name, each part "
                "1..96 letters, digits, - _ . that starts and ends with a letter, digit or _, without -- or ..)"
            )
        return value

    @property
    def is_s3(self) -> bool:
        return self.id.startswith("s3://")


class Container(Strict):
    image: Literal["lmi", "tensorrtllm", "neuronx", "cpu"] | None = Field(
        default=None,
        description="LMI image flavour (repository djl-inference). Give `image` + `tag`, or `uri`.",
    )
    tag: str | None = Field(default=None, description="Pinned image tag, e.g. 0.33.0-lmi15.0.0-cu128.")
    uri: str | None = Field(
        default=None,
        description="A full ECR image URI instead of image + tag: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> "
        "(or @sha256:<digest>).",
    )

    @field_validator("uri")
    @classmethod
    def _ecr_image(cls, value: str | None) -> str | None:
        if value is not None:
            images.parse_image_uri(value)
        return value

    @field_validator("tag")
    @classmethod
    def _tag_shape(cls, value: str | None) -> str | None:
        return _image_tag(value)

    @property
    def flavour(self) -> str | None:
        """`image`, or the flavour a djl-inference `uri`'s tag names: the image checks apply to both."""
        if self.image is not None or self.uri is None:
            return self.image
        return images.flavour_of_uri(self.uri)

    @property
    def image_tag(self) -> str | None:
        """The tag, also when the image is given as a full URI (None for a digest or no tag)."""
        if self.tag is not None:
            return self.tag
        uri = self.uri or ""
        last = uri.rsplit("/", 1)[-1]
        return last.rsplit(":", 1)[-1] if ":" in last and "@" not in last else None


Timeout = Annotated[int, Field(ge=60, le=3600, description="Seconds, 60..3600.")]


class Accelerators(Strict):
    """The accelerators of an instance type outside the catalog, as the user states them."""

    count: int = Field(ge=1, le=64, description="GPUs, or Neuron devices.")
    memory_gib: int = Field(ge=1, le=1024, description="Memory per device, GiB.")
    model: str = Field(default="custom", max_length=40, description="A label for messages and the report, e.g. H100.")
    neuron_cores: int | None = Field(
        default=None, ge=1, le=1024, description="Neuron devices only: NeuronCores in all."
    )


class Instance(Strict):
    type: str = Field(description="SageMaker instance type, e.g. ml.g5.12xlarge.")
    count: int = Field(default=1, ge=1, le=100, description="Initial instance count.")
    startup_health_check_timeout: Timeout = 1800
    model_data_download_timeout: Timeout = 1800
    inference_ami_version: images.InferenceAmiVersion | None = Field(
        default=None,
        description="Inference AMI; cu130 images need al2023-ami-sagemaker-inference-gpu-4-1 (set for you).",
    )
    volume_size_gb: int | None = Field(
        default=None,
        ge=1,
        le=512,
        description="EBS volume size; rejected on instances with local NVMe (g5, g6, p4d, ...).",
    )
    accelerators: Accelerators | None = Field(
        default=None, description="Only for a type outside the catalog: its accelerators (your own facts)."
    )
    nvme: bool | None = Field(
        default=None, description="Only for a type outside the catalog: whether it has local NVMe storage."
    )

    @field_validator("type")
    @classmethod
    def _type_shape(cls, value: str) -> str:
        return _instance_type(value) or value

    def spec(self) -> InstanceSpec | None:
        """The catalog's facts for this type; or, outside the catalog, the ones given here; else None."""
        known = instance_spec(self.type)
        if known is not None or (self.accelerators is None and self.nvme is None):
            return known
        given = self.accelerators
        return InstanceSpec(
            name=self.type,
            family=family_of(self.type),
            vcpus=0,
            memory_gib=0,
            accelerator=None if given is None else given.model,
            accelerators=0 if given is None else given.count,
            accelerator_memory_gib=0 if given is None else given.memory_gib,
            neuron_cores=0 if given is None or given.neuron_cores is None else given.neuron_cores,
            nvme_gb=1 if self.nvme else 0,
            from_catalog=False,
        )


def _ids(prefix: str, what: str) -> AfterValidator:
    pattern = re.compile(rf"{prefix}-[0-9a-f]{{8,17}}")

    def check(value: list[str]) -> list[str]:
        bad = [v for v in value if not pattern.fullmatch(v)]
        if bad:
            shown = ", ".join(quoted(v) for v in bad[:3]) + (", ..." if len(bad) > 3 else "")
            verb = "is not a" if len(bad) == 1 else "are not"
            raise ValueError(f"{shown} {verb} {what} id{'s' if len(bad) > 1 else ''} (allowed: {prefix}-0123abcd...)")
        return value

    return AfterValidator(check)


class Vpc(Strict):
    subnet_ids: Annotated[list[str], _ids("subnet", "subnet")] = Field(
        min_length=1, max_length=16, description="Private subnets for the model containers."
    )
    security_group_ids: Annotated[list[str], _ids("sg", "security group")] = Field(min_length=1, max_length=5)


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


class DataCapture(Strict):
    sampling_percent: int = Field(default=20, ge=0, le=100)
    mode: Literal["Input", "Output", "InputAndOutput"] = "InputAndOutput"


AotStep = Literal["shard", "quantize-awq", "quantize-fp8", "compile", "speculative-eagle"]


def _steps(value: object) -> object:
    """v1 wrote one mode (trtllm, partition, ...): a list of one step."""
    return list(V1_MODES.get(value, (value,))) if isinstance(value, str) else value


class Aot(Strict):
    mode: Annotated[list[AotStep], BeforeValidator(_steps)] = Field(
        min_length=1,
        max_length=4,
        description="Steps: [shard], [quantize-awq], [quantize-fp8], [compile], [quantize-fp8, compile], ... "
        "v1 values still work: trtllm = [compile], partition = [shard].",
    )
    instance_type: str | None = Field(
        default=None,
        description="The instance the model is prepared for (optimization job) or on (training job); "
        "default: instance.type (a component names its endpoint's).",
    )
    engine: Literal["auto", "optimization-job", "training-job"] = Field(
        default="auto",
        description="auto: SageMaker's optimization job, except where only a training job can do the step "
        "(TensorRT-LLM compile on the 0.33 image).",
    )
    job_tag: str | None = Field(default=None, description="The image tag the job runs (default: chosen per flavour).")

    @field_validator("instance_type")
    @classmethod
    def _target_shape(cls, value: str | None) -> str | None:
        return _instance_type(value)

    @field_validator("job_tag")
    @classmethod
    def _job_tag_shape(cls, value: str | None) -> str | None:
        return _image_tag(value)

    accept_eula: bool = Field(default=False, description="Accept the model's end-user licence (gated models).")

    @property
    def steps(self) -> tuple[str, ...]:
        return tuple(self.mode)


ServingProperties = dict[str, ServingValue]


def _env_text(value: object) -> object:
    """YAML scalars as the container sees them: true/false, integers as written. A float is refused: its text
    is Python's, not the file's (1.10 -> 1.1, 1.0e+3 -> 1000.0)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise ValueError(
            f"YAML reads it as the number {value!r}, so the container would get {str(value)!r}, not the text as written: "
            'quote it (allowed: a string, like "1.10", an integer or true/false)'
        )
    return str(value) if isinstance(value, int) else value


EnvValue = Annotated[str, BeforeValidator(_env_text, json_schema_input_type=str | int | bool)]
SECRET_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}")
SECRET_NAME_PATTERN = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
TOKEN_LOOKALIKE = re.compile(
    r"(?:hf_|ghp_|github_pat_|sk-)[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])", re.ASCII
)
# the same shapes inside a longer value (`Bearer hf_...`), as whole words: `task-...` holds no `sk-` token
_TOKEN_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9_-])(?:{TOKEN_LOOKALIKE.pattern})", re.ASCII)


def looks_like_token(text: str) -> bool:
    """A Hugging Face, GitHub, OpenAI-style or AWS access key anywhere in the text."""
    return _TOKEN_IN_TEXT.search(text) is not None


class SecretSource(Strict):
    """A Secrets Manager secret, by name or ARN; CloudFormation resolves it at deploy time."""

    SHORT_FORM: ClassVar[str] = "the secret's name or ARN"

    id: str = Field(description="The secret's name, or its ARN (a secret in another account needs the full ARN).")
    json_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,256}$",
        description="A key of a JSON SecretString; default: all of it.",
    )
    version_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9-]{32,64}$",
        description="Pin a version: a new version id re-resolves the secret on the next deploy.",
    )

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if TOKEN_LOOKALIKE.fullmatch(value):
            raise ValueError(
                "looks like a credential itself; never write one in the repo (allowed: the name or ARN of a "
                "Secrets Manager secret that holds it)"
            )
        if value.startswith("arn:"):
            if not SECRET_ARN_PATTERN.fullmatch(value):
                raise ValueError(
                    "is not a Secrets Manager secret ARN (allowed: arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
                )
        elif not SECRET_NAME_PATTERN.fullmatch(value):
            raise ValueError("is not a Secrets Manager secret name (allowed: 1..512 of A-Z a-z 0-9 / _ + = . @ -)")
        return value


def _secret_source(value: object) -> object:
    return {"id": value} if isinstance(value, str) else value


SecretRef = Annotated[SecretSource, BeforeValidator(_secret_source, json_schema_input_type=str | SecretSource)]


class ConfigBase(Strict):
    """What every YAML file holds. Each kind (lmi_core.kinds) narrows `kind` to its Literal and adds its blocks."""

    name: str = Field(
        min_length=1,
        max_length=40,
        pattern=NAME_PATTERN,
        description="[a-z0-9-], 1..40; names stack and endpoint.",
    )
    kind: str
    tags: dict[str, str] = Field(default_factory=dict)


class ModelConfig(ConfigBase):
    """A file that serves one model with an LMI container."""

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
    env: dict[str, EnvValue] = Field(
        default_factory=dict,
        description="Container environment variables (not OPTION_*: those belong in serving:; no credentials).",
    )
    secrets: dict[str, SecretRef] = Field(
        default_factory=dict,
        description="Container environment variables from Secrets Manager, e.g. HF_TOKEN: <secret name or ARN>. "
        "The template holds a {{resolve:secretsmanager:...}} reference only; the value is readable through "
        "sagemaker:DescribeModel.",
    )

    def implied_tensor_parallel_degree(self) -> int | None:
        """The degree serving uses when option.tensor_parallel_degree is not an integer; None: all accelerators
        of the instance. Kinds that place a model on part of an instance (components) override it."""
        return None


class InstanceConfig(ModelConfig):
    """Kinds that run on instances they choose: the instance, an optional VPC and data capture."""

    instance: Instance
    vpc: Vpc | None = None
    data_capture: DataCapture | None = None


def instance_of(config: ConfigBase) -> Instance | None:
    return config.instance if isinstance(config, InstanceConfig) else None
