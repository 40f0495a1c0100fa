"""Every path of the AOT handler, for both engines, with botocore Stubber (strict: AWS's contract).
No call goes anywhere."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
import engines
import pytest
from botocore.stub import ANY
from handler import is_complete, on_event
from inputs import AotInputs, parse_properties
from job_requests import (
    compile_script,
    job_serving_properties,
    optimization_job_request,
    started_by,
    training_job_request,
)

from lmi_core import naming
from tests.aot_lambda.conftest import Stubbed, delete_of

STARTED = datetime(2026, 11, 24, tzinfo=UTC)
RECOMMENDED = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.32.0-lmi14.0.0-cu126"


def inputs_of(event: dict[str, Any]) -> AotInputs:
    return parse_properties({k: v for k, v in event["ResourceProperties"].items() if k != "ServiceToken"})


# ---------------------------------------------------------------- stubbed answers


def listed(stubs: Stubbed, inputs: AotInputs, key: str, count: int) -> None:
    stubs.s3.add_response(
        "list_objects_v2", {"KeyCount": count}, {"Bucket": inputs.output_bucket, "Prefix": key, "MaxKeys": 1}
    )


def no_marker(stubs: Stubbed, inputs: AotInputs) -> None:
    listed(stubs, inputs, inputs.marker_key, 0)


def marker(stubs: Stubbed, inputs: AotInputs, job: str = "old-job", output: int = 1) -> None:
    listed(stubs, inputs, inputs.marker_key, 1)
    listed(stubs, inputs, inputs.output_key, output)
    if output:
        body = json.dumps({"job": job, "image": RECOMMENDED}).encode()
        stubs.s3.add_response(
            "get_object", {"Body": io.BytesIO(body)}, {"Bucket": inputs.output_bucket, "Key": inputs.marker_key}
        )


def job_response(inputs: AotInputs, name: str, status: str, reason: str | None = None) -> dict[str, Any]:
    if inputs.engine == "optimization-job":
        response: dict[str, Any] = {
            "OptimizationJobArn": f"arn:aws:sagemaker:us-east-1:111111111111:optimization-job/{name}",
            "OptimizationJobName": name,
            "OptimizationJobStatus": status,
            "CreationTime": STARTED,
            "LastModifiedTime": STARTED,
            "ModelSource": {"S3": {"S3Uri": inputs.model_id}},
            "DeploymentInstanceType": inputs.instance_type,
            "OptimizationConfigs": [],
            "OutputConfig": {"S3OutputLocation": inputs.output_prefix},
            "RoleArn": inputs.role_arn,
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        }
        if status == "COMPLETED":
            response["OptimizationOutput"] = {"RecommendedInferenceImage": RECOMMENDED}
    else:
        response = {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/k/model.tar.gz"},
            "TrainingJobStatus": status,
            "SecondaryStatus": "Training",
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": inputs.image_uri},
            "ResourceConfig": {"InstanceType": inputs.instance_type, "InstanceCount": 1, "VolumeSizeInGB": 0},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "CreationTime": STARTED,
        }
    if reason:
        response["FailureReason"] = reason
    return response


def kind(inputs: AotInputs) -> str:
    return "optimization_job" if inputs.engine == "optimization-job" else "training_job"


def name_key(inputs: AotInputs) -> str:
    return "OptimizationJobName" if inputs.engine == "optimization-job" else "TrainingJobName"


def described(stubs: Stubbed, inputs: AotInputs, name: str, status: str, reason: str | None = None) -> None:
    stubs.sagemaker.add_response(
        f"describe_{kind(inputs)}", job_response(inputs, name, status, reason), {name_key(inputs): name}
    )


def not_found(stubs: Stubbed, inputs: AotInputs, name: str) -> None:
    if inputs.engine == "optimization-job":
        stubs.sagemaker.add_client_error(
            "describe_optimization_job", service_error_code="ResourceNotFound", service_message="Not found",
            expected_params={"OptimizationJobName": name},
        )  # fmt: skip
    else:
        stubs.sagemaker.add_client_error(
            "describe_training_job", service_error_code="ValidationException",
            service_message="Requested resource not found.", expected_params={"TrainingJobName": name},
        )  # fmt: skip


def marker_written(stubs: Stubbed, inputs: AotInputs) -> None:
    stubs.s3.add_response(
        "put_object", {},
        {"Bucket": inputs.output_bucket, "Key": inputs.marker_key, "Body": ANY, "ContentType": "application/json",
         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": inputs.kms_key_id},
    )  # fmt: skip


def input_written(stubs: Stubbed, inputs: AotInputs, name: str, body: bytes, content_type: str) -> None:
    stubs.s3.add_response(
        "put_object", {},
        {"Bucket": inputs.output_bucket, "Key": f"{inputs.input_key}{name}", "Body": body, "ContentType": content_type,
         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": inputs.kms_key_id},
    )  # fmt: skip


def job_started(stubs: Stubbed, inputs: AotInputs, name: str, event: dict[str, Any]) -> None:
    """The exact request: built from the inputs, tagged with who started it."""
    starter = started_by(event["StackId"], event["LogicalResourceId"])
    arn = f"arn:aws:sagemaker:us-east-1:111111111111:{inputs.engine}/{name}"
    if inputs.engine == "training-job":
        input_written(stubs, inputs, "serving.properties", job_serving_properties(inputs).encode(), "text/plain")
        input_written(stubs, inputs, "compile.sh", compile_script(inputs).encode(), "text/x-shellscript")
        stubs.sagemaker.add_response(
            "create_training_job", {"TrainingJobArn": arn}, training_job_request(inputs, name, starter)
        )
    else:
        stubs.sagemaker.add_response(
            "create_optimization_job", {"OptimizationJobArn": arn}, optimization_job_request(inputs, name, starter)
        )


ENGINES = ["optimization_event", "training_event"]


@pytest.fixture(params=ENGINES)
def event(request: pytest.FixtureRequest) -> dict[str, Any]:
    created: dict[str, Any] = request.getfixturevalue(request.param)
    return created


# ---------------------------------------------------------------- create and attach


def test_create_starts_the_job(stubbed: Stubbed, event: dict[str, Any]) -> None:
    inputs = inputs_of(event)
    no_marker(stubbed, inputs)
    not_found(stubbed, inputs, inputs.job_name())
    job_started(stubbed, inputs, inputs.job_name(), event)
    response = on_event(event, clients=stubbed.clients)
    assert response["PhysicalResourceId"] == inputs.content_hash
    assert response["Data"]["OutputPrefix"] == inputs.output_prefix
    assert response["Data"]["JobName"] == inputs.job_name()
    stubbed.verify()


def test_create_when_already_prepared_starts_nothing(stubbed: Stubbed, event: dict[str, Any]) -> None:
    inputs = inputs_of(event)
    marker(stubbed, inputs)
    response = on_event(event, clients=stubbed.clients)
    assert response["Data"] == {
        "OutputPrefix": inputs.output_prefix, "JobName": "old-job", "ContentHash": inputs.content_hash,
        "RecommendedImage": RECOMMENDED,
    }  # fmt: skip
    stubbed.verify()


def test_a_marker_without_its_output_is_not_trusted(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    marker(stubbed, inputs, output=0)
    not_found(stubbed, inputs, inputs.job_name())
    job_started(stubbed, inputs, inputs.job_name(), optimization_event)
    assert on_event(optimization_event, clients=stubbed.clients)["Data"]["JobName"] == inputs.job_name()
    stubbed.verify()


@pytest.mark.parametrize("status", ["STARTING", "INPROGRESS"])
def test_create_attaches_to_a_running_job(stubbed: Stubbed, optimization_event: dict[str, Any], status: str) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), status)
    assert on_event(optimization_event, clients=stubbed.clients)["Data"]["JobName"] == inputs.job_name()
    stubbed.verify()


def test_create_starts_the_next_attempt_beside_a_stopping_job(stubbed: Stubbed, event: dict[str, Any]) -> None:
    """A stopping job ends Stopped, which would fail this deploy after waiting for it: the next name starts now."""
    inputs = inputs_of(event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), "STOPPING" if inputs.engine == "optimization-job" else "Stopping")
    not_found(stubbed, inputs, inputs.job_name(2))
    job_started(stubbed, inputs, inputs.job_name(2), event)
    assert on_event(event, clients=stubbed.clients)["Data"]["JobName"] == inputs.job_name(2)
    stubbed.verify()


def test_create_finds_a_job_completed_since_the_last_deploy(stubbed: Stubbed, event: dict[str, Any]) -> None:
    inputs = inputs_of(event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), "COMPLETED" if inputs.engine == "optimization-job" else "Completed")
    listed(stubbed, inputs, inputs.output_key, 3)
    marker_written(stubbed, inputs)
    data = on_event(event, clients=stubbed.clients)["Data"]
    assert data["JobName"] == inputs.job_name()
    assert data["RecommendedImage"] == (RECOMMENDED if inputs.engine == "optimization-job" else inputs.image_uri)
    stubbed.verify()


@pytest.mark.parametrize(("status", "output"), [("FAILED", 0), ("STOPPED", 0), ("COMPLETED", 0)])
def test_create_after_a_failed_or_empty_job_uses_the_next_name(
    stubbed: Stubbed, optimization_event: dict[str, Any], status: str, output: int
) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(1), status, "CUDA out of memory" if status == "FAILED" else None)
    if status == "COMPLETED":
        listed(stubbed, inputs, inputs.output_key, output)  # completed, but wrote nothing
    not_found(stubbed, inputs, inputs.job_name(2))
    job_started(stubbed, inputs, inputs.job_name(2), optimization_event)
    response = on_event(optimization_event, clients=stubbed.clients)
    assert response["Data"]["JobName"] == inputs.job_name(2) and inputs.job_name(2).endswith("-r2")
    stubbed.verify()


def test_a_concurrent_create_of_the_same_job_attaches(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    not_found(stubbed, inputs, inputs.job_name())
    stubbed.sagemaker.add_client_error(
        "create_optimization_job", service_error_code="ResourceInUse", service_message="Job already exists"
    )
    assert on_event(optimization_event, clients=stubbed.clients)["Data"]["JobName"] == inputs.job_name()
    stubbed.verify()


def test_create_gives_up_after_the_last_attempt_name(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    """Every attempt name taken by a failed job: the deploy fails, naming the hash, instead of returning nothing."""
    from handler import MAX_ATTEMPTS

    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        described(stubbed, inputs, inputs.job_name(attempt), "FAILED", "CUDA out of memory")
    with pytest.raises(RuntimeError, match=f"{MAX_ATTEMPTS} AOT attempts for hash {inputs.content_hash} failed"):
        on_event(optimization_event, clients=stubbed.clients)
    stubbed.verify()


def test_a_create_refused_for_another_reason_fails_the_deploy(
    stubbed: Stubbed, optimization_event: dict[str, Any]
) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    not_found(stubbed, inputs, inputs.job_name())
    stubbed.sagemaker.add_client_error(
        "create_optimization_job", service_error_code="ResourceLimitExceeded", service_message="quota of 2 jobs"
    )
    with pytest.raises(Exception, match="ResourceLimitExceeded"):
        on_event(optimization_event, clients=stubbed.clients)
    stubbed.verify()


def test_throttling_is_retried_with_backoff(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    for _ in range(2):
        stubbed.sagemaker.add_client_error(
            "describe_optimization_job", service_error_code="ThrottlingException", service_message="Rate exceeded"
        )
    described(stubbed, inputs, inputs.job_name(), "INPROGRESS")
    assert on_event(optimization_event, clients=stubbed.clients)["Data"]["JobName"] == inputs.job_name()
    assert stubbed.sleeps == [1, 2]
    stubbed.verify()


def test_throttling_gives_up_after_the_last_backoff(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    for _ in range(6):
        stubbed.sagemaker.add_client_error(
            "describe_optimization_job", service_error_code="ThrottlingException", service_message="Rate exceeded"
        )
    with pytest.raises(Exception, match="ThrottlingException"):
        on_event(optimization_event, clients=stubbed.clients)
    assert stubbed.sleeps == [1, 2, 4, 8, 16]


# ---------------------------------------------------------------- polling


def poll_event(event: dict[str, Any], name: str) -> dict[str, Any]:
    return {**event, "PhysicalResourceId": inputs_of(event).content_hash, "Data": {"JobName": name}}


@pytest.mark.parametrize("status", ["STARTING", "INPROGRESS", "STOPPING"])
def test_a_running_or_stopping_job_is_waited_out(
    stubbed: Stubbed, optimization_event: dict[str, Any], status: str
) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), status)
    assert is_complete(poll_event(optimization_event, inputs.job_name()), clients=stubbed.clients) == {
        "IsComplete": False
    }
    stubbed.verify()


def test_a_job_over_the_hour_fails_the_deploy_with_its_name_not_a_bare_timeout(
    stubbed: Stubbed, optimization_event: dict[str, Any]
) -> None:
    """The Provider would give up at 55 minutes with "Operation timed out"; at 52 the message says what to do."""
    inputs = inputs_of(optimization_event)
    clients = dataclasses.replace(stubbed.clients, now=lambda: 1_000_000.0 + 53 * 60)
    polled = {
        **poll_event(optimization_event, inputs.job_name()),
        "Data": {"JobName": inputs.job_name(), "WaitStartedAt": "1000000"},
    }
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), "INPROGRESS")
    with pytest.raises(RuntimeError, match=r"still runs after 53 minutes .* deploy again with the same inputs"):
        is_complete(polled, clients=clients)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), "INPROGRESS")
    early = dataclasses.replace(stubbed.clients, now=lambda: 1_000_000.0 + 51 * 60)
    assert is_complete(polled, clients=early) == {"IsComplete": False}
    stubbed.verify()


def test_completed_writes_the_marker_and_returns_the_recommended_image(
    stubbed: Stubbed, optimization_event: dict[str, Any]
) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), "COMPLETED")
    listed(stubbed, inputs, inputs.output_key, 12)
    marker_written(stubbed, inputs)
    done = is_complete(poll_event(optimization_event, inputs.job_name()), clients=stubbed.clients)
    assert done["IsComplete"] is True
    assert done["Data"]["OutputPrefix"] == inputs.output_prefix
    assert done["Data"]["RecommendedImage"] == RECOMMENDED
    stubbed.verify()


def test_completed_without_output_fails_this_deploy_and_names_the_next(
    stubbed: Stubbed, optimization_event: dict[str, Any]
) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), "COMPLETED")
    listed(stubbed, inputs, inputs.output_key, 0)
    with pytest.raises(RuntimeError, match=r"wrote nothing .* the next deploy starts the next attempt"):
        is_complete(poll_event(optimization_event, inputs.job_name()), clients=stubbed.clients)
    stubbed.verify()


@pytest.mark.parametrize(("status", "reason"), [("FAILED", "CUDA out of memory"), ("STOPPED", None)])
def test_failed_or_stopped_raises_with_the_reason(
    stubbed: Stubbed, optimization_event: dict[str, Any], status: str, reason: str | None
) -> None:
    inputs = inputs_of(optimization_event)
    no_marker(stubbed, inputs)
    described(stubbed, inputs, inputs.job_name(), status, reason)
    with pytest.raises(RuntimeError, match=f"{status.lower()}: {reason or 'no FailureReason given'}"):
        is_complete(poll_event(optimization_event, inputs.job_name()), clients=stubbed.clients)
    stubbed.verify()


def test_is_complete_on_delete_returns_at_once(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    assert is_complete(delete_of(optimization_event), clients=stubbed.clients) == {"IsComplete": True}
    stubbed.verify()


# ---------------------------------------------------------------- delete


def deleting(event: dict[str, Any], stack_status: str, stubs: Stubbed) -> dict[str, Any]:
    deleted = delete_of(event)
    deleted["PhysicalResourceId"] = inputs_of(event).content_hash
    stubs.cloudformation.add_response(
        "describe_stacks",
        {"Stacks": [{"StackName": "s", "StackStatus": stack_status, "CreationTime": STARTED}]},
        {"StackName": event["StackId"]},
    )
    return deleted


def tagged(stubs: Stubbed, inputs: AotInputs, name: str, started_by: str) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:111111111111:{inputs.engine}/{name}"
    stubs.sagemaker.add_response(
        "list_tags", {"Tags": [{"Key": "lmi:started-by", "Value": started_by}]}, {"ResourceArn": arn}
    )


def running_job_started_here(stubs: Stubbed, inputs: AotInputs, event: dict[str, Any]) -> None:
    """The first attempt's job runs, tagged as started by this resource."""
    described(stubs, inputs, inputs.job_name(), "INPROGRESS" if inputs.engine == "optimization-job" else "InProgress")
    tagged(stubs, inputs, inputs.job_name(), f"{event['StackId']}/{event['LogicalResourceId']}")


