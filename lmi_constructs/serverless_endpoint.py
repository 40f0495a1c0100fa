"""A serverless SageMaker endpoint running the LMI CPU image.

Serverless has no GPUs, no data capture, no VPC and one variant; the config checks reject those
before this construct is reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.scaling import PROVISIONED_CONCURRENCY, ScalingProps
from lmi_constructs.serving_endpoint import ServingEndpoint


@dataclass(frozen=True)
class ServerlessEndpointProps:
    endpoint_name: str
    model: LmiModelProps
    memory_mb: int
    max_concurrency: int
    storage_key: kms.IKey
    provisioned_concurrency: int | None = None
    scaling: ScalingProps | None = None  # target: provisioned-concurrency utilization, 0.1..1.0


class ServerlessEndpoint(ServingEndpoint):
    """Model + EndpointConfig with ServerlessConfig (no instance type) + Endpoint, and optional
    autoscaling of provisioned concurrency."""

    def __init__(self, scope: Construct, construct_id: str, *, props: ServerlessEndpointProps) -> None:
        super().__init__(scope, construct_id, endpoint_name=props.endpoint_name)
        self.model = LmiModel(self, "Model", props=props.model)
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=self.variant_name,
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
        self._endpoint(self.endpoint_config)
        if props.scaling is not None:
            self.auto_scale(
                PROVISIONED_CONCURRENCY,
                "ProvisionedConcurrencyUtilization",
                props.scaling,
                predefined=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_PROVISIONED_CONCURRENCY_UTILIZATION,
            )
