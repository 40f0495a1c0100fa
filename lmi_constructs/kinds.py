"""The one place where a validated YAML model becomes construct props, per kind.

`BUILDERS` maps each `kind` to the function that builds its construct; stacks call
`build_serving()` and never branch on kind themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from lmi_constructs.aot import AotPreparation, AotProps
from lmi_constructs.async_endpoint import AsyncEndpoint, AsyncEndpointProps, BacklogScalingProps
from lmi_constructs.batch import JOB_NAME_PREFIX_LENGTH, BatchTransform, BatchTransformProps, TransformProps
from lmi_constructs.config.code import CodeBundle
from lmi_constructs.config.models import AnyModel, AsyncModel, BatchModel, RealtimeModel, ServerlessModel
from lmi_constructs.endpoint import CaptureProps, InstanceProps, ScalingProps
from lmi_constructs.facts.instances import instance_spec
from lmi_constructs.image import ImageProps
from lmi_constructs.model import LmiModelProps, VpcProps
from lmi_constructs.realtime import RealtimeEndpoint, RealtimeEndpointProps
from lmi_constructs.serverless import ProvisionedScalingProps, ServerlessEndpoint, ServerlessEndpointProps
from lmi_constructs.shared import AOT_BUCKET_NAME, ASYNC_BUCKET_NAME, CAPTURE_BUCKET_NAME, SharedServingResources


@dataclass(frozen=True)
class ServingOutputs:
    """What a model stack exports, whatever the kind."""

    construct: Construct
    outputs: dict[str, str]  # output name -> value (may be a token)


def model_props(
    scope: Construct,
    config: AnyModel,
    shared: SharedServingResources,
    code: CodeBundle | None,
    log_group: str | None = None,
) -> LmiModelProps:
    """The Model's props; with `aot:` also the preparation job, whose output becomes the model id."""
    container = config.container
    image = ImageProps(flavour=container.image, tag=container.tag, uri=container.uri)
    vpc = getattr(config, "vpc", None)
    serving = dict(config.serving)
    model_id, prefix_template = config.model.id, None
    if config.aot is not None:
        aot = AotPreparation(scope, "Aot", props=aot_props(config, image, shared))
        model_id, prefix_template = aot.output_prefix, aot.artifacts_prefix_template
    if config.model.task is not None:
        serving.setdefault("option.task", config.model.task)
    if code is not None and code.entry_point is not None:
        serving.setdefault("option.entryPoint", code.entry_point)
    return LmiModelProps(
        name=config.name,
        model_id=model_id,
        image=image,
        serving=serving,
        log_groups=(log_group or f"/aws/sagemaker/Endpoints/{config.name}",),
        vpc=None if vpc is None else VpcProps(tuple(vpc.subnet_ids), tuple(vpc.security_group_ids)),
        code={} if code is None else code.files,
        model_prefix_template=prefix_template,
    )


def aot_props(config: AnyModel, image: ImageProps, shared: SharedServingResources) -> AotProps:
    assert config.aot is not None
    spec = instance_spec(config.aot.instance_type)
    tp = config.serving.get("option.tensor_parallel_degree")
    degree = tp if isinstance(tp, int) and not isinstance(tp, bool) else (spec.gpus if spec is not None else 1)
    return AotProps(
        name=config.name,
        mode=config.aot.mode,
        instance_type=config.aot.instance_type,
        image=image,
        model_id=config.model.id,
        serving=dict(config.serving),
        tensor_parallel_degree=degree,
        key=shared.key,
        artifacts_bucket_template=AOT_BUCKET_NAME,
    )


def instance_props(config: Any) -> InstanceProps:
    instance = config.instance
    return InstanceProps(
        type=instance.type,
        count=instance.count,
        startup_health_check_timeout=instance.startup_health_check_timeout,
        model_data_download_timeout=instance.model_data_download_timeout,
        volume_size_gb=instance.volume_size_gb,
        inference_ami_version=instance.inference_ami_version,
    )


def capture_props(config: Any, shared: SharedServingResources) -> CaptureProps | None:
    capture = config.data_capture
    if capture is None:
        return None
    return CaptureProps(CAPTURE_BUCKET_NAME, shared.key, capture.sampling_percent, capture.mode)


def build_realtime(
    scope: Construct, config: RealtimeModel, shared: SharedServingResources, code: CodeBundle | None
) -> ServingOutputs:
    scaling = config.autoscaling
    endpoint = RealtimeEndpoint(
        scope,
        "Serving",
        props=RealtimeEndpointProps(
            model=model_props(scope, config, shared, code),
            instance=instance_props(config),
            alarm_topic=shared.alarm_topic,
            storage_key=shared.key,
            scaling=None
            if scaling is None
            else ScalingProps(
                min=scaling.min,
                max=scaling.max,
                target=scaling.target_invocations_per_instance or 1,
                scale_in_cooldown=scaling.scale_in_cooldown,
                scale_out_cooldown=scaling.scale_out_cooldown,
            ),
            capture=capture_props(config, shared),
        ),
    )
    return ServingOutputs(
        endpoint,
        {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.endpoint_arn},
    )


