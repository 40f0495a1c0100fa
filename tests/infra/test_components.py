"""Template assertions for inference components: the endpoint pool and the three components on it."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from lmi_constructs.component_endpoint import ComponentEndpoint, ComponentEndpointProps, ManagedScalingProps
from lmi_constructs.image import ImageProps
from lmi_constructs.inference_component import ComputeProps, InferenceComponent, InferenceComponentProps
from lmi_constructs.model import LmiModelProps
from stacks.kinds.component import adapter_output_key
from tests.conftest import EXAMPLES, Synth, synth

POOL, CHAT, AWQ, EMBED = "lmi-pool-g5-48xl", "lmi-llama3-8b-ic", "lmi-qwen25-32b-awq-ic", "lmi-bge-large-embed-ic"


def of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_name}


def component(template: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [
        r
        for r in of_type(template, "AWS::SageMaker::InferenceComponent").values()
        if r["Properties"]["InferenceComponentName"] == name
    ]
    return found


def test_variant_without_a_model_with_managed_scaling_to_zero(examples: Synth) -> None:
    (config,) = of_type(examples.templates[POOL], "AWS::SageMaker::EndpointConfig").values()
    properties = config["Properties"]
    (variant,) = properties["ProductionVariants"]
    assert "ModelName" not in variant
    assert variant["ManagedInstanceScaling"] == {
        "Status": "ENABLED",
        "MinInstanceCount": 0,
        "MaxInstanceCount": 4,
        "ScaleInPolicy": {"Strategy": "IDLE_RELEASE"},
    }
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.g5.48xlarge", 1)
    assert variant["InferenceAmiVersion"] == "al2023-ami-sagemaker-inference-gpu-4-1"  # cu130 components
    assert "ContainerStartupHealthCheckTimeoutInSeconds" not in variant  # per component instead
    assert properties["ExecutionRoleArn"] == {
        "Fn::GetAtt": [next(iter(of_type(examples.templates[POOL], "AWS::IAM::Role"))), "Arn"]
    }
    assert properties["DataCaptureConfig"]["InitialSamplingPercentage"] == 10
    assert "KmsKeyId" not in properties  # g5 has NVMe (acknowledged for HIPAA/NIST like the realtime kind)


def test_endpoint_is_named_and_its_role_named_for_components(examples: Synth) -> None:
    template = Template.from_stack(examples.stack(POOL))
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "pool-g5-48xl"})
    template.has_resource_properties("AWS::IAM::Role", {"RoleName": "lmi-pool-g5-48xl-endpoint-role"})
    template.resource_count_is("AWS::SageMaker::Model", 0)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)  # SageMaker scales the instances


def test_component_places_its_model_with_per_copy_compute(examples: Synth) -> None:
    properties = component(examples.templates[CHAT], "llama3-8b-ic")["Properties"]
    assert (properties["EndpointName"], properties["VariantName"]) == ("pool-g5-48xl", "AllTraffic")
    specification = properties["Specification"]
    assert specification["ModelName"]["Fn::GetAtt"][1] == "ModelName"
    assert specification["ComputeResourceRequirements"] == {
        "NumberOfAcceleratorDevicesRequired": 1,
        "MinMemoryRequiredInMb": 32768,
        "NumberOfCpuCoresRequired": 8,
    }
    assert specification["StartupParameters"] == {
        "ContainerStartupHealthCheckTimeoutInSeconds": 900,
        "ModelDataDownloadTimeoutInSeconds": 900,
    }
    assert properties["RuntimeConfig"] == {"CopyCount": 1}
    awq = component(examples.templates[AWQ], "qwen25-32b-awq-ic")["Properties"]["Specification"]
    assert awq["ComputeResourceRequirements"]["NumberOfAcceleratorDevicesRequired"] == 2  # the TP degree


def test_rolling_update_with_auto_rollback_alarms(examples: Synth) -> None:
    template = examples.templates[CHAT]
    deployment = component(template, "llama3-8b-ic")["Properties"]["DeploymentConfig"]
    policy = deployment["RollingUpdatePolicy"]
    assert policy["MaximumBatchSize"] == {"Type": "COPY_COUNT", "Value": 1}
    assert policy["RollbackMaximumBatchSize"] == {"Type": "COPY_COUNT", "Value": 1}
    # each of up to 6 copies in turn: launch 900 + download 900 + startup 900 + bake 300 (a fixed 3600 s timed
    # out an accepted config: the shipped qwen25-32b-awq-ic alone needs 900 + 1800 + 2400 + 300 for one copy)
    assert policy["MaximumExecutionTimeoutInSeconds"] == 6 * (900 + 900 + 900 + 300)
    alarms = [
        template["Resources"][a["AlarmName"]["Ref"]]["Properties"]
        for a in deployment["AutoRollbackConfiguration"]["Alarms"]
    ]
    assert {a["MetricName"] for a in alarms} == {"Invocation5XXErrors", "ModelLatency"}
    for alarm in alarms:
        assert alarm["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "llama3-8b-ic"}]
    assert "DeploymentConfig" not in json.dumps(of_type(examples.templates[POOL], "AWS::SageMaker::Endpoint"))


def test_copy_count_scaling_with_the_wake_up_alarm(examples: Synth) -> None:
    template = Template.from_stack(examples.stack(CHAT))
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ResourceId": "inference-component/llama3-8b-ic",
            "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
            "MinCapacity": 0,
            "MaxCapacity": 6,
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"
                    },
                    "TargetValue": 4,
                }
            ),
        },
    )
    resources = examples.templates[CHAT]["Resources"]
    (step_id,) = [
        k
        for k, r in of_type(examples.templates[CHAT], "AWS::ApplicationAutoScaling::ScalingPolicy").items()
        if r["Properties"]["PolicyType"] == "StepScaling"
    ]
    step = resources[step_id]["Properties"]["StepScalingPolicyConfiguration"]
    assert step["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    assert step["AdjustmentType"] == "ChangeInCapacity"
    (wake,) = [
        r["Properties"]
        for r in of_type(examples.templates[CHAT], "AWS::CloudWatch::Alarm").values()
        if r["Properties"]["MetricName"] == "NoCapacityInvocationFailures"
    ]
    assert wake["Namespace"] == "AWS/SageMaker"
    assert wake["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "llama3-8b-ic"}]
    assert (wake["ComparisonOperator"], wake["Threshold"], wake["Statistic"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
        "Sum",
    )
    assert wake["AlarmActions"] == [{"Ref": step_id}]


def test_invocations_per_copy_for_the_embedding_model(examples: Synth) -> None:
    policies = of_type(examples.templates[EMBED], "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    (tracking,) = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in policies
        if p["Properties"]["PolicyType"] == "TargetTrackingScaling"
    ]
    assert (
        tracking["PredefinedMetricSpecification"]["PredefinedMetricType"]
        == "SageMakerInferenceComponentInvocationsPerCopy"
    )
    assert tracking["TargetValue"] == 300


def test_adapter_components_sit_on_the_base(examples: Synth) -> None:
    template = examples.templates[CHAT]
    base_id = next(
        k
        for k, r in of_type(template, "AWS::SageMaker::InferenceComponent").items()
        if r["Properties"]["InferenceComponentName"] == "llama3-8b-ic"
    )
    for name, key in (("llama3-8b-sql", "sql.tar.gz"), ("llama3-8b-support", "support.tar.gz")):
        adapter = component(template, name)
        assert adapter["Properties"]["Specification"] == {
            "BaseInferenceComponentName": "llama3-8b-ic",
            "Container": {"ArtifactUrl": f"s3://my-adapters/llama3-8b/{key}"},
        }
        assert "RuntimeConfig" not in adapter["Properties"]  # adapters run in the base's copies
        assert base_id in adapter["DependsOn"]
    assert template["Outputs"][adapter_output_key("llama3-8b-sql")]["Value"] == "llama3-8b-sql"
    assert template["Outputs"][adapter_output_key("llama3-8b-support")]["Value"] == "llama3-8b-support"
    assert template["Outputs"]["InferenceComponentName"]["Value"] == "llama3-8b-ic"


def test_adapter_output_keys_are_alphanumeric_and_one_per_name() -> None:
    names = ["llama3-8b-sql", "llama38b-sql", "llama3-8bsql", "Llama3-8b-sql", "a--b", "a-b", "ab", "AB"]
    keys = [adapter_output_key(name) for name in names]
    assert all(key.isalnum() and key.isascii() for key in keys)
    assert len(set(keys)) == len(names)
    assert adapter_output_key("llama3-8b-sql") == "AdapterLlama38bSql675365ComponentName"  # the same in every synth


@pytest.fixture(scope="module")
def without_the_first_adapter(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The example component with its first adapter (llama3-8b-sql) removed, beside its endpoint."""
    root = tmp_path_factory.mktemp("one-adapter")
    configs = root / "configs"
    shutil.copytree(EXAMPLES / "code", configs / "code")
    shutil.copy(EXAMPLES / "pool-g5-48xl.yaml", configs)
    text = (EXAMPLES / "llama3-8b-ic.yaml").read_text()
    sql = '  - {name: llama3-8b-sql, artifact: "s3://my-adapters/llama3-8b/sql.tar.gz"}\n'
    assert sql in text
    (configs / "llama3-8b-ic.yaml").write_text(text.replace(sql, ""))
    return synth(configs, root / "out", models="llama3-8b-ic")


