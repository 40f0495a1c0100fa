"""Template assertions for the real-time construct, on the synthesized examples."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import EXAMPLES, Synth, stack_names


def resources(template: dict[str, Any], type_name: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == type_name]


@pytest.fixture(scope="module")
def llama(examples: Synth) -> dict[str, Any]:
    return examples.templates["lmi-llama3-8b-chat"]


def test_one_template_per_model_plus_shared(examples: Synth) -> None:
    assert sorted(examples.templates) == sorted(stack_names(EXAMPLES))
    assert {"lmi-shared", "lmi-llama3-8b-chat", "lmi-smollm2-serverless", "lmi-qwen25-7b-batch"} <= set(
        examples.templates
    )


def test_blue_green_timeout_covers_download_startup_bake_and_termination(examples: Synth) -> None:
    """qwen25-32b-chat: 900 launch + 1200 download + 2700 startup + 600 bake + 300 termination."""
    (endpoint,) = resources(examples.templates["lmi-qwen25-32b-chat"], "AWS::SageMaker::Endpoint")
    policy = endpoint["Properties"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert policy["MaximumExecutionTimeoutInSeconds"] == 5700


def test_blue_green_timeout_stays_within_sagemaker_limits() -> None:
    from lmi_constructs.realtime_endpoint import RolloutProps, blue_green_timeout
    from lmi_constructs.variant import InstanceProps

    short = InstanceProps("ml.g5.xlarge", 1, 60, 60)
    long = InstanceProps("ml.g5.xlarge", 1, 3600, 3600)
    assert blue_green_timeout(short, RolloutProps(bake_seconds=0, termination_wait_seconds=0)) == 1020
    assert blue_green_timeout(long, RolloutProps(bake_seconds=3600, termination_wait_seconds=3600)) == 15300
    assert blue_green_timeout(long, RolloutProps(bake_seconds=28800, termination_wait_seconds=0)) == 28800


def test_model_endpoint_config_and_endpoint(examples: Synth) -> None:
    template = Template.from_stack(examples.stack("lmi-llama3-8b-chat"))
    template.resource_count_is("AWS::SageMaker::Model", 1)
    template.resource_count_is("AWS::SageMaker::EndpointConfig", 1)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                Match.object_like(
                    {
                        "VariantName": "AllTraffic",
                        "InstanceType": "ml.g5.2xlarge",
                        "InitialInstanceCount": 1,
                        "ContainerStartupHealthCheckTimeoutInSeconds": 900,
                        "ModelDataDownloadTimeoutInSeconds": 900,
                    }
                )
            ]
        },
    )
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "llama3-8b-chat"})


def test_endpoint_config_has_no_physical_name_and_no_nvme_settings(llama: dict[str, Any]) -> None:
    (config,) = resources(llama, "AWS::SageMaker::EndpointConfig")
    assert "EndpointConfigName" not in config["Properties"]
    assert "KmsKeyId" not in config["Properties"]  # g5 has NVMe: a KmsKeyId would encrypt nothing
    variant = config["Properties"]["ProductionVariants"][0]
    assert "VolumeSizeInGB" not in variant
    assert variant["InferenceAmiVersion"] == "al2023-ami-sagemaker-inference-gpu-4-1"  # cu130 image: new driver


def test_cu128_images_keep_the_default_ami(examples: Synth) -> None:
    (config,) = resources(examples.templates["lmi-llama3-8b-trtllm"], "AWS::SageMaker::EndpointConfig")
    assert "InferenceAmiVersion" not in config["Properties"]["ProductionVariants"][0]


def test_endpoint_points_at_config_attribute(llama: dict[str, Any]) -> None:
    (endpoint,) = resources(llama, "AWS::SageMaker::Endpoint")
    assert endpoint["Properties"]["EndpointConfigName"]["Fn::GetAtt"][1] == "EndpointConfigName"


def test_blue_green_with_auto_rollback_alarms(llama: dict[str, Any]) -> None:
    (endpoint,) = resources(llama, "AWS::SageMaker::Endpoint")
    deployment = endpoint["Properties"]["DeploymentConfig"]
    assert deployment["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    alarm_refs = [a["AlarmName"]["Ref"] for a in deployment["AutoRollbackConfiguration"]["Alarms"]]
    metrics = {llama["Resources"][ref]["Properties"]["MetricName"] for ref in alarm_refs}
    assert metrics == {"Invocation5XXErrors", "ModelLatency"}
    for ref in alarm_refs:
        alarm = llama["Resources"][ref]["Properties"]
        assert {"Name": "EndpointName", "Value": "llama3-8b-chat"} in alarm["Dimensions"]
        assert alarm["AlarmActions"], "rollback alarms also notify the alarm topic"


def test_target_tracking_on_invocations_per_instance(examples: Synth) -> None:
    template = Template.from_stack(examples.stack("lmi-llama3-8b-chat"))
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ResourceId": "endpoint/llama3-8b-chat/variant/AllTraffic",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": 1,
            "MaxCapacity": 4,
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                    "TargetValue": 10,
                }
            ),
        },
    )


def test_scalable_target_waits_for_endpoint(llama: dict[str, Any]) -> None:
    (target_id,) = [
        k for k, r in llama["Resources"].items() if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
    ]
    (endpoint_id,) = [k for k, r in llama["Resources"].items() if r["Type"] == "AWS::SageMaker::Endpoint"]
    assert endpoint_id in llama["Resources"][target_id]["DependsOn"]


def test_data_capture_to_shared_kms_bucket(llama: dict[str, Any]) -> None:
    (config,) = resources(llama, "AWS::SageMaker::EndpointConfig")
    capture = config["Properties"]["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["InitialSamplingPercentage"] == 20
    assert [o["CaptureMode"] for o in capture["CaptureOptions"]] == ["Input", "Output"]
    assert "lmi-data-capture-" in json.dumps(capture["DestinationS3Uri"])
    assert "KmsKeyId" in capture


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(template, "AWS::IAM::ManagedPolicy") + resources(template, "AWS::IAM::Policy")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_execution_role_is_least_privilege(examples: Synth) -> None:
    for name, template in examples.templates.items():
        if name == "lmi-shared":
            continue
        roles = resources(template, "AWS::IAM::Role")
        for role in roles:
            assert "ManagedPolicyArns" not in role["Properties"] or all(
                "SageMakerFullAccess" not in json.dumps(arn) for arn in role["Properties"]["ManagedPolicyArns"]
            )
        for statement in _statements(template):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in action for action in actions), statement
            text = json.dumps(statement["Resource"])
            assert ":s3:::*" not in text, statement
            if any(a.startswith("s3:") for a in actions):
                # never a whole bucket: wildcards only below a prefix (model, capture, async, batch data)
                assert not re.search(r':s3:::[a-z0-9.-]+/\*"', text), statement


def test_s3_model_prefix_read_only_on_that_prefix(llama: dict[str, Any]) -> None:
    on_models = [s for s in _statements(llama) if "my-models" in json.dumps(s["Resource"])]
    assert {a for s in on_models for a in _as_list(s["Action"])} == {"s3:GetObject", "s3:ListBucket"}
    assert "my-models/llama-3.1-8b-instruct/*" in json.dumps(on_models)
    assert {"StringLike": {"s3:prefix": ["llama-3.1-8b-instruct/*"]}} in [s.get("Condition") for s in on_models]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_hugging_face_id_needs_no_s3_model_grant(examples: Synth) -> None:
    qwen = examples.templates["lmi-qwen25-32b-chat"]
    text = json.dumps(_statements(qwen))
    assert "s3:ListBucket" not in text


def test_image_from_region_mapping_and_pull_grant(llama: dict[str, Any]) -> None:
    assert llama["Mappings"]["LmiImageAccounts"]["us-east-1"] == {"account": "763104351884"}
    assert llama["Mappings"]["LmiImageAccounts"]["af-south-1"] == {"account": "626614931356"}
    (model,) = resources(llama, "AWS::SageMaker::Model")
    image = json.dumps(model["Properties"]["PrimaryContainer"]["Image"])
    assert "Fn::FindInMap" in image and "djl-inference:0.36.0-lmi27.0.0-cu130" in image
    pull = [s for s in _statements(llama) if "ecr:BatchGetImage" in _as_list(s["Action"])]
    assert pull and ":repository/djl-inference" in json.dumps(pull[0]["Resource"])


def test_outputs_endpoint_name_and_arn(llama: dict[str, Any]) -> None:
    assert llama["Outputs"]["EndpointName"]["Value"] == "llama3-8b-chat"
    assert "Ref" in llama["Outputs"]["EndpointArn"]["Value"]


def test_tags_from_yaml(llama: dict[str, Any]) -> None:
    (model,) = resources(llama, "AWS::SageMaker::Model")
    assert {"Key": "team", "Value": "search"} in model["Properties"]["Tags"]


def test_shared_stack_storage(examples: Synth) -> None:
    template = Template.from_stack(examples.stack("lmi-shared"))
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like({"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})})
                ]
            },
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "data-capture/"}),
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_example_bundle_ships_the_code_directory(examples: Synth) -> None:
    import io
    import tarfile

    manifest = json.loads((examples.outdir / "lmi-llama3-8b-chat.assets.json").read_text())
    (asset,) = [f for f in manifest["files"].values() if f["source"]["path"].endswith(".tar.gz")]
    with tarfile.open(fileobj=io.BytesIO((examples.outdir / asset["source"]["path"]).read_bytes()), mode="r:gz") as tar:
        assert tar.getnames() == ["model.py", "serving.properties"]
        properties = tar.extractfile("serving.properties").read().decode()  # type: ignore[union-attr]
    assert "option.entryPoint" not in properties  # formatter-only model.py: LMI keeps its vLLM handler
    assert properties.startswith("engine=Python\noption.model_id=s3://my-models/llama-3.1-8b-instruct/\n")
