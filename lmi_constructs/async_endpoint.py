"""An asynchronous SageMaker endpoint: S3 in, S3 out, SNS on completion, scale to zero."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.scaling import INSTANCE_COUNT, ScalingProps
from lmi_constructs.scoped_policy import S3Location
from lmi_constructs.secure_topic import SecureTopic
from lmi_constructs.serving_endpoint import ServingEndpoint
from lmi_constructs.tokens import key_arn
from lmi_constructs.variant import (
    CaptureProps,
    InstanceProps,
    data_capture_config,
    production_variant,
    storage_encryption,
)


@dataclass(frozen=True)
class AsyncEndpointProps:
    endpoint_name: str
    model: LmiModelProps
    instance: InstanceProps
    key: kms.IKey
    payloads: S3Location  # requests under <prefix>input/, results under output/ and failure/
    max_concurrent_invocations_per_instance: int
    notifications: bool
    scaling: ScalingProps | None = None  # target: backlog per instance; min 0 = scale to zero
    capture: CaptureProps | None = None
    results: tuple[S3Location, S3Location] | None = None  # own (output, failure) prefixes instead of `payloads`


class AsyncEndpoint(ServingEndpoint):
    """Payloads live under the payload prefix, KMS-encrypted.

    Autoscaling tracks `ApproximateBacklogSizePerInstance` (dimension EndpointName only: SageMaker
    publishes no variant dimension for it). With `min: 0` the endpoint scales to zero, and a step
    policy (+1 instance) on the `HasBacklogWithoutCapacity` alarm wakes it for the first request,
    since target tracking cannot scale out from zero instances.
    """

    invoke_actions = ("sagemaker:InvokeEndpointAsync",)

    def __init__(self, scope: Construct, construct_id: str, *, props: AsyncEndpointProps) -> None:
        super().__init__(scope, construct_id, endpoint_name=props.endpoint_name)
        name = props.endpoint_name
        self.model = LmiModel(self, "Model", props=props.model)
        self._key = props.key
        payloads = props.payloads
        self.input = S3Location(payloads.bucket, f"{payloads.prefix}input/")
        output, failure = props.results or (
            S3Location(payloads.bucket, f"{payloads.prefix}output/"),
            S3Location(payloads.bucket, f"{payloads.prefix}failure/"),
        )
        self.input_uri, self.output_uri, self.failure_uri = self.input.uri, output.uri, failure.uri
        self._results = (output, failure)

        policy = self.model.policy
        with policy.batch():
            policy.allow(
                ["s3:GetObject"],
                [self.input.objects_arn()],
                reason=f"Callers choose the object names of their requests under {self.input.prefix}.",
            )
            policy.allow(
                ["s3:PutObject"],
                [output.objects_arn(), failure.objects_arn()],
                reason="SageMaker names result objects itself (one per request) under the output and failure prefixes.",
            )
            policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [key_arn(props.key)])

        notification_config = None
        self.success_topic: sns.ITopic | None = None
        self.error_topic: sns.ITopic | None = None
        if props.notifications:
            self.success_topic = SecureTopic(self, "SuccessTopic", key=props.key, display_name=f"{name} done").topic
            self.error_topic = SecureTopic(self, "ErrorTopic", key=props.key, display_name=f"{name} failed").topic
            policy.allow(["sns:Publish"], [self.success_topic.topic_arn, self.error_topic.topic_arn])
            notification_config = sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                success_topic=self.success_topic.topic_arn,
                error_topic=self.error_topic.topic_arn,
                include_inference_response_in=["SUCCESS_NOTIFICATION_TOPIC"],
            )

        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[production_variant(self.model, props.instance, self.model.image.tag)],
            data_capture_config=None
            if props.capture is None
            else data_capture_config(self.model.policy, props.capture),
            async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=self.output_uri,
                    s3_failure_path=self.failure_uri,
                    kms_key_id=key_arn(props.key),
                    notification_config=notification_config,
                ),
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=props.max_concurrent_invocations_per_instance
                ),
            ),
        )
        storage_encryption(self.endpoint_config, props.instance.type, props.instance.local_nvme, props.key)
        self._endpoint(self.endpoint_config, keep_instance_count=props.scaling is not None)
        if props.scaling is not None:
            self._autoscaling(props.scaling)

    def metric_backlog_per_instance(self) -> cloudwatch.Metric:
        return self.metric("ApproximateBacklogSizePerInstance", per_variant=False)

    def metric_has_backlog_without_capacity(self) -> cloudwatch.Metric:
        return self.metric("HasBacklogWithoutCapacity", per_variant=False)

    def _autoscaling(self, scaling: ScalingProps) -> appscaling.ScalableTarget:
        target = self.auto_scale(
            INSTANCE_COUNT, "BacklogPerInstance", scaling, custom=self.metric_backlog_per_instance()
        )
        if scaling.min == 0:
            wake_up = appscaling.StepScalingAction(
                self,
                "WakeUpFromZero",
                scaling_target=target,
                adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
                cooldown=Duration.seconds(scaling.scale_out_cooldown),
            )
            wake_up.add_adjustment(adjustment=1, lower_bound=0)
            alarm = cloudwatch.Alarm(
                self,
                "HasBacklogWithoutCapacity",
                alarm_description=f"{self.endpoint_name}: requests are queued while no instance runs: add one",
                metric=self.metric_has_backlog_without_capacity(),
                threshold=1,
                evaluation_periods=2,
                datapoints_to_alarm=2,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(cw_actions.ApplicationScalingAction(wake_up))
        return target

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Upload a request under input/, call InvokeEndpointAsync, read the result."""
        grant = super().grant_invoke(grantee)
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:PutObject"], resource_arns=[self.input.objects_arn()])
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["s3:GetObject"], resource_arns=[r.objects_arn() for r in self._results]
        )
        self._key.grant_encrypt_decrypt(grantee)
        return grant
