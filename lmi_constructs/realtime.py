"""A real-time SageMaker endpoint serving an LMI model on GPU instances."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.endpoint import (
    VARIANT_NAME,
    CaptureProps,
    InstanceProps,
    ScalingProps,
    data_capture_config,
    production_variant,
    storage_encryption,
    variant_scalable_target,
)
from lmi_constructs.model import LmiModel, LmiModelProps


@dataclass(frozen=True)
class RolloutProps:
    """Blue/green: shift all traffic at once, bake, roll back if an alarm fires."""

    bake_seconds: int = 600
    termination_wait_seconds: int = 300
    max_execution_seconds: int = 3600
    error_5xx_threshold: int = 5
    model_latency_p90_ms: int = 30000


@dataclass(frozen=True)
class RealtimeEndpointProps:
    model: LmiModelProps
    instance: InstanceProps
    alarm_topic: sns.ITopic
    storage_key: kms.IKey
    scaling: ScalingProps | None = None
    capture: CaptureProps | None = None
    rollout: RolloutProps = RolloutProps()


class RealtimeEndpoint(Construct):
    """Model, immutable EndpointConfig (CloudFormation names it, so every change replaces it),
    Endpoint with blue/green rollout and auto-rollback alarms, target-tracking autoscaling
    on invocations per instance, and data capture to the shared KMS bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, props: RealtimeEndpointProps) -> None:
        super().__init__(scope, construct_id)
        name = props.model.name
        self.model = LmiModel(self, "Model", props=props.model)
        self.endpoint_name = name

        capture_config = None if props.capture is None else data_capture_config(self.model, props.capture)
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[production_variant(self.model, props.instance, self.model.image.tag)],
            data_capture_config=capture_config,
        )
        storage_encryption(self.endpoint_config, props.instance.type, props.storage_key)

        self.alarms = self._rollback_alarms(name, props.rollout, props.alarm_topic)
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_name=name,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            deployment_config=sagemaker.CfnEndpoint.DeploymentConfigProperty(
                blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                    traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
                        type="ALL_AT_ONCE",
                        wait_interval_in_seconds=props.rollout.bake_seconds,
                    ),
                    termination_wait_in_seconds=props.rollout.termination_wait_seconds,
                    maximum_execution_timeout_in_seconds=props.rollout.max_execution_seconds,
                ),
                auto_rollback_configuration=sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
                    alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=a.alarm_name) for a in self.alarms]
                ),
            ),
        )
        self.endpoint_arn = self.endpoint.ref
        if props.scaling is not None:
            self.scalable_target = self._autoscaling(name, props.scaling)

    def _rollback_alarms(self, name: str, rollout: RolloutProps, topic: sns.ITopic) -> list[cloudwatch.Alarm]:
        dimensions = {"EndpointName": name, "VariantName": VARIANT_NAME}
        errors = cloudwatch.Alarm(
            self,
            "Invocation5XXAlarm",
            alarm_description=f"{name}: 5XX errors during or after a rollout (drives blue/green auto-rollback)",
            metric=cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name="Invocation5XXErrors",
                dimensions_map=dimensions,
                statistic="Sum",
                period=Duration.minutes(1),
            ),
            threshold=rollout.error_5xx_threshold,
            evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        latency = cloudwatch.Alarm(
            self,
            "ModelLatencyAlarm",
            alarm_description=f"{name}: p90 model latency (drives blue/green auto-rollback)",
            metric=cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name="ModelLatency",
                dimensions_map=dimensions,
                statistic="p90",
                period=Duration.minutes(1),
            ),
            threshold=rollout.model_latency_p90_ms * 1000,  # ModelLatency is in microseconds
            evaluation_periods=5,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (errors, latency):
            alarm.add_alarm_action(cw_actions.SnsAction(topic))
        return [errors, latency]

    def _autoscaling(self, name: str, scaling: ScalingProps) -> appscaling.ScalableTarget:
        target = variant_scalable_target(
            self, self.endpoint, name, "sagemaker:variant:DesiredInstanceCount", scaling.min, scaling.max
        )
        target.scale_to_track_metric(
            "InvocationsPerInstance",
            target_value=scaling.target,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            scale_in_cooldown=Duration.seconds(scaling.scale_in_cooldown),
            scale_out_cooldown=Duration.seconds(scaling.scale_out_cooldown),
        )
        return target

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=[
                "sagemaker:InvokeEndpoint",
                "sagemaker:InvokeEndpointWithResponseStream",
            ],
            resource_arns=[self.endpoint_arn],
        )
