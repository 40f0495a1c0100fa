"""Config -> props pieces that every kind's builder uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Annotations, SecretValue
from constructs import Construct

from lmi_constructs.image import ImageProps
from lmi_constructs.model import LmiModelProps
from lmi_constructs.scaling import ScalingProps
from lmi_constructs.scoped_policy import S3Location
from lmi_constructs.variant import CaptureProps, InstanceProps
from lmi_core import aot as aot_plan
from lmi_core import naming
from lmi_core.config import Autoscaling, InstanceConfig, ModelConfig, SecretSource
from lmi_core.facts import cpu_image
from lmi_core.loader import LoadedConfig
from lmi_core.serving_properties import ServingValue
from stacks.kinds.shared_refs import SharedRefs

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2


FAST_MODEL_LOADER_URI = "SM_FAST_MODEL_LOADER_S3_URI"  # where lmi-dist's Fast Model Loader reads shards from


@dataclass(frozen=True)
class ServingOutputs:
    """What a model stack exports, whatever the kind."""

    construct: Construct
    outputs: dict[str, str]  # output name -> value (may be a token)


def pascal_case(name: str) -> str:
    """A model or adapter name as the start of a CloudFormation output key: llama3-8b-sql -> Llama38bSql."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def model_props(
    scope: Construct,
    loaded: LoadedConfig,
    shared: SharedRefs,
    log_group: str | None = None,
    log_stream_prefix: str = "",
    serving_defaults: Mapping[str, ServingValue] | None = None,
) -> LmiModelProps:
    """The Model's props; with `aot:` also the preparation job, whose output becomes the model id.
    `serving_defaults`: what the kind sets in serving.properties unless `serving:` does."""
    config = loaded.config
    assert isinstance(config, ModelConfig)
    image = ImageProps(tag=config.container.image_tag, uri=config.container.uri)
    serving = {**(serving_defaults or {}), **config.serving}
    model_id: str | None = config.model.id
    weights = shared.location(config.model.id) if config.model.is_s3 else None
    environment: dict[str, str] = {}
    plan = aot_plan.plan(config)
    if plan is not None:
        from stacks.kinds.aot import prepare  # aws_lambda, stepfunctions, custom_resources: AOT models only

        aot = prepare(scope, loaded, plan, shared, weights)
        # A deploy-time model id cannot be written into serving.properties (the file would win
        # over the environment): it goes on the container as OPTION_MODEL_ID.
        model_id, weights = None, aot.artifacts
        environment = {"OPTION_MODEL_ID": aot.output_prefix + plan.model_subdirectory, **plan.serving_environment}
        if "shard" in plan.steps:  # Fast Model Loader streams the shards from S3 itself
            environment[FAST_MODEL_LOADER_URI] = aot.output_prefix
        if config.container.tag is None and config.container.uri is None:  # serve on the job's recommendation
            image = ImageProps(uri=aot.recommended_image)
    if config.model.task is not None:
        serving.setdefault("option.task", config.model.task)
    if loaded.code is not None and loaded.code.entry_point is not None:
        serving.setdefault("option.entryPoint", loaded.code.entry_point)
    vpc = config.vpc if isinstance(config, InstanceConfig) else None
    name = loaded.physical(config.name)
    return LmiModelProps(
        name=name,
        image=image,
        serving=serving,
        model_id=model_id,
        weights=weights,
        environment={**config.env, **environment},
        secrets={key: secret_reference(source) for key, source in config.secrets.items()},
        log_group_names=(log_group or naming.endpoint_log_group(name),),
        log_stream_prefix=log_stream_prefix,
        subnets=() if vpc is None else _subnets(scope, vpc.subnet_ids),
        security_groups=() if vpc is None else _security_groups(scope, vpc.security_group_ids),
        code=_bundle_code(config, loaded),
    )


def _subnets(scope: Construct, ids: Sequence[str]) -> tuple[ec2.ISubnet, ...]:
    from aws_cdk import aws_ec2 as ec2  # the largest aws-cdk-lib module (~70 ms to import): VPC models only

    subnets = tuple(ec2.Subnet.from_subnet_id(scope, f"Subnet{i}", s) for i, s in enumerate(ids))
    for subnet in subnets:
        Annotations.of(subnet).acknowledge_warning(
            "@aws-cdk/aws-ec2:noSubnetRouteTableId", "Only the subnet id goes into the Model's VpcConfig."
        )
    return subnets


def _security_groups(scope: Construct, ids: Sequence[str]) -> tuple[ec2.ISecurityGroup, ...]:
    from aws_cdk import aws_ec2 as ec2

    return tuple(
        ec2.SecurityGroup.from_security_group_id(scope, f"SecurityGroup{i}", g, mutable=False)
        for i, g in enumerate(ids)
    )


def local_nvme(config: InstanceConfig) -> bool:
    spec = config.instance.spec()
    return spec is not None and spec.has_nvme


def instance_props(config: InstanceConfig) -> InstanceProps:
    instance = config.instance
    return InstanceProps(
        type=instance.type,
        count=instance.count,
        startup_health_check_timeout=instance.startup_health_check_timeout,
        model_data_download_timeout=instance.model_data_download_timeout,
        volume_size_gb=instance.volume_size_gb,
        inference_ami_version=instance.inference_ami_version,
        local_nvme=local_nvme(config),
    )


def capture_location(model: str, shared: SharedRefs) -> S3Location:
    return S3Location(shared.bucket("data-capture"), naming.capture_prefix(model))


def capture_props(loaded: LoadedConfig, shared: SharedRefs) -> CaptureProps | None:
    """Endpoint data capture (sampled, by mode)."""
    config = loaded.config
    assert isinstance(config, InstanceConfig)
    capture = config.data_capture
    if capture is None:
        return None
    location = capture_location(loaded.physical(config.name), shared)
    return CaptureProps(location, shared.key, capture.sampling_percent, capture.mode)


def secret_reference(source: SecretSource) -> str:
    """A CloudFormation dynamic reference: the template holds `{{resolve:secretsmanager:...}}`, never the value;
    CloudFormation resolves it at deploy time into the Model's environment (see README, Secrets)."""
    secret = SecretValue.secrets_manager(source.id, json_field=source.json_key, version_id=source.version_id)
    return secret.unsafe_unwrap()  # the Model's Environment is the one place it must go


def scaling_props(scaling: Autoscaling | None, target: float | None, default_target: float) -> ScalingProps | None:
    if scaling is None:
        return None
    return ScalingProps(
        min=scaling.min,
        max=scaling.max,
        target=target if target is not None else default_target,
        scale_in_cooldown=scaling.scale_in_cooldown,
        scale_out_cooldown=scaling.scale_out_cooldown,
    )


def _bundle_code(config: ModelConfig, loaded: LoadedConfig) -> dict[str, bytes]:
    """The code directory's files, and on the cpu image the packages LMI's default handler needs (when it serves)."""
    files = {} if loaded.code is None else dict(loaded.code.files)
    custom_handler = loaded.code is not None and loaded.code.custom_handler
    added = cpu_image.default_handler_requirements(
        config.container.flavour, config.container.tag, custom_handler, files
    )
    return files if added is None else {**files, "requirements.txt": added}