def test_removing_an_adapter_leaves_the_others_untouched(examples: Synth, without_the_first_adapter: Synth) -> None:
    """Keyed by name, not position: the remaining adapter keeps its logical id, name and output; only the
    removed one goes (by position, adapter 0 would have been renamed to llama3-8b-support in place)."""
    template = without_the_first_adapter.templates[CHAT]
    before = of_type(examples.templates[CHAT], "AWS::SageMaker::InferenceComponent")
    after = of_type(template, "AWS::SageMaker::InferenceComponent")
    named = {r["Properties"]["InferenceComponentName"]: k for k, r in before.items()}
    assert set(before) - set(after) == {named["llama3-8b-sql"]}
    support = named["llama3-8b-support"]
    assert after[support]["Properties"] == before[support]["Properties"]
    key = adapter_output_key("llama3-8b-support")
    assert template["Outputs"][key] == examples.templates[CHAT]["Outputs"][key]
    assert adapter_output_key("llama3-8b-sql") not in template["Outputs"]


def test_a_new_number_of_adapters_replaces_the_base_model(examples: Synth, without_the_first_adapter: Synth) -> None:
    """option.max_loras is the number of adapters: one fewer is a new bundle, so a new Model (what the report
    says of an adapters change)."""
    assert "option.max_loras=1" in without_the_first_adapter.serving_properties(CHAT).splitlines()
    (before,) = of_type(examples.templates[CHAT], "AWS::SageMaker::Model").values()
    (after,) = of_type(without_the_first_adapter.templates[CHAT], "AWS::SageMaker::Model").values()
    assert before["Properties"]["PrimaryContainer"] != after["Properties"]["PrimaryContainer"]


