"""Configs beyond the examples, synthesized together once: cu130 image, a concrete region,
no autoscaling or capture, a CPU instance with an EBS volume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MINIMAL, Synth, synth, write_configs

VARIANTS = {
    "cu130.yaml": MINIMAL.replace("name: m1", "name: cu130").replace(
        "0.33.0-lmi15.0.0-cu128", "0.35.0-lmi17.0.0-cu130"
    ),
    "plain.yaml": MINIMAL.replace("name: m1", "name: plain"),
    "hf.yaml": MINIMAL.replace("name: m1", "name: hf").replace('"s3://bucket/models/m1/"', "org/model"),
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    directory = write_configs(tmp_path_factory.mktemp("variants"), VARIANTS)
    return synth(directory, tmp_path_factory.mktemp("variants-out"), region="eu-west-1", account="111111111111")


def variant_of(template: dict[str, Any]) -> dict[str, Any]:
    (config,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    return config["Properties"]["ProductionVariants"][0]


def test_cu130_gets_new_inference_ami(variants: Synth) -> None:
    assert (
        variant_of(variants.templates["lmi-cu130"])["InferenceAmiVersion"] == "al2023-ami-sagemaker-inference-gpu-4-1"
    )
    assert "InferenceAmiVersion" not in variant_of(variants.templates["lmi-plain"])


def test_concrete_region_gets_literal_image_uri(variants: Synth) -> None:
    template = variants.templates["lmi-plain"]
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    assert model["Properties"]["PrimaryContainer"]["Image"] == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128"
    )
    assert "Mappings" not in template


def test_no_autoscaling_or_capture_when_not_configured(variants: Synth) -> None:
    types = {r["Type"] for r in variants.templates["lmi-plain"]["Resources"].values()}
    assert "AWS::ApplicationAutoScaling::ScalableTarget" not in types
    (config,) = [
        r
        for r in variants.templates["lmi-plain"]["Resources"].values()
        if r["Type"] == "AWS::SageMaker::EndpointConfig"
    ]
    assert "DataCaptureConfig" not in config["Properties"]


def test_bundle_holds_rendered_serving_properties(variants: Synth) -> None:
    import io
    import tarfile

    manifest = json.loads((variants.outdir / "lmi-hf.assets.json").read_text())
    (asset,) = [f for f in manifest["files"].values() if f["source"]["path"].endswith(".tar.gz")]
    data = (Path(variants.outdir) / asset["source"]["path"]).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        text = tar.extractfile("serving.properties").read().decode()  # type: ignore[union-attr]
    assert text.splitlines()[:2] == ["engine=Python", "option.model_id=org/model"]
