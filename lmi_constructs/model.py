"""A SageMaker Model running an LMI container, with its least-privilege execution role.

Every serving construct (real-time, serverless, async, batch) builds on this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jsii
from aws_cdk import AssetHashType, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.image import ImageProps, LmiImage
from lmi_constructs.scoped_policy import S3Location, ScopedPolicy
from lmi_constructs.telemetry import allow_log_group, allow_sagemaker_metrics
from lmi_constructs.tokens import once_per_object, service_principal
from lmi_core import serving_properties
from lmi_core.bundle import ModelBundle, write_model_bundle
from lmi_core.serving_properties import ServingValue

if TYPE_CHECKING:  # types only: aws_ec2 takes ~70 ms to import
    from aws_cdk import aws_ec2 as ec2


@dataclass(frozen=True)
class LmiModelProps:
    name: str
    image: ImageProps
    serving: Mapping[str, ServingValue] = field(default_factory=dict)  # serving.properties keys
    model_id: str | None = None  # option.model_id in the file; None when the environment sets it (OPTION_MODEL_ID)
    weights: S3Location | None = None  # the prefix the role may read the model from
    environment: Mapping[str, str] = field(default_factory=dict)
    # name -> a CloudFormation dynamic reference ({{resolve:secretsmanager:...}}): CloudFormation resolves it at
    # deploy time; the template, cdk.out and the execution role never see or read the value.
    secrets: Mapping[str, str] = field(default_factory=dict)
    log_group_names: tuple[str, ...] = ()  # CloudWatch log groups the container writes to (SageMaker's names)
    log_stream_prefix: str = ""  # in a group shared by every model (transform jobs), only streams with this prefix
    subnets: Sequence[ec2.ISubnet] = ()
    security_groups: Sequence[ec2.ISecurityGroup] = ()
    code: Mapping[str, bytes] = field(default_factory=dict)  # extra bundle files: model.py, requirements.txt, ...


@once_per_object
def _stage_outdir(stage: Stage) -> Path:
    return Path(stage.outdir)


def _outdir(scope: Construct) -> Path:
    """The cloud assembly directory of `scope`'s stage, fetched once per stage."""
    stage = Stage.of(scope)
    if stage is None:
        raise ValueError(f"{scope.node.path} is not inside a Stage (an App)")
    return _stage_outdir(stage)


def bundle_asset(scope: Construct, bundle: ModelBundle) -> s3_assets.Asset:
    """The bundle as a file asset named by its tar's hash, not by the .gz bytes (which differ between zlibs)."""
    return s3_assets.Asset(
        scope,
        "Bundle",
        path=str(bundle.path),
        asset_hash=bundle.content_sha256,
        asset_hash_type=AssetHashType.CUSTOM,
    )


@jsii.implements(iam.IGrantable)
class LmiModel(Construct):
    """serving.properties bundle + LMI image + execution role + `AWS::SageMaker::Model`.

    `policy` holds every permission the role gets (a managed policy with reasoned wildcards)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: LmiModelProps) -> None:
        super().__init__(scope, construct_id)
        self.name = props.name
        self.role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=service_principal("sagemaker.amazonaws.com"),
            description=f"SageMaker execution role of LMI model {props.name}",
        )
        self.policy = ScopedPolicy(self, "ExecutionPolicy", role=self.role, description=f"LMI model {props.name}")
        with self.policy.batch():  # its statements reach the Node process in a few calls
            self.image = LmiImage(self, "Image", props=props.image)
            self.image.grant_pull(self.policy)
            allow_sagemaker_metrics(self.policy)

            self.serving_properties = serving_properties.render(props.serving, props.model_id)
            bundle_dir = _outdir(self) / ".lmi-bundles" / props.name
            self.bundle = bundle_asset(self, write_model_bundle(bundle_dir, self.serving_properties, props.code))
            self.policy.allow(["s3:GetObject"], [self.bundle.bucket.arn_for_objects(self.bundle.s3_object_key)])
            if props.weights is not None:
                self.policy.allow_prefix(
                    props.weights,
                    ["s3:GetObject"],
                    reason=f"Read-only on the model's own prefix {props.weights.describe()}, whose file names (weight "
                    "shards) are not known at synth.",
                )
            for log_group in props.log_group_names:
                allow_log_group(self.policy, log_group, props.log_stream_prefix)
            vpc = None
            if props.subnets:
                self.policy.allow(
                    [
                        "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
                    ],
                    ["*"],
                    reason="SageMaker creates the model's network interfaces in the configured subnets; EC2 names them at "
                    "run time and its Describe* calls have no resource-level scope.",
                )  # fmt: skip
                vpc = sagemaker.CfnModel.VpcConfigProperty(
                    subnets=[subnet.subnet_id for subnet in props.subnets],
                    security_group_ids=[group.security_group_id for group in props.security_groups],
                )
        self.cfn_model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=self.image.image_uri,
                model_data_url=self.bundle.s3_object_url,
                environment={**props.environment, **props.secrets} or None,
            ),
            vpc_config=vpc,
        )
        # SageMaker checks the role's permissions when it creates the model.
        self.cfn_model.node.add_dependency(self.policy)
        self.model_name = self.cfn_model.attr_model_name

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role
