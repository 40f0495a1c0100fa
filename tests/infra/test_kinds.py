"""Template assertions for the serverless, async and batch kinds (synthesized examples)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from lmi_core import naming
from tests.conftest import Synth


def of_type(template: dict[str, Any], type_name: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == type_name]


# ---------------------------------------------------------------- serverless


def test_serverless_config_without_instance_type(examples: Synth) -> None:
    template = examples.templates["lmi-smollm2-serverless"]
    (config,) = of_type(template, "AWS::SageMaker::EndpointConfig")
    (variant,) = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 6144, "MaxConcurrency": 10, "ProvisionedConcurrency": 1}
    assert "InstanceType" not in variant and "InitialInstanceCount" not in variant
    assert "DataCaptureConfig" not in config
    (model,) = of_type(template, "AWS::SageMaker::Model")
    assert "djl-inference:0.36.0-cpu-full" in json.dumps(model["PrimaryContainer"]["Image"])
    assert "VpcConfig" not in model
    # the cpu image's Python lacks what LMI's default handler imports: the bundle installs it
    requirements = examples.bundle_files("lmi-smollm2-serverless")["requirements.txt"].decode().splitlines()
    assert requirements[1:] == ["transformers==4.57.1", "peft==0.15.1"]


def test_serverless_provisioned_concurrency_autoscaling(examples: Synth) -> None:
    template = Template.from_stack(examples.stack("lmi-smollm2-serverless"))
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
            "ResourceId": "endpoint/smollm2-serverless/variant/AllTraffic",
            "MinCapacity": 1,
            "MaxCapacity": 4,
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
                    },
                    "TargetValue": 0.6,
                }
            )
        },
    )


# ---------------------------------------------------------------- async


def test_async_inference_config(examples: Synth) -> None:
    template = examples.templates["lmi-llama3-8b-async"]
    (config,) = of_type(template, "AWS::SageMaker::EndpointConfig")
    async_config = config["AsyncInferenceConfig"]
    output = async_config["OutputConfig"]
    assert "/async/llama3-8b-async/output/" in json.dumps(output["S3OutputPath"])
    assert "/async/llama3-8b-async/failure/" in json.dumps(output["S3FailurePath"])
    assert "KmsKeyId" in output
    assert set(output["NotificationConfig"]) >= {"SuccessTopic", "ErrorTopic"}
    assert async_config["ClientConfig"] == {"MaxConcurrentInvocationsPerInstance": 8}
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.g5.2xlarge"
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 10


def test_async_model_runs_in_its_vpc(examples: Synth) -> None:
    """The one example with `vpc:` (a VPC model once crashed synth: no test built one)."""
    template = examples.templates["lmi-llama3-8b-async"]
    (model,) = of_type(template, "AWS::SageMaker::Model")
    assert model["VpcConfig"] == {
        "SecurityGroupIds": ["sg-0a1b2c3d4e5f60003"],
        "Subnets": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    }
    actions = {
        action
        for policy in of_type(template, "AWS::IAM::ManagedPolicy")
        for statement in policy["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"} <= actions


def test_async_topics_are_encrypted_and_tls_only(examples: Synth) -> None:
    template = Template.from_stack(examples.stack("lmi-llama3-8b-async"))
    template.resource_count_is("AWS::SNS::Topic", 2)
    assert all("KmsMasterKeyId" in t for t in of_type(examples.templates["lmi-llama3-8b-async"], "AWS::SNS::Topic"))
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_async_scale_to_zero_on_backlog(examples: Synth) -> None:
    template = examples.templates["lmi-llama3-8b-async"]
    (target,) = of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 3)
    policies = of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    tracking = [p for p in policies if p["PolicyType"] == "TargetTrackingScaling"]
    step = [p for p in policies if p["PolicyType"] == "StepScaling"]
    (tracking_policy,) = tracking
    metric = tracking_policy["TargetTrackingScalingPolicyConfiguration"]["CustomizedMetricSpecification"]
    assert metric["MetricName"] == "ApproximateBacklogSizePerInstance"
    assert metric["Namespace"] == "AWS/SageMaker"
    assert metric["Dimensions"] == [{"Name": "EndpointName", "Value": "llama3-8b-async"}]  # EndpointName only
    assert tracking_policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 5
    (step_policy,) = step
    adjustments = step_policy["StepScalingPolicyConfiguration"]["StepAdjustments"]
    assert adjustments == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    (wake,) = [a for a in alarms if a["MetricName"] == "HasBacklogWithoutCapacity"]
    assert wake["Dimensions"] == [{"Name": "EndpointName", "Value": "llama3-8b-async"}]
    assert wake["AlarmActions"], "the alarm must fire the step policy"


def test_async_does_not_use_invocations_per_instance(examples: Synth) -> None:
    text = json.dumps(examples.templates["lmi-llama3-8b-async"])
    assert "InvocationsPerInstance" not in text.replace("MaxConcurrentInvocationsPerInstance", "")


def test_async_outputs_expose_payload_locations(examples: Synth) -> None:
    outputs = examples.templates["lmi-llama3-8b-async"]["Outputs"]
    assert {"EndpointName", "InputUri", "OutputUri", "FailureUri", "SuccessTopicArn", "ErrorTopicArn"} <= set(outputs)


def test_async_payload_bucket_in_shared_stack(examples: Synth) -> None:
    buckets = of_type(examples.templates["lmi-shared"], "AWS::S3::Bucket")
    names = [json.dumps(b.get("BucketName")) for b in buckets]
    assert any("lmi-async-payloads-" in n for n in names)


# ---------------------------------------------------------------- batch


def _batch(examples: Synth) -> dict[str, Any]:
    return examples.templates["lmi-qwen25-7b-batch"]


def _definition(template: dict[str, Any]) -> str:
    (machine,) = of_type(template, "AWS::StepFunctions::StateMachine")
    return json.dumps(machine["DefinitionString"])


def test_batch_state_machine_runs_transform_job_sync(examples: Synth) -> None:
    definition = _definition(_batch(examples))
    assert "states:::sagemaker:createTransformJob.sync" in definition
    for fragment in (
        '\\"BatchStrategy\\":\\"SingleRecord\\"',
        '\\"ContentType\\":\\"application/json\\"',
        '\\"Accept\\":\\"application/json\\"',
        '\\"MaxPayloadInMB\\":6',
        '\\"MaxConcurrentTransforms\\":8',
        '\\"SplitType\\":\\"Line\\"',
        '\\"InstanceType\\":\\"ml.g5.2xlarge\\"',
        '\\"InstanceCount\\":1',
        "DataCaptureConfig",
        '\\"GenerateInferenceId\\":true',
        f"States.Format('{naming.transform_job_prefix('qwen25-7b-batch')}-{{}}', States.UUID())",
    ):
        assert fragment in definition, fragment
    assert '\\"ModelClientConfig\\":{\\"InvocationsTimeoutInSeconds\\":600,\\"InvocationsMaxRetries\\":3}' in definition
    assert "VolumeKmsKeyId" not in definition  # g5 has NVMe
    assert "SamplingPercentage" not in definition and "CaptureOptions" not in definition  # no such fields for batch


def test_multi_record_batch_sends_jsonlines_to_its_own_handler(examples: Synth) -> None:
    template = examples.templates["lmi-qwen25-7b-batch-multi"]
    definition = _definition(template)
    for fragment in (
        '\\"BatchStrategy\\":\\"MultiRecord\\"',
        '\\"ContentType\\":\\"application/jsonlines\\"',
        '\\"Accept\\":\\"application/jsonlines\\"',
        '\\"ModelClientConfig\\":{\\"InvocationsTimeoutInSeconds\\":3600,\\"InvocationsMaxRetries\\":0}',
    ):
        assert fragment in definition, fragment
    assert "DataCaptureConfig" not in definition


def test_batch_lmi_waits_as_long_as_sagemaker(examples: Synth) -> None:
    """LMI's own request limit (option.predict_timeout, 120 s unless set) follows batch.invocation_timeout."""
    for name, seconds in (("qwen25-7b-batch", 600), ("qwen25-7b-batch-multi", 3600)):
        assert f"option.predict_timeout={seconds}" in examples.serving_properties(f"lmi-{name}"), name


