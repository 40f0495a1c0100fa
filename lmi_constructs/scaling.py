"""Application Auto Scaling of an endpoint variant: one props type for every kind's target tracking."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.tokens import seconds

INSTANCE_COUNT = "sagemaker:variant:DesiredInstanceCount"
PROVISIONED_CONCURRENCY = "sagemaker:variant:DesiredProvisionedConcurrency"


@dataclass(frozen=True)
class ScalingProps:
    min: int
    max: int
    target: float  # the tracked metric's target value (invocations, backlog or utilization)
    scale_in_cooldown: int = 600
    scale_out_cooldown: int = 300


def scalable_target(
    scope: Construct, resource: Construct, resource_id: str, dimension: str, scaling: ScalingProps
) -> appscaling.ScalableTarget:
    """A SageMaker scalable target (`resource_id`: endpoint/<e>/variant/<v> or inference-component/<c>),
    registered after `resource` exists."""
    target = appscaling.ScalableTarget(
        scope,
        "ScalableTarget",
        service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
        resource_id=resource_id,
        scalable_dimension=dimension,
        min_capacity=scaling.min,
        max_capacity=scaling.max,
    )
    target.node.add_dependency(resource)
    return target


def variant_scalable_target(
    scope: Construct,
    endpoint: sagemaker.CfnEndpoint,
    endpoint_name: str,
    variant: str,
    dimension: str,
    scaling: ScalingProps,
) -> appscaling.ScalableTarget:
    """A scalable target on one variant, registered after the endpoint exists."""
    return scalable_target(scope, endpoint, f"endpoint/{endpoint_name}/variant/{variant}", dimension, scaling)


def track(
    target: appscaling.ScalableTarget,
    policy_id: str,
    scaling: ScalingProps,
    *,
    predefined: appscaling.PredefinedMetric | None = None,
    custom: cloudwatch.IMetric | None = None,
) -> None:
    """Target tracking on a predefined or a custom metric."""
    target.scale_to_track_metric(
        policy_id,
        target_value=scaling.target,
        predefined_metric=predefined,
        custom_metric=custom,
        scale_in_cooldown=seconds(scaling.scale_in_cooldown),
        scale_out_cooldown=seconds(scaling.scale_out_cooldown),
    )