@pytest.mark.parametrize("stack_status", ["DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"])
def test_delete_stops_a_running_job_it_started(stubbed: Stubbed, event: dict[str, Any], stack_status: str) -> None:
    inputs = inputs_of(event)
    deleted = deleting(event, stack_status, stubbed)
    running_job_started_here(stubbed, inputs, event)
    stubbed.sagemaker.add_response(f"stop_{kind(inputs)}", {}, {name_key(inputs): inputs.job_name()})
    not_found(stubbed, inputs, inputs.job_name(2))
    assert on_event(deleted, clients=stubbed.clients) == {"PhysicalResourceId": inputs.content_hash}
    stubbed.verify()


def test_delete_leaves_a_stopping_job_to_stop(stubbed: Stubbed, event: dict[str, Any]) -> None:
    """Stop*Job on a job that is already stopping answers ValidationException: the stack's delete failed."""
    inputs = inputs_of(event)
    deleted = deleting(event, "DELETE_IN_PROGRESS", stubbed)
    described(stubbed, inputs, inputs.job_name(), "STOPPING" if inputs.engine == "optimization-job" else "Stopping")
    not_found(stubbed, inputs, inputs.job_name(2))
    assert on_event(deleted, clients=stubbed.clients) == {"PhysicalResourceId": inputs.content_hash}
    stubbed.verify()  # no stop was stubbed: none was called


