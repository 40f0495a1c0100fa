"""Where the LMI (djl-inference) images live, per region.

Source: ../shared/DESIGN.md "Images" (AWS Deep Learning Containers available-images list).
aws-cdk-lib's own DLC region fact lacks several regions, hence this table.
"""

from __future__ import annotations

import re

REPOSITORY = "djl-inference"

_DEFAULT_ACCOUNT = "763104351884"
_DEFAULT_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
]

IMAGE_ACCOUNTS: dict[str, str] = {
    **{region: _DEFAULT_ACCOUNT for region in _DEFAULT_REGIONS},
    "af-south-1": "626614931356",
    "ap-east-1": "871362719292",
    "ap-northeast-3": "364406365360",
    "ap-southeast-3": "907027046896",
    "ap-southeast-4": "457447274322",
    "ap-south-2": "772153158452",
    "eu-south-1": "692866216735",
    "eu-south-2": "503227376785",
    "eu-central-2": "380420809688",
    "me-south-1": "217643126080",
    "me-central-1": "914824155844",
    "il-central-1": "780543022126",
    "ca-west-1": "204538143572",
    "cn-north-1": "727897471807",
    "cn-northwest-1": "727897471807",
}

# The image kind must match the tag's flavour: a tensorrtllm tag on `image: lmi` is a typo.
TAG_PATTERNS: dict[str, re.Pattern[str]] = {
    "lmi": re.compile(r"^\d+\.\d+\.\d+-lmi\d+\.\d+\.\d+-cu\d+$"),
    "tensorrtllm": re.compile(r"^\d+\.\d+\.\d+-tensorrtllm\d+\.\d+\.\d+-cu\d+$"),
    "neuronx": re.compile(r"^\d+\.\d+\.\d+-neuronx-sdk\d+\.\d+\.\d+$"),
    "cpu": re.compile(r"^\d+\.\d+\.\d+-cpu-full$"),
}
TAG_EXAMPLES: dict[str, str] = {
    "lmi": "0.33.0-lmi15.0.0-cu128",
    "tensorrtllm": "0.33.0-tensorrtllm0.21.0-cu128",
    "neuronx": "0.29.0-neuronx-sdk2.19.1",
    "cpu": "0.29.0-cpu-full",
}

# Which image flavour can run each ahead-of-time mode.
AOT_MODE_IMAGE: dict[str, str] = {"trtllm": "tensorrtllm", "quantize-awq": "lmi", "quantize-fp8": "lmi"}

# CUDA 13 images need the newer inference AMI (older AMIs ship too old a driver).
CU130_AMI_VERSION = "al2023-ami-sagemaker-inference-gpu-4-1"


def cuda_major_minor(tag: str) -> int | None:
    """`...-cu128` -> 128; None for tags without a CUDA suffix."""
    match = re.search(r"-cu(\d+)$", tag)
    return int(match.group(1)) if match else None


def needs_gpu_4_1_ami(tag: str) -> bool:
    cuda = cuda_major_minor(tag)
    return cuda is not None and cuda >= 130


def dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def image_uri(region: str, tag: str) -> str:
    return f"{IMAGE_ACCOUNTS[region]}.dkr.ecr.{region}.{dns_suffix(region)}/{REPOSITORY}:{tag}"
