"""Rules of the endpoint and component kinds, each both ways: one file at a time (config checks), and
whole directories (project checks: the endpoint a component names, packing, scale to zero, capacity)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lmi_core.config import ConfigBase
from lmi_core.facts.instances import instance_spec
from lmi_core.issues import ConfigError
from lmi_core.kinds.component import ComponentConfig, effective_serving
from lmi_core.loader import load_configs
from lmi_core.packing import CopyDemand, pack
from tests.conftest import MINIMAL, write_configs
from tests.unit.helpers import DELETE, errors_for, issues_for, merged

ENDPOINT = """\
name: pool
kind: endpoint
instance: {type: ml.g5.12xlarge, count: 1}
scaling: {min: 0, max: 2}
"""
COMPONENT = """\
name: c1
kind: component
endpoint: pool
model: {id: "s3://bucket/models/c1/"}
container: {image: lmi, tag: 0.36.0-lmi27.0.0-cu130}
serving: {engine: Python, option.rolling_batch: vllm, option.tensor_parallel_degree: 1}
resources: {memory_mb: 16384}
copies: {initial: 1, min: 0, max: 2, target_concurrent_requests_per_copy: 4}
"""
ADAPTER = {"name": "a1", "artifact": "s3://adapters/a1.tar.gz"}

# id, base, compliant patch, non-compliant patch, expected "field: message" fragment
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("zero-copies-at-creation", COMPONENT, {"copies": {"initial": 1}}, {"copies": {"initial": 0}},
     "copies.initial: SageMaker cannot create a component with zero copies (allowed: 1..max; copies.min: 0 lets it "
     "scale to zero afterwards)"),
    ("copies-min-above-max", COMPONENT, {"copies": {"min": 2}}, {"copies": {"min": 3}}, "copies: min (3) is above max (2) (allowed: min <= max)"),
    ("copies-initial-above-max", COMPONENT, {"copies": {"initial": 2}}, {"copies": {"initial": 3}},
     "copies.initial: 3 is above copies.max (allowed: 1..2)"),
    ("one-scaling-target", COMPONENT, {}, {"copies": {"target_invocations_per_copy": 5}},
     "copies: give one scaling target: target_concurrent_requests_per_copy or target_invocations_per_copy"),
    ("scaling-needs-a-target", COMPONENT,
     {"copies": {"min": 1, "max": 1, "target_concurrent_requests_per_copy": DELETE}},
     {"copies": {"target_concurrent_requests_per_copy": DELETE}},
     "copies: copies scale 0..2 on a target (allowed: target_concurrent_requests_per_copy, or target_invocations_per_copy)"),
    ("no-instance-autoscaling", COMPONENT, {},
     {"autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 1}},
     "autoscaling: a component scales its copies (use copies: {min, max, target_...}), not instances"),
    ("accelerators-equal-tp", COMPONENT, {"resources": {"accelerators": 1}}, {"resources": {"accelerators": 2}},
     "resources.accelerators: 2 GPUs per copy, but option.tensor_parallel_degree is 1: a copy shards the model over "
     "exactly its own GPUs (allowed: 1)"),
    ("accelerators-when-tp-max", COMPONENT,
     {"serving": {"option.tensor_parallel_degree": "max"}, "resources": {"accelerators": 2}},
     {"serving": {"option.tensor_parallel_degree": "max"}},
     "resources.accelerators: is required when option.tensor_parallel_degree is not an integer"),
    ("startup-covers-loading", COMPONENT, {"serving": {"option.model_loading_timeout": 1800}},
     {"serving": {"option.model_loading_timeout": 2000}},
     "startup.health_check_timeout: 1800s is shorter than option.model_loading_timeout (2000s)"),
    ("adapters-need-vllm", COMPONENT, {"adapters": [ADAPTER]},
     {"adapters": [ADAPTER], "serving": {"option.rolling_batch": "disable"}},
     "adapters: LoRA adapters need LMI's vLLM handler; option.rolling_batch is disable (allowed: option.rolling_batch: "
     "vllm, or option.async_mode: true; on LMI 0.35+ also unset)"),
    # V17+ (0.35): unset runs vLLM's async engine; on 0.33 `auto` was the rolling-batch recommender's pick.
    ("adapters-unset-on-async-default", COMPONENT,
     {"adapters": [ADAPTER], "serving": {"option.rolling_batch": DELETE}},
     {"adapters": [ADAPTER], "serving": {"option.rolling_batch": DELETE}, "container": {"tag": "0.33.0-lmi15.0.0-cu128"}},
     "adapters: LoRA adapters need LMI's vLLM handler; option.rolling_batch is unset"),
    ("adapters-need-lmi-image", COMPONENT, {"adapters": [ADAPTER]},
     {"adapters": [ADAPTER], "container": {"tag": "0.33.0-tensorrtllm0.21.0-cu128", "image": "tensorrtllm"},
      "serving": {"option.rolling_batch": "trtllm"}},
     "adapters: LoRA adapters need the lmi (vLLM) image, not tensorrtllm"),
    ("adapter-is-one-archive", COMPONENT, {"adapters": [ADAPTER]},
     {"adapters": [{"name": "a1", "artifact": "s3://adapters/a1/"}]},
     "adapters.0.artifact: SageMaker takes an adapter as one gzip tar archive (allowed: s3://bucket/key.tar.gz"),
    ("adapters-keep-lora-on", COMPONENT, {"adapters": [ADAPTER], "serving": {"option.enable_lora": True}},
     {"adapters": [ADAPTER], "serving": {"option.enable_lora": False}},
     "serving.option.enable_lora: is false, but the adapters need it (allowed: true, or leave it unset)"),
    ("adapter-names-unique", COMPONENT, {"adapters": [ADAPTER, {**ADAPTER, "name": "a2"}]},
     {"adapters": [ADAPTER, ADAPTER]}, "adapters.1.name: 'a1' is used twice (adapter names must be unique)"),
    ("component-has-no-instance", COMPONENT, {}, {"instance": {"type": "ml.g5.2xlarge"}},
     "instance: a component runs on its endpoint's instances (allowed: endpoint: and per-copy resources:)"),
    ("component-capture-on-endpoint", COMPONENT, {}, {"data_capture": {"sampling_percent": 5}},
     "data_capture: data capture is set on the endpoint that hosts the component"),
    ("copies-only-for-components", MINIMAL, {}, {"copies": {"max": 2}},
     "copies: block is only allowed for kind component, not for kind realtime"),
    ("endpoint-needs-gpus", ENDPOINT, {"instance": {"type": "ml.g6e.12xlarge"}}, {"instance": {"type": "ml.m5.xlarge"}},
     "instance.type: ml.m5.xlarge has no GPU: a component copy reserves whole GPUs (allowed: ml.g4dn.*, ml.g5.*, "),
    ("endpoint-instance-in-catalog", ENDPOINT, {}, {"instance": {"type": "ml.g5.12xlage"}},
     "instance.type: 'ml.g5.12xlage' is not in the instance catalog (did you mean 'ml.g5.12xlarge'?)"),
    ("endpoint-scaling-range", ENDPOINT, {"scaling": {"min": 2}, "instance": {"count": 2}}, {"scaling": {"min": 3}},
     "scaling: min (3) is above max (2) (allowed: min <= max)"),
    ("endpoint-count-in-range", ENDPOINT, {"instance": {"count": 2}}, {"instance": {"count": 3}},
     "instance.count: 3 is outside scaling min..max (0..2); SageMaker starts an endpoint with at least one instance "
     "(allowed: 1..2)"),
    ("endpoint-has-no-model", ENDPOINT, {}, {"model": {"id": "org/name"}},
     "model: an endpoint of kind endpoint has no model of its own (allowed: the model in a kind: component file)"),
    ("endpoint-scaling-block", ENDPOINT, {}, {"autoscaling": {"min": 1, "max": 2}},
     "autoscaling: components scale their copies (allowed: scaling: {min, max}, managed instance scaling)"),
    ("endpoint-routing", ENDPOINT, {"routing": "random"}, {"routing": "least-requests"},
     "routing: 'least-requests' is not allowed (allowed: 'least-outstanding-requests', 'random')"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "base", "good", "bad", "expected"), CASES, ids=[c[0] for c in CASES])
def test_component_rule_both_ways(
    tmp_path: Path, case: str, base: str, good: dict[str, Any], bad: dict[str, Any], expected: str
) -> None:
    assert errors_for(tmp_path, good, base) == [], f"{case}: compliant config was rejected"
    errors = errors_for(tmp_path, bad, base)
    assert any(expected in error for error in errors), f"{case}: expected {expected!r} in {errors}"


def test_max_loras_below_the_adapter_count_is_a_warning(tmp_path: Path) -> None:
    adapters = [ADAPTER, {**ADAPTER, "name": "a2"}]
    fine = issues_for(tmp_path, {"adapters": adapters}, COMPONENT)
    assert fine == []
    few = issues_for(tmp_path, {"adapters": adapters, "serving": {"option.max_loras": 1}}, COMPONENT)
    assert [(i.severity, i.field) for i in few] == [("warning", "serving.option.max_loras")]
    assert "1 for 2 adapters: requests to the others wait" in few[0].message


def test_lora_and_tensor_parallel_defaults() -> None:
    data = merged(
        yaml.safe_load(COMPONENT), {"adapters": [ADAPTER], "serving": {"option.tensor_parallel_degree": DELETE}}
    )
    data["resources"]["accelerators"] = 2
    serving = effective_serving(ComponentConfig.model_validate(data))
    assert serving["option.enable_lora"] is True
    assert (serving["option.max_loras"], serving["option.max_lora_rank"], serving["option.tensor_parallel_degree"]) == (
        1, 64, 2
    )  # fmt: skip
    data["serving"]["option.max_lora_rank"] = 16
    assert effective_serving(ComponentConfig.model_validate(data))["option.max_lora_rank"] == 16  # the user wins


# ---------------------------------------------------------------- project checks (every file together)


def project(tmp_path: Path, files: dict[str, str | dict[str, Any]]) -> list[str]:
    """`file: field: message` of every error when the directory is loaded, [] when it loads."""
    texts = {
        name: text if isinstance(text, str) else yaml.safe_dump(text, sort_keys=False) for name, text in files.items()
    }
    directory = write_configs(tmp_path / "configs", texts)
    try:
        load_configs([directory])
    except ConfigError as exc:
        return [f"{Path(i.file).name}: {i.field}: {i.message}" for i in exc.issues]
    return []


def component(**patch: Any) -> dict[str, Any]:
    return merged(yaml.safe_load(COMPONENT), patch)


def endpoint(**patch: Any) -> dict[str, Any]:
    return merged(yaml.safe_load(ENDPOINT), patch)


# id, files that load, files that do not, expected "file: field: message" fragment
PROJECT_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("endpoint-typo", {"pool.yaml": ENDPOINT, "c1.yaml": COMPONENT},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(endpoint="pol")},
     "c1.yaml: endpoint: no kind: endpoint file is named 'pol' (did you mean 'pool'?) (allowed: pool); an endpoint "
     "file stays until no component names it"),
    ("endpoint-of-another-kind", {"pool.yaml": ENDPOINT, "m1.yaml": MINIMAL, "c1.yaml": COMPONENT},
     {"pool.yaml": ENDPOINT, "m1.yaml": MINIMAL, "c1.yaml": component(endpoint="m1")},
     "c1.yaml: endpoint: 'm1' is kind realtime, not an endpoint (allowed: pool)"),
    ("endpoint-removed", {"pool.yaml": ENDPOINT, "c1.yaml": COMPONENT}, {"c1.yaml": COMPONENT},
     "c1.yaml: endpoint: no kind: endpoint file is named 'pool' (allowed: the name of a kind: endpoint file; there is "
     "none); an endpoint file stays until no component names it"),
    ("zero-instances-need-zero-copies", {"pool.yaml": endpoint(scaling={"min": 1}), "c1.yaml": component(copies={"min": 1})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(copies={"min": 1})},
     "c1.yaml: copies.min: 1 keeps an instance of pool running, which scales to zero (scaling.min: 0) only when every "
     "component on it can (allowed: 0)"),
    ("copy-gpus-fit-an-instance", {"pool.yaml": ENDPOINT, "c1.yaml": component(serving={"option.tensor_parallel_degree": 4})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(serving={"option.tensor_parallel_degree": 8})},
     "c1.yaml: resources.accelerators: 8 GPUs per copy, but ml.g5.12xlarge of pool has 4 (allowed: 1..4)"),
    ("copy-memory-fits-an-instance", {"pool.yaml": ENDPOINT, "c1.yaml": component(resources={"memory_mb": 196608})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(resources={"memory_mb": 196609})},
     "c1.yaml: resources.memory_mb: 196609 MB per copy, but ml.g5.12xlarge of pool has 196608 MB (allowed: 128..196608)"),
    ("copy-cpus-fit-an-instance", {"pool.yaml": ENDPOINT, "c1.yaml": component(resources={"cpus": 48})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(resources={"cpus": 49})},
     "c1.yaml: resources.cpus: 49 cores per copy, but ml.g5.12xlarge has 48 (allowed: 0.25..48)"),
    ("weights-fit-the-copy-gpus",
     {"pool.yaml": ENDPOINT, "c1.yaml": component(model={"parameters": 8}, serving={"option.dtype": "fp16", "option.quantize": "awq"})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(model={"parameters": 30}, serving={"option.dtype": "fp16"})},
     "c1.yaml: model.parameters: 30B parameters do not fit: ~59 GiB of weights for 22 GiB usable on 1 x A10G (24 GiB) "
     "of ml.g5.12xlarge (try: more GPUs per copy (resources.accelerators and the TP degree); or AWQ 4-bit weights"),
    ("fp8-needs-ampere-or-newer", {"pool.yaml": endpoint(instance={"type": "ml.g6e.12xlarge"}), "c1.yaml": component(serving={"option.quantize": "fp8"})},
     {"pool.yaml": endpoint(instance={"type": "ml.g4dn.12xlarge"}), "c1.yaml": component(serving={"option.quantize": "fp8"})},
     "c1.yaml: serving.option.quantize: fp8 needs an Ampere GPU or newer; ml.g4dn.12xlarge of pool has 4 x T4 (16 GiB)"),
    ("bf16-needs-ampere-or-newer", {"pool.yaml": ENDPOINT, "c1.yaml": component(serving={"option.dtype": "bf16"})},
     {"pool.yaml": endpoint(instance={"type": "ml.g4dn.12xlarge"}), "c1.yaml": component(serving={"option.dtype": "bf16"})},
     "c1.yaml: serving.option.dtype: 'bf16': vLLM refuses bfloat16 below compute capability 8.0, and ml.g4dn.12xlarge of "
     "pool has 4 x T4 (16 GiB), compute capability 7.5: the model fails to load (allowed: fp16)"),
    ("cuda13-needs-the-new-ami", {"pool.yaml": ENDPOINT, "c1.yaml": COMPONENT},
     {"pool.yaml": endpoint(instance={"inference_ami_version": "al2-ami-sagemaker-inference-gpu-3-1"}), "c1.yaml": COMPONENT},
     "c1.yaml: container.tag: the CUDA 13 image 0.36.0-lmi27.0.0-cu130 needs al2023-ami-sagemaker-inference-gpu-4-1, "
     "but pool sets inference_ami_version al2-ami-sagemaker-inference-gpu-3-1"),
    ("aot-on-the-endpoint-family", {"pool.yaml": ENDPOINT, "c1.yaml": component(aot={"mode": "quantize-awq", "instance_type": "ml.g5.12xlarge"})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(aot={"mode": "quantize-awq", "instance_type": "ml.g6.12xlarge"})},
     "c1.yaml: aot.instance_type: ml.g6.12xlarge is family g6 but pool runs g5"),
    ("neuronx-image-on-a-gpu-pool", {"pool.yaml": ENDPOINT, "c1.yaml": COMPONENT},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(container={"image": "neuronx", "tag": "0.29.0-neuronx-sdk2.19.1"})},
     "c1.yaml: container.image: neuronx images need Inferentia/Trainium instances, not ml.g5.12xlarge of pool"),
    ("capacity-at-max-copies", {"pool.yaml": ENDPOINT, "c1.yaml": component(copies={"max": 8})},
     {"pool.yaml": ENDPOINT, "c1.yaml": component(copies={"max": 9})},
     "pool.yaml: scaling.max: 2 instance(s) cannot hold every component at copies.max: worst case needs 3 x "
     "ml.g5.12xlarge: GPUs 9/12, memory 144/576 GiB; [4 GPUs: c1 x4] [4 GPUs: c1 x4] [1 GPUs: c1 x1] (allowed: >= 3, "
     "or lower copies.max)"),
    ("adapter-names-unique-across-files", {"pool.yaml": ENDPOINT, "m1.yaml": MINIMAL, "c1.yaml": component(adapters=[ADAPTER])},
     {"pool.yaml": ENDPOINT, "m1.yaml": MINIMAL, "c1.yaml": component(adapters=[{**ADAPTER, "name": "m1"}])},
     "c1.yaml: adapters.0.name: 'm1' is already used by"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "good", "bad", "expected"), PROJECT_CASES, ids=[c[0] for c in PROJECT_CASES])
def test_project_rule_both_ways(
    tmp_path: Path, case: str, good: dict[str, Any], bad: dict[str, Any], expected: str
) -> None:
    assert project(tmp_path / "good", good) == [], f"{case}: compliant project was rejected"
    errors = project(tmp_path / "bad", bad)
    assert any(expected in error for error in errors), f"{case}: expected {expected!r} in {errors}"


def test_copy_memory_above_its_gpu_share_is_a_warning(tmp_path: Path) -> None:
    """g5.12xlarge: 192 GiB for 4 GPUs, so 49152 MB go with one GPU."""
    fine = write_configs(
        tmp_path / "fine", {"pool.yaml": ENDPOINT, "c1.yaml": yaml.safe_dump(component(resources={"memory_mb": 49152}))}
    )
    (loaded,) = [c for c in load_configs([fine]) if c.config.name == "c1"]
    assert loaded.warnings == ()
    heavy = write_configs(
        tmp_path / "heavy",
        {"pool.yaml": ENDPOINT, "c1.yaml": yaml.safe_dump(component(resources={"memory_mb": 49153}))},
    )
    (loaded,) = [c for c in load_configs([heavy]) if c.config.name == "c1"]
    (warning,) = loaded.warnings
    assert (warning.field, warning.severity) == ("resources.memory_mb", "warning")
    assert "more than the share of ml.g5.12xlarge memory that goes with 1 of its 4 GPUs (49152 MB)" in warning.message


def test_project_findings_point_at_their_line(tmp_path: Path) -> None:
    directory = write_configs(
        tmp_path, {"pool.yaml": ENDPOINT, "c1.yaml": COMPONENT.replace("endpoint: pool", "endpoint: nope")}
    )
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    (issue,) = caught.value.issues
    assert (Path(issue.file).name, issue.line, issue.field) == ("c1.yaml", 3, "endpoint")


def test_an_adapter_finding_points_at_its_list_item(tmp_path: Path) -> None:
    from lmi_core.loader import load_file

    path = tmp_path / "c1.yaml"
    path.write_text(
        COMPONENT
        + "adapters:\n  - {name: a1, artifact: 's3://bkt/a1.tar.gz'}\n  - {name: a1, artifact: 's3://bkt/a2.tar.gz'}\n"
    )
    _, issues = load_file(path)
    assert [(i.field, i.line) for i in issues] == [("adapters.1.name", 11)]


def test_a_broken_endpoint_file_reports_only_its_own_errors(tmp_path: Path) -> None:
    errors = project(tmp_path, {"pool.yaml": ENDPOINT.replace("count: 1", "count: one"), "c1.yaml": COMPONENT})
    assert [e.split(":")[0] for e in errors] == ["pool.yaml"]


def test_project_checks_see_each_validated_config(tmp_path: Path) -> None:
    from lmi_core.checks import ProjectFile
    from lmi_core.checks.registry import CHECKS

    seen: list[ProjectFile] = []
    check = next(c for c in CHECKS if c.name == "endpoint_exists")
    original = check.run
    object.__setattr__(check, "run", lambda files: seen.extend(files) or original(files))
    try:
        project(tmp_path, {"pool.yaml": ENDPOINT, "c1.yaml": COMPONENT, "bad.yaml": "name: bad\nkind: nope\n"})
    finally:
        object.__setattr__(check, "run", original)
    by_name = {f.name: f.config for f in seen}
    assert isinstance(by_name["pool"], ConfigBase) and by_name["pool"].kind == "endpoint"
    assert isinstance(by_name["c1"], ComponentConfig)
    assert by_name["bad"] is None


# ---------------------------------------------------------------- worst-case packing


def test_packing_places_the_largest_copies_first() -> None:
    spec = instance_spec("ml.g5.48xlarge")
    assert spec is not None
    plan = pack(
        spec, [(CopyDemand("small", 1, 8192), 4), (CopyDemand("big", 4, 65536), 2), (CopyDemand("mid", 2, 1024), 1)]
    )
    assert plan.needed == 2
    assert [load.accelerators for load in plan.instances] == [8, 6]
    assert plan.instances[0].copies == ["big", "big"]
    assert plan.unplaceable == ()


def test_packing_respects_memory_and_reports_what_never_fits() -> None:
    spec = instance_spec("ml.g5.12xlarge")  # 4 GPUs, 192 GiB
    assert spec is not None
    plan = pack(spec, [(CopyDemand("fat", 1, 150_000), 2), (CopyDemand("huge", 8, 1024), 1)])
    assert plan.needed == 2  # memory, not GPUs, limits it to one copy per instance
    assert plan.unplaceable == ("huge",)
    assert plan.summary().endswith("never placeable: huge")
