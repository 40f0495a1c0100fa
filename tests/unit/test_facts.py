"""Image registry table and instance catalog against ../shared/DESIGN.md."""

from __future__ import annotations

import pytest

from lmi_core.facts import images as image_registry
from lmi_core.facts.instances import INSTANCES, instance_spec

DESIGN_ACCOUNTS = {
    "us-east-1": "763104351884", "us-west-2": "763104351884", "eu-north-1": "763104351884",
    "ap-southeast-2": "763104351884", "af-south-1": "626614931356", "ap-east-1": "871362719292",
    "ap-northeast-3": "364406365360", "ap-southeast-3": "907027046896", "ap-southeast-4": "457447274322",
    "ap-south-2": "772153158452", "eu-south-1": "692866216735", "eu-south-2": "503227376785",
    "eu-central-2": "380420809688", "me-south-1": "217643126080", "me-central-1": "914824155844",
    "il-central-1": "780543022126", "ca-west-1": "204538143572", "cn-north-1": "727897471807",
    "cn-northwest-1": "727897471807", "ap-southeast-7": "590183813437", "mx-central-1": "637423239942",
    "us-gov-west-1": "442386744353",
}  # fmt: skip


@pytest.mark.parametrize(("region", "account"), sorted(DESIGN_ACCOUNTS.items()))
def test_image_accounts(region: str, account: str) -> None:
    assert image_registry.IMAGE_ACCOUNTS[region] == account


def test_image_uri_concrete_region() -> None:
    assert image_registry.image_uri("eu-west-1", "0.33.0-lmi15.0.0-cu128") == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128"
    )
    assert image_registry.image_uri("cn-north-1", "t").endswith(".amazonaws.com.cn/djl-inference:t")
    assert (
        image_registry.image_uri("us-gov-west-1", "t")
        == "442386744353.dkr.ecr.us-gov-west-1.amazonaws.com/djl-inference:t"
    )
    assert image_registry.image_uri("eusc-de-east-1", "t").endswith(".amazonaws.eu/djl-inference:t")


def test_every_region_of_the_sdk_table() -> None:
    """The SDK's djl-lmi.json lists 44 regions (commercial, China, GovCloud, ISO and EUSC partitions)."""
    assert len(image_registry.REGIONS) == 44
    partitions = {r.partition for r in image_registry.REGIONS.values()}
    assert {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-f", "aws-iso-e", "aws-eusc"} == partitions
    assert all("lmi" in r.flavours for r in image_registry.REGIONS.values())


@pytest.mark.parametrize(
    ("region", "flavour", "published"),
    [("us-east-1", "tensorrtllm", True), ("ap-east-2", "tensorrtllm", False), ("us-west-1", "neuronx", False),
     ("us-east-1", "cpu", None), ("xx-nowhere-1", "lmi", None)],
)  # fmt: skip
def test_published(region: str, flavour: str, published: bool | None) -> None:
    assert image_registry.published(region, flavour) is published


@pytest.mark.parametrize(
    ("tag", "needs"),
    [("0.33.0-lmi15.0.0-cu128", False), ("0.35.0-lmi17.0.0-cu130", True), ("0.29.0-cpu-full", False)],
)
def test_cu130_needs_new_ami(tag: str, needs: bool) -> None:
    assert image_registry.needs_gpu_4_1_ami(tag) is needs


@pytest.mark.parametrize(
    ("size", "gpus"),
    [("xlarge", 1), ("2xlarge", 1), ("4xlarge", 1), ("8xlarge", 1), ("12xlarge", 4), ("16xlarge", 1),
     ("24xlarge", 4), ("48xlarge", 8)],
)  # fmt: skip
def test_g5_catalog(size: str, gpus: int) -> None:
    spec = instance_spec(f"ml.g5.{size}")
    assert spec is not None
    assert (spec.gpus, spec.accelerator_memory_gib, spec.accelerator, spec.has_nvme) == (gpus, 24, "A10G", True)


def test_cpu_instances_have_no_nvme_or_gpu() -> None:
    for name, spec in INSTANCES.items():
        if spec.family in ("m5", "c5"):
            assert (spec.gpus, spec.nvme_gb) == (0, 0), name


def test_api_instance_lists_match_botocore() -> None:
    """The catalog's exclusions are derived from botocore's enums; a new botocore shows the drift."""
    import botocore.session

    from lmi_core.facts.instances import NOT_FOR_BATCH_TRANSFORM, NOT_FOR_TRAINING
    from lmi_core.facts.optimization import DEPLOYMENT_INSTANCE_TYPES

    model = botocore.session.get_session().get_service_model("sagemaker")

    def enum(name: str) -> set[str]:
        return set(model.shape_for(name).enum)

    assert {n for n in INSTANCES if n not in enum("ProductionVariantInstanceType")} == set()
    assert {n for n in INSTANCES if n not in enum("TransformInstanceType")} == NOT_FOR_BATCH_TRANSFORM
    assert {n for n in INSTANCES if n not in enum("TrainingInstanceType")} == NOT_FOR_TRAINING
    assert enum("OptimizationJobDeploymentInstanceType") == DEPLOYMENT_INSTANCE_TYPES
