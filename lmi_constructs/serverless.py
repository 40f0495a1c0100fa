"""A serverless SageMaker endpoint running the LMI CPU image.

Serverless has no GPUs, no data capture, no VPC and one variant; the config rules reject those
before this construct is reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.endpoint import VARIANT_NAME, variant_scalable_target
from lmi_constructs.model import LmiModel, LmiModelProps


@dataclass(frozen=True)
class ProvisionedScalingProps:
    min: int
    max: int
    target_utilization: float  # SageMakerVariantProvisionedConcurrencyUtilization, 0.1..1.0
    scale_in_cooldown: int = 600
    scale_out_cooldown: int = 300


@dataclass(frozen=True)
class ServerlessEndpointProps:
    model: LmiModelProps
    memory_mb: int
    max_concurrency: int
    storage_key: kms.IKey
    provisioned_concurrency: int | None = None
    scaling: ProvisionedScalingProps | None = None


class ServerlessEndpoint(Construct):
    """Model + EndpointConfig with ServerlessConfig (no instance type) + Endpoint, and optional
    autoscaling of provisioned concurrency."""

    def __init__(self, scope: Construct, construct_id: str, *, props: ServerlessEndpointProps) -> None:
        super().__init__(scope, construct_id)
        name = props.model.name
        self.model = LmiModel(self, "Model", props=props.model)
        self.endpoint_name = name
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=VARIANT_NAME,
                    model_name=self.model.model_name,
                    serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                        memory_size_in_mb=props.memory_mb,
                        max_concurrency=props.max_concurrency,
                        provisioned_concurrency=props.provisioned_concurrency,
                    ),
                )
            ],
            kms_key_id=props.storage_key.key_arn,  # serverless encrypts its copy of the image with it
        )
        self.endpoint = sagemaker.CfnEndpoint(
            self, "Endpoint", endpoint_name=name, endpoint_config_name=self.endpoint_config.attr_endpoint_config_name
        )
        self.endpoint_arn = self.endpoint.ref
        if props.scaling is not None:
            target = variant_scalable_target(
                self,
                self.endpoint,
                name,
                "sagemaker:variant:DesiredProvisionedConcurrency",
                props.scaling.min,
                props.scaling.max,
            )
            target.scale_to_track_metric(
                "ProvisionedConcurrencyUtilization",
                target_value=props.scaling.target_utilization,
                predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_PROVISIONED_CONCURRENCY_UTILIZATION,
                scale_in_cooldown=Duration.seconds(props.scaling.scale_in_cooldown),
                scale_out_cooldown=Duration.seconds(props.scaling.scale_out_cooldown),
            )
            self.scalable_target = target

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[self.endpoint_arn]
        )
