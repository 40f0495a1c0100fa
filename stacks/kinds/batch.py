"""batch -> BatchTransform."""

from __future__ import annotations

from constructs import Construct

from lmi_constructs.batch_transform import BatchTransform, BatchTransformProps, TransformProps
from lmi_constructs.variant import CaptureProps
from lmi_core import naming
from lmi_core.kinds.batch import BatchConfig
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import ServingOutputs, capture_location, local_nvme, model_props
from stacks.kinds.shared_refs import SharedRefs


def build(scope: Construct, loaded: LoadedConfig, shared: SharedRefs) -> ServingOutputs:
    config = loaded.config
    assert isinstance(config, BatchConfig)
    name = loaded.physical(config.name)
    capture = config.data_capture
    batch = BatchTransform(
        scope,
        "Serving",
        props=BatchTransformProps(
            model=model_props(
                scope,
                loaded,
                shared,
                log_group=naming.TRANSFORM_LOG_GROUP,
                log_stream_prefix=naming.transform_log_stream_prefix(name),
                serving_defaults={"option.predict_timeout": config.batch.timeout_seconds},
            ),
            transform=TransformProps(
                input=shared.location(config.batch.input),
                output=shared.location(config.batch.output),
                strategy=config.batch.strategy,
                split_type=config.batch.split_type,
                max_payload_mb=config.batch.max_payload_mb,
                max_concurrent_transforms=config.batch.max_concurrent_transforms,
                instance_type=config.instance.type,
                instance_count=config.instance.count,
                local_nvme=local_nvme(config),
                invocation_timeout=config.batch.timeout_seconds,
                invocation_retries=config.batch.retries,
            ),
            key=shared.key,
            job_name_prefix=naming.transform_job_prefix(name),
            capture=None if capture is None else CaptureProps(capture_location(name, shared), shared.key),
            generate_inference_id=capture is not None and capture.generate_inference_id,
            alarm_topic=shared.alarm_topic,
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
