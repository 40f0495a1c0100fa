"""Every path of the AOT handler, with botocore Stubber: no call goes anywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import ANY
from handler import is_complete, on_event
from job import PropertyError, job_serving_properties, parse_properties, training_job_request

from tests.aot_lambda.conftest import Stubbed

STARTED = datetime(2026, 11, 24, tzinfo=UTC)


def inputs_of(event: dict[str, Any]) -> Any:
    return parse_properties({k: v for k, v in event["ResourceProperties"].items() if k != "ServiceToken"})


def job(name: str, status: str, reason: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/k/model.tar.gz"},
        "TrainingJobStatus": status,
        "SecondaryStatus": "Training" if status == "InProgress" else status,
        "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img"},
        "ResourceConfig": {"InstanceType": "ml.g5.12xlarge", "InstanceCount": 1, "VolumeSizeInGB": 200},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "CreationTime": STARTED,
    }
    if reason:
        response["FailureReason"] = reason
    return response


def no_marker(stubs: Stubbed, inputs: Any) -> None:
    stubs.s3.add_client_error(
        "head_object", service_error_code="404", http_status_code=404,
        expected_params={"Bucket": inputs.output_bucket, "Key": inputs.marker_key},
    )  # fmt: skip


def marker(stubs: Stubbed, inputs: Any) -> None:
    stubs.s3.add_response("head_object", {}, {"Bucket": inputs.output_bucket, "Key": inputs.marker_key})


def not_found(stubs: Stubbed, name: str) -> None:
    stubs.sagemaker.add_client_error(
        "describe_training_job", service_error_code="ValidationException",
        service_message="Requested resource not found.", expected_params={"TrainingJobName": name},
    )  # fmt: skip


def described(stubs: Stubbed, name: str, status: str, reason: str | None = None) -> None:
    stubs.sagemaker.add_response("describe_training_job", job(name, status, reason), {"TrainingJobName": name})


def output_listed(stubs: Stubbed, inputs: Any, count: int = 1) -> None:
    stubs.s3.add_response(
        "list_objects_v2", {"KeyCount": count},
        {"Bucket": inputs.output_bucket, "Prefix": inputs.base_key + "model/", "MaxKeys": 1},
    )  # fmt: skip


def marker_written(stubs: Stubbed, inputs: Any) -> None:
    stubs.s3.add_response(
        "put_object", {},
        {"Bucket": inputs.output_bucket, "Key": inputs.marker_key, "Body": ANY, "ContentType": "application/json",
         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": inputs.kms_key_id},
    )  # fmt: skip


def job_started(stubs: Stubbed, inputs: Any, name: str, event: dict[str, Any]) -> None:
    stubs.s3.add_response(
        "put_object", {},
        {"Bucket": inputs.output_bucket, "Key": inputs.input_key, "Body": job_serving_properties(inputs).encode(),
         "ContentType": "text/plain", "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": inputs.kms_key_id},
    )  # fmt: skip
    started_by = f"{event['StackId']}|{event['LogicalResourceId']}"
    stubs.sagemaker.add_response(
        "create_training_job",
        {"TrainingJobArn": f"arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}"},
        training_job_request(inputs, name, started_by),
    )


# ---------------------------------------------------------------- create


def test_create_starts_the_job(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    not_found(stubbed, inputs.job_name())
    job_started(stubbed, inputs, inputs.job_name(), create_event)
    response = on_event(create_event, None, stubbed.clients)
    stubbed.verify()
    assert response["PhysicalResourceId"] == inputs.content_hash
    assert response["Data"] == {
        "OutputPrefix": f"s3://lmi-aot-artifacts-111111111111-us-east-1/aot/llama3-8b-trtllm/{inputs.content_hash}/model/",
        "JobName": f"lmi-aot-llama3-8b-trtllm-{inputs.content_hash}",
        "ContentHash": inputs.content_hash,
    }


def test_create_when_already_prepared_starts_nothing(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    marker(stubbed, inputs)
    response = on_event(create_event, None, stubbed.clients)
    stubbed.verify()
    assert response["PhysicalResourceId"] == inputs.content_hash
    assert response["Data"]["OutputPrefix"] == inputs.output_prefix


def test_create_attaches_to_a_running_job(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), "InProgress")
    response = on_event(create_event, None, stubbed.clients)
    stubbed.verify()  # no create_training_job: the stub would have failed on an unexpected call
    assert response["Data"]["JobName"] == inputs.job_name()


def test_create_finds_a_job_completed_since_the_last_deploy(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), "Completed")
    output_listed(stubbed, inputs)
    marker_written(stubbed, inputs)
    on_event(create_event, None, stubbed.clients)
    stubbed.verify()


def test_create_after_a_failed_job_uses_the_next_name(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), "Failed", "CUDA out of memory")
    not_found(stubbed, inputs.job_name(2))
    job_started(stubbed, inputs, inputs.job_name(2), create_event)
    response = on_event(create_event, None, stubbed.clients)
    stubbed.verify()
    assert response["Data"]["JobName"].endswith("-r2")


# ---------------------------------------------------------------- is_complete


def poll_event(create_event: dict[str, Any], job_name: str) -> dict[str, Any]:
    inputs = inputs_of(create_event)
    return {**create_event, "PhysicalResourceId": inputs.content_hash, "Data": {"JobName": job_name}}


def test_in_progress_is_not_complete(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), "InProgress")
    assert is_complete(poll_event(create_event, inputs.job_name()), None, stubbed.clients) == {"IsComplete": False}
    stubbed.verify()


def test_completed_writes_the_marker_and_returns_the_prefix(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), "Completed")
    output_listed(stubbed, inputs)
    marker_written(stubbed, inputs)
    response = is_complete(poll_event(create_event, inputs.job_name()), None, stubbed.clients)
    stubbed.verify()
    assert response["IsComplete"] is True
    assert response["Data"]["OutputPrefix"] == inputs.output_prefix


def test_completed_without_output_fails(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    """partition.py ignores its upload's exit code: an empty prefix must not reach the endpoint."""
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), "Completed")
    output_listed(stubbed, inputs, count=0)
    with pytest.raises(RuntimeError, match="completed but wrote nothing under s3://"):
        is_complete(poll_event(create_event, inputs.job_name()), None, stubbed.clients)
    stubbed.verify()


