"""The model YAML format: pydantic blocks and the base classes of every kind's config."""

from lmi_core.config.blocks import (
    Aot,
    Autoscaling,
    ConfigBase,
    Container,
    DataCapture,
    Instance,
    InstanceConfig,
    ModelConfig,
    ModelSource,
    S3Prefix,
    SecretSource,
    Strict,
    Vpc,
    instance_of,
    split_s3_uri,
)

__all__ = [
    "Aot",
    "Autoscaling",
    "ConfigBase",
    "Container",
    "DataCapture",
    "Instance",
    "InstanceConfig",
    "ModelConfig",
    "ModelSource",
    "S3Prefix",
    "SecretSource",
    "Strict",
    "Vpc",
    "instance_of",
    "split_s3_uri",
]
