"""A SageMaker Model running an LMI container, with its least-privilege execution role.

Every kind (real-time, serverless, async, batch) builds on this one construct.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Stage, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.bundle import (
    ServingValue,
    render_serving_properties,
    write_model_bundle,
)
from lmi_constructs.image import ImageProps, LmiImage
from lmi_constructs.policy import Arn, ScopedPolicy


@dataclass(frozen=True)
class VpcProps:
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True)
class LmiModelProps:
    name: str
    model_id: str  # S3 prefix, Hugging Face id, or a CloudFormation token (AOT output)
    image: ImageProps
    serving: Mapping[str, ServingValue] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    log_groups: tuple[str, ...] = ()  # CloudWatch log groups the container writes to
    vpc: VpcProps | None = None
    code: Mapping[str, bytes] = field(default_factory=dict)  # extra bundle files: model.py, requirements.txt, ...
    # With a deploy-time model_id (the AOT output): "bucket-template/key-prefix/" the role may read.
    model_prefix_template: str | None = None


class LmiModel(Construct):
    """serving.properties bundle + LMI image + execution role + `AWS::SageMaker::Model`."""

    def __init__(self, scope: Construct, construct_id: str, *, props: LmiModelProps) -> None:
        super().__init__(scope, construct_id)
        self.name = props.name
        self.role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker execution role of LMI model {props.name}",
        )
        self.policy = ScopedPolicy(
            self,
            "ExecutionPolicy",
            role=self.role,
            description=f"LMI model {props.name}",
        )
        self.image = LmiImage(self, "Image", props=props.image)
        self.policy.allow(
            [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            [self.image.repository_arn],
        )
        self.policy.allow(
            ["ecr:GetAuthorizationToken"],
            ["*"],
            reason="ecr:GetAuthorizationToken has no resource-level scope; image pulls are limited to the "
            "djl-inference repository by the statement above. cloudwatch:PutMetricData (same finding) has no "
            "resource scope either and is limited by a cloudwatch:namespace condition.",
        )
        self.policy.allow(
            ["cloudwatch:PutMetricData"],
            ["*"],
            reason="cloudwatch:PutMetricData has no resource-level scope; a cloudwatch:namespace condition limits it.",
            conditions={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "AWS/SageMaker*"]}},
        )

        # A deploy-time model id (a token) cannot be written into the file: it goes on the
        # container as OPTION_MODEL_ID instead (serving.properties would win over env).
        model_id_is_token = Token.is_unresolved(props.model_id)
        self.serving_properties = render_serving_properties(
            props.serving, None if model_id_is_token else props.model_id
        )
        bundle_dir = Path(Stage.of(self).outdir) / ".lmi-bundles" / props.name  # type: ignore[union-attr]
        self.bundle = s3_assets.Asset(
            self,
            "Bundle",
            path=str(write_model_bundle(bundle_dir, self.serving_properties, props.code)),
        )
        self.policy.allow(
            ["s3:GetObject"],
            [self.bundle.bucket.arn_for_objects(self.bundle.s3_object_key)],
        )
        if not model_id_is_token and props.model_id.startswith("s3://"):
            self.grant_model_source_read(props.model_id.removeprefix("s3://"))
        if props.model_prefix_template is not None:
            self.grant_model_source_read(props.model_prefix_template)
        for log_group in props.log_groups:
            self.policy.allow(
                [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                [
                    Arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{log_group}"),
                    Arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{log_group}:log-stream:*"),
                ],
                reason=f"SageMaker names one log stream per instance at run time, inside the log group {log_group}.",
            )

        if props.vpc is not None:
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

        environment = dict(props.environment)
        if model_id_is_token:
            environment["OPTION_MODEL_ID"] = props.model_id
        self.cfn_model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=self.image.image_uri,
                model_data_url=self.bundle.s3_object_url,
                environment=environment or None,
            ),
            vpc_config=None
            if props.vpc is None
            else sagemaker.CfnModel.VpcConfigProperty(
                subnets=list(props.vpc.subnet_ids), security_group_ids=list(props.vpc.security_group_ids)
            ),
        )
        # SageMaker checks the role's permissions when it creates the model.
        self.cfn_model.node.add_dependency(self.policy)
        self.model_name = self.cfn_model.attr_model_name

    def grant_model_source_read(self, bucket_and_prefix: str) -> None:
        """Read-only on one prefix ("bucket/prefix/"; the bucket may hold {account}/{region}), nothing else."""
        bucket, _, prefix = bucket_and_prefix.partition("/")
        self.policy.allow(
            ["s3:GetObject"],
            [Arn(f"arn:{{partition}}:s3:::{bucket}/{prefix}*")],
            reason=f"Read-only on the model's own prefix {bucket}/{prefix}, whose file names (weight shards) "
            "are not known at synth.",
        )
        self.policy.allow(
            ["s3:ListBucket"],
            [Arn(f"arn:{{partition}}:s3:::{bucket}")],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
