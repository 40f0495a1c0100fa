"""The instance: in the catalog, storage SageMaker accepts on it, timeouts and the inference AMI."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig
from lmi_core.facts import images
from lmi_core.facts.instances import catalog_summary, instance_spec, same_family
from lmi_core.issues import Finding, did_you_mean, error, quoted, warning
from lmi_core.serving_properties import ServingValue, parse_int


def instance_type_findings(instance_type: str) -> Iterator[Finding]:
    """`instance.type` is in the catalog (kinds whose instance block has no escape hatch)."""
    if instance_spec(instance_type) is None:
        yield error(
            "instance.type",
            f"{quoted(instance_type)} is not in the instance catalog{did_you_mean(instance_type, same_family(instance_type))} "
            f"(allowed: {catalog_summary()})",
        )


@check(on=InstanceConfig, fields=("instance.type", "instance.accelerators", "instance.nvme"))
def instance_known(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    instance = config.instance
    if instance_spec(instance.type) is not None:
        for field in ("accelerators", "nvme"):
            if getattr(instance, field) is not None:
                yield error(
                    f"instance.{field}",
                    f"{instance.type} is in the instance catalog, which has its facts (remove instance.{field})",
                )
        return
    if instance.spec() is None:
        yield error(
            "instance.type",
            f"{quoted(instance.type)} is not in the instance catalog{did_you_mean(instance.type, same_family(instance.type))} "
            f"(allowed: {catalog_summary()}; or describe another type with instance.accelerators and instance.nvme)",
        )
    else:
        yield warning(
            "instance.type",
            f"{instance.type} is not in the instance catalog: every check uses the accelerators and NVMe you give "
            "in instance.accelerators and instance.nvme (your own facts: check them against the AWS instance page)",
        )
        if instance.nvme:
            # Local NVMe means no KmsKeyId on the storage volume, and the HIPAA/NIST findings about it acknowledged:
            # a security exemption the project grants on the catalog's facts, never on a value in a YAML file.
            yield error(
                "instance.nvme",
                f"true would leave the storage volume of {instance.type} without a KMS key on your word alone "
                "(allowed: add the type to the instance catalog, lmi_core/facts/instances.py, in a reviewed change; "
                "or nvme: false)",
            )


@check(on=InstanceConfig, fields=("instance.type", "instance.volume_size_gb"))
def no_volume_on_nvme(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    spec = config.instance.spec()
    if spec is not None and config.instance.volume_size_gb is not None and spec.has_nvme:
        yield error(
            "instance.volume_size_gb",
            f"{spec.name} has {'local NVMe' if not spec.from_catalog else f'{spec.nvme_gb} GB local NVMe'} and SageMaker "
            "rejects VolumeSizeInGB on it (remove the field)",
        )


def startup_findings(field: str, startup: int, serving: Mapping[str, ServingValue]) -> Iterator[Finding]:
    """The container startup health-check timeout (at `field`) covers LMI's model loading timeout."""
    loading = parse_int(serving.get("option.model_loading_timeout"))  # None: unreadable, reported elsewhere
    if loading is not None and startup < loading:
        yield error(
            field,
            f"{startup}s is shorter than option.model_loading_timeout ({loading}s); "
            f"SageMaker would kill the container while the model loads (allowed: {loading}..3600)",
        )


@check(on=InstanceConfig, fields=("instance.startup_health_check_timeout", "serving.option.model_loading_timeout"))
def startup_covers_model_loading(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    yield from startup_findings(
        "instance.startup_health_check_timeout", config.instance.startup_health_check_timeout, config.serving
    )


@check(on=InstanceConfig, fields=("instance.inference_ami_version", "container.tag"))
def cu130_needs_new_ami(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    ami = config.instance.inference_ami_version
    tag = config.container.image_tag
    if ami is None or tag is None:
        return
    if images.needs_gpu_4_1_ami(tag) and ami != images.CU130_AMI_VERSION:
        yield error(
            "instance.inference_ami_version",
            f"{ami} has too old a GPU driver for the CUDA 13 image {tag}; the endpoint "
            f"would fail its health check (allowed: {images.CU130_AMI_VERSION}, or leave it unset)",
        )


@check(on=InstanceConfig, fields=("instance.inference_ami_version", "instance.type"))
def ami_matches_accelerators(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    """A Neuron AMI has no GPU driver, a GPU AMI no Neuron driver, and every AMI of the enum is for an accelerator."""
    ami, spec = config.instance.inference_ami_version, config.instance.spec()
    if ami is None or spec is None:
        return
    neuron_ami = "-neuron-" in ami
    if spec.is_neuron and not neuron_ami:
        yield error(
            "instance.inference_ami_version",
            f"{ami} has no Neuron driver for {spec.name} (allowed: al2-ami-sagemaker-inference-neuron-2)",
        )
    elif spec.gpus and neuron_ami:
        gpu_amis = ", ".join(a for a in images.INFERENCE_AMI_VERSIONS if "-gpu-" in a)
        yield error("instance.inference_ami_version", f"{ami} has no GPU driver for {spec.name} (allowed: {gpu_amis})")
    elif not spec.gpus and not spec.is_neuron:
        yield error(
            "instance.inference_ami_version",
            f"{ami} is an AMI for accelerator drivers, but {spec.name} has no GPU or Neuron device (allowed: leave it out)",
        )
