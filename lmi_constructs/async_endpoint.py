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

from lmi_constructs.endpoint import (
    CaptureProps,
    InstanceProps,
    data_capture_config,
    production_variant,
    storage_encryption,
    variant_scalable_target,
)
from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.policy import Arn
from lmi_constructs.topic import SecureTopic


@dataclass(frozen=True)
class BacklogScalingProps:
    min: int  # 0 = scale to zero
    max: int
    target_backlog_per_instance: int
    scale_in_cooldown: int = 600
    scale_out_cooldown: int = 300


@dataclass(frozen=True)
class AsyncEndpointProps:
    model: LmiModelProps
    instance: InstanceProps
    key: kms.IKey
    payload_bucket_name_template: str  # e.g. "lmi-async-payloads-{account}-{region}"
    max_concurrent_invocations_per_instance: int
    notifications: bool
    scaling: BacklogScalingProps | None = None
    capture: CaptureProps | None = None
    output_uri: str | None = None  # own s3://bucket/prefix/ for results instead of the shared bucket
    failure_uri: str | None = None


class AsyncEndpoint(Construct):
    """Payloads live under s3://<payload bucket>/async/<name>/{input,output,failure}/, KMS-encrypted.

    Autoscaling tracks `ApproximateBacklogSizePerInstance` (dimension EndpointName only: SageMaker
    publishes no variant dimension for it). With `min: 0` the endpoint scales to zero, and a step
    policy (+1 instance) on the `HasBacklogWithoutCapacity` alarm wakes it for the first request,
    since target tracking cannot scale out from zero instances.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: AsyncEndpointProps) -> None:
        super().__init__(scope, construct_id)
        name = props.model.name
        self.model = LmiModel(self, "Model", props=props.model)
        self.endpoint_name = name
        self._key = props.key
        bucket = Arn(props.payload_bucket_name_template).value
        self._bucket_template = props.payload_bucket_name_template
        prefix = f"async/{name}"
        self.input_uri = f"s3://{bucket}/{prefix}/input/"
        self.output_uri = f"s3://{bucket}/{prefix}/output/"
        self.failure_uri = f"s3://{bucket}/{prefix}/failure/"

        policy = self.model.policy
        policy.allow(
            ["s3:GetObject"],
            [self._objects("input")],
            reason=f"Callers choose the object names of their requests under {prefix}/input/.",
        )
        results = [self._objects("output"), self._objects("failure")]
        if props.output_uri is not None and props.failure_uri is not None:
            self.output_uri, self.failure_uri = props.output_uri, props.failure_uri
            results = [
                Arn(f"arn:{{partition}}:s3:::{uri.removeprefix('s3://')}*")
                for uri in (self.output_uri, self.failure_uri)
            ]
        self._result_arns = [arn.value for arn in results]
        policy.allow(
            ["s3:PutObject"],
            results,
            reason="SageMaker names result objects itself (one per request) under the output and failure prefixes.",
        )
        policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [props.key.key_arn])

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
            data_capture_config=None if props.capture is None else data_capture_config(self.model, props.capture),
            async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=self.output_uri,
                    s3_failure_path=self.failure_uri,
                    kms_key_id=props.key.key_arn,
                    notification_config=notification_config,
                ),
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=props.max_concurrent_invocations_per_instance
                ),
            ),
        )
        storage_encryption(self.endpoint_config, props.instance.type, props.key)
        self.endpoint = sagemaker.CfnEndpoint(
            self, "Endpoint", endpoint_name=name, endpoint_config_name=self.endpoint_config.attr_endpoint_config_name
        )
        self.endpoint_arn = self.endpoint.ref
        if props.scaling is not None:
            self.scalable_target = self._autoscaling(name, props.scaling)

    def _objects(self, folder: str) -> Arn:
        return Arn(f"arn:{{partition}}:s3:::{self._bucket_template}/async/{self.endpoint_name}/{folder}/*")

    def _autoscaling(self, name: str, scaling: BacklogScalingProps) -> appscaling.ScalableTarget:
        target = variant_scalable_target(
            self, self.endpoint, name, "sagemaker:variant:DesiredInstanceCount", scaling.min, scaling.max
        )
        endpoint_only = {"EndpointName": name}
        target.scale_to_track_metric(
            "BacklogPerInstance",
            target_value=scaling.target_backlog_per_instance,
            custom_metric=cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name="ApproximateBacklogSizePerInstance",
                dimensions_map=endpoint_only,
                statistic="Average",
                period=Duration.minutes(1),
            ),
            scale_in_cooldown=Duration.seconds(scaling.scale_in_cooldown),
            scale_out_cooldown=Duration.seconds(scaling.scale_out_cooldown),
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
                alarm_description=f"{name}: requests are queued while no instance runs: add one",
                metric=cloudwatch.Metric(
                    namespace="AWS/SageMaker",
                    metric_name="HasBacklogWithoutCapacity",
                    dimensions_map=endpoint_only,
                    statistic="Average",
                    period=Duration.minutes(1),
                ),
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
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpointAsync"], resource_arns=[self.endpoint_arn]
        )
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["s3:PutObject"], resource_arns=[self._objects("input").value]
        )
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject"], resource_arns=self._result_arns)
        self._key.grant_encrypt_decrypt(grantee)
        return grant
