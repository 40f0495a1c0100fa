"""Ahead-of-time model preparation: a custom resource runs SageMaker's optimization job (sharding,
quantization, compilation for GPUs or Neuron) or, where only that works, a training job running the
image's own TensorRT-LLM build; the serving Model reads the output prefix, so the endpoint cannot be
created before the job is done.

CloudFormation waits at most one hour for a custom resource. Job name and output prefix are
content-addressed (lambda/aot_preparation), so a job that outlives one deploy keeps running and the
next deploy with the same inputs attaches to it, or finds its completion marker.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

import lmi_core
from lmi_constructs.image import ImageProps, LmiImage
from lmi_constructs.log_groups import owned_log_group
from lmi_constructs.nag import acknowledge
from lmi_constructs.scoped_policy import S3Location, ScopedPolicy, arn
from lmi_constructs.telemetry import allow_sagemaker_metrics
from lmi_constructs.tokens import AWS, key_arn, service_principal
from lmi_core import naming, serving_properties
from lmi_core.serving_properties import ServingValue

HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "aot_preparation"
# Named, not globbed: an untracked `handler (copy).py` or an editor's lock file would change the asset.
HANDLER_MODULES = ("engines.py", "handler.py", "inputs.py", "job_requests.py")
# Pure modules the handler shares with the app, copied into its asset at synth (never written twice).
SHARED_MODULES = (Path(lmi_core.__file__), Path(naming.__file__), Path(serving_properties.__file__))
# CloudFormation's own limit for a custom resource is one hour; stop polling a bit before it,
# so the failure message (job still running: deploy again to re-attach) is ours, not a timeout.
PROVIDER_TOTAL_TIMEOUT = Duration.minutes(55)
SERVICE_TIMEOUT = Duration.minutes(60)
JOB_KINDS = {"optimization-job": "OptimizationJob", "training-job": "TrainingJob"}
# The optimization job's log group follows the training-job pattern; not confirmed in AWS docs (unverified).
JOB_LOG_GROUPS = {"optimization-job": "/aws/sagemaker/OptimizationJobs", "training-job": "/aws/sagemaker/TrainingJobs"}


@dataclass(frozen=True)
class HubTokenSecret:
    """The model's HF_TOKEN secret (name or ARN), for a training job that downloads a hub model itself."""

    secret_id: str
    json_key: str | None = None
    version_id: str | None = None

    @property
    def region(self) -> str:
        return self.secret_id.split(":")[3] if self.secret_id.startswith("arn:") else AWS.region

    @property
    def arns(self) -> list[str]:
        """What GetSecretValue may read: Secrets Manager appends `-` and 6 characters to every secret's name,
        so a name, or an ARN without them, matches with `-??????`; a full ARN matches as it is."""
        if self.secret_id.startswith("arn:"):
            return [self.secret_id, f"{self.secret_id}-??????"]
        return [arn(f"arn:{{partition}}:secretsmanager:{{region}}:{{account}}:secret:{self.secret_id}-??????")]


@dataclass(frozen=True)
class AotProps:
    model_name: str  # the handler names jobs and prefixes after it (lmi_core.naming)
    engine: str  # optimization-job | training-job
    steps: tuple[str, ...]  # shard, quantize-awq, quantize-fp8, compile
    instance_type: str  # DeploymentInstanceType (optimization job), or the training job's instance
    image: ImageProps  # the image the job runs
    model_id: str  # S3 prefix (or, training job only, a Hugging Face id) of the source weights
    artifacts: S3Location  # root of prepared artifacts; this model's land under <prefix><model_name>/<hash>/
    job_name_prefix: str  # the handler may create, describe and stop only jobs named <prefix>-*
    source_weights: S3Location | None = None  # the job reads the source weights here (S3 model ids)
    configs: tuple[tuple[str, Mapping[str, str]], ...] = ()  # optimization job: (technique, OverrideEnvironment)
    serving: Mapping[str, ServingValue] = field(default_factory=dict)  # training job: serving.properties to build from
    tensor_parallel_degree: int = 1
    key: kms.IKey | None = None
    max_runtime_seconds: int = 86400
    volume_size_gb: int = 0  # training job on an instance without local NVMe
    accept_eula: bool = False
    hub_token: HubTokenSecret | None = None  # training job from a hub id: the job fetches HF_TOKEN with its role


