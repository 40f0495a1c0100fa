"""Batch transform: CloudFormation has no transform-job resource, so a Step Functions state
machine runs `createTransformJob.sync` for each new input object (EventBridge) or by hand."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from lmi_constructs.config.models import S3_PREFIX_PATTERN
from lmi_constructs.endpoint import CaptureProps
from lmi_constructs.facts.instances import instance_spec
from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.policy import Arn, ScopedPolicy
from lmi_constructs.topic import SecureTopic

JOB_NAME_PREFIX_LENGTH = 26  # + "-" + 36-char UUID = 63, SageMaker's limit


@dataclass(frozen=True)
class TransformProps:
    input_uri: str  # s3://bucket/prefix/
    output_uri: str
    strategy: str
    split_type: str
    max_payload_mb: int
    max_concurrent_transforms: int
    instance_type: str
    instance_count: int


@dataclass(frozen=True)
class BatchTransformProps:
    model: LmiModelProps
    transform: TransformProps
    key: kms.IKey
    capture: CaptureProps | None = None


def _bucket_and_prefix(uri: str) -> tuple[str, str]:
    match = S3_PREFIX_PATTERN.match(uri)
    if match is None:
        raise ValueError(f"{uri} is not an S3 prefix")
    return match.group("bucket"), match.group("key")


class BatchTransform(Construct):
    """Model + state machine (ALL logging to KMS-encrypted logs, X-Ray) + EventBridge rule on
    `Object Created` under the input prefix + SNS topic for failures.

    Each run's transform job is named `<name[:26]>-<uuid>` (unique, 63 chars at most) and writes
    to `<output>/<execution name>/`. Start one by hand with
    `aws stepfunctions start-execution --state-machine-arn ... --input '{"input_uri": "s3://..."}'`
    (no input: the whole `batch.input` prefix).
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: BatchTransformProps) -> None:
        super().__init__(scope, construct_id)
        name = props.model.name
        transform = props.transform
        self.model = LmiModel(self, "Model", props=props.model)
        in_bucket, in_prefix = _bucket_and_prefix(transform.input_uri)
        out_bucket, out_prefix = _bucket_and_prefix(transform.output_uri)
        self._grant_model_data(props, in_bucket, in_prefix, out_bucket, out_prefix)
        self.failure_topic = SecureTopic(self, "FailureTopic", key=props.key, display_name=f"{name} batch failed").topic

        job_prefix = name[:JOB_NAME_PREFIX_LENGTH]
        spec = instance_spec(transform.instance_type)
        resources: dict[str, object] = {
            "InstanceType": transform.instance_type,
            "InstanceCount": transform.instance_count,
        }
        if spec is None or not spec.has_nvme:
            resources["VolumeKmsKeyId"] = props.key.key_arn
        parameters: dict[str, object] = {
            "TransformJobName.$": f"States.Format('{job_prefix}-{{}}', States.UUID())",
            "ModelName": self.model.model_name,
            "BatchStrategy": transform.strategy,
            "MaxPayloadInMB": transform.max_payload_mb,
            "MaxConcurrentTransforms": transform.max_concurrent_transforms,
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.input_uri"}},
                "SplitType": transform.split_type,
                "ContentType": "application/jsonlines",
            },
            "TransformOutput": {
                "S3OutputPath.$": f"States.Format('{transform.output_uri}{{}}/', $$.Execution.Name)",
                "KmsKeyId": props.key.key_arn,
                "AssembleWith": "Line" if transform.split_type == "Line" else "None",
                "Accept": "application/jsonlines",
            },
            "TransformResources": resources,
        }
        if props.capture is not None:
            capture_prefix = f"data-capture/{name}"
            self.model.policy.allow(
                ["s3:PutObject"],
                [Arn(f"arn:{{partition}}:s3:::{props.capture.bucket_name_template}/{capture_prefix}/*")],
                reason=f"Transform jobs write captured records under {capture_prefix}/ with generated names.",
            )
            self.model.policy.allow(["kms:Encrypt", "kms:GenerateDataKey"], [props.capture.key.key_arn])
            parameters["DataCaptureConfig"] = {
                "DestinationS3Uri": f"s3://{Arn(props.capture.bucket_name_template).value}/{capture_prefix}",
                "KmsKeyId": props.capture.key.key_arn,
                "GenerateInferenceId": True,
            }
        run_transform = sfn.CustomState(
            self,
            "RunTransformJob",
            state_json={
                "Type": "Task",
                "Resource": f"arn:{Aws.PARTITION}:states:::sagemaker:createTransformJob.sync",
                "Parameters": parameters,
                "ResultPath": "$.transform",
            },
        )
        notify = tasks.SnsPublish(
            self,
            "NotifyFailure",
            topic=self.failure_topic,
            message=sfn.TaskInput.from_object(
                {"model": name, "execution": sfn.JsonPath.execution_name, "error": sfn.JsonPath.object_at("$.error")}
            ),
            result_path=sfn.JsonPath.DISCARD,
        ).next(sfn.Fail(self, "TransformFailed", cause="The transform job failed; see the SNS message."))
        run_transform.add_catch(notify, errors=["States.ALL"], result_path="$.error")
        default_input = sfn.Pass(
            self,
            "WholeInputPrefix",
            result=sfn.Result.from_string(transform.input_uri),
            result_path="$.input_uri",
        )
        definition = (
            sfn.Choice(self, "InputGiven")
            .when(sfn.Condition.is_present("$.input_uri"), run_transform)
            .otherwise(default_input.next(run_transform))
        )
        run_transform.next(sfn.Succeed(self, "Done"))

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/lmi-{name}",
            encryption_key=props.key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )
        machine_role = iam.Role(self, "StateMachineRole", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            role=machine_role.without_policy_updates(),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            timeout=Duration.hours(24),
        )
        self._grant_state_machine(machine_role, props, job_prefix)

        events_role = iam.Role(self, "EventsRole", assumed_by=iam.ServicePrincipal("events.amazonaws.com"))
        ScopedPolicy(self, "EventsPolicy", role=events_role, description=f"Start {name} batch runs").allow(
            ["states:StartExecution"], [self.state_machine.state_machine_arn]
        )
        self.rule = events.Rule(
            self,
            "OnNewInput",
            description=f"Start a {name} transform for each object created under {transform.input_uri}",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [in_bucket]}, "object": {"key": [{"prefix": in_prefix}]}},
            ),
        )
        key_path = events.EventField.from_path("$.detail.object.key")
        self.rule.add_target(
            targets.SfnStateMachine(
                self.state_machine,
                input=events.RuleTargetInput.from_object({"input_uri": f"s3://{in_bucket}/{key_path}"}),
                role=events_role.without_policy_updates(),
            )
        )

    def _grant_model_data(
        self, props: BatchTransformProps, in_bucket: str, in_prefix: str, out_bucket: str, out_prefix: str
    ) -> None:
        policy = self.model.policy
        policy.allow(
            ["s3:GetObject"],
            [Arn(f"arn:{{partition}}:s3:::{in_bucket}/{in_prefix}*")],
            reason=f"Transform jobs read every object that lands under s3://{in_bucket}/{in_prefix}.",
        )
        policy.allow(
            ["s3:ListBucket"],
            [Arn(f"arn:{{partition}}:s3:::{in_bucket}")],
            conditions={"StringLike": {"s3:prefix": [f"{in_prefix}*"]}},
        )
        policy.allow(
            ["s3:PutObject"],
            [Arn(f"arn:{{partition}}:s3:::{out_bucket}/{out_prefix}*")],
            reason=f"Transform jobs write one result per input object under s3://{out_bucket}/{out_prefix}.",
        )
        policy.allow(["kms:Encrypt", "kms:GenerateDataKey"], [props.key.key_arn])

    def _grant_state_machine(self, role: iam.Role, props: BatchTransformProps, job_prefix: str) -> None:
        policy = ScopedPolicy(self, "StateMachinePolicy", role=role, description=f"{props.model.name} batch runs")
        policy.allow(
            ["sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"],
            [Arn(f"arn:{{partition}}:sagemaker:{{region}}:{{account}}:transform-job/{job_prefix}-*")],
            reason="Each run creates a transform job named <model>-<uuid>; the uuid is only known at run time.",
        )
        policy.allow(
            ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            [Arn("arn:{partition}:events:{region}:{account}:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule")],
        )
        policy.allow(["sns:Publish"], [self.failure_topic.topic_arn])
        policy.allow(["kms:Decrypt", "kms:GenerateDataKey"], [props.key.key_arn])
        policy.allow(["kms:CreateGrant"], [props.key.key_arn])
        policy.allow(
            [
                "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
                "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
            ],
            ["*"],
            reason="CloudWatch Logs vended-log delivery and X-Ray tracing APIs have no resource-level permissions "
            "(Step Functions documentation); they only deliver this state machine's own logs and traces.",
        )  # fmt: skip
        self.state_machine.node.add_dependency(policy)
