"""A model's ahead-of-time preparation job (`aot:`): imported only by models that have one, since its
constructs pull in aws_lambda, aws_stepfunctions and custom_resources."""

from __future__ import annotations

from constructs import Construct

from lmi_constructs.aot_preparation import AotPreparation, AotProps, HubTokenSecret
from lmi_constructs.image import ImageProps
from lmi_constructs.scoped_policy import S3Location
from lmi_core import aot as aot_plan
from lmi_core import naming
from lmi_core.config import ModelConfig
from lmi_core.facts.environment import HF_TOKEN
from lmi_core.facts.instances import instance_spec
from lmi_core.loader import LoadedConfig
from stacks.kinds.shared_refs import SharedRefs

TRAINING_VOLUME_GB = 200  # a training job's EBS volume on an instance without local NVMe


def prepare(
    scope: Construct, loaded: LoadedConfig, plan: aot_plan.AotPlan, shared: SharedRefs, weights: S3Location | None
) -> AotPreparation:
    return AotPreparation(scope, "Aot", props=aot_props(loaded, plan, shared, weights))


def aot_props(loaded: LoadedConfig, plan: aot_plan.AotPlan, shared: SharedRefs, weights: S3Location | None) -> AotProps:
    config = loaded.config
    assert isinstance(config, ModelConfig) and config.aot is not None
    target = instance_spec(plan.target_instance_type)
    name = loaded.physical(config.name)
    return AotProps(
        model_name=name,
        engine=plan.engine,
        steps=plan.steps,
        instance_type=plan.target_instance_type,
        image=ImageProps(tag=plan.job_tag, uri=None if plan.job_tag else config.container.uri),
        model_id=config.model.id,
        artifacts=S3Location(shared.bucket("aot-artifacts"), "aot/", shared.key),  # the bucket's default key
        job_name_prefix=naming.aot_job_prefix(name),
        source_weights=weights,
        configs=plan.configs,
        serving=dict(config.serving) if plan.engine == "training-job" else {},
        tensor_parallel_degree=plan.tensor_parallel_degree,
        key=shared.key,
        volume_size_gb=0 if target is None or target.has_nvme else TRAINING_VOLUME_GB,
        accept_eula=config.aot.accept_eula,
        hub_token=hub_token(config, plan),
    )


def hub_token(config: ModelConfig, plan: aot_plan.AotPlan) -> HubTokenSecret | None:
    """A training job downloads a hub model itself; the container's secrets never reach it, so it fetches
    HF_TOKEN from the same secret with its own role."""
    source = config.secrets.get(HF_TOKEN)
    if source is None or plan.engine != "training-job" or config.model.is_s3:
        return None
    return HubTokenSecret(source.id, source.json_key, source.version_id)
