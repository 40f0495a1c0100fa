"""What a SageMaker role may write of its own telemetry: container logs in its log group, and metrics in
SageMaker's instance namespaces (never AWS/..., where the metrics our scaling and alarms read live)."""

from __future__ import annotations

from lmi_constructs.scoped_policy import ScopedPolicy, arn

# /aws/sagemaker/Endpoints, /aws/sagemaker/InferenceComponents, /aws/sagemaker/TrainingJobs, ...
SAGEMAKER_METRIC_NAMESPACES = ("/aws/sagemaker/*",)


def allow_log_group(policy: ScopedPolicy, log_group: str, stream_prefix: str = "") -> None:
    """Write SageMaker's container logs: the group, and streams (named per instance at run time) in it."""
    policy.allow(
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        [
            arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{log_group}"),
            arn(f"arn:{{partition}}:logs:{{region}}:{{account}}:log-group:{log_group}:log-stream:{stream_prefix}*"),
        ],
        reason=f"SageMaker names one log stream per instance at run time, inside the log group {log_group}"
        + (f", starting with {stream_prefix}." if stream_prefix else "."),
    )


def allow_sagemaker_metrics(policy: ScopedPolicy) -> None:
    """Instance metrics (CPU, GPU, memory, disk) in SageMaker's /aws/sagemaker/ namespaces only."""
    policy.allow(
        ["cloudwatch:PutMetricData"],
        ["*"],
        reason="cloudwatch:PutMetricData has no resource-level scope; a cloudwatch:namespace condition limits it.",
        conditions={"StringLike": {"cloudwatch:namespace": list(SAGEMAKER_METRIC_NAMESPACES)}},
    )
