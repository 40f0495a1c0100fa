"""Ahead-of-time model preparation: a custom resource runs the LMI container as a SageMaker
training job (TensorRT-LLM compilation, AWQ/FP8 quantization, partitioning) and the serving
Model reads the job's output prefix, so the endpoint cannot be created before the job is done.

CloudFormation waits at most one hour for a custom resource. Job name and output prefix are
content-addressed (lambda/aot_partition), so a job that outlives one deploy keeps running and
the next deploy with the same inputs attaches to it, or finds its completion marker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from lmi_constructs.bundle import ServingValue
from lmi_constructs.image import ImageProps, LmiImage
from lmi_constructs.nag import acknowledge
from lmi_constructs.policy import Arn, ScopedPolicy

HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "aot_partition"
# CloudFormation's own limit for a custom resource is one hour; stop polling a bit before it,
# so the failure message (job still running: deploy again to re-attach) is ours, not a timeout.
PROVIDER_TOTAL_TIMEOUT = Duration.minutes(55)
SERVICE_TIMEOUT = Duration.minutes(60)


@dataclass(frozen=True)
class AotProps:
    name: str
    mode: str  # trtllm | quantize-awq | quantize-fp8 | partition
    instance_type: str
    image: ImageProps
    model_id: str  # S3 prefix or Hugging Face id of the source weights
    serving: Mapping[str, ServingValue] = field(default_factory=dict)
    tensor_parallel_degree: int = 1
    key: kms.IKey | None = None
    artifacts_bucket_template: str = "lmi-aot-artifacts-{account}-{region}"
    max_runtime_seconds: int = 86400


class AotPreparation(Construct):
    """Job role + handler Lambda + CDK Provider + the custom resource; `output_prefix` is the
    resource's `OutputPrefix` attribute (a token), for `option.model_id` of the serving Model."""

    def __init__(self, scope: Construct, construct_id: str, *, props: AotProps) -> None:
        super().__init__(scope, construct_id)
        name = props.name
        bucket = Arn(props.artifacts_bucket_template).value
        prefix = f"aot/{name}/"
        self.artifacts_prefix_template = f"{props.artifacts_bucket_template}/{prefix}"  # bucket/key prefix
        self.artifacts_arn = Arn(f"arn:{{partition}}:s3:::{props.artifacts_bucket_template}/{prefix}*")
        self.artifacts_bucket_arn = Arn(f"arn:{{partition}}:s3:::{props.artifacts_bucket_template}")

        # ---- the training job's role: source weights, its output prefix, the image, its logs
        self.job_role = iam.Role(self, "JobRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        job_policy = ScopedPolicy(self, "JobPolicy", role=self.job_role, description=f"AOT job of {name}")
        image = LmiImage(self, "Image", props=props.image)
        job_policy.allow(
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [image.repository_arn],
        )
        job_policy.allow(
            ["ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"],
            ["*"],
            reason="ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level scope; image pulls "
            "are limited to djl-inference by the statement above.",
        )
        self._grant_artifacts(job_policy, prefix, write=True)
        if props.model_id.startswith("s3://"):
            source = props.model_id.removeprefix("s3://")
            source_bucket, _, source_prefix = source.partition("/")
            job_policy.allow(
                ["s3:GetObject"],
                [Arn(f"arn:{{partition}}:s3:::{source_bucket}/{source_prefix}*")],
                reason=f"The job reads the source weights under s3://{source}, names unknown at synth.",
            )
            job_policy.allow(
                ["s3:ListBucket"],
                [Arn(f"arn:{{partition}}:s3:::{source_bucket}")],
                conditions={"StringLike": {"s3:prefix": [f"{source_prefix}*"]}},
            )
        job_logs = "/aws/sagemaker/TrainingJobs"
        job_policy.allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            [
                Arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{job_logs}"),
                Arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{job_logs}:log-stream:lmi-aot-*"),
            ],
            reason="Training jobs log to streams named <job name>/<host>; job names are content hashes.",
        )
        if props.key is not None:
            job_policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [props.key.key_arn])

        # ---- the handler Lambda
        log_group_name = f"/aws/lambda/lmi-aot-{name}"
        self.log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            log_group_name=log_group_name,
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=props.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        handler_role = iam.Role(self, "HandlerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        handler_policy = ScopedPolicy(self, "HandlerPolicy", role=handler_role, description=f"AOT handler of {name}")
        jobs = Arn(f"arn:{{partition}}:sagemaker:{{region}}:{{account}}:training-job/lmi-aot-{name[:30]}-*")
        handler_policy.allow(
            ["sagemaker:AddTags", "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:ListTags",
             "sagemaker:StopTrainingJob"],
            [jobs],
            reason="Job names end in a content hash (and a retry suffix) computed at deploy time.",
        )  # fmt: skip
        handler_policy.allow(
            ["iam:PassRole"],
            [self.job_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        self._grant_artifacts(handler_policy, prefix, write=True)
        handler_policy.allow(["cloudformation:DescribeStacks"], [Stack.of(self).stack_id])
        handler_policy.allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [Arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{log_group_name}:*")],
            reason="Lambda creates one log stream per execution environment in its own log group.",
        )
        if props.key is not None:
            handler_policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [props.key.key_arn])
        functions = {}
        for function_id, entry, what in (
            ("Handler", "on_event", "Starts and tracks"),
            ("IsComplete", "is_complete", "Polls"),
        ):
            function = lambda_.Function(
                self,
                function_id,
                runtime=lambda_.Runtime.PYTHON_3_14,
                code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
                handler=f"handler.{entry}",
                role=handler_role.without_policy_updates(),
                timeout=Duration.minutes(2),
                memory_size=256,
                log_group=self.log_group,
                description=f"{what} the AOT job of {name}",
                reserved_concurrent_executions=2,
            )
            function.node.add_dependency(handler_policy)
            functions[entry] = function
        self.handler, self.is_complete = functions["on_event"], functions["is_complete"]
        for function in (self.handler, self.is_complete):
            _acknowledge_lambda(function)

        # ---- the Provider framework and the resource
        waiter_logs = logs.LogGroup(
            self,
            "WaiterLogs",
            log_group_name=f"/aws/vendedlogs/states/lmi-aot-{name}",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=props.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        framework_logs = logs.LogGroup(
            self,
            "FrameworkLogs",
            log_group_name=f"/aws/lambda/lmi-aot-{name}-framework",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=props.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            is_complete_handler=self.is_complete,
            query_interval=Duration.minutes(1),
            total_timeout=PROVIDER_TOTAL_TIMEOUT,
            log_group=framework_logs,
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=waiter_logs, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        _acknowledge_provider(self.provider, (self.handler, self.is_complete))
        self.resource = CustomResource(
            self,
            "Job",
            service_token=self.provider.service_token,
            service_timeout=SERVICE_TIMEOUT,
            resource_type="Custom::LmiAotPreparation",
            properties={
                "ModelName": name,
                "ImageUri": image.image_uri,
                "ModelId": props.model_id,
                "ServingProperties": json.dumps(dict(props.serving), sort_keys=True),
                "Mode": props.mode,
                "TensorParallelDegree": str(props.tensor_parallel_degree),
                "InstanceType": props.instance_type,
                "InstanceCount": "1",
                "RoleArn": self.job_role.role_arn,
                "OutputBucket": bucket,
                "OutputKeyPrefix": "aot/",
                "MaxRuntimeSeconds": str(props.max_runtime_seconds),
                **({"OutputKmsKeyId": props.key.key_arn} if props.key is not None else {}),
            },
        )
        self.resource.node.add_dependency(job_policy)
        self.output_prefix = self.resource.get_att_string("OutputPrefix")

    def _grant_artifacts(self, policy: ScopedPolicy, prefix: str, *, write: bool) -> None:
        actions = ["s3:GetObject", "s3:PutObject"] if write else ["s3:GetObject"]
        policy.allow(
            actions, [self.artifacts_arn], reason=f"Prepared artifacts live under {prefix} with names the job chooses."
        )
        policy.allow(
            ["s3:ListBucket"], [self.artifacts_bucket_arn], conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}}
        )


def _acknowledge_lambda(function: lambda_.Function) -> None:
    for pack in ("HIPAA.Security", "NIST.800.53.R5"):
        acknowledge(
            function,
            f"{pack}-LambdaInsideVPC",
            "The handler only calls regional AWS APIs (SageMaker, S3, CloudFormation); it reaches no private "
            "resource, so a VPC would add NAT cost and nothing to protect.",
        )
        acknowledge(
            function,
            f"{pack}-LambdaDLQ",
            "A CloudFormation custom-resource handler is invoked synchronously by the CDK Provider framework, "
            "which reports failures to CloudFormation; there is no asynchronous event to dead-letter.",
        )


def _arn_label(function: lambda_.IFunction) -> str:
    """How cdk-nag names `<function ARN>:*` (any version) in an IAM5 finding."""
    element = function.node.default_child
    assert isinstance(element, lambda_.CfnFunction)
    return f"Resource::<{Stack.of(function).get_logical_id(element)}.Arn>:*"


def _acknowledge_provider(provider: cr.Provider, handlers: tuple[lambda_.Function, lambda_.Function]) -> None:
    """The Provider framework's functions, roles and waiter state machine are generated by CDK."""
    generated = (
        "Generated by the CDK custom_resources.Provider framework (framework-onEvent, -isComplete, -onTimeout and "
        "its waiter state machine); CDK scopes these statements to the framework's own functions."
    )
    invoke_any_version = (
        "The Provider framework invokes the handler functions by ARN with any version qualifier (`:*`); it is "
        "generated by CDK and limited to these two functions."
    )
    framework = {child.node.id: child for child in provider.node.children}
    for child in provider.node.find_all():
        if isinstance(child, lambda_.Function):
            _acknowledge_lambda(child)
            for pack in ("HIPAA.Security", "NIST.800.53.R5"):
                acknowledge(child, f"{pack}-LambdaConcurrency", generated)
        if (
            isinstance(child, iam.Role)
            and child.node.scope is not None
            and child.node.scope.node.id.startswith("framework-")
        ):
            acknowledge(
                child,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "CDK attaches AWSLambdaBasicExecutionRole to the Provider framework functions so they can write their "
                "logs (CreateLogStream/PutLogEvents); the framework offers no other role wiring for that.",
            )
        if isinstance(child, iam.Policy):
            for pack in ("HIPAA.Security", "NIST.800.53.R5"):
                acknowledge(child, f"{pack}-IAMNoInlinePolicy", generated)
            owner = child.node.scope.node.scope.node.id if child.node.scope and child.node.scope.node.scope else ""
            if owner.startswith("framework-"):
                for handler in handlers:
                    acknowledge(child, f"AwsSolutions-IAM5[{_arn_label(handler)}]", invoke_any_version)
            if owner == "waiter-state-machine":
                acknowledge(
                    child,
                    "AwsSolutions-IAM5[Resource::*]",
                    "CloudWatch Logs vended-log delivery APIs have no resource-level permissions; the waiter only "
                    "delivers its own execution logs.",
                )
                for name in ("framework-isComplete", "framework-onTimeout"):
                    function = framework[name]
                    assert isinstance(function, lambda_.Function)
                    acknowledge(child, f"AwsSolutions-IAM5[{_arn_label(function)}]", invoke_any_version)
    acknowledge(
        framework["waiter-state-machine"],
        "AwsSolutions-SF2",
        "The Provider framework's waiter state machine has no X-Ray option; it only retries the isComplete "
        "Lambda, whose logs and the training job's logs record each deploy.",
    )
