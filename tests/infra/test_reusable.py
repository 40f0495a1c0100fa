"""The constructs stand alone: built in a plain stack from CDK types, without the YAML config or the
shared stack, and they offer grants and metrics like aws-cdk's own SageMaker constructs."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from lmi_constructs.async_endpoint import AsyncEndpoint, AsyncEndpointProps
from lmi_constructs.image import ImageProps
from lmi_constructs.model import LmiModelProps
from lmi_constructs.realtime_endpoint import RealtimeEndpoint, RealtimeEndpointProps
from lmi_constructs.scaling import ScalingProps
from lmi_constructs.scoped_policy import S3Location
from lmi_constructs.variant import InstanceProps

TAG = "0.33.0-lmi15.0.0-cu128"
INSTANCE = InstanceProps(
    type="ml.g5.2xlarge", count=1, startup_health_check_timeout=900, model_data_download_timeout=900
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = App(
        outdir=str(tmp_path_factory.mktemp("reusable")), builtin_cloud_formation_validation=False
    )  # runs once, on the examples (conftest)
    stack = Stack(app, "Standalone")
    key = kms.Key(stack, "Key")
    weights = s3.Bucket(stack, "Weights")
    payloads = s3.Bucket(stack, "Payloads")
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    realtime = RealtimeEndpoint(
        stack,
        "Chat",
        props=RealtimeEndpointProps(
            endpoint_name="my-chat",
            model=LmiModelProps(
                name="my-chat",
                image=ImageProps(tag=TAG),
                serving={"engine": "Python"},
                model_id="s3://weights/llama/",
                weights=S3Location(weights, "llama/"),
            ),
            instance=INSTANCE,
            alarm_topic=sns.Topic(stack, "Alarms"),
            storage_key=key,
            scaling=ScalingProps(min=1, max=2, target=10),
        ),
    )
    realtime.grant_invoke(caller)
    weights.grant_read(realtime.model)  # LmiModel is IGrantable
    queued = AsyncEndpoint(
        stack,
        "Queued",
        props=AsyncEndpointProps(
            endpoint_name="my-queued",
            model=LmiModelProps(name="my-queued", image=ImageProps(tag=TAG), model_id="org/model"),
            instance=INSTANCE,
            key=key,
            payloads=S3Location(payloads, "jobs/"),
            max_concurrent_invocations_per_instance=2,
            notifications=False,
            scaling=ScalingProps(min=0, max=2, target=5),
        ),
    )
    queued.grant_invoke(caller)
    return {
        "template": Template.from_stack(stack).to_json(),
        "realtime": realtime,
        "queued": queued,
        "stack": stack,
    }


def statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and any(r["Ref"].startswith(role_prefix) for r in resource["Properties"].get("Roles", []))
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_grant_invoke_scopes_each_endpoint(built: dict[str, Any]) -> None:
    granted = statements(built["template"], "Caller")
    actions = {a for s in granted for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"} <= actions
    assert "sagemaker:InvokeEndpointAsync" in actions
    assert {"s3:PutObject", "s3:GetObject"} <= actions  # the async payload prefix


def test_the_model_is_grantable(built: dict[str, Any]) -> None:
    granted = statements(built["template"], "ChatModelExecutionRole")
    assert any("s3:GetObject*" in s["Action"] for s in granted if isinstance(s["Action"], list))


def test_user_buckets_are_used_as_given(built: dict[str, Any]) -> None:
    template = built["template"]
    (queued_config,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::SageMaker::EndpointConfig" and "AsyncInferenceConfig" in r["Properties"]
    ]
    output = queued_config["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"]
    assert "jobs/output/" in str(output) and "Payloads" in str(output)


def test_metrics_name_the_endpoint_and_variant(built: dict[str, Any]) -> None:
    stack = built["stack"]
    latency = stack.resolve(built["realtime"].metric_model_latency().to_metric_config().metric_stat.dimensions)
    assert {"name": "EndpointName", "value": "my-chat"} in latency
    assert {"name": "VariantName", "value": "AllTraffic"} in latency
    invocations = built["realtime"].metric_invocations().to_metric_config().metric_stat
    assert (invocations.metric_name, invocations.statistic) == ("Invocations", "Sum")
    backlog = stack.resolve(built["queued"].metric_backlog_per_instance().to_metric_config().metric_stat.dimensions)
    assert backlog == [{"name": "EndpointName", "value": "my-queued"}]
