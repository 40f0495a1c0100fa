"""A real-time SageMaker endpoint serving an LMI model on GPU instances."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.rollback_alarms import rollback_alarms
from lmi_constructs.scaling import INSTANCE_COUNT, ScalingProps
from lmi_constructs.serving_endpoint import ServingEndpoint
from lmi_constructs.variant import (
    CaptureProps,
    InstanceProps,
    data_capture_config,
    production_variant,
    storage_encryption,
)

# BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds: 600..28800 (botocore sagemaker model).
MIN_EXECUTION_SECONDS, MAX_EXECUTION_SECONDS = 600, 28800
LAUNCH_SECONDS = 900  # allowance for SageMaker to provision the new fleet before the container starts


@dataclass(frozen=True)
class RolloutProps:
    """Blue/green: shift all traffic at once, bake, roll back if an alarm fires."""

    bake_seconds: int = 600
    termination_wait_seconds: int = 300
    max_execution_seconds: int | None = None  # None: from the instance timeouts (blue_green_timeout)
    error_5xx_threshold: int = 5
    model_latency_p90_ms: int = 30000


def blue_green_timeout(instance: InstanceProps, rollout: RolloutProps) -> int:
    """Launch + model download + startup health check + bake + termination wait, within SageMaker's range."""
    needed = (
        LAUNCH_SECONDS
        + instance.model_data_download_timeout
        + instance.startup_health_check_timeout
        + rollout.bake_seconds
        + rollout.termination_wait_seconds
    )
    return max(MIN_EXECUTION_SECONDS, min(MAX_EXECUTION_SECONDS, needed))


@dataclass(frozen=True)
class RealtimeEndpointProps:
    endpoint_name: str
    model: LmiModelProps
    instance: InstanceProps
    alarm_topic: sns.ITopic
    storage_key: kms.IKey
    scaling: ScalingProps | None = None  # target: invocations per instance
    capture: CaptureProps | None = None
    rollout: RolloutProps = RolloutProps()


class RealtimeEndpoint(ServingEndpoint):
    """Model, immutable EndpointConfig (CloudFormation names it, so every change replaces it),
    Endpoint with blue/green rollout and auto-rollback alarms, target-tracking autoscaling
    on invocations per instance, and data capture."""

    invoke_actions = ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream")

    def __init__(self, scope: Construct, construct_id: str, *, props: RealtimeEndpointProps) -> None:
        super().__init__(scope, construct_id, endpoint_name=props.endpoint_name)
        self.model = LmiModel(self, "Model", props=props.model)
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[production_variant(self.model, props.instance, self.model.image.tag)],
            data_capture_config=None
            if props.capture is None
            else data_capture_config(self.model.policy, props.capture),
        )
        storage_encryption(self.endpoint_config, props.instance.type, props.instance.local_nvme, props.storage_key)

        self.alarms = self._rollback_alarms(props.rollout, props.alarm_topic)
        rollout = props.rollout
        self._endpoint(
            self.endpoint_config,
            sagemaker.CfnEndpoint.DeploymentConfigProperty(
                blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                    traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
                        type="ALL_AT_ONCE", wait_interval_in_seconds=rollout.bake_seconds
                    ),
                    termination_wait_in_seconds=rollout.termination_wait_seconds,
                    maximum_execution_timeout_in_seconds=rollout.max_execution_seconds
                    or blue_green_timeout(props.instance, rollout),
                ),
                auto_rollback_configuration=sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                    alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=a.alarm_name) for a in self.alarms]
                ),
            ),
            keep_instance_count=props.scaling is not None,
        )
        if props.scaling is not None:
            self.auto_scale(
                INSTANCE_COUNT,
                "InvocationsPerInstance",
                props.scaling,
                predefined=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            )

    def _rollback_alarms(self, rollout: RolloutProps, topic: sns.ITopic) -> list[cloudwatch.Alarm]:
        name = self.endpoint_name
        return rollback_alarms(
            self,
            errors=self.metric_invocation_5xx_errors(),
            latency=self.metric_model_latency("p90"),
            error_5xx_threshold=rollout.error_5xx_threshold,
            model_latency_p90_ms=rollout.model_latency_p90_ms,
            errors_description=f"{name}: 5XX errors during or after a rollout (drives blue/green auto-rollback)",
            latency_description=f"{name}: p90 model latency (drives blue/green auto-rollback)",
            topic=topic,
        )
