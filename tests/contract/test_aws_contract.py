"""Tests for aws_contract against real botocore service models."""

from __future__ import annotations

import copy
import io
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from tests.contract.aws_contract import (
    SKIPPED_PATTERNS,
    ContractViolation,
    Problem,
    StrictStubber,
    assert_valid_request,
    check_request,
    strict_client,
)

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
UNREACHABLE = "http://127.0.0.1:1"

TRAINING_JOB: dict[str, Any] = {
    "TrainingJobName": "lmi-train-1",
    "RoleArn": ROLE,
    "AlgorithmSpecification": {
        "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu",
        "TrainingInputMode": "File",
        "ContainerEntrypoint": ["python"],
        "ContainerArguments": ["train.py", "--epochs", "3"],
    },
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceType": "ml.g5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "Tags": [{"Key": "project", "Value": "lmi"}, {"Key": "owner", "Value": "ml-team@example.com"}],
}

OPTIMIZATION_JOB: dict[str, Any] = {
    "OptimizationJobName": "lmi-awq-1",
    "RoleArn": ROLE,
    "ModelSource": {"S3": {"S3Uri": "s3://bucket/models/llama/"}},
    "DeploymentInstanceType": "ml.g5.12xlarge",
    "OptimizationConfigs": [{"ModelQuantizationConfig": {"OverrideEnvironment": {"OPTION_QUANTIZE": "awq"}}}],
    "OutputConfig": {"S3OutputLocation": "s3://bucket/optimized/"},
    "StoppingCondition": {"MaxRuntimeInSeconds": 36000},
}


def training_job() -> dict[str, Any]:
    """A fresh, valid CreateTrainingJob request."""
    return copy.deepcopy(TRAINING_JOB)


def optimization_job() -> dict[str, Any]:
    """A fresh, valid CreateOptimizationJob request."""
    return copy.deepcopy(OPTIMIZATION_JOB)


def only_problem(service: str, operation: str, params: dict[str, Any]) -> Problem:
    problems = check_request(service, operation, params)
    assert len(problems) == 1, problems
    return problems[0]


def make_client(service: str, *, endpoint_url: str | None = None) -> Any:
    return boto3.session.Session().client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )


# --- check_request on sagemaker CreateTrainingJob -------------------------------------------


def test_valid_training_job_passes() -> None:
    assert check_request("sagemaker", "CreateTrainingJob", TRAINING_JOB) == []
    assert_valid_request("sagemaker", "CreateTrainingJob", TRAINING_JOB, api_version="2017-07-24")


def test_tag_value_with_pipe_breaks_pattern() -> None:
    params = training_job()
    params["Tags"][1]["Value"] = "a|b"
    problem = only_problem("sagemaker", "CreateTrainingJob", params)
    assert problem.path == "Tags[1].Value"
    assert "does not match pattern" in problem.message
    assert "'a|b'" in problem.message


@pytest.mark.parametrize(
    ("path", "value", "allowed"),
    [
        # RoleArn: arn:aws[a-z\-]*:iam::\d{12}:role/?... - Java's \d is ASCII
        (("RoleArn",), "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/SageMakerRole", False),
        (("RoleArn",), ROLE, True),
        # TagValue: ([\p{L}\p{Z}\p{N}_.:/=+\-@]*) - \p{L} stays Unicode in Java
        (("Tags", 1, "Value"), "équipe-données", True),
        # TrainingJobName: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} - no Unicode letters
        (("TrainingJobName",), "lmi-trainé", False),
    ],
)
def test_patterns_match_as_java_matches(path: tuple[Any, ...], value: str, allowed: bool) -> None:
    r"""AWS evaluates the model's patterns with java.util.regex: \d, \w, \s and \p{Alnum} are ASCII, `.`
    refuses line separators, \p{L} and friends are Unicode."""
    params = training_job()
    target: Any = params
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert (check_request("sagemaker", "CreateTrainingJob", params) == []) is allowed


