"""AOT preparation: the custom resource, its Provider (1-hour limit) and the dependency order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lmi_core import naming
from tests.conftest import Synth, synth


@pytest.fixture(scope="module")
def trtllm(examples: Synth) -> dict[str, Any]:
    """v1 `mode: trtllm` on the last TensorRT-LLM image: compiled by a training job."""
    return examples.templates["lmi-llama3-8b-trtllm"]


@pytest.fixture(scope="module")
def awq(examples: Synth) -> dict[str, Any]:
    """[quantize-awq] by SageMaker's optimization job, served by the current LMI image."""
    return examples.templates["lmi-qwen25-32b-awq"]


@pytest.fixture(scope="module")
def shard(examples: Synth) -> dict[str, Any]:
    return examples.templates["lmi-llama31-8b-shard"]


@pytest.fixture(scope="module")
def inf2(examples: Synth) -> dict[str, Any]:
    return examples.templates["lmi-llama31-8b-inf2"]


def custom_resource(template: dict[str, Any]) -> dict[str, Any]:
    ((_, resource),) = of_type(template, "Custom::LmiAotPreparation").items()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_name}


def test_v1_trtllm_compiles_in_a_training_job(trtllm: dict[str, Any]) -> None:
    props = custom_resource(trtllm)
    assert (props["Engine"], props["Steps"], props["OptimizationConfigs"]) == ("training-job", "compile", "[]")
    assert props["InstanceType"] == "ml.g5.12xlarge"
    assert props["TensorParallelDegree"] == "4"  # CloudFormation passes strings; so do we
    assert props["ModelId"] == "s3://my-models/llama-3.1-8b-instruct/"
    assert json.loads(props["ServingProperties"])["option.rolling_batch"] == "trtllm"
    assert "djl-inference:0.33.0-tensorrtllm0.21.0-cu128" in json.dumps(props["ImageUri"])
    assert props["ServiceTimeout"] == "3600"  # CloudFormation's hard limit for a custom resource


def test_quantization_runs_in_the_optimization_job(awq: dict[str, Any]) -> None:
    props = custom_resource(awq)
    assert (props["Engine"], props["Steps"]) == ("optimization-job", "quantize-awq")
    assert json.loads(props["OptimizationConfigs"]) == [
        ["ModelQuantizationConfig", {"OPTION_QUANTIZE": "awq", "OPTION_TENSOR_PARALLEL_DEGREE": "4"}]
    ]  # fmt: skip
    assert "djl-inference:0.32.0-lmi14.0.0-cu126" in json.dumps(props["ImageUri"])  # the job's image
    ((_, model),) = of_type(awq, "AWS::SageMaker::Model").items()
    container = model["Properties"]["PrimaryContainer"]
    assert "djl-inference:0.36.0-lmi27.0.0-cu130" in json.dumps(container["Image"])  # the serving image
    assert "OPTION_QUANTIZE" not in container["Environment"]  # the checkpoint says how it is quantized


def test_sharded_model_loads_with_fast_model_loader(shard: dict[str, Any]) -> None:
    props = custom_resource(shard)
    # the job's dispatcher shards only when load_format says so; without it, it runs AWQ quantization instead
    assert json.loads(props["OptimizationConfigs"]) == [
        ["ModelShardingConfig", {"OPTION_LOAD_FORMAT": "sagemaker_fast_model_loader", "OPTION_TENSOR_PARALLEL_DEGREE": "4"}]
    ]  # fmt: skip
    ((resource_id, _),) = of_type(shard, "Custom::LmiAotPreparation").items()
    ((_, model),) = of_type(shard, "AWS::SageMaker::Model").items()
    environment = model["Properties"]["PrimaryContainer"]["Environment"]
    output = {"Fn::GetAtt": [resource_id, "OutputPrefix"]}
    assert environment == {
        "OPTION_LOAD_FORMAT": "sagemaker_fast_model_loader",
        "OPTION_MODEL_ID": output,
        "OPTION_TENSOR_PARALLEL_DEGREE": "4",
        "SM_FAST_MODEL_LOADER_S3_URI": output,
    }


def test_neuron_compiles_for_its_neuroncores(inf2: dict[str, Any]) -> None:
    props = custom_resource(inf2)
    assert (props["Engine"], props["InstanceType"]) == ("optimization-job", "ml.inf2.8xlarge")
    (config,) = json.loads(props["OptimizationConfigs"])
    assert config[0] == "ModelCompilationConfig"
    assert config[1]["OPTION_TENSOR_PARALLEL_DEGREE"] == "2" and config[1]["OPTION_N_POSITIONS"] == "4096"
    assert "djl-inference:0.29.0-neuronx-sdk2.19.1" in json.dumps(props["ImageUri"])


