"""`make validate`: same checks as synth, no CDK, stage rules, warnings and --strict."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from lmi_cli.validate import main
from lmi_core.checks.memory import accelerator_fit, bytes_per_parameter, suggestions, weights_gib
from lmi_core.facts.instances import instance_spec
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import EXAMPLES, MINIMAL, REPO, fixture_python

TIGHT = MINIMAL.replace('id: "s3://bucket/models/m1/"', 'id: "s3://bucket/models/m1/", parameters: 8')


def test_examples_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EXAMPLES), "--stage", "dev"]) == 0
    assert "model config(s) valid" in capsys.readouterr().out


def test_validate_does_not_import_cdk(fixture_cdk_json: Path) -> None:
    code = "import sys; from lmi_cli.validate import main; main(['examples']); print('aws_cdk' in sys.modules, 'jsii' in sys.modules)"
    result = subprocess.run(
        fixture_python(fixture_cdk_json, code), cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_validate_imports_only_the_kinds_it_meets(
    config_dir: Callable[[dict[str, str]], Path], fixture_cdk_json: Path
) -> None:
    """Lazy imports: a realtime file imports (and builds) the realtime kind alone, and no packaging (only a code:
    bundle's requirements.txt needs it)."""
    directory = config_dir({"m.yaml": MINIMAL})
    code = (
        "import sys; from lmi_cli.validate import main; main([sys.argv[1], '--no-cache']); "
        "print(sorted(m for m in sys.modules if m.startswith(('lmi_core.kinds.', 'packaging'))))"
    )
    result = subprocess.run(
        fixture_python(fixture_cdk_json, code, str(directory)), cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "['lmi_core.kinds.kind', 'lmi_core.kinds.realtime']"


def test_kind_registry_names_match_their_configs() -> None:
    from lmi_core.kinds import KINDS

    assert list(KINDS) == ["realtime", "serverless", "async", "batch", "endpoint", "component"]
    assert {name: KINDS[name].name for name in KINDS} == {name: name for name in KINDS}


def test_warning_does_not_fail(
    config_dir: Callable[[dict[str, str]], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    directory = config_dir({"m.yaml": TIGHT})
    assert main([str(directory)]) == 0
    err = capsys.readouterr().err
    assert "warning: model.parameters: tight fit: ~16 GiB of weights for 22 GiB usable on 1 x A10G" in err


def test_strict_makes_warnings_errors(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"m.yaml": TIGHT})
    assert main([str(directory), "--strict"]) == 1
    with pytest.raises(ConfigError, match="tight fit"):
        load_configs([directory], strict=True)


def test_prod_stage_warns_without_data_capture(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    (dev,) = load_configs([directory])
    assert dev.warnings == ()
    (prod,) = load_configs([directory], stage="prod")
    assert [w.message for w in prod.warnings] == ["is off in stage prod: no record of what the model answered"]


def test_autoscaling_max_one_warns(config_dir: Callable[[dict[str, str]], Path]) -> None:
    text = MINIMAL + "autoscaling: {min: 1, max: 1, target_invocations_per_instance: 4}\n"
    (config,) = load_configs([config_dir({"m.yaml": text})])
    assert [w.field for w in config.warnings] == ["autoscaling.max"]


@pytest.mark.parametrize(
    ("serving", "expected"),
    [({}, 2.0), ({"option.dtype": "fp32"}, 4.0), ({"option.dtype": "bf16"}, 2.0),
     ({"option.quantize": "fp8"}, 1.0), ({"option.quantize": "awq", "option.dtype": "fp16"}, 0.5)],
)  # fmt: skip
def test_bytes_per_parameter(serving: dict[str, object], expected: float) -> None:
    assert bytes_per_parameter(serving) == expected


def test_fit_arithmetic() -> None:
    spec = instance_spec("ml.g5.12xlarge")
    assert spec is not None
    fit = accelerator_fit(70, {"option.tensor_parallel_degree": 4, "option.dtype": "fp16"}, spec)
    assert fit is not None
    assert fit.weights_gib == pytest.approx(70e9 * 2 * 1.05 / 2**30)
    assert fit.capacity_gib == pytest.approx(4 * 24 * 0.9)
    # TP 2 uses only two of the four GPUs
    half = accelerator_fit(7, {"option.tensor_parallel_degree": 2}, spec)
    assert half is not None and half.capacity_gib == pytest.approx(2 * 24 * 0.9)
    assert weights_gib(70, {"option.quantize": "awq"}) == pytest.approx(70e9 * 0.5 * 1.05 / 2**30)


def test_70b_fp16_suggests_48xlarge_or_awq() -> None:
    assert suggestions(70, {"option.dtype": "fp16"}, "g5") == [
        "ml.g5.48xlarge with option.tensor_parallel_degree 8",
        "AWQ 4-bit weights (option.quantize: awq, ~34 GiB)",
    ]


def test_serverless_memory_fit(config_dir: Callable[[dict[str, str]], Path]) -> None:
    text = """\
name: s1
kind: serverless
model: {id: org/model, parameters: 3}
container: {image: cpu, tag: 0.36.0-cpu-full}
serverless: {memory_mb: 6144, max_concurrency: 2}
"""
    with pytest.raises(ConfigError, match=r"3B parameters do not fit: ~12 GiB of weights for 6 GiB usable on 6144 MB"):
        load_configs([config_dir({"s.yaml": text})])


NEURON_IN_AF_SOUTH_1 = (
    "container.image: the neuronx image is not published in af-south-1 (allowed there: lmi, tensorrtllm)"
)


@pytest.mark.parametrize(
    ("context", "args"),
    [
        ({"region": "af-south-1"}, ["--stage", "dev"]),
        ({"region": "af-south-1"}, []),
        ({"stage_targets": {"prod": {"region": "af-south-1"}}}, []),
        ({"stage_targets": {"prod": {"region": "af-south-1"}}}, ["--stage", "prod"]),
    ],
)
def test_validate_checks_the_region_synth_deploys_to(
    context: dict[str, object],
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The neuronx image is not published in af-south-1: synth refuses it there, and so does validate, in the
    region cdk.json gives (`region`, or a stage's own in stage_targets)."""
    from lmi_core import settings

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"context": context}))
    monkeypatch.setattr(settings, "CDK_JSON", cdk_json)
    directory = tmp_path / "configs"
    directory.mkdir()
    example = (EXAMPLES / "llama31-8b-inf2.yaml").read_text().replace("s3://my-models/", "s3://acme-models/")
    (directory / "inf2.yaml").write_text(example)
    assert main([str(directory), "--no-cache", *args]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{directory / 'inf2.yaml'}:15: {NEURON_IN_AF_SOUTH_1}",
        "1 error(s)",
    ]
    assert main([str(directory), "--no-cache", "--stage", "dev"]) == (1 if "region" in context else 0)
