"""Batch transform: CloudFormation has no transform-job resource, so a Step Functions state
machine runs `createTransformJob.sync` for each new input object (EventBridge) or by hand."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from lmi_constructs.log_groups import owned_log_group
from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.rollback_alarms import sns_action
from lmi_constructs.scoped_policy import S3Location, ScopedPolicy, arn
from lmi_constructs.secure_topic import SecureTopic
from lmi_constructs.tokens import key_arn, service_principal
from lmi_constructs.variant import CaptureProps, grant_capture


def states_format(before: str, argument: str, after: str = "") -> str:
    """`States.Format('<before>{}<after>', argument)` with `before` and `after` escaped as the States Language
    asks inside an intrinsic's string literal (' { } \\), so no value can end the literal or add a placeholder."""

    def escaped(text: str) -> str:
        if Token.is_unresolved(text):
            raise ValueError("States.Format takes literal text here; a token would be escaped into nonsense")
        return "".join(f"\\{c}" if c in "'{}\\" else c for c in text)

    return f"States.Format('{escaped(before)}{{}}{escaped(after)}', {argument})"


@dataclass(frozen=True)
class TransformProps:
    input: S3Location
    output: S3Location
    strategy: str
    split_type: str
    max_payload_mb: int
    max_concurrent_transforms: int
    instance_type: str
    instance_count: int
    local_nvme: bool = True  # NVMe instance storage is hardware-encrypted; VolumeKmsKeyId is rejected there
    invocation_timeout: int = 600  # seconds per request (ModelClientConfig)
    invocation_retries: int = 3


@dataclass(frozen=True)
class BatchTransformProps:
    model: LmiModelProps
    transform: TransformProps
    key: kms.IKey
    job_name_prefix: str  # each run's job is <prefix>-<uuid>: at most 26 characters
    capture: CaptureProps | None = None  # a transform job captures every record (no sampling, no mode)
    generate_inference_id: bool = True
    alarm_topic: sns.ITopic | None = None  # a failed or timed-out run also alarms here (the team's on-call)


class BatchTransform(Construct):
    """Model + state machine (ALL logging to KMS-encrypted logs, X-Ray) + EventBridge rule on
    `Object Created` under the input prefix + SNS topic for failures.

    Each run's transform job is named `<prefix>-<uuid>` (unique, 63 chars at most) and writes
    to `<output>/<execution name>/`. Start one by hand with
    `aws stepfunctions start-execution --state-machine-arn ... --input '{"input_uri": "s3://..."}'`
    (no input: the whole input prefix).
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: BatchTransformProps) -> None:
        super().__init__(scope, construct_id)
        name = props.model.name
        transform = props.transform
        self.model = LmiModel(self, "Model", props=props.model)
        self._grant_model_data(transform, props.key)
        self.failure_topic = SecureTopic(self, "FailureTopic", key=props.key, display_name=f"{name} batch failed").topic

        resources: dict[str, object] = {
            "InstanceType": transform.instance_type,
            "InstanceCount": transform.instance_count,
        }
        if not transform.local_nvme:
            resources["VolumeKmsKeyId"] = key_arn(props.key)
        # SingleRecord sends one JSON line per request, which LMI's default handler reads as one JSON
        # document (application/json); MultiRecord sends many lines, for a handler that splits them.
        media_type = "application/json" if transform.strategy == "SingleRecord" else "application/jsonlines"
        parameters: dict[str, object] = {
            "TransformJobName.$": states_format(f"{props.job_name_prefix}-", "States.UUID()"),
            "ModelName": self.model.model_name,
            "BatchStrategy": transform.strategy,
            "MaxPayloadInMB": transform.max_payload_mb,
            "MaxConcurrentTransforms": transform.max_concurrent_transforms,
            "ModelClientConfig": {
                "InvocationsTimeoutInSeconds": transform.invocation_timeout,
                "InvocationsMaxRetries": transform.invocation_retries,
            },
            "TransformInput": {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri.$": "$.input_uri"}},
                "SplitType": transform.split_type,
                "ContentType": media_type,
            },
            "TransformOutput": {
                "S3OutputPath.$": states_format(transform.output.uri, "$$.Execution.Name", "/"),
                "KmsKeyId": key_arn(props.key),
                "AssembleWith": "Line" if transform.split_type == "Line" else "None",
                "Accept": media_type,
            },
            "TransformResources": resources,
        }
        if props.capture is not None:
            grant_capture(
                self.model.policy,
                props.capture,
                f"Transform jobs write captured records under {props.capture.location.prefix.rstrip('/')}/ with "
                "generated names.",
            )
            parameters["DataCaptureConfig"] = {
                "DestinationS3Uri": props.capture.destination,
                "KmsKeyId": key_arn(props.capture.key),
                "GenerateInferenceId": props.generate_inference_id,
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
            result=sfn.Result.from_string(transform.input.uri),
            result_path="$.input_uri",
        )
        definition = (
            sfn.Choice(self, "InputGiven")
            .when(sfn.Condition.is_present("$.input_uri"), run_transform)
            .otherwise(default_input.next(run_transform))
        )
        run_transform.next(sfn.Succeed(self, "Done"))

        machine_role = iam.Role(self, "StateMachineRole", assumed_by=service_principal("states.amazonaws.com"))
        # Named after the role's generated name: unique to this state machine's lifetime.
        self.log_group = owned_log_group(self, "Logs", key=props.key, unique_suffix=machine_role.role_name)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            role=machine_role.without_policy_updates(),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            timeout=Duration.hours(24),
        )
        self._grant_state_machine(machine_role, props)
        if props.alarm_topic is not None:
            self._alarm_on_failed_runs(name, props.alarm_topic)

        events_role = iam.Role(self, "EventsRole", assumed_by=service_principal("events.amazonaws.com"))
        ScopedPolicy(self, "EventsPolicy", role=events_role, description=f"Start {name} batch runs").allow(
            ["states:StartExecution"], [self.state_machine.state_machine_arn]
        )
        in_bucket = transform.input.bucket.bucket_name
        self.rule = events.Rule(
            self,
            "OnNewInput",
            description=_cut(f"Start a {name} transform for each object created under {transform.input.uri}"),
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [in_bucket]}, "object": {"key": [{"prefix": transform.input.prefix}]}},
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

    def _alarm_on_failed_runs(self, name: str, topic: sns.ITopic) -> None:
        """A run that failed or timed out (Step Functions' metrics per state machine), to the alarm topic."""
        for metric_id, metric, what in (
            ("RunFailedAlarm", self.state_machine.metric_failed(), "failed"),
            ("RunTimedOutAlarm", self.state_machine.metric_timed_out(), "timed out"),
        ):
            alarm = cloudwatch.Alarm(
                self,
                metric_id,
                alarm_description=f"A {name} batch run {what}: see the state machine's execution history.",
                metric=metric.with_(period=Duration.minutes(5), statistic="Sum"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(sns_action(topic))

    def _grant_model_data(self, transform: TransformProps, key: kms.IKey) -> None:
        policy = self.model.policy
        policy.allow_prefix(
            transform.input,
            ["s3:GetObject"],
            reason=f"Transform jobs read every object that lands under {transform.input.uri}.",
        )
        policy.allow_prefix(
            transform.output,
            ["s3:PutObject"],
            reason=f"Transform jobs write one result per input object under {transform.output.uri}.",
            list_bucket=False,
        )
        # The job encrypts its output with the key; S3 also asks for kms:Decrypt on a multipart upload (large results).
        policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [key_arn(key)])

    def _grant_state_machine(self, role: iam.Role, props: BatchTransformProps) -> None:
        policy = ScopedPolicy(self, "StateMachinePolicy", role=role, description=f"{props.model.name} batch runs")
        # .sync also tags the job (MANAGED_BY_AWS=STARTED_BY_STEP_FUNCTIONS) and reads its tags: without
        # AddTags and ListTags the run fails (aws-cdk #26012; CDK's own SageMakerCreateTransformJob grants both).
        policy.allow(
            [
                "sagemaker:AddTags", "sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob",
                "sagemaker:ListTags", "sagemaker:StopTransformJob",
            ],
            [arn(f"arn:{{partition}}:sagemaker:{{region}}:{{account}}:transform-job/{props.job_name_prefix}-*")],
            reason="Each run creates a transform job named <model>-<uuid>; the uuid is only known at run time.",
        )  # fmt: skip
        policy.allow(
            ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            [arn("arn:{partition}:events:{region}:{account}:rule/StepFunctionsGetEventsForSageMakerTransformJobsRule")],
        )
        policy.allow(["sns:Publish"], [self.failure_topic.topic_arn])
        policy.allow(["kms:Decrypt", "kms:GenerateDataKey"], [key_arn(props.key)])
        # The transform job's instances get a grant on the key; only for an AWS resource, never a principal.
        policy.allow(
            ["kms:CreateGrant"], [key_arn(props.key)], conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}}
        )
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


RULE_DESCRIPTION_MAX = 512  # AWS::Events::Rule Description (CloudFormation's schema: maxLength 512)


def _cut(description: str) -> str:
    """The rule's description within its limit: an S3 input URI may be up to 1,024 characters."""
    if len(description) <= RULE_DESCRIPTION_MAX:
        return description
    return description[: RULE_DESCRIPTION_MAX - 3] + "..."