def test_neuron_serves_the_compiled_model_not_the_output_root(inf2: dict[str, Any]) -> None:
    """The job moves the compiled model into optimized_model/; the root keeps the input's files minus its
    weights, which transformers-neuronx would try to load (and compile) instead."""
    ((resource_id, _),) = of_type(inf2, "Custom::LmiAotPreparation").items()
    ((_, model),) = of_type(inf2, "AWS::SageMaker::Model").items()
    environment = model["Properties"]["PrimaryContainer"]["Environment"]
    output = {"Fn::GetAtt": [resource_id, "OutputPrefix"]}
    assert environment["OPTION_MODEL_ID"] == {"Fn::Join": ["", [output, "optimized_model/"]]}


def test_handler_may_touch_only_its_own_jobs(awq: dict[str, Any], trtllm: dict[str, Any]) -> None:
    for template, kind, prefix in (
        (awq, "optimization-job", naming.aot_job_prefix("qwen25-32b-awq")),
        (trtllm, "training-job", naming.aot_job_prefix("llama3-8b-trtllm")),
    ):
        statements = _statements(template, "HandlerPolicy")
        (jobs,) = [s for s in statements if "sagemaker:ListTags" in s["Action"]]
        assert json.dumps(jobs["Resource"]).endswith(f':{kind}/{prefix}-*"]]}}')
        assert all(a.startswith("sagemaker:") and "*" not in a for a in jobs["Action"])


def test_model_reads_the_aot_output_attribute(trtllm: dict[str, Any]) -> None:
    ((resource_id, _),) = of_type(trtllm, "Custom::LmiAotPreparation").items()
    ((_, model),) = of_type(trtllm, "AWS::SageMaker::Model").items()
    environment = model["Properties"]["PrimaryContainer"]["Environment"]
    assert environment["OPTION_MODEL_ID"] == {"Fn::GetAtt": [resource_id, "OutputPrefix"]}


def test_dependency_order_custom_resource_model_config_endpoint(trtllm: dict[str, Any]) -> None:
    """Endpoint -> EndpointConfig -> Model -> custom resource: the endpoint cannot come first."""
    resources = trtllm["Resources"]
    ((resource_id, _),) = of_type(trtllm, "Custom::LmiAotPreparation").items()
    ((model_id, _),) = of_type(trtllm, "AWS::SageMaker::Model").items()
    ((config_id, config),) = of_type(trtllm, "AWS::SageMaker::EndpointConfig").items()
    ((_, endpoint),) = of_type(trtllm, "AWS::SageMaker::Endpoint").items()
    assert resource_id in json.dumps(resources[model_id]["Properties"])
    assert model_id in json.dumps(config["Properties"]["ProductionVariants"])
    assert config_id in json.dumps(endpoint["Properties"]["EndpointConfigName"])


def test_provider_waits_less_than_an_hour(trtllm: dict[str, Any]) -> None:
    ((_, machine),) = of_type(trtllm, "AWS::StepFunctions::StateMachine").items()
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    # query interval 60 s x 55 attempts = 55 minutes < CloudFormation's 60
    assert '\\"IntervalSeconds\\":60' in definition and '\\"MaxAttempts\\":55' in definition
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"


def test_handler_lambda_latest_python_own_log_group(trtllm: dict[str, Any]) -> None:
    functions = of_type(trtllm, "AWS::Lambda::Function")
    handlers = [
        f["Properties"] for f in functions.values() if f["Properties"].get("Handler", "").startswith("handler.")
    ]
    assert {h["Handler"] for h in handlers} == {"handler.on_event", "handler.is_complete"}
    assert {h["Runtime"] for h in handlers} == {"python3.14"}
    groups = [g["Properties"] for g in of_type(trtllm, "AWS::Logs::LogGroup").values()]
    assert all("KmsKeyId" in g and g["RetentionInDays"] == 365 for g in groups)


