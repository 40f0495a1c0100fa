"""The requests the handler sends, held to AWS's contract, and the training job's shape: the image's
own entrypoint, short arguments, a script from the input channel, storage on the job's volume."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import regex
from inputs import parse_properties
from job_requests import (
    ENTRYPOINT,
    MODEL_DIR,
    compile_script,
    hub_token_lines,
    job_serving_properties,
    optimization_job_request,
    started_by,
    training_job_request,
)

from tests.contract.aws_contract import assert_valid_request, check_request

TAG_VALUE = regex.compile(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")  # sagemaker TagValue pattern (botocore 1.44.5)


def inputs_of(event: dict[str, Any]) -> Any:
    return parse_properties({k: v for k, v in event["ResourceProperties"].items() if k != "ServiceToken"})


def starter(event: dict[str, Any]) -> str:
    return started_by(event["StackId"], event["LogicalResourceId"])


def test_optimization_job_request_meets_the_contract(optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    request = optimization_job_request(inputs, inputs.job_name(), starter(optimization_event))
    assert_valid_request("sagemaker", "CreateOptimizationJob", request)
    assert request["OptimizationConfigs"] == [
        {"ModelQuantizationConfig": {"Image": inputs.image_uri, "OverrideEnvironment": {"OPTION_QUANTIZE": "awq", "OPTION_TENSOR_PARALLEL_DEGREE": "4"}}}
    ]  # fmt: skip
    assert request["OutputConfig"]["S3OutputLocation"] == inputs.output_prefix
    assert "ModelAccessConfig" not in request["ModelSource"]["S3"]


def test_accept_eula_reaches_the_model_source(optimization_event: dict[str, Any]) -> None:
    optimization_event["ResourceProperties"]["AcceptEula"] = "true"
    inputs = inputs_of(optimization_event)
    request = optimization_job_request(inputs, inputs.job_name(), "x")
    assert request["ModelSource"]["S3"]["ModelAccessConfig"] == {"AcceptEula": True}


def test_training_job_keeps_the_image_entrypoint_with_short_arguments(training_event: dict[str, Any]) -> None:
    inputs = inputs_of(training_event)
    request = training_job_request(inputs, inputs.job_name(), starter(training_event))
    assert_valid_request("sagemaker", "CreateTrainingJob", request)
    algorithm = request["AlgorithmSpecification"]
    assert algorithm["ContainerEntrypoint"] == [ENTRYPOINT]  # CUDA compat setup, then eval "$@"
    assert algorithm["ContainerArguments"] == ["bash", "/opt/ml/input/data/training/compile.sh"]
    assert all(len(argument) <= 256 for argument in algorithm["ContainerArguments"])
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in request["InputDataConfig"]}
    assert channels == {
        "training": f"s3://{inputs.output_bucket}/{inputs.input_key}",
        "weights": "s3://my-models/llama-3.1-8b-instruct/",
    }


def test_the_compile_script_builds_on_the_job_volume_and_fails_on_any_step(training_event: dict[str, Any]) -> None:
    inputs = inputs_of(training_event)
    script = compile_script(inputs)
    assert "set -euo pipefail" in script
    assert "--trt_llm_model_repo /opt/ml/model/engines" in script
    assert "--tensor_parallel_degree 4 --pipeline_parallel_degree 1 --model_path /opt/ml/input/data/weights" in script
    assert f"/opt/djl/bin/s5cmd sync /opt/ml/model/engines/ {inputs.output_prefix}" in script
    assert "HF_HOME=/opt/ml/model/" in script and "TMPDIR=/opt/ml/model/" in script  # not the root filesystem


def test_the_job_volume_is_left_empty_dot_directories_too(training_event: dict[str, Any], tmp_path: Path) -> None:
    """SageMaker uploads what is left in /opt/ml/model: a hub model's download (HF_HOME/.cache) must go too."""
    (cleanup,) = [
        line
        for line in compile_script(inputs_of(training_event)).splitlines()
        if MODEL_DIR in line and "-delete" in line
    ]
    volume = tmp_path / "model"
    for path in (".cache/huggingface/hub/model.safetensors", ".tmp/x", "engines/rank0.engine", "config.json"):
        (volume / path).parent.mkdir(parents=True, exist_ok=True)
        (volume / path).write_text("x")
    subprocess.run(["bash", "-c", f"set -euo pipefail\n{cleanup.replace(MODEL_DIR, str(volume))}"], check=True)
    assert volume.is_dir() and list(volume.iterdir()) == []


