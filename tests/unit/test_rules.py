"""Every config rule, tested both ways: a compliant config passes, a non-compliant one fails
with a message naming the field and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.helpers import DELETE, errors_for, issues_for

# id, compliant patch, non-compliant patch, expected "field: message" fragment
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "name-pattern",
        {"name": "ok-name-1"},
        {"name": "Bad_Name"},
        "name: 'Bad_Name' is not allowed (allowed: lowercase letters, digits and single hyphens",
    ),
    ("name-length", {"name": "a" * 40}, {"name": "a" * 41}, "name: is 41 characters (allowed: at most 40)"),
    (
        "kind-known",
        {"kind": "realtime"},
        {"kind": "realtme"},
        "kind: 'realtme' is not a kind (did you mean 'realtime'?)",
    ),
    (
        "kind-required",
        {},
        {"kind": DELETE},
        "kind: is required (allowed: realtime, serverless, async, batch, endpoint, component)",
    ),
    (
        "unknown-key-suggests",
        {"instance": {"count": 1}},
        {"instance": {"cuont": 1}},
        "instance.cuont: unknown key (did you mean 'count'?)",
    ),
    (
        "top-level-typo",
        {"tags": {"a": "b"}},
        {"tag": {"a": "b"}},
        "tag: unknown key (did you mean 'tags'?)",
    ),
    (
        "wrong-kind-block",
        {},
        {"serverless": {"memory_mb": 2048, "max_concurrency": 1}},
        "serverless: block is only allowed for kind serverless, not for kind realtime",
    ),
    (
        "wrong-type",
        {"instance": {"count": 2}},
        {"instance": {"count": "two"}},
        "instance.count: is the text 'two' (allowed: a whole number, like 2)",
    ),
    (
        "timeout-range-low",
        {"instance": {"startup_health_check_timeout": 60}},
        {"instance": {"startup_health_check_timeout": 59}},
        "instance.startup_health_check_timeout: 59 is out of range (allowed: 60..3600)",
    ),
    (
        "timeout-range-high",
        {"instance": {"model_data_download_timeout": 3600}},
        {"instance": {"model_data_download_timeout": 3601}},
        "instance.model_data_download_timeout: 3601 is out of range (allowed: 60..3600)",
    ),
    (
        "s3-prefix-not-file",
        {"model": {"id": "s3://bucket/models/x/"}},
        {"model": {"id": "s3://bucket/models/x/model.tar.gz"}},
        "model.id: points at a file; LMI needs an uncompressed S3 prefix",
    ),
    (
        "s3-prefix-trailing-slash",
        {"model": {"id": "s3://bucket/models/x/"}},
        {"model": {"id": "s3://bucket/models/x"}},
        "model.id: must be an S3 prefix ending in '/'",
    ),
    (
        "hf-id-shape",
        {"model": {"id": "meta-llama/Llama-3.1-8B-Instruct"}},
        {"model": {"id": "llama-3-8b"}},
        "model.id: is neither an S3 prefix nor a Hugging Face id",
    ),
    (
        "image-or-uri",
        {"container": {"image": "lmi", "tag": "0.33.0-lmi15.0.0-cu128"}},
        {"container": {"uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/llm:1.0"}},
        "container: give either `uri`, or `image` and `tag`, but not both",
    ),
    (
        "image-flavour",
        {"container": {"image": "lmi", "tag": "0.33.0-lmi15.0.0-cu128"}},
        {"container": {"image": "lmi", "tag": "0.33.0-tensorrtllm0.21.0-cu128"}},
        "container.tag: '0.33.0-tensorrtllm0.21.0-cu128' is not a lmi image tag",
    ),
    (
        "image-tag-pinned",
        {},
        {"container": {"image": "lmi", "tag": "latest"}},
        "container: the image tag must be pinned",
    ),
    (
        "instance-catalog",
        {"instance": {"type": "ml.g5.12xlarge"}},
        {"instance": {"type": "ml.g5.12xlarg"}},
        "instance.type: 'ml.g5.12xlarg' is not in the instance catalog (did you mean 'ml.g5.12xlarge'?)",
    ),
    (
        "gpu-image-needs-gpu",
        {"instance": {"type": "ml.g5.xlarge"}},
        {"instance": {"type": "ml.m5.xlarge"}},
        "instance.type: ml.m5.xlarge has no GPU; the lmi image needs one",
    ),
    (
        "tp-divides-gpus",
        {"instance": {"type": "ml.g5.12xlarge"}, "serving": {"option.tensor_parallel_degree": 4}},
        {"instance": {"type": "ml.g5.12xlarge"}, "serving": {"option.tensor_parallel_degree": 8}},
        "serving.option.tensor_parallel_degree: 8 does not divide the 4 GPUs of ml.g5.12xlarge (allowed: 1, 2, 4)",
    ),
    (
        "tp-max-allowed",
        {"serving": {"option.tensor_parallel_degree": "max"}},
        {"serving": {"option.tensor_parallel_degree": "all"}},
        "serving.option.tensor_parallel_degree: 'all' must be a positive integer or 'max'",
    ),
    (
        "tp-g5-48xlarge",
        {"instance": {"type": "ml.g5.48xlarge"}, "serving": {"option.tensor_parallel_degree": 8}},
        {"instance": {"type": "ml.g5.48xlarge"}, "serving": {"option.tensor_parallel_degree": 3}},
        "3 does not divide the 8 GPUs of ml.g5.48xlarge (allowed: 1, 2, 4, 8)",
    ),
    (
        "no-volume-on-nvme",
        {
            "instance": {"type": "ml.m5.xlarge", "volume_size_gb": 100},
            "container": {"image": "cpu", "tag": "0.36.0-cpu-full"},
        },
        {"instance": {"volume_size_gb": 100}},
        "instance.volume_size_gb: ml.g5.2xlarge has 450 GB local NVMe and SageMaker rejects VolumeSizeInGB",
    ),
    (
        "startup-covers-loading",
        {"instance": {"startup_health_check_timeout": 2400}, "serving": {"option.model_loading_timeout": 2400}},
        {"instance": {"startup_health_check_timeout": 1200}, "serving": {"option.model_loading_timeout": 2400}},
        "instance.startup_health_check_timeout: 1200s is shorter than option.model_loading_timeout (2400s)",
    ),
    (
        "removed-s3url",
        {},
        {"serving": {"option.s3url": "s3://bucket/x/"}},
        "serving.option.s3url:",
    ),
    (
        "removed-deepspeed",
        {"serving": {"engine": "Python"}},
        {"serving": {"engine": "DeepSpeed"}},
        "serving.engine: 'DeepSpeed'",
    ),
    (
        "removed-lmi-dist",
        {"serving": {"option.rolling_batch": "vllm"}},
        {"serving": {"option.rolling_batch": "lmi-dist"}},
        "serving.option.rolling_batch: 'lmi-dist'",
    ),
    (
        "removed-scheduler",
        {"serving": {"option.rolling_batch": "vllm"}},
        {"serving": {"option.rolling_batch": "scheduler"}},
        "serving.option.rolling_batch: 'scheduler'",
    ),
    (
        "unknown-serving-key",
        {"serving": {"option.max_rolling_batch_size": 16}},
        {"serving": {"option.max_rolling_batch_sise": 16}},
        "serving.option.max_rolling_batch_sise: unknown LMI option (did you mean 'option.max_rolling_batch_size'?)",
    ),
    (
        "serving-passthrough",
        {"serving": {"option.brand_new_flag": 1}, "serving_passthrough": ["option.brand_new_flag"]},
        {"serving": {"option.brand_new_flag": 1}},
        "serving.option.brand_new_flag: unknown LMI option",
    ),
    (
        "serving-int-key",
        {"serving": {"option.max_rolling_batch_size": 16}},
        {"serving": {"option.max_rolling_batch_size": "lots"}},
        "serving.option.max_rolling_batch_size: the text 'lots' is not a whole number",
    ),
    (
        "model-id-from-model",
        {},
        {"serving": {"option.model_id": "s3://bucket/x/"}},
        "serving.option.model_id: comes from model.id; set model.id instead",
    ),
    (
        "rolling-batch-image",
        {"serving": {"option.rolling_batch": "vllm"}},
        {"serving": {"option.rolling_batch": "trtllm"}},
        "serving.option.rolling_batch: trtllm needs the tensorrtllm image, not lmi",
    ),
    (
        "fp8-on-turing",
        {"instance": {"type": "ml.g4dn.xlarge"}, "serving": {"option.quantize": "awq"}},
        {"instance": {"type": "ml.g4dn.xlarge"}, "serving": {"option.quantize": "fp8"}},
        "serving.option.quantize: fp8 needs an Ampere GPU or newer; ml.g4dn.xlarge has 1 x T4 (16 GiB)",
    ),
    (
        "autoscaling-min-le-max",
        {"autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 5}},
        {"autoscaling": {"min": 3, "max": 2, "target_invocations_per_instance": 5}},
        "autoscaling: min (3) is above max (2) (allowed: min <= max)",
    ),
    (
        "realtime-no-scale-to-zero",
        {"autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 5}},
        {"autoscaling": {"min": 0, "max": 2, "target_invocations_per_instance": 5}},
        "autoscaling.min: a real-time endpoint cannot scale to zero",
    ),
    (
        "realtime-target-required",
        {"autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 5}},
        {"autoscaling": {"min": 1, "max": 2}},
        "autoscaling.target_invocations_per_instance: is required for kind realtime",
    ),
    (
        "count-within-scaling",
        {"instance": {"count": 2}, "autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 5}},
        {"instance": {"count": 3}, "autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": 5}},
        "instance.count: 3 is outside autoscaling min..max (1..2)",
    ),
    (
        "sampling-percent",
        {"data_capture": {"sampling_percent": 100}},
        {"data_capture": {"sampling_percent": 101}},
        "data_capture.sampling_percent: 101 is out of range (allowed: 0..100)",
    ),
    (
        "capture-mode",
        {"data_capture": {"mode": "Input"}},
        {"data_capture": {"mode": "Both"}},
        "data_capture.mode: 'Both' is not allowed (allowed: 'Input', 'Output', 'InputAndOutput')",
    ),
    (
        "aot-same-family",
        {
            "container": {"image": "tensorrtllm", "tag": "0.33.0-tensorrtllm0.21.0-cu128"},
            "serving": {"option.rolling_batch": "trtllm"},
            "aot": {"mode": "trtllm", "instance_type": "ml.g5.12xlarge"},
        },
        {
            "container": {"image": "tensorrtllm", "tag": "0.33.0-tensorrtllm0.21.0-cu128"},
            "serving": {"option.rolling_batch": "trtllm"},
            "aot": {"mode": "trtllm", "instance_type": "ml.g6.12xlarge"},
        },
        "aot.instance_type: ml.g6.12xlarge is family g6 but serving uses g5",
    ),
    (
        "aot-mode-vs-image",
        {"aot": {"mode": "quantize-awq", "instance_type": "ml.g5.2xlarge"}},
        {"aot": {"mode": "trtllm", "instance_type": "ml.g5.2xlarge"}},
        "aot.mode: compile is not a step of the lmi image (allowed for lmi: quantize-awq, quantize-fp8, shard)",
    ),
    (
        "aot-fp8-hardware",
        {"instance": {"type": "ml.g4dn.xlarge"}, "aot": {"mode": "quantize-awq"}},
        {"instance": {"type": "ml.g4dn.xlarge"}, "aot": {"mode": "quantize-fp8"}},
        "aot.mode: quantize-fp8 needs an Ampere GPU or newer; ml.g4dn.xlarge has 1 x T4 (16 GiB)",
    ),
    (
        "aot-shard-serving-image",
        {"container": {"tag": "0.32.0-lmi14.0.0-cu126"}, "aot": {"mode": "partition"}},
        {"aot": {"mode": "partition"}},
        "container.tag: 0.33.0-lmi15.0.0-cu128 cannot load the job's shards: only LMI 0.31-0.32 images have",
    ),
    (
        "vpc-ids",
        {"vpc": {"subnet_ids": ["subnet-0123abcd"], "security_group_ids": ["sg-0123abcd"]}},
        {"vpc": {"subnet_ids": ["my-subnet"], "security_group_ids": ["sg-0123abcd"]}},
        "vpc.subnet_ids: 'my-subnet' is not a subnet id",
    ),
]


@pytest.mark.parametrize(("case", "good", "bad", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_both_ways(tmp_path: Path, case: str, good: dict[str, Any], bad: dict[str, Any], expected: str) -> None:
    assert errors_for(tmp_path, good) == [], f"{case}: compliant config was rejected"
    errors = errors_for(tmp_path, bad)
    assert any(expected in error for error in errors), f"{case}: expected {expected!r} in {errors}"


def test_removed_options_name_their_replacement(tmp_path: Path) -> None:
    errors = errors_for(
        tmp_path,
        {"serving": {"option.s3url": "s3://b/x/", "engine": "DeepSpeed", "option.rolling_batch": "lmi-dist"}},
    )
    by_field = {e.split(":")[0]: e for e in errors}
    assert "model_id" in by_field["serving.option.s3url"]
    assert "vllm" in by_field["serving.engine"].lower() or "python" in by_field["serving.engine"].lower()
    assert "vllm" in by_field["serving.option.rolling_batch"].lower()


def test_other_kinds_parse_their_fields(tmp_path: Path) -> None:
    """Not-yet-built kinds still validate their blocks: a bad field is reported next to 'not yet supported'."""
    errors = errors_for(
        tmp_path,
        {
            "kind": "batch",
            "batch": {
                "input": "s3://bkt/in/",
                "output": "s3://bkt/out/",
                "max_payload_mb": 60,
                "max_concurrent_transforms": 2,
            },
        },
    )
    assert errors == ["batch: max_concurrent_transforms x max_payload_mb = 120, SageMaker allows at most 100"]


def test_neuron_compile_needs_an_image_whose_job_writes_optimized_model(tmp_path: Path) -> None:
    """0.28-0.30 neuronx images move the compiled model into optimized_model/, which the Model serves;
    0.27 lays the output out otherwise and 0.24-0.26 have no optimization-job script at all."""
    inf2 = (Path(__file__).parents[2] / "examples" / "llama31-8b-inf2.yaml").read_text()
    assert errors_for(tmp_path, {}, base=inf2) == []
    errors = errors_for(tmp_path, {"container": {"tag": "0.27.0-neuronx-sdk2.18.2"}}, base=inf2)
    assert any(
        e.startswith("aot.job_tag: 0.27.0-neuronx-sdk2.18.2 cannot run SageMaker's optimization job") for e in errors
    ), errors
    assert any("allowed: a neuronx image 0.28 to 0.30" in e for e in errors), errors


def test_neuron_weights_against_host_memory(tmp_path: Path) -> None:
    """The Neuron handler builds the model in host memory: 8B bf16 fits the device of an inf2.xlarge, not its RAM."""
    inf2 = (Path(__file__).parents[2] / "examples" / "llama31-8b-inf2.yaml").read_text()
    small = {"instance": {"type": "ml.inf2.xlarge"}}
    assert [e for e in errors_for(tmp_path, small, base=inf2) if "host memory" in e] == [
        "model.parameters: 8B parameters do not load: ~16 GiB of weights for the 16 GiB host memory of "
        "ml.inf2.xlarge, where LMI's Neuron handler builds the model before moving it to the NeuronCores "
        "(try: ml.inf2.8xlarge, 128 GiB host memory)"
    ]
    tight = [
        f"{i.severity} {i.message}" for i in issues_for(tmp_path, {**small, "model": {"parameters": 6}}, base=inf2)
    ]
    assert [m for m in tight if "host memory" in m] == [
        "warning tight fit: ~12 GiB of weights for the 16 GiB host memory of ml.inf2.xlarge, where LMI's Neuron "
        "handler builds the model before moving it to the NeuronCores; the loader may be killed for memory "
        "(try: ml.inf2.8xlarge, 128 GiB host memory)"
    ]
    assert not any("host memory" in m for m in tight if m.startswith("error"))
    assert errors_for(tmp_path, {}, base=inf2) == []  # the example: inf2.8xlarge


def test_batch_predict_timeout_below_the_invocation_timeout_warns(tmp_path: Path) -> None:
    batch = (Path(__file__).parents[2] / "examples" / "qwen25-7b-batch.yaml").read_text()
    assert issues_for(tmp_path, {}, base=batch) == []
    (issue,) = issues_for(tmp_path, {"serving": {"option.predict_timeout": 300}}, base=batch)
    assert (issue.severity, issue.field) == ("warning", "serving.option.predict_timeout")
    assert "300 s ends a request in LMI before SageMaker's batch.invocation_timeout (600 s)" in issue.message
    longer = {"serving": {"option.predict_timeout": 900}, "batch": {"invocation_timeout": 900}}
    assert issues_for(tmp_path, longer, base=batch) == []