def _statements(template: dict[str, Any], needle: str) -> list[dict[str, Any]]:
    return [
        s
        for key, p in of_type(template, "AWS::IAM::ManagedPolicy").items()
        if needle in key
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_job_role_least_privilege(trtllm: dict[str, Any]) -> None:
    statements = _statements(trtllm, "JobPolicy")
    text = json.dumps(statements)
    assert "my-models/llama-3.1-8b-instruct/*" in text  # the source prefix
    assert "/aot/llama3-8b-trtllm/*" in text  # its own output prefix
    assert ":repository/djl-inference" in text
    writes = [s for s in statements if "s3:PutObject" in json.dumps(s["Action"])]
    assert all("my-models" not in json.dumps(s["Resource"]) for s in writes)


def test_pass_role_only_for_the_job_role(trtllm: dict[str, Any]) -> None:
    (pass_role,) = [s for s in _statements(trtllm, "HandlerPolicy") if s["Action"] == "iam:PassRole"]
    ((job_role_id, _),) = [(k, r) for k, r in of_type(trtllm, "AWS::IAM::Role").items() if "JobRole" in k]
    assert pass_role["Resource"] == {"Fn::GetAtt": [job_role_id, "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_serving_role_reads_prepared_artifacts(trtllm: dict[str, Any]) -> None:
    text = json.dumps(_statements(trtllm, "ServingModelExecutionPolicy"))
    assert "/aot/llama3-8b-trtllm/*" in text


def test_handler_asset_carries_the_shared_modules(examples: Synth, trtllm: dict[str, Any]) -> None:
    """The Lambda asset holds copies of lmi_core.naming and serving_properties (never a second version),
    and the handler imports from the asset alone."""
    import subprocess
    import sys

    from tests.conftest import REPO

    ((_, function),) = [
        (k, r)
        for k, r in of_type(trtllm, "AWS::Lambda::Function").items()
        if r["Properties"]["Handler"] == "handler.on_event"
    ]
    asset = examples.outdir / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
    for module in ("naming.py", "serving_properties.py"):
        assert (asset / "lmi_core" / module).read_bytes() == (REPO / "lmi_core" / module).read_bytes()
    probe = "import handler, inputs; print(inputs.naming.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=asset,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(asset), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.stdout.strip().startswith(str(asset))


def test_the_handler_asset_is_the_named_modules_readable_whatever_the_umask(tmp_path: Path) -> None:
    """Lambda must read every file, and the CDK CLI zips each one with its mode; a stray file in the folder
    stays out."""
    import os
    import subprocess

    from lmi_constructs.aot_preparation import HANDLER_DIR, HANDLER_MODULES, handler_code

    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=HANDLER_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(HANDLER_MODULES) == sorted(tracked)  # a new module must be named in HANDLER_MODULES
    previous = os.umask(0o077)
    try:
        handler_code(str(tmp_path))
    finally:
        os.umask(previous)
    staged = [p for p in (tmp_path / ".lmi-lambda").rglob("*") if p.is_file()]
    assert {p.name for p in staged} >= set(HANDLER_MODULES) and "naming.py" in {p.name for p in staged}
    assert {oct(p.stat().st_mode & 0o777) for p in staged} == {"0o644"}


HUB_MODEL = """\
name: trt-hub
kind: realtime
model: {id: meta-llama/Llama-3.1-8B-Instruct}
container: {image: tensorrtllm, tag: 0.33.0-tensorrtllm0.21.0-cu128}
serving: {engine: Python, option.rolling_batch: trtllm, option.tensor_parallel_degree: 1}
instance: {type: ml.g5.2xlarge, count: 1}
secrets:
  HF_TOKEN: {id: hf-token, json_key: token}
  OTHER: other-secret
aot: {mode: trtllm}
"""


def test_a_hub_model_job_may_read_only_the_hf_token_secret(tmp_path: Path) -> None:
    """The training job downloads the hub model itself: the custom resource names the HF_TOKEN secret (never its
    value) and the job role may read that secret alone, by name (`-??????`: Secrets Manager's suffix)."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "trt-hub.yaml").write_text(HUB_MODEL)
    template = synth(tmp_path / "configs", tmp_path / "out").templates["lmi-trt-hub"]
    props = custom_resource(template)
    assert {k: v for k, v in props.items() if k.startswith("HfToken")} == {
        "HfTokenSecretId": "hf-token", "HfTokenRegion": {"Ref": "AWS::Region"}, "HfTokenJsonKey": "token",
    }  # fmt: skip
    reads = [s for s in _statements(template, "JobPolicy") if "secretsmanager" in json.dumps(s)]
    assert reads == [{
        "Action": "secretsmanager:GetSecretValue", "Effect": "Allow",
        "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":secretsmanager:", {"Ref": "AWS::Region"},
                                       ":", {"Ref": "AWS::AccountId"}, ":secret:hf-token-??????"]]},
    }]  # fmt: skip


def test_a_secret_given_by_arn_is_read_as_it_is_or_with_its_suffix() -> None:
    from lmi_constructs.aot_preparation import HubTokenSecret

    partial = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hf-token"
    token = HubTokenSecret(partial)
    assert token.region == "eu-west-1"  # the secret's own region, not the stack's
    assert token.arns == [partial, f"{partial}-??????"]


def test_no_function_reserves_concurrency(examples: Synth) -> None:
    """Reserving any fails the deploy in a new account (Lambda keeps 100 unreserved; new quotas are 10 or 50)."""
    for name, template in examples.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                assert "ReservedConcurrentExecutions" not in resource["Properties"], name


def test_job_roles_may_write_the_log_groups_their_jobs_use(awq: dict[str, Any], trtllm: dict[str, Any]) -> None:
    """A training job logs to /aws/sagemaker/TrainingJobs; an optimization job's group is undocumented, so
    its role may write that one or /aws/sagemaker/OptimizationJobs, streams of its own jobs only."""
    for template, groups in ((trtllm, {"TrainingJobs"}), (awq, {"TrainingJobs", "OptimizationJobs"})):
        text = json.dumps(_statements(template, "JobPolicy"))
        found = {
            group for group in ("TrainingJobs", "OptimizationJobs") if f"/aws/sagemaker/{group}:log-stream:" in text
        }
        assert found == groups


def test_the_waiter_logs_no_execution_data(shard: dict[str, Any]) -> None:
    """The waiter's input is CloudFormation's request, with its pre-signed ResponseURL: whoever reads the log
    could answer for the custom resource."""
    (machine,) = of_type(shard, "AWS::StepFunctions::StateMachine").values()
    logging = machine["Properties"]["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", False)


def test_no_role_carries_an_aws_managed_policy(examples: Synth) -> None:
    """AWSLambdaBasicExecutionRole (CDK's default for Lambda roles) may write every log group of the account.
    The model and shared stacks: the GitHub OIDC stack's provider Lambda is CDK's own (tests/infra/test_github_oidc.py)."""
    for stack, template in examples.templates.items():
        roles = of_type(template, "AWS::IAM::Role")
        assert [key for key, role in roles.items() if "ManagedPolicyArns" in role["Properties"]] == [], stack


def test_the_provider_framework_functions_write_only_their_own_log_group(shard: dict[str, Any]) -> None:
    functions = {
        key: f["Properties"] for key, f in of_type(shard, "AWS::Lambda::Function").items() if "framework" in key
    }
    assert len(functions) == 3  # onEvent, isComplete, onTimeout
    (logs_policy,) = [p for key, p in of_type(shard, "AWS::IAM::ManagedPolicy").items() if "FrameworkLogs" in key]
    (statement,) = logs_policy["Properties"]["PolicyDocument"]["Statement"]
    (group,) = [key for key in of_type(shard, "AWS::Logs::LogGroup") if key.startswith("AotFrameworkLogs")]
    assert statement == {
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [group, "Arn"]},
    }
    for function in functions.values():
        assert function["LoggingConfig"]["LogGroup"] == {"Ref": group}
        assert function["Role"]["Fn::GetAtt"][0] in {r["Ref"] for r in logs_policy["Properties"]["Roles"]}


def test_the_jobs_role_outlives_a_rollback(shard: dict[str, Any]) -> None:
    """A rollback leaves a job over the hour running for the next deploy to attach to: its role and policy stay."""
    resources = shard["Resources"]
    (role,) = [r for k, r in resources.items() if k.startswith("AotJobRole") and r["Type"] == "AWS::IAM::Role"]
    (policy,) = [
        r for k, r in resources.items() if k.startswith("AotJobPolicy") and r["Type"] == "AWS::IAM::ManagedPolicy"
    ]
    assert (role.get("DeletionPolicy"), policy.get("DeletionPolicy")) == ("Retain", "Retain")


def test_the_handler_gives_up_before_the_provider_does() -> None:
    """The handler fails the deploy with its own message (the job's name, deploy again) at GIVE_UP_SECONDS; the
    Provider's total timeout, one poll later at the latest, would say only "Operation timed out"."""
    from handler import GIVE_UP_SECONDS

    from lmi_constructs.aot_preparation import PROVIDER_TOTAL_TIMEOUT

    assert PROVIDER_TOTAL_TIMEOUT.to_seconds() > GIVE_UP_SECONDS + 60  # polls every minute