def test_a_hub_model_is_given_to_the_build_by_its_id(training_event: dict[str, Any]) -> None:
    training_event["ResourceProperties"]["ModelId"] = "Qwen/Qwen2.5-7B-Instruct"
    inputs = inputs_of(training_event)
    assert "--model_path Qwen/Qwen2.5-7B-Instruct" in compile_script(inputs)
    request = training_job_request(inputs, inputs.job_name(), "x")
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["training"]


def token_lines_with_fake_aws(inputs: Any, tmp_path: Path, aws: str, then: str) -> subprocess.CompletedProcess[str]:
    """The script's token lines, then `then`, under `set -euo pipefail`, with `aws` replaced by a stand-in
    running `aws` (a bash body; $ARGS names a file it may write)."""
    fake = tmp_path / "aws"
    fake.write_text(f"#!/bin/bash\n{aws}\n")
    fake.chmod(0o755)
    return subprocess.run(
        ["bash", "-c", "\n".join(["set -euo pipefail", *hub_token_lines(inputs), then])],
        env={**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "ARGS": str(tmp_path / "args")},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


HUB_TOKEN = {"HfTokenSecretId": "team/hf token", "HfTokenRegion": "eu-west-1", "HfTokenJsonKey": "token"}


def test_a_gated_hub_model_gets_its_token_from_the_secret_inside_the_job(
    training_event: dict[str, Any], tmp_path: Path
) -> None:
    """The job fetches HF_TOKEN with its own role and the image's AWS CLI: the value is in no request, script
    or log, and which secret holds it does not change what is built (the content hash)."""
    properties = training_event["ResourceProperties"]
    properties["ModelId"] = "meta-llama/Llama-3.1-8B-Instruct"
    without_token = inputs_of(training_event)
    properties.update(HUB_TOKEN)
    inputs = inputs_of(training_event)
    assert inputs.content_hash == without_token.content_hash
    request = training_job_request(inputs, inputs.job_name(), "x")
    assert_valid_request("sagemaker", "CreateTrainingJob", request)
    assert "Environment" not in request and "hf token" not in json.dumps(request)

    script = compile_script(inputs)
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)  # the quoting holds
    lines = script.splitlines()
    build = next(i for i, line in enumerate(lines) if line.startswith("python3 /opt/djl/partition/"))
    assert lines.index("export HF_TOKEN") < build
    assert "\n".join(hub_token_lines(inputs)) in script
    # A stand-in for the image's `aws`: records its arguments, prints a JSON SecretString.
    aws = 'printf "%s\\n" "$@" > "$ARGS"\necho \'{"token": "hf_secret_value", "other": 1}\''
    shown = token_lines_with_fake_aws(inputs, tmp_path, aws, then='printf %s "$HF_TOKEN"')
    assert (shown.returncode, shown.stdout) == (0, "hf_secret_value")
    assert (tmp_path / "args").read_text().splitlines() == [
        "secretsmanager", "get-secret-value", "--region", "eu-west-1", "--secret-id", "team/hf token",
        "--query", "SecretString", "--output", "text",
    ]  # fmt: skip
    properties["HfTokenVersionId"] = "a" * 32
    assert f"--version-id {'a' * 32}" in compile_script(inputs_of(training_event))


def test_a_failed_token_fetch_stops_the_job(training_event: dict[str, Any], tmp_path: Path) -> None:
    training_event["ResourceProperties"].update({"ModelId": "meta-llama/Llama-3.1-8B-Instruct", **HUB_TOKEN})
    aws = "echo 'AccessDeniedException' >&2\nexit 254"
    ran = token_lines_with_fake_aws(inputs_of(training_event), tmp_path, aws, then="echo built")
    assert ran.returncode != 0 and "built" not in ran.stdout


def test_job_serving_properties_use_the_shared_renderer(training_event: dict[str, Any]) -> None:
    text = job_serving_properties(inputs_of(training_event))
    assert text.splitlines()[:2] == ["engine=Python", "option.model_id=/opt/ml/input/data/weights"]
    assert "option.tensor_parallel_degree=4" in text


def test_started_by_is_a_valid_tag_value(optimization_event: dict[str, Any]) -> None:
    value = starter(optimization_event)
    assert TAG_VALUE.fullmatch(value) and len(value) <= 256
    long = started_by("arn:aws:cloudformation:us-east-1:111111111111:stack/" + "x" * 200 + "/id", "AotJob")
    assert TAG_VALUE.fullmatch(long) and len(long) <= 256


def test_the_old_separator_would_be_rejected() -> None:
    """The contract checker catches the defect this replaced: '|' in a tag value."""
    bad = [{"Key": "lmi:started-by", "Value": "stack|AotJob"}]
    problems = check_request("sagemaker", "AddTags", {"ResourceArn": "arn:aws:sagemaker:us-east-1:1:x/y", "Tags": bad})
    assert any("Tags[0].Value" in str(p) for p in problems)