def build_serverless(
    scope: Construct, config: ServerlessModel, shared: SharedServingResources, code: CodeBundle | None
) -> ServingOutputs:
    scaling = config.autoscaling
    endpoint = ServerlessEndpoint(
        scope,
        "Serving",
        props=ServerlessEndpointProps(
            model=model_props(scope, config, shared, code),
            memory_mb=config.serverless.memory_mb,
            max_concurrency=config.serverless.max_concurrency,
            storage_key=shared.key,
            provisioned_concurrency=config.serverless.provisioned_concurrency,
            scaling=None
            if scaling is None
            else ProvisionedScalingProps(
                min=scaling.min,
                max=scaling.max,
                target_utilization=scaling.target_utilization or 0.5,
                scale_in_cooldown=scaling.scale_in_cooldown,
                scale_out_cooldown=scaling.scale_out_cooldown,
            ),
        ),
    )
    return ServingOutputs(endpoint, {"EndpointName": endpoint.endpoint_name, "EndpointArn": endpoint.endpoint_arn})


def build_async(
    scope: Construct, config: AsyncModel, shared: SharedServingResources, code: CodeBundle | None
) -> ServingOutputs:
    scaling = config.autoscaling
    endpoint = AsyncEndpoint(
        scope,
        "Serving",
        props=AsyncEndpointProps(
            model=model_props(scope, config, shared, code),
            instance=instance_props(config),
            key=shared.key,
            payload_bucket_name_template=ASYNC_BUCKET_NAME,
            max_concurrent_invocations_per_instance=config.async_.max_concurrent_invocations_per_instance,
            notifications=config.async_.notifications,
            output_uri=config.async_.output,
            failure_uri=config.async_.failure,
            scaling=None
            if scaling is None
            else BacklogScalingProps(
                min=scaling.min,
                max=scaling.max,
                target_backlog_per_instance=scaling.target_backlog_per_instance or 1,
                scale_in_cooldown=scaling.scale_in_cooldown,
                scale_out_cooldown=scaling.scale_out_cooldown,
            ),
            capture=capture_props(config, shared),
        ),
    )
    outputs = {
        "EndpointName": endpoint.endpoint_name,
        "EndpointArn": endpoint.endpoint_arn,
        "InputUri": endpoint.input_uri,
        "OutputUri": endpoint.output_uri,
        "FailureUri": endpoint.failure_uri,
    }
    if endpoint.success_topic is not None and endpoint.error_topic is not None:
        outputs["SuccessTopicArn"] = endpoint.success_topic.topic_arn
        outputs["ErrorTopicArn"] = endpoint.error_topic.topic_arn
    return ServingOutputs(endpoint, outputs)


def build_batch(
    scope: Construct, config: BatchModel, shared: SharedServingResources, code: CodeBundle | None
) -> ServingOutputs:
    batch = BatchTransform(
        scope,
        "Serving",
        props=BatchTransformProps(
            model=model_props(
                scope,
                config,
                shared,
                code,
                log_group=f"/aws/sagemaker/TransformJobs/{config.name[:JOB_NAME_PREFIX_LENGTH]}-",
            ),
            transform=TransformProps(
                input_uri=config.batch.input,
                output_uri=config.batch.output,
                strategy=config.batch.strategy,
                split_type=config.batch.split_type,
                max_payload_mb=config.batch.max_payload_mb,
                max_concurrent_transforms=config.batch.max_concurrent_transforms,
                instance_type=config.instance.type,
                instance_count=config.instance.count,
            ),
            key=shared.key,
            capture=capture_props(config, shared),
        ),
    )
    return ServingOutputs(
        batch,
        {
            "StateMachineArn": batch.state_machine.state_machine_arn,
            "FailureTopicArn": batch.failure_topic.topic_arn,
            "ModelName": batch.model.model_name,
        },
    )


Builder = Callable[[Construct, Any, SharedServingResources, CodeBundle | None], ServingOutputs]
BUILDERS: dict[str, Builder] = {
    "realtime": build_realtime,
    "serverless": build_serverless,
    "async": build_async,
    "batch": build_batch,
}


def build_serving(
    scope: Construct, config: AnyModel, shared: SharedServingResources, code: CodeBundle | None = None
) -> ServingOutputs:
    return BUILDERS[config.kind](scope, config, shared, code)