def test_dot_refuses_the_line_separators_java_does() -> None:
    import regex

    from tests.contract.aws_contract import java_semantics

    dot = regex.compile(java_semantics(".*"), regex.V1)
    assert dot.fullmatch("any text, é and 😀")
    for separator in ("\r", "\u0085", "\u2028", "\u2029", "\n"):
        assert dot.fullmatch(f"a{separator}b") is None, repr(separator)
    assert regex.compile(java_semantics("[.]"), regex.V1).fullmatch(".")  # a dot in a class is literal


def test_container_argument_too_long() -> None:
    params = training_job()
    params["AlgorithmSpecification"]["ContainerArguments"][0] = "x" * 300
    problem = only_problem("sagemaker", "CreateTrainingJob", params)
    assert problem.path == "AlgorithmSpecification.ContainerArguments[0]"
    assert problem.message == "length 300 is above max 256"


def test_unknown_member() -> None:
    params = training_job()
    params["ResourceConfig"]["InstanceCnt"] = 2
    problem = only_problem("sagemaker", "CreateTrainingJob", params)
    assert problem.path == "ResourceConfig.InstanceCnt"
    assert "unknown member of ResourceConfig" in problem.message
    assert "did you mean 'InstanceCount'" in problem.message


def test_missing_required_member() -> None:
    params = training_job()
    del params["RoleArn"]
    del params["AlgorithmSpecification"]["TrainingInputMode"]
    problems = check_request("sagemaker", "CreateTrainingJob", params)
    assert problems == [
        Problem("RoleArn", "required member is missing"),
        Problem("AlgorithmSpecification.TrainingInputMode", "required member is missing"),
    ]


def test_enum_violation() -> None:
    params = training_job()
    params["ResourceConfig"]["InstanceType"] = "ml.nope"
    problem = only_problem("sagemaker", "CreateTrainingJob", params)
    assert problem.path == "ResourceConfig.InstanceType"
    assert "'ml.nope' is not an allowed value of TrainingInstanceType" in problem.message


def test_number_out_of_range() -> None:
    params = training_job()
    params["StoppingCondition"]["MaxRuntimeInSeconds"] = 0
    problem = only_problem("sagemaker", "CreateTrainingJob", params)
    assert problem == Problem("StoppingCondition.MaxRuntimeInSeconds", "value 0 is below min 1")


def test_list_too_long() -> None:
    params = training_job()
    params["Tags"] = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert only_problem("sagemaker", "CreateTrainingJob", params) == Problem("Tags", "length 51 is above max 50")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("ResourceConfig", "InstanceCount"), True, "expected an int, got bool"),
        (("ResourceConfig", "InstanceCount"), "1", "expected an int, got str"),
        (("EnableNetworkIsolation",), "yes", "expected a bool, got str"),
        (("TrainingJobName",), 7, "expected a string, got int"),
        (("Tags",), {"Key": "k"}, "expected a list, got dict"),
        (("StoppingCondition",), None, "expected a mapping, got NoneType"),
    ],
)
def test_wrong_types(path: tuple[str, ...], value: object, expected: str) -> None:
    params = training_job()
    target = params
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    assert only_problem("sagemaker", "CreateTrainingJob", params) == Problem(".".join(path), expected)


def test_violation_lists_one_problem_per_line() -> None:
    params = training_job()
    params["Tags"][0]["Value"] = "a|b"
    params["StoppingCondition"]["MaxRuntimeInSeconds"] = 0
    with pytest.raises(ContractViolation) as raised:
        assert_valid_request("sagemaker", "CreateTrainingJob", params)
    assert [p.path for p in raised.value.problems] == ["StoppingCondition.MaxRuntimeInSeconds", "Tags[0].Value"]
    lines = str(raised.value).splitlines()
    assert len(lines) == 2
    assert lines[0] == "StoppingCondition.MaxRuntimeInSeconds: value 0 is below min 1"
    assert lines[1].startswith("Tags[0].Value: 'a|b' does not match pattern")


# --- unions and maps: sagemaker CreateOptimizationJob ----------------------------------------


