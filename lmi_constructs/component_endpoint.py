"""A SageMaker endpoint that hosts inference components: its variant has no model, only instances."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.scoped_policy import ScopedPolicy
from lmi_constructs.telemetry import allow_log_group, allow_sagemaker_metrics
from lmi_constructs.tokens import service_principal
from lmi_constructs.variant import VARIANT_NAME, CaptureProps, data_capture_config, storage_encryption


@dataclass(frozen=True)
class ManagedScalingProps:
    """SageMaker adds and removes instances as component copies need them, between min and max."""

    min: int  # 0: no instance while no copy runs
    max: int
    scale_in_strategy: str = "IDLE_RELEASE"  # or CONSOLIDATION


@dataclass(frozen=True)
class ComponentEndpointProps:
    endpoint_name: str
    instance_type: str
    instance_count: int  # at creation
    storage_key: kms.IKey
    role_name: str  # components attach their read grants to this role by name
    log_group_name: str
    scaling: ManagedScalingProps | None = None  # None: a fixed instance count
    routing_strategy: str = "LEAST_OUTSTANDING_REQUESTS"
    capture: CaptureProps | None = None
    inference_ami_version: str | None = None
    local_nvme: bool = True  # NVMe instance storage: a KmsKeyId would encrypt nothing there


INVOKE_ACTIONS = ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream")


class ComponentEndpoint(Construct):
    """Execution role, an EndpointConfig whose variant has no model (managed instance scaling and routing,
    data capture, KMS), and the named Endpoint. Components (InferenceComponent) place models on it."""

    def __init__(self, scope: Construct, construct_id: str, *, props: ComponentEndpointProps) -> None:
        super().__init__(scope, construct_id)
        self.endpoint_name = props.endpoint_name
        self.variant_name = VARIANT_NAME
        self.role = iam.Role(
            self,
            "ExecutionRole",
            role_name=props.role_name,
            assumed_by=service_principal("sagemaker.amazonaws.com"),
            description=f"SageMaker execution role of the inference-component endpoint {props.endpoint_name}",
        )
        self.policy = ScopedPolicy(
            self, "ExecutionPolicy", role=self.role, description=f"LMI endpoint {props.endpoint_name}"
        )
        allow_log_group(self.policy, props.log_group_name)
        allow_sagemaker_metrics(self.policy)
        scaling = props.scaling
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            execution_role_arn=self.role.role_arn,
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=self.variant_name,
                    instance_type=props.instance_type,
                    initial_instance_count=props.instance_count,
                    managed_instance_scaling=None
                    if scaling is None
                    else sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                        status="ENABLED",
                        min_instance_count=scaling.min,
                        max_instance_count=scaling.max,
                        scale_in_policy=sagemaker.CfnEndpointConfig.ScaleInPolicyProperty(
                            strategy=scaling.scale_in_strategy
                        ),
                    ),
                    routing_config=sagemaker.CfnEndpointConfig.RoutingConfigProperty(
                        routing_strategy=props.routing_strategy
                    ),
                    inference_ami_version=props.inference_ami_version,
                )
            ],
            data_capture_config=None if props.capture is None else data_capture_config(self.policy, props.capture),
        )
        self.endpoint_config.node.add_dependency(self.policy)  # SageMaker checks the role when it uses it
        storage_encryption(self.endpoint_config, props.instance_type, props.local_nvme, props.storage_key)
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_name=props.endpoint_name,
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
        )
        self.endpoint_arn = self.endpoint.ref

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke any component on this endpoint (a component's own grant_invoke is narrower)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(INVOKE_ACTIONS), resource_arns=[self.endpoint_arn]
        )


def endpoint_arn(scope: Construct, endpoint_name: str) -> str:
    """The ARN of an endpoint known by name (SageMaker ARNs hold the name in lower case)."""
    return Stack.of(scope).format_arn(service="sagemaker", resource="endpoint", resource_name=endpoint_name.lower())


def grant_component_invoke(scope: Construct, grantee: iam.IGrantable, endpoint: str, component_arn: str) -> iam.Grant:
    """InvokeEndpoint on the endpoint and one component (each request names it: InferenceComponentName)."""
    return iam.Grant.add_to_principal(
        grantee=grantee, actions=list(INVOKE_ACTIONS), resource_arns=[endpoint_arn(scope, endpoint), component_arn]
    )