def test_batch_state_machine_may_tag_and_read_tags_of_its_jobs(examples: Synth) -> None:
    """Step Functions' .sync tags each transform job and reads its tags (aws-cdk #26012)."""
    template = _batch(examples)
    statements = [
        statement
        for policy in of_type(template, "AWS::IAM::ManagedPolicy")
        if "batch runs" in policy.get("Description", "")
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    (jobs,) = [s for s in statements if "sagemaker:CreateTransformJob" in s["Action"]]
    assert {"sagemaker:AddTags", "sagemaker:ListTags", "sagemaker:DescribeTransformJob"} <= set(jobs["Action"])
    assert ":transform-job/" in json.dumps(jobs["Resource"])


def test_batch_logging_tracing_and_no_model_endpoint(examples: Synth) -> None:
    template = _batch(examples)
    (machine,) = of_type(template, "AWS::StepFunctions::StateMachine")
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is True  # the batch machine: no secrets in its input
    (log_group,) = of_type(template, "AWS::Logs::LogGroup")
    assert "KmsKeyId" in log_group and log_group["RetentionInDays"] == 365
    assert of_type(template, "AWS::SageMaker::Endpoint") == []
    assert len(of_type(template, "AWS::SageMaker::Model")) == 1


def test_batch_eventbridge_rule_on_new_input(examples: Synth) -> None:
    (rule,) = of_type(_batch(examples), "AWS::Events::Rule")
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"] == {
        "bucket": {"name": ["my-batch-data"]},
        "object": {"key": [{"prefix": "summaries/input/"}]},
    }
    (target,) = rule["Targets"]
    assert "input_uri" in json.dumps(target["InputTransformer"])


