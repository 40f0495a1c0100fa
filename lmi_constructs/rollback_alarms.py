"""The two alarms that drive an automatic rollback (endpoint blue/green, component rolling update)."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.tokens import once_per_object


@once_per_object
def sns_action(topic: sns.ITopic) -> cw_actions.SnsAction:
    """One action per topic: it only names the topic's ARN, so alarms in any stack may share it."""
    return cw_actions.SnsAction(topic)


def rollback_alarms(
    scope: Construct,
    *,
    errors: cloudwatch.IMetric,
    latency: cloudwatch.IMetric,
    error_5xx_threshold: int,
    model_latency_p90_ms: int,
    errors_description: str,
    latency_description: str,
    topic: sns.ITopic,
) -> list[cloudwatch.Alarm]:
    """5XX errors (`errors`, a Sum) and p90 model latency (`latency`, in microseconds), each sent to `topic`."""
    errors_alarm = cloudwatch.Alarm(
        scope,
        "Invocation5XXAlarm",
        alarm_description=errors_description,
        metric=errors,
        threshold=error_5xx_threshold,
        evaluation_periods=3,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    latency_alarm = cloudwatch.Alarm(
        scope,
        "ModelLatencyAlarm",
        alarm_description=latency_description,
        metric=latency,
        threshold=model_latency_p90_ms * 1000,  # ModelLatency is in microseconds
        evaluation_periods=5,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    action = sns_action(topic)
    for alarm in (errors_alarm, latency_alarm):
        alarm.add_alarm_action(action)
    return [errors_alarm, latency_alarm]
