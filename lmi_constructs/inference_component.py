"""An LMI model placed on a component endpoint as an inference component: per-copy compute, a copy
count that scales (to zero with a wake-up alarm), and rolling updates with auto-rollback."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.adapter_component import AdapterComponent, AdapterComponentProps
from lmi_constructs.component_endpoint import grant_component_invoke
from lmi_constructs.model import LmiModel, LmiModelProps
from lmi_constructs.realtime_endpoint import LAUNCH_SECONDS, MAX_EXECUTION_SECONDS, MIN_EXECUTION_SECONDS
from lmi_constructs.rollback_alarms import rollback_alarms
from lmi_constructs.scaling import ScalingProps, scalable_target, track
from lmi_constructs.scoped_policy import BucketRef, ScopedPolicy
from lmi_constructs.telemetry import allow_log_group
from lmi_constructs.variant import VARIANT_NAME

COPY_COUNT = "sagemaker:inference-component:DesiredCopyCount"


@dataclass(frozen=True)
class ComputeProps:
    """What one copy reserves on an instance."""

    accelerators: int
    memory_mb: int
    cpus: float | None = None


@dataclass(frozen=True)
class CopyScalingProps(ScalingProps):
    """Copy-count scaling; `min` 0 scales to zero, woken by the NoCapacityInvocationFailures alarm."""

    scale_out_cooldown: int = 60
    metric: str = "concurrent-requests"  # or "invocations" (per copy)


@dataclass(frozen=True)
class RollingUpdateProps:
    """Replace copies one at a time; roll back when an alarm fires."""

    batch_copies: int = 1
    wait_seconds: int = 300
    max_execution_seconds: int | None = None  # None: from the copies and their timeouts (rolling_update_timeout)
    error_5xx_threshold: int = 5
    model_latency_p90_ms: int = 30000


@dataclass(frozen=True)
class InferenceComponentProps:
    component_name: str
    endpoint_name: str
    model: LmiModelProps
    compute: ComputeProps
    alarm_topic: sns.ITopic
    initial_copies: int = 1
    startup_health_check_timeout: int = 1800
    model_data_download_timeout: int = 1800
    scaling: CopyScalingProps | None = None
    rollout: RollingUpdateProps = RollingUpdateProps()
    host_role: iam.IRole | None = None  # the endpoint's execution role: may fetch this component's artifacts too


def rolling_update_timeout(props: InferenceComponentProps) -> int:
    """The whole rolling update (MaximumExecutionTimeoutInSeconds): for every batch of copies, up to the most
    the copy count can scale to, an instance launch, the model download, the startup health check and the bake;
    within SageMaker's range."""
    copies = max(props.initial_copies, props.scaling.max if props.scaling is not None else 0)
    batches = -(-copies // props.rollout.batch_copies)
    per_batch = (
        LAUNCH_SECONDS
        + props.model_data_download_timeout
        + props.startup_health_check_timeout
        + props.rollout.wait_seconds
    )
    return max(MIN_EXECUTION_SECONDS, min(MAX_EXECUTION_SECONDS, batches * per_batch))


class InferenceComponent(Construct):
    """LmiModel + `AWS::SageMaker::InferenceComponent` + copy-count scaling + rollback alarms."""

    def __init__(self, scope: Construct, construct_id: str, *, props: InferenceComponentProps) -> None:
        super().__init__(scope, construct_id)
        self.component_name = props.component_name
        self.endpoint_name = props.endpoint_name
        self.model = LmiModel(self, "Model", props=props.model)
        self.host_policy: ScopedPolicy | None = None
        if props.host_role is not None:
            self.host_policy = self._host_access(props.host_role, props.model)
        self.alarms = self._rollback_alarms(props.rollout, props.alarm_topic)
        rollout, compute = props.rollout, props.compute
        batch = sagemaker.CfnInferenceComponent.InferenceComponentCapacitySizeProperty(
            type="COPY_COUNT", value=rollout.batch_copies
        )
        self.component = sagemaker.CfnInferenceComponent(
            self,
            "Component",
            inference_component_name=props.component_name,
            endpoint_name=props.endpoint_name,
            variant_name=VARIANT_NAME,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                model_name=self.model.model_name,
                compute_resource_requirements=sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                    number_of_accelerator_devices_required=compute.accelerators,
                    min_memory_required_in_mb=compute.memory_mb,
                    number_of_cpu_cores_required=compute.cpus,
                ),
                startup_parameters=sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
                    container_startup_health_check_timeout_in_seconds=props.startup_health_check_timeout,
                    model_data_download_timeout_in_seconds=props.model_data_download_timeout,
                ),
            ),
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=props.initial_copies
            ),
            deployment_config=sagemaker.CfnInferenceComponent.InferenceComponentDeploymentConfigProperty(
                rolling_update_policy=sagemaker.CfnInferenceComponent.InferenceComponentRollingUpdatePolicyProperty(
                    maximum_batch_size=batch,
                    wait_interval_in_seconds=rollout.wait_seconds,
                    maximum_execution_timeout_in_seconds=rollout.max_execution_seconds or rolling_update_timeout(props),
                    rollback_maximum_batch_size=batch,
                ),
                auto_rollback_configuration=sagemaker.CfnInferenceComponent.AutoRollbackConfigurationProperty(
                    alarms=[sagemaker.CfnInferenceComponent.AlarmProperty(alarm_name=a.alarm_name) for a in self.alarms]
                ),
            ),
        )
        if self.host_policy is not None:
            self.component.node.add_dependency(self.host_policy)
        self.component_arn = self.component.attr_inference_component_arn
        self.scalable_target: appscaling.ScalableTarget | None = None
        if props.scaling is not None:
            self.scalable_target = self._scale_copies(props.scaling)

    def _host_access(self, host_role: iam.IRole, model: LmiModelProps) -> ScopedPolicy:
        """The endpoint's role may pull this image and read this bundle and weights, whichever of the two
        roles SageMaker uses to fetch a component's artifacts."""
        policy = ScopedPolicy(self, "HostAccess", role=host_role, description=f"LMI component {model.name} on its host")
        self.model.image.grant_pull(policy)
        policy.allow(["s3:GetObject"], [self.model.bundle.bucket.arn_for_objects(self.model.bundle.s3_object_key)])
        if model.weights is not None:
            policy.allow_prefix(
                model.weights,
                ["s3:GetObject"],
                reason=f"Read-only on the component's own model prefix {model.weights.describe()}, whose file names "
                "(weight shards) are not known at synth.",
            )
        for log_group in model.log_group_names:  # and whichever role writes the component's container logs
            allow_log_group(policy, log_group, model.log_stream_prefix)
        return policy

    def metric(self, metric_name: str, *, statistic: str = "Average") -> cloudwatch.Metric:
        """An AWS/SageMaker metric of this component (dimension InferenceComponentName)."""
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            dimensions_map={"InferenceComponentName": self.component_name},
            statistic=statistic,
            period=Duration.minutes(1),
        )

    def _rollback_alarms(self, rollout: RollingUpdateProps, topic: sns.ITopic) -> list[cloudwatch.Alarm]:
        name = self.component_name
        return rollback_alarms(
            self,
            errors=self.metric("Invocation5XXErrors", statistic="Sum"),
            latency=self.metric("ModelLatency", statistic="p90"),
            error_5xx_threshold=rollout.error_5xx_threshold,
            model_latency_p90_ms=rollout.model_latency_p90_ms,
            errors_description=f"{name}: 5XX errors during or after a rolling update (drives auto-rollback)",
            latency_description=f"{name}: p90 model latency (drives rolling-update auto-rollback)",
            topic=topic,
        )

    def _scale_copies(self, scaling: CopyScalingProps) -> appscaling.ScalableTarget:
        target = scalable_target(
            self, self.component, f"inference-component/{self.component_name}", COPY_COUNT, scaling
        )
        metric = (
            appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION
            if scaling.metric == "concurrent-requests"
            else appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY
        )
        track(target, "CopyTargetTracking", scaling, predefined=metric)
        if scaling.min == 0:
            self._wake_up_from_zero(target)
        return target

    def _wake_up_from_zero(self, target: appscaling.ScalableTarget) -> None:
        """Target tracking cannot scale out from zero copies: one failed request (no capacity) adds a copy."""
        wake_up = appscaling.StepScalingAction(
            self,
            "WakeUpFromZero",
            scaling_target=target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
            cooldown=Duration.seconds(60),
        )
        wake_up.add_adjustment(adjustment=1, lower_bound=0)
        alarm = cloudwatch.Alarm(
            self,
            "NoCapacityInvocationFailures",
            alarm_description=f"{self.component_name}: a request found no copy running: add one",
            metric=self.metric("NoCapacityInvocationFailures", statistic="Sum"),
            threshold=1,  # >= 1: a single failed request wakes it (AWS's example uses > 1)
            evaluation_periods=1,
            datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.ApplicationScalingAction(wake_up))

    def add_adapter(self, construct_id: str, *, name: str, bucket: BucketRef, key: str) -> AdapterComponent:
        """A LoRA adapter component on this component's copies, from one .tar.gz object."""
        readers = [self.model.policy] + ([self.host_policy] if self.host_policy is not None else [])
        for policy in readers:
            policy.allow(["s3:GetObject"], [bucket.arn_for_objects(key)])
        return AdapterComponent(
            self,
            construct_id,
            props=AdapterComponentProps(
                component_name=name,
                endpoint_name=self.endpoint_name,
                base_component_name=self.component_name,
                artifact_url=f"s3://{bucket.bucket_name}/{key}",
            ),
            base=self.component,
        )

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return grant_component_invoke(self, grantee, self.endpoint_name, self.component_arn)
