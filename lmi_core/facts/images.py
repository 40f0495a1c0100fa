"""Where the LMI (djl-inference) images live: registry account, partition and DNS suffix per region,
and which image flavours are published there.

Source: the SageMaker Python SDK's image tables, aws/sagemaker-python-sdk master a2481266 (2026-08-21),
sagemaker-core/src/sagemaker/core/image_uri_config/djl-{lmi,tensorrtllm,neuronx}.json: 44 regions for
lmi 0.36.0, the same account per region for every flavour; partitions and DNS suffixes from botocore
1.44.5's endpoint data. Read on 2026-11-24. aws-cdk-lib 2.275's own DLC region fact lacks 12 of
these regions (ap-southeast-7, mx-central-1, both GovCloud regions, ...), hence this table.
The `cpu` images are not in the SDK's tables: where they are published is not known here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

REPOSITORY = "djl-inference"
SOURCE = "aws/sagemaker-python-sdk@a24812666d25 sagemaker-core/.../image_uri_config/djl-*.json (2026-08-21)"


@dataclass(frozen=True)
class Registry:
    account: str
    partition: str
    dns_suffix: str
    flavours: frozenset[str]  # lmi, tensorrtllm, neuronx published in this region (cpu: unknown)


REGIONS: dict[str, Registry] = {
    "af-south-1": Registry("626614931356", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "ap-east-1": Registry("871362719292", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "ap-east-2": Registry("975050140332", "aws", "amazonaws.com", frozenset({"lmi"})),
    "ap-northeast-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-northeast-2": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "ap-northeast-3": Registry("364406365360", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "ap-south-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-south-2": Registry("772153158452", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-southeast-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-southeast-2": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-southeast-3": Registry("907027046896", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "ap-southeast-4": Registry("457447274322", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-southeast-5": Registry("550225433462", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ap-southeast-6": Registry("633930458069", "aws", "amazonaws.com", frozenset({"lmi"})),
    "ap-southeast-7": Registry("590183813437", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "ca-central-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "ca-west-1": Registry("204538143572", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "cn-north-1": Registry("727897471807", "aws-cn", "amazonaws.com.cn", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "cn-northwest-1": Registry(
        "727897471807", "aws-cn", "amazonaws.com.cn", frozenset({"lmi", "tensorrtllm", "neuronx"})
    ),
    "eu-central-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eu-central-2": Registry("380420809688", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eu-isoe-west-1": Registry("371248457586", "aws-iso-e", "cloud.adc-e.uk", frozenset({"lmi", "neuronx"})),
    "eu-north-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eu-south-1": Registry("692866216735", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "eu-south-2": Registry("503227376785", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eu-west-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eu-west-2": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eu-west-3": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "eusc-de-east-1": Registry("204133271717", "aws-eusc", "amazonaws.eu", frozenset({"lmi"})),
    "il-central-1": Registry("780543022126", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "me-central-1": Registry("914824155844", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "me-south-1": Registry("217643126080", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "mx-central-1": Registry("637423239942", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "sa-east-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "us-east-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "us-east-2": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
    "us-gov-east-1": Registry(
        "446045086412", "aws-us-gov", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})
    ),
    "us-gov-west-1": Registry(
        "442386744353", "aws-us-gov", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})
    ),
    "us-iso-east-1": Registry("886529160074", "aws-iso", "c2s.ic.gov", frozenset({"lmi", "neuronx"})),
    "us-isob-east-1": Registry("094389454867", "aws-iso-b", "sc2s.sgov.gov", frozenset({"lmi", "neuronx"})),
    "us-isof-east-1": Registry("303241398832", "aws-iso-f", "csp.hci.ic.gov", frozenset({"lmi", "neuronx"})),
    "us-isof-south-1": Registry("454834333376", "aws-iso-f", "csp.hci.ic.gov", frozenset({"lmi", "neuronx"})),
    "us-west-1": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm"})),
    "us-west-2": Registry("763104351884", "aws", "amazonaws.com", frozenset({"lmi", "tensorrtllm", "neuronx"})),
}
IMAGE_ACCOUNTS: dict[str, str] = {region: registry.account for region, registry in REGIONS.items()}


def published(region: str, flavour: str) -> bool | None:
    """Whether the SDK's tables list this flavour in the region; None when unknown (cpu, or an unknown region)."""
    registry = REGIONS.get(region)
    if registry is None or flavour not in ("lmi", "tensorrtllm", "neuronx"):
        return None
    return flavour in registry.flavours


# The image kind must match the tag's flavour: a tensorrtllm tag on `image: lmi` is a typo.
TAG_PATTERNS: dict[str, re.Pattern[str]] = {
    "lmi": re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+-lmi[0-9]+\.[0-9]+\.[0-9]+-cu[0-9]+$"),
    "tensorrtllm": re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+-tensorrtllm[0-9]+\.[0-9]+\.[0-9]+-cu[0-9]+$"),
    "neuronx": re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+-neuronx-sdk[0-9]+\.[0-9]+\.[0-9]+$"),
    "cpu": re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+-cpu-full$"),
}
TAG_EXAMPLES: dict[str, str] = {
    "lmi": "0.33.0-lmi15.0.0-cu128",
    "tensorrtllm": "0.33.0-tensorrtllm0.21.0-cu128",
    "neuronx": "0.29.0-neuronx-sdk2.19.1",
    "cpu": "0.36.0-cpu-full",
}

