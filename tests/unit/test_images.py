"""The flavour of an image given as a full URI: the image checks apply to it as to `image` + `tag`."""

from __future__ import annotations

import pytest

from lmi_core.facts.images import flavour_of_uri

AWS = "763104351884.dkr.ecr.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("uri", "flavour"),
    [
        (f"{AWS}/djl-inference:0.36.0-lmi27.0.0-cu130", "lmi"),
        (f"{AWS}/djl-inference:0.33.0-tensorrtllm0.21.0-cu128", "tensorrtllm"),
        (f"{AWS}/djl-inference:0.29.0-neuronx-sdk2.19.1", "neuronx"),
        (f"{AWS}/djl-inference:0.29.0-cpu-full", "cpu"),
        ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror/djl-inference:0.36.0-lmi27.0.0-cu130", "lmi"),
        (f"{AWS}/djl-inference@sha256:{'a' * 64}", None),  # a digest names no flavour
        (f"{AWS}/djl-inference:my-build-7", None),  # a tag of no known flavour
        ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/llm-server:0.36.0-lmi27.0.0-cu130", None),  # own image
    ],
)
def test_flavour_of_a_djl_inference_uri(uri: str, flavour: str | None) -> None:
    assert flavour_of_uri(uri) == flavour
