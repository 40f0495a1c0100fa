"""The requests the handler sends: CreateOptimizationJob, or (TensorRT-LLM compile on an image whose
optimization path is gone) CreateTrainingJob running the image's own trt_llm_partition.py.

The training job keeps the image's entrypoint (dockerd-entrypoint.sh: CUDA compat setup, then
`eval "$@"`) and runs a short script from its input channel; weights arrive as a second channel, and
engines are built on the job's storage volume (/opt/ml/model), then synced to the output prefix.
"""

from __future__ import annotations

import hashlib
import shlex
from typing import Any

from inputs import AotInputs

from lmi_core import serving_properties

ENTRYPOINT = "/usr/local/bin/dockerd-entrypoint.sh"
CHANNEL = "/opt/ml/input/data/training"
WEIGHTS = "/opt/ml/input/data/weights"
MODEL_DIR = "/opt/ml/model"  # the job's storage volume; SageMaker tars what is left here into model.tar.gz
ENGINES = f"{MODEL_DIR}/engines"
S5CMD = "/opt/djl/bin/s5cmd"
TAG_VALUE_LIMIT = 256


def started_by(stack_id: str, logical_id: str) -> str:
    """Who started a job, as a tag value SageMaker accepts ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*, <= 256)."""
    value = f"{stack_id}/{logical_id}"
    return value if len(value) <= TAG_VALUE_LIMIT else hashlib.sha256(value.encode()).hexdigest()


def tags(inputs: AotInputs, starter: str) -> list[dict[str, str]]:
    return [
        {"Key": "lmi:aot-hash", "Value": inputs.content_hash},
        {"Key": "lmi:model", "Value": inputs.model_name},
        {"Key": "lmi:started-by", "Value": starter},
    ]


def optimization_job_request(inputs: AotInputs, job_name: str, starter: str) -> dict[str, Any]:
    source: dict[str, Any] = {"S3Uri": inputs.model_id}
    if inputs.accept_eula:
        source["ModelAccessConfig"] = {"AcceptEula": True}
    output: dict[str, Any] = {"S3OutputLocation": inputs.output_prefix}
    if inputs.kms_key_id:
        output["KmsKeyId"] = inputs.kms_key_id
    return {
        "OptimizationJobName": job_name,
        "RoleArn": inputs.role_arn,
        "ModelSource": {"S3": source},
        "DeploymentInstanceType": inputs.instance_type,
        "OptimizationConfigs": [
            {technique: {"Image": inputs.image_uri, "OverrideEnvironment": environment}}
            for technique, environment in inputs.configs
        ],
        "OutputConfig": output,
        "StoppingCondition": {"MaxRuntimeInSeconds": inputs.max_runtime_seconds},
        "Tags": tags(inputs, starter),
    }


def model_path(inputs: AotInputs) -> str:
    return WEIGHTS if inputs.model_id.startswith("s3://") else inputs.model_id


def job_serving_properties(inputs: AotInputs) -> str:
    """serving.properties in the job's channel: the model's own, for trt_llm_partition.py to build from."""
    values = {**inputs.serving, "option.tensor_parallel_degree": inputs.tensor_parallel_degree}
    return serving_properties.render(values, model_path(inputs))


def hub_token_lines(inputs: AotInputs) -> list[str]:
    """HF_TOKEN for the hub download, fetched by the job's own role with the image's AWS CLI (pip `awscli`,
    scripts/install_python.sh on djl-serving 0.33.0-dlc): never in the request, the script or the logs."""
    token = inputs.hub_token
    if token is None:
        return []
    fetch = f"aws secretsmanager get-secret-value --region {shlex.quote(token.region)}"
    fetch += f" --secret-id {shlex.quote(token.secret_id)} --query SecretString --output text"
    if token.version_id:
        fetch += f" --version-id {shlex.quote(token.version_id)}"
    if token.json_key:
        pick = "import json, sys; print(json.load(sys.stdin)[sys.argv[1]])"
        fetch += f" | python3 -c {shlex.quote(pick)} {shlex.quote(token.json_key)}"
    return [f'HF_TOKEN="$({fetch})"', "export HF_TOKEN"]


def compile_script(inputs: AotInputs) -> str:
    return "\n".join(
        [
            "#!/bin/bash",
            f"# TensorRT-LLM engines for {inputs.model_name}, built by the image's own trt_llm_partition.py.",
            "set -euo pipefail",
            f"export HF_HOME={MODEL_DIR}/.cache/huggingface TMPDIR={MODEL_DIR}/.tmp",
            *hub_token_lines(inputs),
            f'mkdir -p "$TMPDIR" {ENGINES}',
            f"python3 /opt/djl/partition/trt_llm_partition.py --properties_dir {CHANNEL}"
            f" --trt_llm_model_repo {ENGINES} --tensor_parallel_degree {inputs.tensor_parallel_degree}"
            f" --pipeline_parallel_degree 1 --model_path {shlex.quote(model_path(inputs))}",
            f"{S5CMD} sync {ENGINES}/ {shlex.quote(inputs.output_prefix)}",
            # The engines are in S3; the job's own model.tar.gz stays empty (dot directories too: a hub
            # model's download is in .cache).
            f"find {MODEL_DIR} -mindepth 1 -delete",
            "",
        ]
    )


def training_job_request(inputs: AotInputs, job_name: str, starter: str) -> dict[str, Any]:
    channels: list[dict[str, Any]] = [_channel("training", f"s3://{inputs.output_bucket}/{inputs.input_key}")]
    if inputs.model_id.startswith("s3://"):
        channels.append(_channel("weights", inputs.model_id))
    output: dict[str, Any] = {"S3OutputPath": f"s3://{inputs.output_bucket}/{inputs.base_key}job-output/"}
    if inputs.kms_key_id:
        output["KmsKeyId"] = inputs.kms_key_id
    resources: dict[str, Any] = {"InstanceType": inputs.instance_type, "InstanceCount": 1}
    if inputs.volume_size_gb:
        resources["VolumeSizeInGB"] = inputs.volume_size_gb
    return {
        "TrainingJobName": job_name,
        "RoleArn": inputs.role_arn,
        "AlgorithmSpecification": {
            "TrainingImage": inputs.image_uri,
            "TrainingInputMode": "File",
            "ContainerEntrypoint": [ENTRYPOINT],
            "ContainerArguments": ["bash", f"{CHANNEL}/compile.sh"],
        },
        "InputDataConfig": channels,
        "OutputDataConfig": output,
        "ResourceConfig": resources,
        "StoppingCondition": {"MaxRuntimeInSeconds": inputs.max_runtime_seconds},
        "Tags": tags(inputs, starter),
    }


def _channel(name: str, uri: str) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
        },
    }
