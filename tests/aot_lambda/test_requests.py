"""The requests the handler sends, held to AWS's contract, and the training job's shape: the image's
own entrypoint, short arguments, a script from the input channel, storage on the job's volume."""

from __future__ import annotations

from typing import Any

import regex
from inputs import parse_properties
from job_requests import (
    ENTRYPOINT,
    compile_script,
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


def test_a_hub_model_is_given_to_the_build_by_its_id(training_event: dict[str, Any]) -> None:
    training_event["ResourceProperties"]["ModelId"] = "Qwen/Qwen2.5-7B-Instruct"
    inputs = inputs_of(training_event)
    assert "--model_path Qwen/Qwen2.5-7B-Instruct" in compile_script(inputs)
    request = training_job_request(inputs, inputs.job_name(), "x")
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["training"]


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