def test_valid_optimization_job_passes() -> None:
    assert check_request("sagemaker", "CreateOptimizationJob", OPTIMIZATION_JOB) == []


def test_union_with_two_members_fails() -> None:
    params = optimization_job()
    params["OptimizationConfigs"][0]["ModelCompilationConfig"] = {}
    problem = only_problem("sagemaker", "CreateOptimizationJob", params)
    assert problem.path == "OptimizationConfigs[0]"
    assert "union OptimizationConfig needs exactly one member set, got 2" in problem.message


def test_union_with_no_member_fails() -> None:
    params = optimization_job()
    params["OptimizationConfigs"].append({})
    problem = only_problem("sagemaker", "CreateOptimizationJob", params)
    assert problem.path == "OptimizationConfigs[1]"
    assert "got 0" in problem.message


def test_map_entries_and_keys() -> None:
    params = optimization_job()
    params["OptimizationEnvironment"] = {f"VAR_{i}": "1" for i in range(26)}
    params["OptimizationConfigs"][0]["ModelQuantizationConfig"]["OverrideEnvironment"] = {" ": "x" * 257}
    problems = check_request("sagemaker", "CreateOptimizationJob", params)
    env = "OptimizationConfigs[0].ModelQuantizationConfig.OverrideEnvironment[' ']"
    assert len(problems) == 3
    assert problems[0].path == env
    assert problems[0].message.startswith("key ' ' does not match pattern")
    assert problems[1] == Problem(env, "length 257 is above max 256")
    assert problems[2] == Problem("OptimizationEnvironment", "number of entries 26 is above max 25")


def test_idempotency_token_may_be_left_to_botocore() -> None:
    assert check_request("sagemaker", "StartPipelineExecution", {"PipelineName": "p"}) == []
    problem = only_problem("sagemaker", "StartPipelineExecution", {"PipelineName": "p", "ClientRequestToken": "x"})
    assert problem == Problem("ClientRequestToken", "length 1 is below min 32")


# --- other services --------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b'{"inputs": "hi"}', '{"inputs": "hi"}', io.BytesIO(b"{}")])
def test_invoke_endpoint_valid(body: object) -> None:
    params = {"EndpointName": "lmi-llama-3", "Body": body, "ContentType": "application/json"}
    assert check_request("sagemaker-runtime", "InvokeEndpoint", params) == []


def test_invoke_endpoint_violations() -> None:
    params = {"EndpointName": "bad_name", "Body": 42, "CustomAttributes": "sécret"}
    problems = check_request("sagemaker-runtime", "InvokeEndpoint", params)
    assert [p.path for p in problems] == ["EndpointName", "Body", "CustomAttributes"]
    assert problems[1].message == "expected bytes, str or a file-like object, got int"
    assert problems[2].message.startswith("<sensitive value> does not match pattern")
    assert "sécret" not in str(ContractViolation(problems))


def test_invoke_endpoint_body_too_large() -> None:
    params = {"EndpointName": "e", "Body": b"\0" * (6291456 + 1)}
    assert only_problem("sagemaker-runtime", "InvokeEndpoint", params) == Problem(
        "Body", "length 6291457 is above max 6291456"
    )


def test_start_execution() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:lmi"
    assert check_request("stepfunctions", "StartExecution", {"stateMachineArn": arn, "input": "{}"}) == []
    problems = check_request("stepfunctions", "StartExecution", {"name": "n" * 81, "traceHeader": "ü"})
    assert [str(p).split(" ")[0] for p in problems] == ["stateMachineArn:", "name:", "traceHeader:"]
    assert problems[1].message == "length 81 is above max 80"


# --- patterns written for Java ---------------------------------------------------------------


def test_surrogate_pair_range_means_supplementary_characters() -> None:
    grok = {"Classification": "logs", "Name": "c", "GrokPattern": "%{WORD} 😀\t"}
    assert check_request("glue", "CreateClassifier", {"GrokClassifier": grok}) == []
    grok["GrokPattern"] = "bell\x07"
    assert only_problem("glue", "CreateClassifier", {"GrokClassifier": grok}).path == "GrokClassifier.GrokPattern"