def test_base_model_gets_lora_options(examples: Synth) -> None:
    text = examples.serving_properties(CHAT)
    assert {"option.enable_lora=true", "option.max_loras=2", "option.max_lora_rank=64"} <= set(text.splitlines())


def test_component_stacks_deploy_after_their_endpoint(examples: Synth) -> None:
    manifest = json.loads((examples.outdir / "manifest.json").read_text())
    for stack in (CHAT, AWQ, EMBED):
        assert POOL in manifest["artifacts"][stack]["dependencies"]
    assert set(manifest["artifacts"][POOL]["dependencies"]) <= {"lmi-shared", f"{POOL}.assets"}


def test_the_endpoint_role_may_fetch_each_components_artifacts(examples: Synth) -> None:
    policies = of_type(examples.templates[CHAT], "AWS::IAM::ManagedPolicy").values()
    (host,) = [p["Properties"] for p in policies if p["Properties"].get("Roles") == ["lmi-pool-g5-48xl-endpoint-role"]]
    text = json.dumps(host["PolicyDocument"])
    assert "ecr:BatchGetImage" in text and "my-models/llama-3.1-8b-instruct/*" in text and "sql.tar.gz" in text
    assert "s3:PutObject" not in text
    # and may write the component's container logs, whichever of the two roles SageMaker writes them with
    assert "logs:PutLogEvents" in text and "log-group:/aws/sagemaker/InferenceComponents/llama3-8b-ic" in text


# ---------------------------------------------------------------- the constructs on their own


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = App(
        outdir=str(tmp_path_factory.mktemp("components")), builtin_cloud_formation_validation=False
    )  # runs once, on the examples (conftest)
    stack = Stack(app, "Standalone")
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    pool = ComponentEndpoint(
        stack,
        "Pool",
        props=ComponentEndpointProps(
            endpoint_name="my-pool",
            instance_type="ml.g5.12xlarge",
            instance_count=1,
            storage_key=kms.Key(stack, "Key"),
            role_name="my-pool-role",
            log_group_name="/aws/sagemaker/Endpoints/my-pool",
            scaling=ManagedScalingProps(min=1, max=2, scale_in_strategy="CONSOLIDATION"),
        ),
    )
    chat = InferenceComponent(
        stack,
        "Chat",
        props=InferenceComponentProps(
            component_name="my-chat",
            endpoint_name=pool.endpoint_name,
            model=LmiModelProps(name="my-chat", image=ImageProps(tag="0.36.0-lmi27.0.0-cu130"), model_id="org/model"),
            compute=ComputeProps(accelerators=1, memory_mb=1024),
            alarm_topic=sns.Topic(stack, "Alarms"),
            host_role=pool.role,
        ),
    )
    adapter = chat.add_adapter("Sql", name="my-sql", bucket=s3.Bucket(stack, "Adapters"), key="sql.tar.gz")
    chat.grant_invoke(caller)
    adapter.grant_invoke(caller)
    return {"template": Template.from_stack(stack).to_json(), "chat": chat}


def test_grant_invoke_is_scoped_to_each_component(standalone: dict[str, Any]) -> None:
    template = standalone["template"]
    (policy,) = [r["Properties"] for r in of_type(template, "AWS::IAM::Policy").values()]
    statements = policy["PolicyDocument"]["Statement"]
    assert len(statements) == 2
    for statement in statements:
        assert statement["Action"] == ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
        endpoint_arn, component_arn = statement["Resource"]
        assert "endpoint/my-pool" in json.dumps(endpoint_arn)
        assert component_arn["Fn::GetAtt"][1] == "InferenceComponentArn"
    targets = {s["Resource"][1]["Fn::GetAtt"][0] for s in statements}
    assert len(targets) == 2  # the base and the adapter, each its own


def test_fixed_copies_register_no_scaling(standalone: dict[str, Any]) -> None:
    template = standalone["template"]
    assert standalone["chat"].scalable_target is None
    assert of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget") == {}
    (config,) = of_type(template, "AWS::SageMaker::EndpointConfig").values()
    scaling = config["Properties"]["ProductionVariants"][0]["ManagedInstanceScaling"]
    assert scaling["ScaleInPolicy"] == {"Strategy": "CONSOLIDATION"}
