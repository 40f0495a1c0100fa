"""Pieces every SageMaker endpoint kind shares: the production variant, storage encryption
and data capture."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from lmi_constructs.facts import image_registry
from lmi_constructs.facts.instances import instance_spec
from lmi_constructs.model import LmiModel
from lmi_constructs.nag import acknowledge
from lmi_constructs.policy import Arn

VARIANT_NAME = "AllTraffic"


@dataclass(frozen=True)
class InstanceProps:
    type: str
    count: int
    startup_health_check_timeout: int
    model_data_download_timeout: int
    volume_size_gb: int | None = None
    inference_ami_version: str | None = None


@dataclass(frozen=True)
class ScalingProps:
    min: int
    max: int
    target: int
    scale_in_cooldown: int = 600
    scale_out_cooldown: int = 300


@dataclass(frozen=True)
class CaptureProps:
    bucket_name_template: str  # e.g. "lmi-data-capture-{account}-{region}"
    key: kms.IKey
    sampling_percent: int
    mode: str  # Input | Output | InputAndOutput


def production_variant(
    model: LmiModel, instance: InstanceProps, image_tag: str
) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
    """One GPU variant; shared by the real-time and async endpoints."""
    spec = instance_spec(instance.type)
    nvme = spec is not None and spec.has_nvme
    return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
        variant_name=VARIANT_NAME,
        model_name=model.model_name,
        initial_instance_count=instance.count,
        instance_type=instance.type,
        initial_variant_weight=1.0,
        container_startup_health_check_timeout_in_seconds=instance.startup_health_check_timeout,
        model_data_download_timeout_in_seconds=instance.model_data_download_timeout,
        volume_size_in_gb=None if nvme else instance.volume_size_gb,
        inference_ami_version=instance.inference_ami_version
        or (image_registry.CU130_AMI_VERSION if image_registry.needs_gpu_4_1_ami(image_tag) else None),
    )


def storage_encryption(config: sagemaker.CfnEndpointConfig, instance_type: str, key: kms.IKey) -> None:
    """KMS for the ML storage volume, except on instances with local NVMe: SageMaker rejects
    KmsKeyId there, and their instance store is hardware-encrypted (AES-256) by Nitro."""
    spec = instance_spec(instance_type)
    if spec is None or not spec.has_nvme:
        config.kms_key_id = key.key_arn
        return
    reason = (
        f"{instance_type} has local NVMe instance storage, encrypted at rest by Nitro hardware; SageMaker rejects "
        "an EndpointConfig KmsKeyId for such instances."
    )
    for pack in ("HIPAA.Security", "NIST.800.53.R5"):
        acknowledge(config, f"{pack}-SageMakerEndpointConfigurationKMSKeyConfigured", reason)


def data_capture_config(
    model: LmiModel, capture: CaptureProps
) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty:
    """Capture to s3://<capture bucket>/data-capture/<model>/, KMS-encrypted; grants the role just that."""
    prefix = f"data-capture/{model.name}"
    model.policy.allow(
        ["s3:PutObject"],
        [Arn(f"arn:{{partition}}:s3:::{capture.bucket_name_template}/{prefix}/*")],
        reason=f"SageMaker writes captured requests under {prefix}/ with generated object names.",
    )
    model.policy.allow(["kms:Encrypt", "kms:GenerateDataKey"], [capture.key.key_arn])
    modes = ["Input", "Output"] if capture.mode == "InputAndOutput" else [capture.mode]
    return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
        enable_capture=True,
        initial_sampling_percentage=capture.sampling_percent,
        destination_s3_uri=f"s3://{Arn(capture.bucket_name_template).value}/{prefix}",
        kms_key_id=capture.key.key_arn,
        capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes],
        capture_content_type_header=sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
            json_content_types=["application/json"]
        ),
    )


def variant_scalable_target(
    scope: Construct, endpoint: sagemaker.CfnEndpoint, name: str, dimension: str, low: int, high: int
) -> appscaling.ScalableTarget:
    """Application Auto Scaling target on the endpoint's one variant, registered after the endpoint exists.
    `dimension`: sagemaker:variant:DesiredInstanceCount or ...:DesiredProvisionedConcurrency."""
    target = appscaling.ScalableTarget(
        scope,
        "ScalableTarget",
        service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
        resource_id=f"endpoint/{name}/variant/{VARIANT_NAME}",
        scalable_dimension=dimension,
        min_capacity=low,
        max_capacity=high,
    )
    target.node.add_dependency(endpoint)
    return target
