"""A LoRA adapter as an inference component on top of a base component's copies."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.component_endpoint import grant_component_invoke


@dataclass(frozen=True)
class AdapterComponentProps:
    component_name: str
    endpoint_name: str
    base_component_name: str
    artifact_url: str  # s3://bucket/key.tar.gz, readable by the base model's role


class AdapterComponent(Construct):
    """`AWS::SageMaker::InferenceComponent` with BaseInferenceComponentName and Container.ArtifactUrl: no
    compute or copies of its own (it runs in the base's copies, which need option.enable_lora)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: AdapterComponentProps, base: Construct) -> None:
        super().__init__(scope, construct_id)
        self.component_name = props.component_name
        self.endpoint_name = props.endpoint_name
        self.component = sagemaker.CfnInferenceComponent(
            self,
            "Component",
            inference_component_name=props.component_name,
            endpoint_name=props.endpoint_name,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                base_inference_component_name=props.base_component_name,
                container=sagemaker.CfnInferenceComponent.InferenceComponentContainerSpecificationProperty(
                    artifact_url=props.artifact_url
                ),
            ),
        )
        self.component.node.add_dependency(base)  # the base component must exist first
        self.component_arn = self.component.attr_inference_component_arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return grant_component_invoke(self, grantee, self.endpoint_name, self.component_arn)