# Which image flavour can run each ahead-of-time mode.
AOT_MODE_IMAGE: dict[str, str] = {"trtllm": "tensorrtllm", "quantize-awq": "lmi", "quantize-fp8": "lmi"}

# ProductionVariant.InferenceAmiVersion: the enum of botocore's SageMaker model (tests/unit re-derive it).
INFERENCE_AMI_VERSIONS = (
    "al2-ami-sagemaker-inference-gpu-2",
    "al2-ami-sagemaker-inference-gpu-2-1",
    "al2-ami-sagemaker-inference-gpu-3-1",
    "al2-ami-sagemaker-inference-neuron-2",
    "al2023-ami-sagemaker-inference-gpu-4-1",
)
InferenceAmiVersion = Literal[
    "al2-ami-sagemaker-inference-gpu-2",
    "al2-ami-sagemaker-inference-gpu-2-1",
    "al2-ami-sagemaker-inference-gpu-3-1",
    "al2-ami-sagemaker-inference-neuron-2",
    "al2023-ami-sagemaker-inference-gpu-4-1",
]

# CUDA 13 images need the newer inference AMI (older AMIs ship too old a driver).
CU130_AMI_VERSION = "al2023-ami-sagemaker-inference-gpu-4-1"


def cuda_major_minor(tag: str) -> int | None:
    """`...-cu128` -> 128; None for tags without a CUDA suffix."""
    match = re.search(r"-cu([0-9]+)\Z", tag)
    return int(match.group(1)) if match else None


def needs_gpu_4_1_ami(tag: str) -> bool:
    cuda = cuda_major_minor(tag)
    return cuda is not None and cuda >= 130


def image_uri(region: str, tag: str) -> str:
    registry = REGIONS[region]
    return f"{registry.account}.dkr.ecr.{region}.{registry.dns_suffix}/{REPOSITORY}:{tag}"


# ---------------------------------------------------------------- a full image URI (container.uri)

PARTITION_OF_DNS_SUFFIX: dict[str, str] = {registry.dns_suffix: registry.partition for registry in REGIONS.values()}
ECR_IMAGE_URI = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(-[a-z]+)+-[0-9]+)\."
    rf"(?P<dns_suffix>{'|'.join(re.escape(s) for s in sorted(PARTITION_OF_DNS_SUFFIX, key=len, reverse=True))})/"
    r"(?P<repository>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")  # ECR's tag rule
ECR_URI_ALLOWED = "<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>:<tag> or @sha256:<64 hex digits>"


@dataclass(frozen=True)
class EcrImage:
    account: str
    region: str
    partition: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def repository_arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account}:repository/{self.repository}"


def parse_image_uri(uri: str) -> EcrImage:
    """An ECR image pinned by tag (not latest) or digest; ValueError names what is wrong."""
    for character in uri:
        if character in "*?":
            raise ValueError(f"contains '{character}', a wildcard (allowed: {ECR_URI_ALLOWED})")
        if character.isspace() or not character.isprintable():
            raise ValueError(f"contains whitespace or a control character ({character!r}) (allowed: {ECR_URI_ALLOWED})")
    match = ECR_IMAGE_URI.fullmatch(uri)
    if match is None:
        raise ValueError(f"is not an ECR image URI (allowed: {ECR_URI_ALLOWED})")
    if len(match.group("repository")) > 256:
        raise ValueError("names a repository longer than ECR's 256 characters")
    tag, digest = match.group("tag"), match.group("digest")
    if tag is None and digest is None:
        raise ValueError(f"has no tag, so every deploy may pull a different image (allowed: {ECR_URI_ALLOWED})")
    if tag == "latest":
        raise ValueError(
            f"the tag 'latest' moves, so every deploy may pull a different image (allowed: {ECR_URI_ALLOWED})"
        )
    return EcrImage(
        account=match.group("account"),
        region=match.group("region"),
        partition=PARTITION_OF_DNS_SUFFIX[match.group("dns_suffix")],
        repository=match.group("repository"),
        tag=tag,
        digest=digest,
    )


def flavour_of_uri(uri: str) -> str | None:
    """The flavour a djl-inference image URI's tag names (AWS's or a mirror's repository), else None."""
    try:
        image = parse_image_uri(uri)
    except ValueError:
        return None
    if image.tag is None or image.repository.rsplit("/", 1)[-1] != "djl-inference":
        return None
    named = [flavour for flavour, pattern in TAG_PATTERNS.items() if pattern.fullmatch(image.tag)]
    return named[0] if len(named) == 1 else None


assert get_args(InferenceAmiVersion) == INFERENCE_AMI_VERSIONS, "one list of inference AMIs"
