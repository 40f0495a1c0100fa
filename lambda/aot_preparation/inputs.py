"""The custom resource's properties, typed; the content hash that names the job and its output; the
S3 keys of one preparation. Pure functions; no AWS calls."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from lmi_core import naming

ENGINES = ("optimization-job", "training-job")
MARKER = "_LMI_AOT_COMPLETE.json"
MODEL_NAME = re.compile(r"[a-z0-9](-?[a-z0-9])*")


class PropertyError(ValueError):
    """A resource property is missing or malformed; the message names it."""


@dataclass(frozen=True)
class HubToken:
    """A Secrets Manager secret holding a Hugging Face token: named, never its value (not in the hash either:
    which secret holds the token does not change what the job builds)."""

    secret_id: str  # name or ARN
    region: str
    json_key: str | None = None
    version_id: str | None = None


@dataclass(frozen=True)
class AotInputs:
    model_name: str
    engine: str  # optimization-job | training-job
    steps: tuple[str, ...]
    image_uri: str  # the image the job runs
    model_id: str  # S3 prefix (or a Hugging Face id, training job only) of the source weights
    configs: tuple[tuple[str, dict[str, str]], ...]  # optimization job: (technique, OverrideEnvironment)
    serving: dict[str, Any]  # training job: the model's serving.properties keys
    tensor_parallel_degree: int
    instance_type: str  # DeploymentInstanceType, or the training job's instance
    role_arn: str
    output_bucket: str
    output_key_prefix: str
    max_runtime_seconds: int
    volume_size_gb: int  # training job on an instance without NVMe; 0 = none
    accept_eula: bool
    kms_key_id: str | None
    hub_token: HubToken | None = None  # training job from a hub id: the HF_TOKEN secret the job fetches itself

    # ---- content addressing

    @property
    def content_hash(self) -> str:
        """Everything that determines the prepared artifacts, and nothing else."""
        canonical = json.dumps(
            {
                "engine": self.engine,
                "steps": self.steps,
                "image": self.image_uri,
                "model_id": self.model_id,
                "configs": self.configs,
                "serving": self.serving,
                "tensor_parallel_degree": self.tensor_parallel_degree,
                "instance_type": self.instance_type,
                "accept_eula": self.accept_eula,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[: naming.AOT_HASH_LENGTH]

    @property
    def base_key(self) -> str:
        return f"{naming.aot_artifacts_prefix(self.model_name, self.output_key_prefix)}{self.content_hash}/"

    @property
    def output_key(self) -> str:
        return f"{self.base_key}model/"

    @property
    def output_prefix(self) -> str:
        """Where the prepared model lands: the serving Model's OPTION_MODEL_ID."""
        return f"s3://{self.output_bucket}/{self.output_key}"

    @property
    def marker_key(self) -> str:
        return f"{self.base_key}{MARKER}"

    @property
    def input_key(self) -> str:
        """Training job: serving.properties and compile.sh, the job's `training` channel."""
        return f"{self.base_key}input/"

    def job_name(self, attempt: int = 1) -> str:
        """Deterministic (a later deploy re-attaches); job names can never be reused, hence -r2, -r3, ..."""
        return naming.aot_job_name(self.model_name, self.content_hash, attempt)


def _text(properties: dict[str, Any], key: str, default: str | None = None) -> str:
    value = properties.get(key, default)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PropertyError(f"resource property {key} is required")
    if not isinstance(value, str):
        raise PropertyError(f"resource property {key} must be a string, got {type(value).__name__}")
    return value


def _int(properties: dict[str, Any], key: str, default: int | None = None, minimum: int = 1) -> int:
    """CloudFormation stringifies every property: accept "4" as well as 4."""
    raw = properties.get(key, default)
    if raw is None:
        raise PropertyError(f"resource property {key} is required")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise PropertyError(f"resource property {key} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise PropertyError(f"resource property {key} must be >= {minimum}, got {value}")
    return value


def _json(properties: dict[str, Any], key: str, default: str, kind: type) -> Any:
    try:
        value = json.loads(_text(properties, key, default))
    except json.JSONDecodeError as exc:
        raise PropertyError(f"resource property {key} is not JSON: {exc.msg}") from None
    if not isinstance(value, kind):
        raise PropertyError(f"resource property {key} must be a JSON {kind.__name__}")
    return value


def parse_properties(properties: dict[str, Any]) -> AotInputs:
    engine = _text(properties, "Engine")
    if engine not in ENGINES:
        raise PropertyError(f"resource property Engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    model_name = _text(properties, "ModelName")
    if not MODEL_NAME.fullmatch(model_name) or len(model_name) > 40:
        raise PropertyError(f"resource property ModelName must be [a-z0-9-], at most 40 characters, got {model_name!r}")
    configs = _json(properties, "OptimizationConfigs", "[]", list)
    if not all(isinstance(c, list) and len(c) == 2 and isinstance(c[1], dict) for c in configs):
        raise PropertyError("resource property OptimizationConfigs must be a JSON list of [technique, environment]")
    prefix = _text(properties, "OutputKeyPrefix", "aot/")
    return AotInputs(
        model_name=model_name,
        engine=engine,
        steps=tuple(step for step in _text(properties, "Steps").split(",") if step),
        image_uri=_text(properties, "ImageUri"),
        model_id=_text(properties, "ModelId"),
        configs=tuple((str(technique), {str(k): str(v) for k, v in env.items()}) for technique, env in configs),
        serving=_json(properties, "ServingProperties", "{}", dict),
        tensor_parallel_degree=_int(properties, "TensorParallelDegree", 1),
        instance_type=_text(properties, "InstanceType"),
        role_arn=_text(properties, "RoleArn"),
        output_bucket=_text(properties, "OutputBucket"),
        output_key_prefix=prefix if prefix.endswith("/") else prefix + "/",
        max_runtime_seconds=_int(properties, "MaxRuntimeSeconds", 86400, minimum=60),
        volume_size_gb=_int(properties, "VolumeSizeGb", 0, minimum=0),
        accept_eula=str(properties.get("AcceptEula", "false")).lower() == "true",
        kms_key_id=properties.get("OutputKmsKeyId") or None,
        hub_token=_hub_token(properties),
    )


def _hub_token(properties: dict[str, Any]) -> HubToken | None:
    if not properties.get("HfTokenSecretId"):
        return None
    return HubToken(
        secret_id=_text(properties, "HfTokenSecretId"),
        region=_text(properties, "HfTokenRegion"),
        json_key=properties.get("HfTokenJsonKey") or None,
        version_id=properties.get("HfTokenVersionId") or None,
    )