def test_delete_of_a_job_that_ended_before_its_stop(stubbed: Stubbed, event: dict[str, Any]) -> None:
    inputs = inputs_of(event)
    deleted = deleting(event, "DELETE_IN_PROGRESS", stubbed)
    running_job_started_here(stubbed, inputs, event)
    stubbed.sagemaker.add_client_error(
        f"stop_{kind(inputs)}",
        "ValidationException",
        "The request was rejected because the job is in status Completed.",
    )
    not_found(stubbed, inputs, inputs.job_name(2))
    assert on_event(deleted, clients=stubbed.clients) == {"PhysicalResourceId": inputs.content_hash}
    stubbed.verify()


def test_a_stop_refused_for_another_reason_fails_the_delete(stubbed: Stubbed, event: dict[str, Any]) -> None:
    """Only "it has ended already" (ValidationException) is taken as done; AccessDenied is not."""
    inputs = inputs_of(event)
    deleted = deleting(event, "DELETE_IN_PROGRESS", stubbed)
    running_job_started_here(stubbed, inputs, event)
    stubbed.sagemaker.add_client_error(f"stop_{kind(inputs)}", "AccessDeniedException", "not authorized")
    with pytest.raises(Exception, match="AccessDeniedException"):
        on_event(deleted, clients=stubbed.clients)