def test_uncompilable_pattern_is_skipped_and_recorded() -> None:
    event = {"EventType": "shareSnapshot", "SnapshotOwner": ["123456789012"], "DescriptionRegex": "any"}
    details = {"EventSource": {"Type": "MANAGED_CWE", "Parameters": event}}
    problems = check_request("dlm", "UpdateLifecyclePolicy", {"PolicyId": "policy-1", "PolicyDetails": details})
    assert problems == []
    assert r"[\p{all}]*" in SKIPPED_PATTERNS


# --- hooks on clients ------------------------------------------------------------------------


def test_strict_stubber_rejects_bad_params_even_without_expected_params() -> None:
    client = make_client("sagemaker")
    params = training_job()
    params["Tags"][0]["Value"] = "a|b"
    with StrictStubber(client) as stubber:
        stubber.add_response("create_training_job", {"TrainingJobArn": "arn:x"}, expected_params=None)
        with pytest.raises(ContractViolation) as raised:
            client.create_training_job(**params)
        assert [p.path for p in raised.value.problems] == ["Tags[0].Value"]
        assert client.create_training_job(**training_job())["TrainingJobArn"] == "arn:x"
        stubber.assert_no_pending_responses()


def test_plain_stubber_lets_bad_params_through() -> None:
    client = make_client("sagemaker")
    params = training_job()
    params["Tags"][0]["Value"] = "a|b"
    with Stubber(client) as stubber:
        stubber.add_response("create_training_job", {"TrainingJobArn": "arn:x"}, expected_params=None)
        assert client.create_training_job(**params)["TrainingJobArn"] == "arn:x"


def test_hook_event_carries_params_and_operation_model() -> None:
    client = make_client("sagemaker")
    seen: list[tuple[str, dict[str, Any]]] = []
    with StrictStubber(client) as stubber:
        # Registered after the contract hook on the same event, so it sees what the hook saw.
        client.meta.events.register_last(
            "before-parameter-build", lambda params, model, **_: seen.append((model.name, dict(params)))
        )
        stubber.add_response("start_pipeline_execution", {"PipelineExecutionArn": "arn:x"}, expected_params=None)
        client.start_pipeline_execution(PipelineName="p")
    [(operation, params)] = seen
    assert operation == "StartPipelineExecution"
    assert params["PipelineName"] == "p"
    assert len(params["ClientRequestToken"]) == 36  # generated by botocore before the contract check


def test_strict_stubber_deactivates_check() -> None:
    client = make_client("sagemaker", endpoint_url=UNREACHABLE)
    with StrictStubber(client):
        pass
    with pytest.raises(EndpointConnectionError):
        client.describe_training_job(TrainingJobName="bad_name!")


def test_strict_client_raises_before_any_network_attempt() -> None:
    client = strict_client(make_client("sagemaker", endpoint_url=UNREACHABLE))
    params = training_job()
    params["AlgorithmSpecification"]["ContainerArguments"][0] = "x" * 300
    with pytest.raises(ContractViolation):
        client.create_training_job(**params)
    with pytest.raises(EndpointConnectionError):
        client.create_training_job(**training_job())


def test_strict_client_only_affects_that_client() -> None:
    session = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
    strict = strict_client(session.client("stepfunctions", endpoint_url=UNREACHABLE))
    plain = session.client("stepfunctions", endpoint_url=UNREACHABLE, config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ContractViolation, match="name: length 81 is above max 80"):
        strict.start_execution(stateMachineArn="arn:x", name="n" * 81)
    with pytest.raises(EndpointConnectionError):
        plain.start_execution(stateMachineArn="arn:x", name="n" * 81)


def test_strict_client_works_on_botocore_clients() -> None:
    client = botocore.session.get_session().create_client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    assert strict_client(client) is client
    with pytest.raises(ContractViolation, match="EndpointName: 'bad_name' does not match pattern"):
        client.invoke_endpoint(EndpointName="bad_name", Body=b"{}")