@pytest.mark.parametrize(("status", "reason"), [("Failed", "AlgorithmError: CUDA out of memory"), ("Stopped", "")])
def test_failed_or_stopped_raises_with_the_reason(
    stubbed: Stubbed, create_event: dict[str, Any], status: str, reason: str
) -> None:
    inputs = inputs_of(create_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs.job_name(), status, reason or None)
    with pytest.raises(RuntimeError) as caught:
        is_complete(poll_event(create_event, inputs.job_name()), None, stubbed.clients)
    assert str(caught.value).startswith(f"AOT job {inputs.job_name()} {status}: ")
    assert (reason or "no FailureReason given") in str(caught.value)
    stubbed.verify()


def test_is_complete_on_delete_returns_at_once(stubbed: Stubbed, delete_event: dict[str, Any]) -> None:
    assert is_complete(delete_event, None, stubbed.clients) == {"IsComplete": True}
    stubbed.verify()


# ---------------------------------------------------------------- update


def update_event(create_event: dict[str, Any], **changes: str) -> dict[str, Any]:
    old = create_event["ResourceProperties"]
    new = {**old, **changes}
    return {
        **create_event, "RequestType": "Update", "PhysicalResourceId": inputs_of(create_event).content_hash,
        "ResourceProperties": new, "OldResourceProperties": old,
    }  # fmt: skip