@pytest.mark.parametrize("stack_status", ["ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"])
def test_delete_during_rollback_leaves_the_job_running(
    stubbed: Stubbed, optimization_event: dict[str, Any], stack_status: str
) -> None:
    deleted = deleting(optimization_event, stack_status, stubbed)
    assert (
        on_event(deleted, clients=stubbed.clients)["PhysicalResourceId"] == inputs_of(optimization_event).content_hash
    )
    stubbed.verify()


def test_delete_spares_a_job_started_by_someone_else(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    deleted = deleting(optimization_event, "DELETE_IN_PROGRESS", stubbed)
    described(stubbed, inputs, inputs.job_name(), "INPROGRESS")
    tagged(stubbed, inputs, inputs.job_name(), "arn:aws:cloudformation:us-east-1:111111111111:stack/other/x/AotJob")
    not_found(stubbed, inputs, inputs.job_name(2))
    on_event(deleted, clients=stubbed.clients)
    stubbed.verify()  # no stop_optimization_job was stubbed: none was called


def test_delete_after_completion_keeps_artifacts(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    inputs = inputs_of(optimization_event)
    deleted = deleting(optimization_event, "DELETE_IN_PROGRESS", stubbed)
    described(stubbed, inputs, inputs.job_name(), "COMPLETED")
    not_found(stubbed, inputs, inputs.job_name(2))
    on_event(deleted, clients=stubbed.clients)
    stubbed.verify()  # no S3 delete and no stop were stubbed


def test_delete_of_a_create_that_never_started(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    deleted = delete_of(optimization_event)
    deleted["PhysicalResourceId"] = "2026/11/24/[$LATEST]abcdef"  # the Provider's default after a failed create
    assert on_event(deleted, clients=stubbed.clients) == {"PhysicalResourceId": deleted["PhysicalResourceId"]}
    stubbed.verify()


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Engine": "spot-job"}, "Engine must be one of optimization-job, training-job"),
        ({"ModelName": "Bad_Name"}, "ModelName must be"),
        ({"TensorParallelDegree": "four"}, "TensorParallelDegree must be an integer"),
        ({"OptimizationConfigs": "[1, 2]"}, "OptimizationConfigs must be a JSON list of [technique, environment]"),
        ({"ServingProperties": "not json"}, "ServingProperties is not JSON"),
        ({"RoleArn": ""}, "RoleArn is required"),
        ({"TensorParallelDegree": "0"}, "TensorParallelDegree must be >= 1, got 0"),
        ({"ServingProperties": "[]"}, "ServingProperties must be a JSON dict"),
    ],
)
def test_malformed_properties_give_a_clear_error(
    stubbed: Stubbed, optimization_event: dict[str, Any], change: dict[str, str], message: str
) -> None:
    optimization_event["ResourceProperties"].update(change)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        on_event(optimization_event, clients=stubbed.clients)


def test_unknown_request_type(stubbed: Stubbed, optimization_event: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RequestType must be"):
        on_event({**optimization_event, "RequestType": "Upsert"}, clients=stubbed.clients)


OTHER_VALUES = {
    "RoleArn": "arn:aws:iam::111111111111:role/other", "OutputBucket": "other-bucket", "OutputKeyPrefix": "other/",
    "MaxRuntimeSeconds": "3600", "OutputKmsKeyId": "", "AcceptEula": "true", "ModelName": "other-model",
    "Engine": "training-job", "Steps": "quantize-fp8", "ImageUri": "x:1", "ModelId": "s3://b/other/",
    "OptimizationConfigs": '[["ModelQuantizationConfig", {"OPTION_QUANTIZE": "fp8"}]]',
    "ServingProperties": '{"engine": "Python"}', "TensorParallelDegree": "2", "InstanceType": "ml.g5.24xlarge",
    "VolumeSizeGb": "100",
}  # fmt: skip


def test_hash_covers_exactly_the_inputs_that_shape_the_output(optimization_event: dict[str, Any]) -> None:
    """naming.AOT_CONTENT_PROPERTIES, which the review report treats as replacing the resource, is that set."""
    base = inputs_of(optimization_event).content_hash
    properties = {k: v for k, v in optimization_event["ResourceProperties"].items() if k != "ServiceToken"}
    assert set(properties) == set(OTHER_VALUES)  # a new property gets a value here, and a side
    changing = {
        key
        for key, value in OTHER_VALUES.items()
        if inputs_of({"ResourceProperties": {**properties, key: value}}).content_hash != base
    }
    assert changing == set(naming.AOT_CONTENT_PROPERTIES)


@pytest.mark.parametrize("engine", ["OptimizationJob", "TrainingJob"])
def test_every_job_status_botocore_knows_has_a_meaning(engine: str) -> None:
    """A status missing from the map raised KeyError in the handler (TrainingJob's Deleting did)."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    statuses = model.shape_for(f"{engine}Status").enum
    (mapped,) = [e for e in engines.ENGINES.values() if e.kind == engine]
    assert set(statuses) == set(mapped.statuses)
    assert set(mapped.statuses.values()) <= {"running", "completed", "failed", "stopped"}
