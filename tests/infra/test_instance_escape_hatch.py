"""An instance type outside the catalog, described in the YAML (`instance.accelerators`, `instance.nvme: false`):
it loads with one warning that the facts are the user's own, every check keeps working on those facts, and it
synthesizes (nag packs included) with the storage volume encrypted by the shared key."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import Synth, synth

OUTSIDE = """\
name: outside-the-catalog
kind: realtime
model: {{id: "s3://acme-models/llama-3.1-8b-instruct/", parameters: {parameters}}}
container: {{image: lmi, tag: 0.36.0-lmi27.0.0-cu130}}
serving: {{option.tensor_parallel_degree: {tp}}}
instance:
  type: ml.g7e.2xlarge
  count: 1
  accelerators: {{count: 1, memory_gib: 96, model: RTX PRO 6000}}
  nvme: false
"""


def write(directory: Path, parameters: int = 8, tp: int = 1) -> Path:
    path = directory / "outside.yaml"
    path.write_text(OUTSIDE.format(parameters=parameters, tp=tp))
    return path


def test_loads_with_one_warning_that_the_facts_are_the_users(tmp_path: Path) -> None:
    (loaded,) = load_configs([write(tmp_path)])
    assert [(w.field, w.severity) for w in loaded.warnings] == [("instance.type", "warning")]
    assert "not in the instance catalog" in loaded.warnings[0].message
    assert "your own facts" in loaded.warnings[0].message


@pytest.mark.parametrize(
    ("parameters", "tp", "field", "expected"),
    [
        (70, 1, "model.parameters", "70B parameters do not fit"),  # 140 GB of fp16 weights on one 96 GiB GPU
        (8, 2, "serving.option.tensor_parallel_degree", "does not divide the 1 GPU of ml.g7e.2xlarge"),
    ],
)
def test_the_checks_use_the_given_facts(tmp_path: Path, parameters: int, tp: int, field: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_configs([write(tmp_path, parameters, tp)])
    assert [(i.field, expected in i.message) for i in caught.value.issues if i.severity == "error"] == [(field, True)]


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    configs = tmp_path_factory.mktemp("outside-configs")
    write(configs)
    return synth(configs, tmp_path_factory.mktemp("outside-out"))


def test_synthesizes_with_the_type_and_an_encrypted_volume(outside: Synth) -> None:
    resources = outside.templates["lmi-outside-the-catalog"]["Resources"]
    (config,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert [v["InstanceType"] for v in config["ProductionVariants"]] == ["ml.g7e.2xlarge"]
    assert "KmsKeyId" in config  # nvme: false: the volume is encrypted with the shared key
