"""What every SageMaker endpoint construct offers: the endpoint, invoke grants and CloudWatch metrics
(the shape of aws-cdk's aws-sagemaker-alpha Endpoint)."""

from __future__ import annotations

from aws_cdk import Duration, IResolvable
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.model import LmiModel
from lmi_constructs.scaling import INSTANCE_COUNT, ScalingProps, track, variant_scalable_target
from lmi_constructs.tokens import seconds
from lmi_constructs.variant import VARIANT_NAME

# What an update (a new EndpointConfig) takes from the config although variant properties are retained.
_NOT_RETAINED: list[IResolvable | sagemaker.CfnEndpoint.VariantPropertyProperty] = [
    sagemaker.CfnEndpoint.VariantPropertyProperty(variant_property_type="DesiredWeight")
]


class ServingEndpoint(Construct):
    """A named endpoint serving one LmiModel. Subclasses build the EndpointConfig and call `_endpoint`."""

    # What `grant_invoke` allows on the endpoint; subclasses widen or change it.
    invoke_actions: tuple[str, ...] = ("sagemaker:InvokeEndpoint",)
    model: LmiModel
    endpoint: sagemaker.CfnEndpoint
    endpoint_arn: str
    _keeps_instance_count = False  # the endpoint retains its variants' instance count on update

    def __init__(self, scope: Construct, construct_id: str, *, endpoint_name: str) -> None:
        super().__init__(scope, construct_id)
        self.endpoint_name = endpoint_name
        self.variant_name = VARIANT_NAME

    def _endpoint(
        self,
        config: sagemaker.CfnEndpointConfig,
        deployment_config: sagemaker.CfnEndpoint.DeploymentConfigProperty | None = None,
        *,
        keep_instance_count: bool = False,  # will auto-scale its instance count: `keep_instance_count_on_update`
    ) -> sagemaker.CfnEndpoint:
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_name=self.endpoint_name,
            endpoint_config_name=config.attr_endpoint_config_name,
            deployment_config=deployment_config,
            retain_all_variant_properties=True if keep_instance_count else None,
            exclude_retained_variant_properties=_NOT_RETAINED if keep_instance_count else None,
        )
        self._keeps_instance_count = keep_instance_count
        self.endpoint_arn = self.endpoint.ref
        return self.endpoint

    def auto_scale(
        self,
        dimension: str,
        policy_id: str,
        scaling: ScalingProps,
        *,
        predefined: appscaling.PredefinedMetric | None = None,
        custom: cloudwatch.IMetric | None = None,
    ) -> appscaling.ScalableTarget:
        """Target tracking of the variant's `dimension` (instance count or provisioned concurrency)."""
        self.scalable_target = variant_scalable_target(
            self, self.endpoint, self.endpoint_name, self.variant_name, dimension, scaling
        )
        if dimension == INSTANCE_COUNT and not self._keeps_instance_count:
            self.keep_instance_count_on_update()
        track(self.scalable_target, policy_id, scaling, predefined=predefined, custom=custom)
        return self.scalable_target

    def keep_instance_count_on_update(self) -> None:
        """An update (a new EndpointConfig) starts from the variant's current instance count, the one
        autoscaling chose, instead of resetting it to the config's initial count: UpdateEndpoint's
        RetainAllVariantProperties. The weight still comes from the config (one variant, weight 1).
        The blue/green rollout provisions the new fleet at the retained count."""
        self.endpoint.retain_all_variant_properties = True
        self.endpoint.exclude_retained_variant_properties = _NOT_RETAINED
        self._keeps_instance_count = True

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(self.invoke_actions), resource_arns=[self.endpoint_arn]
        )

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Average",
        period: Duration | None = None,
        per_variant: bool = True,
    ) -> cloudwatch.Metric:
        """An AWS/SageMaker metric of this endpoint (and its variant, unless `per_variant` is False)."""
        dimensions = {"EndpointName": self.endpoint_name}
        if per_variant:
            dimensions["VariantName"] = self.variant_name
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            dimensions_map=dimensions,
            statistic=statistic,
            period=period or seconds(60),
        )

    def metric_invocations(self) -> cloudwatch.Metric:
        return self.metric("Invocations", statistic="Sum")

    def metric_invocation_5xx_errors(self) -> cloudwatch.Metric:
        return self.metric("Invocation5XXErrors", statistic="Sum")

    def metric_model_latency(self, statistic: str = "p90") -> cloudwatch.Metric:
        """ModelLatency is in microseconds."""
        return self.metric("ModelLatency", statistic=statistic)
