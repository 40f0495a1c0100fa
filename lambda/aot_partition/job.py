"""What the AOT job is: typed resource properties, the content hash, names and the
CreateTrainingJob request. Pure functions; no AWS calls.

How the LMI container runs in a training job (djl-serving master d21927c4, see
docs/research/lmi-sources.md):
- `docker run <image> train` -> dockerd-entrypoint.sh -> /opt/djl/partition/partition.py with no
  arguments: it reads serving.properties from the `training` channel
  (/opt/ml/input/data/training), downloads an S3 `option.model_id` with s5cmd, quantizes when
  `option.quantize` is awq|fp8 (run_quantization) or else calls the entry point's `partition`,
  and syncs the result to `option.save_mp_checkpoint_path` (s3://...). Used for quantize-awq,
  quantize-fp8 and partition.
- TensorRT-LLM: the `train` verb never calls trt_llm_partition.py, and that script neither
  downloads from nor uploads to S3. So the job overrides the entry point with a bash script that
  downloads the weights, runs `trt_llm_partition.py --properties_dir ... --trt_llm_model_repo ...
  --tensor_parallel_degree N --pipeline_parallel_degree 1 --model_path ...` and syncs the engines
  to the output prefix, failing on any step (set -e). This command line follows the script's
  argparse on master; it has not been run on a GPU here.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from lmi_core import naming, serving_properties

MODES = ("trtllm", "quantize-awq", "quantize-fp8", "partition")
MARKER = "_LMI_AOT_COMPLETE.json"
S5CMD = "/opt/djl/bin/s5cmd"
CHANNEL_DIR = "/opt/ml/input/data/training"


class PropertyError(ValueError):
    """A resource property is missing or malformed; the message names it."""


@dataclass(frozen=True)
class AotInputs:
    model_name: str
    image_uri: str
    model_id: str
    serving: dict[str, Any]
    mode: str
    tensor_parallel_degree: int
    instance_type: str
    instance_count: int
    role_arn: str
    output_bucket: str
    output_key_prefix: str
    max_runtime_seconds: int
    volume_size_gb: int
    kms_key_id: str | None

    # ---- content addressing

    @property
    def content_hash(self) -> str:
        """Everything that determines the prepared artifacts, and nothing else."""
        canonical = json.dumps(
            {
                "image": self.image_uri,
                "model_id": self.model_id,
                "serving": self.serving,
                "mode": self.mode,
                "tensor_parallel_degree": self.tensor_parallel_degree,
                "instance_type": self.instance_type,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[: naming.AOT_HASH_LENGTH]

    @property
    def base_key(self) -> str:
        return f"{naming.aot_artifacts_prefix(self.model_name, self.output_key_prefix)}{self.content_hash}/"

    @property
    def output_prefix(self) -> str:
        """Where the prepared model lands: the serving Model's option.model_id."""
        return f"s3://{self.output_bucket}/{self.base_key}model/"

    @property
    def marker_key(self) -> str:
        return f"{self.base_key}{MARKER}"

    @property
    def input_key(self) -> str:
        return f"{self.base_key}input/serving.properties"

    def job_name(self, attempt: int = 1) -> str:
        """Deterministic (a later deploy re-attaches); training-job names can never be reused."""
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


