"""The pieces of an EndpointConfig that every endpoint kind shares: the production variant,
storage encryption, and data capture."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker

from lmi_constructs.model import LmiModel
from lmi_constructs.nag import acknowledge_all
from lmi_constructs.scoped_policy import S3Location, ScopedPolicy
from lmi_constructs.tokens import key_arn
from lmi_core.facts import images

VARIANT_NAME = "AllTraffic"


@dataclass(frozen=True)
class InstanceProps:
    type: str
    count: int
    startup_health_check_timeout: int
    model_data_download_timeout: int
    volume_size_gb: int | None = None
    inference_ami_version: str | None = None
    local_nvme: bool = True  # NVMe instance storage: SageMaker rejects VolumeSizeInGB; KmsKeyId encrypts nothing


@dataclass(frozen=True)
class CaptureProps:
    location: S3Location  # a prefix ending in "/": data-capture/<model>/
    key: kms.IKey
    sampling_percent: int = 100
    mode: str = "InputAndOutput"  # Input | Output | InputAndOutput

    @property
    def destination(self) -> str:
        return f"s3://{self.location.bucket_name}/{self.location.prefix.rstrip('/')}"


def production_variant(
    model: LmiModel, instance: InstanceProps, image_tag: str
) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
    """One instance-backed variant; shared by the real-time and async endpoints."""
    return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
        variant_name=VARIANT_NAME,
        model_name=model.model_name,
        initial_instance_count=instance.count,
        instance_type=instance.type,
        initial_variant_weight=1.0,
        container_startup_health_check_timeout_in_seconds=instance.startup_health_check_timeout,
        model_data_download_timeout_in_seconds=instance.model_data_download_timeout,
        volume_size_in_gb=None if instance.local_nvme else instance.volume_size_gb,
        inference_ami_version=instance.inference_ami_version
        or (images.CU130_AMI_VERSION if images.needs_gpu_4_1_ami(image_tag) else None),
    )


def storage_encryption(
    config: sagemaker.CfnEndpointConfig, instance_type: str, local_nvme: bool, key: kms.IKey
) -> None:
    """KMS for the ML storage volume, except on instances with local NVMe: there KmsKeyId does not
    encrypt the instance store (CreateEndpointConfig docs; older API versions rejected it), which Nitro
    encrypts in hardware (AES-256)."""
    if not local_nvme:
        config.kms_key_id = key_arn(key)
        return
    reason = (
        f"{instance_type} has local NVMe instance storage, encrypted at rest by Nitro hardware; an EndpointConfig "
        "KmsKeyId does not encrypt instance storage (CreateEndpointConfig API reference), so there is no volume for a "
        "customer-managed key."
    )
    acknowledge_all(
        config,
        [
            (f"{pack}-SageMakerEndpointConfigurationKMSKeyConfigured", reason)
            for pack in ("HIPAA.Security", "NIST.800.53.R5")
        ],
    )


def grant_capture(policy: ScopedPolicy, capture: CaptureProps, reason: str) -> None:
    """The role may write captured records under the capture prefix, encrypted with the key."""
    with policy.batch():
        policy.allow_prefix(capture.location, ["s3:PutObject"], reason=reason, list_bucket=False)
        policy.allow(["kms:Encrypt", "kms:GenerateDataKey"], [key_arn(capture.key)])


def data_capture_config(
    policy: ScopedPolicy, capture: CaptureProps
) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty:
    """Endpoint data capture to the capture prefix, KMS-encrypted; grants the role of `policy` just that."""
    grant_capture(
        policy,
        capture,
        f"SageMaker writes captured requests under {capture.location.prefix} with generated object names.",
    )
    modes = ["Input", "Output"] if capture.mode == "InputAndOutput" else [capture.mode]
    return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
        enable_capture=True,
        initial_sampling_percentage=capture.sampling_percent,
        destination_s3_uri=capture.destination,
        kms_key_id=key_arn(capture.key),
        capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes],
        capture_content_type_header=sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
            json_content_types=["application/json"]
        ),
    )