def test_update_with_the_same_inputs_keeps_the_physical_id(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    event = update_event(create_event, RoleArn="arn:aws:iam::111111111111:role/another-role")  # not in the hash
    inputs = inputs_of(event)
    marker(stubbed, inputs)
    response = on_event(event, None, stubbed.clients)
    stubbed.verify()
    assert response["PhysicalResourceId"] == event["PhysicalResourceId"]


def test_update_with_new_inputs_starts_a_new_job(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    event = update_event(create_event, TensorParallelDegree="2")
    inputs = inputs_of(event)
    no_marker(stubbed, inputs)
    not_found(stubbed, inputs.job_name())
    job_started(stubbed, inputs, inputs.job_name(), event)
    response = on_event(event, None, stubbed.clients)
    stubbed.verify()
    assert response["PhysicalResourceId"] == inputs.content_hash != event["PhysicalResourceId"]


# ---------------------------------------------------------------- delete


def stack(stubs: Stubbed, event: dict[str, Any], status: str) -> None:
    stubs.cloudformation.add_response(
        "describe_stacks",
        {"Stacks": [{"StackName": "lmi-llama3-8b-trtllm", "CreationTime": STARTED, "StackStatus": status}]},
        {"StackName": event["StackId"]},
    )


def tags(stubs: Stubbed, name: str, started_by: str) -> None:
    stubs.sagemaker.add_response(
        "list_tags",
        {"Tags": [{"Key": "lmi:started-by", "Value": started_by}]},
        {"ResourceArn": f"arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}"},
    )


def deleting(delete_event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    inputs = inputs_of(delete_event)
    return {**delete_event, "PhysicalResourceId": inputs.content_hash}, inputs


def test_delete_stops_a_running_job_it_started(stubbed: Stubbed, delete_event: dict[str, Any]) -> None:
    event, inputs = deleting(delete_event)
    stack(stubbed, event, "DELETE_IN_PROGRESS")
    described(stubbed, inputs.job_name(), "InProgress")
    tags(stubbed, inputs.job_name(), f"{event['StackId']}|{event['LogicalResourceId']}")
    stubbed.sagemaker.add_response("stop_training_job", {}, {"TrainingJobName": inputs.job_name()})
    not_found(stubbed, inputs.job_name(2))
    assert on_event(event, None, stubbed.clients) == {"PhysicalResourceId": inputs.content_hash}
    stubbed.verify()


def test_delete_during_rollback_leaves_the_job_running(stubbed: Stubbed, delete_event: dict[str, Any]) -> None:
    """The create timed out after an hour: the next deploy must find the job still running."""
    event, _ = deleting(delete_event)
    stack(stubbed, event, "ROLLBACK_IN_PROGRESS")
    on_event(event, None, stubbed.clients)
    stubbed.verify()  # no describe, no stop


def test_delete_spares_a_job_started_by_someone_else(stubbed: Stubbed, delete_event: dict[str, Any]) -> None:
    event, inputs = deleting(delete_event)
    stack(stubbed, event, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    described(stubbed, inputs.job_name(), "InProgress")
    tags(stubbed, inputs.job_name(), "arn:aws:cloudformation:us-east-1:111111111111:stack/other/x|Other")
    not_found(stubbed, inputs.job_name(2))
    on_event(event, None, stubbed.clients)
    stubbed.verify()  # no stop_training_job


def test_delete_after_completion_keeps_artifacts(stubbed: Stubbed, delete_event: dict[str, Any]) -> None:
    event, inputs = deleting(delete_event)
    stack(stubbed, event, "DELETE_IN_PROGRESS")
    described(stubbed, inputs.job_name(), "Completed")
    not_found(stubbed, inputs.job_name(2))
    on_event(event, None, stubbed.clients)
    stubbed.verify()  # no stop, and no S3 delete call exists in the handler at all


def test_delete_of_a_create_that_never_started(stubbed: Stubbed, delete_event: dict[str, Any]) -> None:
    event = {**delete_event, "PhysicalResourceId": "a1b2c3d4-0000-0000-0000-000000000001"}
    assert on_event(event, None, stubbed.clients) == {"PhysicalResourceId": event["PhysicalResourceId"]}
    stubbed.verify()


# ---------------------------------------------------------------- properties and the job request


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("TensorParallelDegree", "four", "resource property TensorParallelDegree must be an integer, got 'four'"),
        ("TensorParallelDegree", "0", "resource property TensorParallelDegree must be >= 1, got 0"),
        ("Mode", "compile", "resource property Mode must be one of trtllm, quantize-awq, quantize-fp8, partition"),
        ("ServingProperties", "{not json", "resource property ServingProperties is not JSON"),
        ("ServingProperties", "[1, 2]", "resource property ServingProperties must be a JSON object"),
        ("ModelName", "Bad_Name", "resource property ModelName must be [a-z0-9-]"),
        ("ImageUri", "", "resource property ImageUri is required"),
    ],
)
def test_malformed_properties_give_a_clear_error(
    stubbed: Stubbed, create_event: dict[str, Any], key: str, value: str, message: str
) -> None:
    create_event["ResourceProperties"][key] = value
    with pytest.raises(PropertyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        on_event(create_event, None, stubbed.clients)
    stubbed.verify()


def test_stringified_numbers_are_accepted(create_event: dict[str, Any]) -> None:
    as_strings = inputs_of(create_event)
    create_event["ResourceProperties"].update(TensorParallelDegree=4, InstanceCount=1, MaxRuntimeSeconds=86400)
    assert inputs_of(create_event) == as_strings


def test_unknown_request_type(stubbed: Stubbed, create_event: dict[str, Any]) -> None:
    with pytest.raises(PropertyError, match="RequestType must be Create, Update or Delete"):
        on_event({**create_event, "RequestType": "Replace"}, None, stubbed.clients)


def test_hash_covers_exactly_the_inputs_that_shape_the_output(create_event: dict[str, Any]) -> None:
    base = inputs_of(create_event).content_hash
    props = create_event["ResourceProperties"]
    for key, value in {"ImageUri": "other:tag", "ModelId": "org/other", "Mode": "quantize-awq",
                       "TensorParallelDegree": "2", "InstanceType": "ml.g5.48xlarge",
                       "ServingProperties": '{"engine": "MPI"}'}.items():  # fmt: skip
        assert inputs_of({"ResourceProperties": {**props, key: value}}).content_hash != base, key
    for key, value in {"RoleArn": "arn:aws:iam::1:role/x", "MaxRuntimeSeconds": "3600"}.items():
        assert inputs_of({"ResourceProperties": {**props, key: value}}).content_hash == base, key
    reordered = json.dumps(dict(reversed(list(json.loads(props["ServingProperties"]).items()))))
    assert inputs_of({"ResourceProperties": {**props, "ServingProperties": reordered}}).content_hash == base


def test_job_name_fits_sagemaker() -> None:
    props = {"ModelName": "a" * 40, "ImageUri": "i", "ModelId": "org/m", "Mode": "trtllm", "InstanceType": "ml.g5.xlarge",
             "RoleArn": "r", "OutputBucket": "b"}  # fmt: skip
    inputs = parse_properties(props)
    assert len(inputs.job_name(20)) <= 63


def test_trtllm_request_overrides_the_entrypoint_and_fails_on_any_step(create_event: dict[str, Any]) -> None:
    inputs = inputs_of(create_event)
    request = training_job_request(inputs, inputs.job_name(), "stack|res")
    algorithm = request["AlgorithmSpecification"]
    assert algorithm["ContainerEntrypoint"] == ["/bin/bash", "-c"]
    (script,) = algorithm["ContainerArguments"]
    assert script.startswith(
        "set -euo pipefail && /opt/djl/bin/s5cmd sync 's3://my-models/llama-3.1-8b-instruct/*' "
    )  # quoted: s5cmd, not bash, expands *
    assert "trt_llm_partition.py --properties_dir /opt/ml/input/data/training" in script
    assert "--tensor_parallel_degree 4 --pipeline_parallel_degree 1" in script
    assert script.endswith(f"/opt/djl/bin/s5cmd sync /opt/ml/input/trtllm/ {inputs.output_prefix}")
    assert request["InputDataConfig"][0]["ChannelName"] == "training"
    assert {"Key": "lmi:started-by", "Value": "stack|res"} in request["Tags"]


def test_quantize_request_uses_the_train_entrypoint(create_event: dict[str, Any]) -> None:
    create_event["ResourceProperties"].update(
        Mode="quantize-awq",
        ImageUri="763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128",
    )
    inputs = inputs_of(create_event)
    request = training_job_request(inputs, inputs.job_name(), "s|r")
    assert "ContainerEntrypoint" not in request["AlgorithmSpecification"]
    properties = job_serving_properties(inputs)
    assert "option.quantize=awq\n" in properties
    assert f"option.save_mp_checkpoint_path={inputs.output_prefix}\n" in properties
    assert "option.model_id=s3://my-models/llama-3.1-8b-instruct/\n" in properties