def parse_properties(properties: dict[str, Any]) -> AotInputs:
    mode = _text(properties, "Mode")
    if mode not in MODES:
        raise PropertyError(f"resource property Mode must be one of {', '.join(MODES)}, got {mode!r}")
    try:
        serving = json.loads(_text(properties, "ServingProperties", "{}"))
    except json.JSONDecodeError as exc:
        raise PropertyError(f"resource property ServingProperties is not JSON: {exc.msg}") from None
    if not isinstance(serving, dict):
        raise PropertyError("resource property ServingProperties must be a JSON object")
    model_name = _text(properties, "ModelName")
    if not re.fullmatch(r"[a-z0-9](-?[a-z0-9])*", model_name) or len(model_name) > 40:
        raise PropertyError(f"resource property ModelName must be [a-z0-9-], at most 40 characters, got {model_name!r}")
    prefix = _text(properties, "OutputKeyPrefix", "aot/")
    return AotInputs(
        model_name=model_name,
        image_uri=_text(properties, "ImageUri"),
        model_id=_text(properties, "ModelId"),
        serving=serving,
        mode=mode,
        tensor_parallel_degree=_int(properties, "TensorParallelDegree", 1),
        instance_type=_text(properties, "InstanceType"),
        instance_count=_int(properties, "InstanceCount", 1),
        role_arn=_text(properties, "RoleArn"),
        output_bucket=_text(properties, "OutputBucket"),
        output_key_prefix=prefix if prefix.endswith("/") else prefix + "/",
        max_runtime_seconds=_int(properties, "MaxRuntimeSeconds", 86400, minimum=60),
        volume_size_gb=_int(properties, "VolumeSizeGb", 200),
        kms_key_id=properties.get("OutputKmsKeyId") or None,
    )


def job_serving_properties(inputs: AotInputs) -> str:
    """serving.properties for the job: the model's own, plus where to read and write."""
    values = dict(inputs.serving)
    values["option.model_id"] = inputs.model_id
    values["option.save_mp_checkpoint_path"] = inputs.output_prefix
    values["option.tensor_parallel_degree"] = inputs.tensor_parallel_degree
    if inputs.mode == "quantize-awq":
        values["option.quantize"] = "awq"
    elif inputs.mode == "quantize-fp8":
        values["option.quantize"] = "fp8"
    return serving_properties.render(values)


def _trtllm_script(inputs: AotInputs) -> str:
    model_path = inputs.model_id
    steps = ["set -euo pipefail"]
    if inputs.model_id.startswith("s3://"):
        model_path = "/opt/ml/input/weights"
        source = inputs.model_id.rstrip("/") + "/*"
        steps.append(f"{S5CMD} sync {shlex.quote(source)} {model_path}/")
    steps.append(
        "python3 /opt/djl/partition/trt_llm_partition.py"
        f" --properties_dir {CHANNEL_DIR} --trt_llm_model_repo /opt/ml/input/trtllm"
        f" --tensor_parallel_degree {inputs.tensor_parallel_degree} --pipeline_parallel_degree 1"
        f" --model_path {shlex.quote(model_path)}"
    )
    steps.append(f"{S5CMD} sync /opt/ml/input/trtllm/ {shlex.quote(inputs.output_prefix)}")
    return " && ".join(steps)


def training_job_request(inputs: AotInputs, job_name: str, started_by: str) -> dict[str, Any]:
    algorithm: dict[str, Any] = {"TrainingImage": inputs.image_uri, "TrainingInputMode": "File"}
    if inputs.mode == "trtllm":
        algorithm["ContainerEntrypoint"] = ["/bin/bash", "-c"]
        algorithm["ContainerArguments"] = [_trtllm_script(inputs)]
    output: dict[str, Any] = {"S3OutputPath": f"s3://{inputs.output_bucket}/{inputs.base_key}job-output/"}
    if inputs.kms_key_id:
        output["KmsKeyId"] = inputs.kms_key_id
    return {
        "TrainingJobName": job_name,
        "RoleArn": inputs.role_arn,
        "AlgorithmSpecification": algorithm,
        "InputDataConfig": [
            {
                "ChannelName": "training",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{inputs.output_bucket}/{inputs.base_key}input/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": output,
        "ResourceConfig": {
            "InstanceType": inputs.instance_type,
            "InstanceCount": inputs.instance_count,
            "VolumeSizeInGB": inputs.volume_size_gb,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": inputs.max_runtime_seconds},
        "Tags": [
            {"Key": "lmi:aot-hash", "Value": inputs.content_hash},
            {"Key": "lmi:model", "Value": inputs.model_name},
            {"Key": "lmi:started-by", "Value": started_by[:256]},
        ],
    }