def handler_code(outdir: str) -> lambda_.Code:
    """The handler folder plus the shared pure modules, staged under cdk.out (byte-reproducible)."""
    staged = Path(outdir) / ".lmi-lambda" / HANDLER_DIR.name
    shutil.rmtree(staged, ignore_errors=True)
    (staged / "lmi_core").mkdir(parents=True)
    copies = [(HANDLER_DIR / name, staged / name) for name in HANDLER_MODULES]
    copies += [(module, staged / "lmi_core" / module.name) for module in SHARED_MODULES]
    for source, target in copies:
        shutil.copyfile(source, target)
        # The CDK CLI zips each file with its mode, and Lambda must be able to read it: not the umask's (077).
        target.chmod(0o644)
    return lambda_.Code.from_asset(str(staged))


class AotPreparation(Construct):
    """Job role + handler Lambda + CDK Provider + the custom resource; `output_prefix` is the
    resource's `OutputPrefix` attribute (a token), for `option.model_id` of the serving Model."""

    def __init__(self, scope: Construct, construct_id: str, *, props: AotProps) -> None:
        super().__init__(scope, construct_id)
        name = props.model_name
        artifacts = S3Location(
            props.artifacts.bucket, naming.aot_artifacts_prefix(name, props.artifacts.prefix), props.artifacts.key
        )
        self.artifacts = artifacts  # the serving Model reads the prepared model from here

        # ---- the training job's role: source weights, its output prefix, the image, its logs
        self.job_role = iam.Role(self, "JobRole", assumed_by=service_principal("sagemaker.amazonaws.com"))
        job_policy = ScopedPolicy(self, "JobPolicy", role=self.job_role, description=f"AOT job of {name}")
        # Kept when the stack deletes them: a rollback leaves a job over the hour running (the next deploy
        # attaches to it), and without its role it could not write its output. An unused role is what is left.
        self.job_role.apply_removal_policy(RemovalPolicy.RETAIN)
        job_policy.policy.apply_removal_policy(RemovalPolicy.RETAIN)
        image = LmiImage(self, "Image", props=props.image)
        image.grant_pull(job_policy)
        allow_sagemaker_metrics(job_policy)
        self._grant_artifacts(job_policy, artifacts)
        if props.source_weights is not None:
            job_policy.allow_prefix(
                props.source_weights,
                ["s3:GetObject"],
                reason=f"The job reads the source weights under {props.source_weights.uri}, names unknown at synth.",
            )
        # An optimization job runs its container like a training job; where it logs is not documented, so its
        # role may write either group, streams of its own jobs only.
        for job_logs in sorted({JOB_LOG_GROUPS["training-job"], JOB_LOG_GROUPS[props.engine]}, reverse=True):
            job_policy.allow(
                ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                [
                    arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{job_logs}"),
                    arn(
                        f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{job_logs}:log-stream:{props.job_name_prefix}-*"
                    ),
                ],
                reason="Training jobs log to streams named <job name>/<host>; job names are content hashes."
                if job_logs == JOB_LOG_GROUPS["training-job"]
                else "An optimization job may log here (undocumented) to streams named after the job; job names "
                "are content hashes.",
            )
        if props.key is not None:
            job_policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [key_arn(props.key)])
        if props.hub_token is not None:
            job_policy.allow(["secretsmanager:GetSecretValue"], props.hub_token.arns)

        # ---- the handler Lambda
        self.log_group = owned_log_group(self, "HandlerLogs", key=props.key)
        handler_role = iam.Role(self, "HandlerRole", assumed_by=service_principal("lambda.amazonaws.com"))
        handler_policy = ScopedPolicy(self, "HandlerPolicy", role=handler_role, description=f"AOT handler of {name}")
        kind = JOB_KINDS[props.engine]
        handler_policy.allow(
            ["sagemaker:AddTags", f"sagemaker:Create{kind}", f"sagemaker:Describe{kind}", "sagemaker:ListTags",
             f"sagemaker:Stop{kind}"],
            [arn(f"arn:{{partition}}:sagemaker:{{region}}:{{account}}:{props.engine}/{props.job_name_prefix}-*")],
            reason="Job names end in a content hash (and a retry suffix) computed at deploy time.",
        )  # fmt: skip
        handler_policy.allow(
            ["iam:PassRole"],
            [self.job_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        self._grant_artifacts(handler_policy, artifacts)
        handler_policy.allow(["cloudformation:DescribeStacks"], [Stack.of(self).stack_id])
        handler_policy.allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [self.log_group.log_group_arn],
            reason="Lambda creates one log stream per execution environment in its own log group.",
        )
        if props.key is not None:
            handler_policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [key_arn(props.key)])
        code = handler_code(Stage.of(self).outdir)  # type: ignore[union-attr]
        functions = {}
        for function_id, entry, what in (
            ("Handler", "on_event", "Starts and tracks"),
            ("IsComplete", "is_complete", "Polls"),
        ):
            function = lambda_.Function(
                self,
                function_id,
                runtime=lambda_.Runtime.PYTHON_3_14,
                code=code,
                handler=f"handler.{entry}",
                role=handler_role.without_policy_updates(),
                timeout=Duration.minutes(2),
                memory_size=256,
                log_group=self.log_group,
                description=f"{what} the AOT job of {name}",
            )
            function.node.add_dependency(handler_policy)
            functions[entry] = function
        self.handler, self.is_complete = functions["on_event"], functions["is_complete"]
        for function in (self.handler, self.is_complete):
            _acknowledge_lambda(function)

        # ---- the Provider framework and the resource
        # Named after the handler group's generated name: unique to this `aot:` block's lifetime.
        waiter_logs = owned_log_group(self, "WaiterLogs", key=props.key, unique_suffix=self.log_group.log_group_name)
        framework_logs = owned_log_group(self, "FrameworkLogs", key=props.key)
        # The framework functions' roles are ours, so they may write only their own log group (CDK's default roles
        # carry AWSLambdaBasicExecutionRole, logs in any group). The framework adds its invoke grants to them.
        framework_roles = {
            function_id: iam.Role(self, function_id, assumed_by=service_principal("lambda.amazonaws.com"))
            for function_id in ("FrameworkOnEventRole", "FrameworkWaiterRole")  # must differ (CDK's docs)
        }
        framework_logs_policy = ScopedPolicy(
            self,
            "FrameworkLogsPolicy",
            role=framework_roles["FrameworkOnEventRole"],
            description=f"AOT framework of {name}",
        )
        framework_logs_policy.allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [framework_logs.log_group_arn],
            reason="Lambda creates one log stream per execution environment in its own log group.",
        )
        framework_logs_policy.policy.attach_to_role(framework_roles["FrameworkWaiterRole"])
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            is_complete_handler=self.is_complete,
            framework_on_event_role=framework_roles["FrameworkOnEventRole"],
            framework_complete_and_timeout_role=framework_roles["FrameworkWaiterRole"],
            query_interval=Duration.minutes(1),
            total_timeout=PROVIDER_TOTAL_TIMEOUT,
            log_group=framework_logs,
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                # no execution data: the waiter's input holds CloudFormation's pre-signed ResponseURL
                destination=waiter_logs,
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
        )
        _acknowledge_provider(self.provider, (self.handler, self.is_complete), tuple(framework_roles.values()))
        for framework_function in ("framework-onEvent", "framework-isComplete", "framework-onTimeout"):
            self.provider.node.find_child(framework_function).node.add_dependency(framework_logs_policy)
        self.resource = CustomResource(
            self,
            "Job",
            service_token=self.provider.service_token,
            service_timeout=SERVICE_TIMEOUT,
            resource_type=naming.AOT_RESOURCE_TYPE,
            properties={
                "ModelName": name,
                "Engine": props.engine,
                "Steps": ",".join(props.steps),
                "ImageUri": image.image_uri,
                "ModelId": props.model_id,
                "OptimizationConfigs": json.dumps([[t, dict(env)] for t, env in props.configs], sort_keys=True),
                "ServingProperties": json.dumps(dict(props.serving), sort_keys=True),
                "TensorParallelDegree": str(props.tensor_parallel_degree),
                "InstanceType": props.instance_type,
                "RoleArn": self.job_role.role_arn,
                "OutputBucket": props.artifacts.bucket.bucket_name,
                "OutputKeyPrefix": props.artifacts.prefix,
                "MaxRuntimeSeconds": str(props.max_runtime_seconds),
                "VolumeSizeGb": str(props.volume_size_gb),
                "AcceptEula": "true" if props.accept_eula else "false",
                **({"OutputKmsKeyId": key_arn(props.key)} if props.key is not None else {}),
                **_hub_token_properties(props.hub_token),
            },
        )
        self.resource.node.add_dependency(job_policy)
        self.output_prefix = self.resource.get_att_string("OutputPrefix")
        # The image to serve the result with: the optimization job's recommendation, or the job's own image.
        self.recommended_image = self.resource.get_att_string("RecommendedImage")

    @staticmethod
    def _grant_artifacts(policy: ScopedPolicy, artifacts: S3Location) -> None:
        policy.allow_prefix(
            artifacts,
            ["s3:GetObject", "s3:PutObject"],
            reason=f"Prepared artifacts live under {artifacts.prefix} with names the job chooses.",
        )