def test_batch_failures_reach_sns(examples: Synth) -> None:
    definition = _definition(_batch(examples))
    assert "states:::sns:publish" in definition and "States.ALL" in definition
    assert len(of_type(_batch(examples), "AWS::SNS::Topic")) == 1


def test_batch_model_role_reads_input_writes_output(examples: Synth) -> None:
    statements = [
        s for p in of_type(_batch(examples), "AWS::IAM::ManagedPolicy") for s in p["PolicyDocument"]["Statement"]
    ]
    text = json.dumps(statements)
    assert "my-batch-data/summaries/input/*" in text and "my-batch-data/summaries/output/*" in text
    writes = [s for s in statements if s["Action"] == "s3:PutObject" or "s3:PutObject" in s["Action"]]
    assert not any("summaries/input" in json.dumps(s["Resource"]) for s in writes)
    # the output is encrypted with the shared key; a multipart upload under SSE-KMS needs Decrypt besides
    resources = _batch(examples)["Resources"]
    (execution,) = [r["Properties"] for k, r in resources.items() if k.startswith("ServingModelExecutionPolicy")]
    on_key = [s["Action"] for s in execution["PolicyDocument"]["Statement"] if "SharedKey" in json.dumps(s["Resource"])]
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= {a for x in on_key for a in ([x] if isinstance(x, str) else x)}


def test_inline_policies_only_in_the_cdk_provider_framework(examples: Synth) -> None:
    """The framework's own grants (its waiter's role, and the invoke grants it adds to its functions' roles)."""
    framework = ("AotProvider", "AotFrameworkOnEventRoleDefaultPolicy", "AotFrameworkWaiterRoleDefaultPolicy")
    for name, template in examples.templates.items():
        inline = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Policy"]
        assert all(k.startswith(framework) for k in inline), (name, inline)


def test_a_failed_or_timed_out_batch_run_alarms_the_shared_topic(examples: Synth) -> None:
    """The team's on-call hears of a failed nightly batch like of any other alarm (cdk.json alarm_emails)."""
    template = _batch(examples)
    alarms = {a["MetricName"]: a for a in of_type(template, "AWS::CloudWatch::Alarm")}
    assert set(alarms) == {"ExecutionsFailed", "ExecutionsTimedOut"}
    for alarm in alarms.values():
        assert (alarm["Namespace"], alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == (
            "AWS/States",
            "Sum",
            300,
            1,
        )
        assert alarm["Dimensions"][0]["Name"] == "StateMachineArn"
        assert "SharedAlarmsTopic" in json.dumps(alarm["AlarmActions"])