def _hub_token_properties(token: HubTokenSecret | None) -> dict[str, str]:
    if token is None:
        return {}
    properties = {"HfTokenSecretId": token.secret_id, "HfTokenRegion": token.region}
    if token.json_key:
        properties["HfTokenJsonKey"] = token.json_key
    if token.version_id:
        properties["HfTokenVersionId"] = token.version_id
    return properties


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
            f"{pack}-LambdaConcurrency",
            "Reserved concurrency fails the deploy in accounts whose Lambda quota leaves no room to reserve "
            "(Lambda keeps 100 unreserved; new accounts have a quota of 10 or 50). The Provider framework calls "
            "these handlers only while CloudFormation deploys this resource, and they tolerate racing calls.",
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


def _acknowledge_provider(
    provider: cr.Provider, handlers: tuple[lambda_.Function, lambda_.Function], roles: tuple[iam.Role, ...]
) -> None:
    """The Provider framework's functions, waiter state machine and the grants it adds to `roles` (the framework
    functions' roles) are generated by CDK."""
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
        if isinstance(child, iam.Policy):
            for pack in ("HIPAA.Security", "NIST.800.53.R5"):
                acknowledge(child, f"{pack}-IAMNoInlinePolicy", generated)
            owner = child.node.scope.node.scope.node.id if child.node.scope and child.node.scope.node.scope else ""
            if owner == "waiter-state-machine":
                acknowledge(
                    child,
                    "AwsSolutions-IAM5[Resource::*]",
                    "CDK's generated logging statement of the waiter state machine: the vended-log delivery APIs "
                    "(CreateLogDelivery, PutResourcePolicy, ...) have no resource-level permissions, and CDK puts "
                    "CreateLogStream/PutLogEvents in the same statement; the waiter only delivers its own execution "
                    "logs.",
                )
                for name in ("framework-isComplete", "framework-onTimeout"):
                    function = framework[name]
                    assert isinstance(function, lambda_.Function)
                    acknowledge(child, f"AwsSolutions-IAM5[{_arn_label(function)}]", invoke_any_version)
    for role in roles:  # the framework's invoke and start-execution grants, in the role's default policy
        default_policy = role.node.find_child("DefaultPolicy")
        for pack in ("HIPAA.Security", "NIST.800.53.R5"):
            acknowledge(default_policy, f"{pack}-IAMNoInlinePolicy", generated)
        for handler in handlers:
            acknowledge(default_policy, f"AwsSolutions-IAM5[{_arn_label(handler)}]", invoke_any_version)
    acknowledge(
        framework["waiter-state-machine"],
        "AwsSolutions-SF2",
        "The Provider framework's waiter state machine has no X-Ray option; it only retries the isComplete "
        "Lambda, whose logs and the training job's logs record each deploy.",
    )
