"""Values and keys by the engine the image runs (lmi_core/checks/engines.py): each rule fails where that
engine rejects or ignores the value, and passes where another handler reads it. The errors are also in
tests/catalog/bad_configs (232..240); the warnings, which the catalog cannot hold, are here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.helpers import DELETE, issues_for

V27 = "0.36.0-lmi27.0.0-cu130"
V15 = "0.33.0-lmi15.0.0-cu128"
V14 = "0.32.0-lmi14.0.0-cu126"
TRTLLM = "0.33.0-tensorrtllm0.21.0-cu128"
NEURONX = "0.29.0-neuronx-sdk2.19.1"
NEURON_SERVING = {"option.n_positions": 4096, "option.max_rolling_batch_size": 4, "option.tensor_parallel_degree": 2}


def found(tmp_path: Path, image: str, tag: str, serving: dict[str, Any], **patch: Any) -> list[str]:
    """Findings on the keys under test, as `severity field: message`; the base config's rolling_batch is dropped."""
    instance = {"instance": {"type": "ml.inf2.xlarge"}} if image == "neuronx" else {}
    full = {"option.rolling_batch": DELETE, **(NEURON_SERVING if image == "neuronx" else {}), **serving}
    data = {"container": {"image": image, "tag": tag}, "serving": full, **instance, **patch}
    issues = issues_for(tmp_path, data)
    return [f"{i.severity} {i.field}: {i.message}" for i in issues if i.field.removeprefix("serving.") in serving]


# ---------------------------------------------------------------- option.dtype


@pytest.mark.parametrize("tag", [V27, V15])
def test_vllm_dtypes_pass_as_written(tmp_path: Path, tag: str) -> None:
    for dtype in ("auto", "fp16", "bf16", "float32"):
        assert found(tmp_path, "lmi", tag, {"option.dtype": dtype}) == []


@pytest.mark.parametrize(
    ("instance", "serving", "refused"),
    [
        ("ml.g4dn.xlarge", {"option.dtype": "bf16"}, True),
        ("ml.g4dn.12xlarge", {"option.dtype": "bfloat16", "option.tensor_parallel_degree": 4}, True),
        ("ml.g4dn.xlarge", {"option.dtype": "fp16"}, False),
        ("ml.g4dn.xlarge", {"option.dtype": "auto"}, False),  # vLLM picks float16 there by itself
        ("ml.g5.xlarge", {"option.dtype": "bf16"}, False),  # A10G: Ampere
        (
            "ml.g4dn.xlarge",
            {"option.dtype": "bf16", "option.rolling_batch": "disable"},
            False,
        ),  # HuggingFace accelerate
    ],
)
def test_bf16_on_a_gpu_before_ampere(tmp_path: Path, instance: str, serving: dict[str, Any], refused: bool) -> None:
    """vLLM 0.23 CudaPlatform.check_if_supports_dtype: bfloat16 needs compute capability 8.0; the T4 has 7.5."""
    found_here = found(tmp_path, "lmi", V27, serving, instance={"type": instance})
    assert [m.split(":")[0] for m in found_here] == (["error serving.option.dtype"] if refused else [])


def test_int8_is_read_by_the_huggingface_handler(tmp_path: Path) -> None:
    """rolling_batch=disable without async mode is djl_python.huggingface (hf_properties.py takes int8)."""
    assert found(tmp_path, "lmi", V27, {"option.dtype": "int8", "option.rolling_batch": "disable"}) == []
    serving = {"option.dtype": "int8", "option.rolling_batch": "disable", "option.async_mode": True}
    assert [m.split(":")[0] for m in found(tmp_path, "lmi", V27, serving)] == ["error serving.option.dtype"]


def test_int8_fails_with_an_explicit_vllm_rolling_batch_on_v14(tmp_path: Path) -> None:
    assert found(tmp_path, "lmi", V14, {"option.dtype": "int8", "option.rolling_batch": "vllm"}) == [
        "error serving.option.dtype: 'int8': LMI's vLLM handler fails to load the model (int8 is the HuggingFace "
        "accelerate handler's; 8-bit weights are option.quantize) (allowed: auto, bf16, bfloat16, float16, float32, "
        "fp16, fp32)"
    ]
    # V14's auto is lmi-dist, which takes the dtype as a free string: not judged here
    assert found(tmp_path, "lmi", V14, {"option.dtype": "int8", "option.rolling_batch": "auto"}) == []


def test_the_entry_point_decides_the_handler(tmp_path: Path) -> None:
    """djl_python.huggingface without rolling_batch=vllm is HuggingFace accelerate; the async service is vLLM."""
    assert found(tmp_path, "lmi", V27, {"option.dtype": "int8", "option.entryPoint": "djl_python.huggingface"}) == []
    serving = {"option.dtype": "int8", "option.entryPoint": "djl_python.lmi_vllm.vllm_async_service"}
    assert [m.split(":")[0] for m in found(tmp_path, "lmi", V27, serving)] == ["error serving.option.dtype"]
    assert found(tmp_path, "lmi", V27, {"option.dtype": "int8", "option.entryPoint": "my_handler"}) == []


def test_neuron_dtypes(tmp_path: Path) -> None:
    assert found(tmp_path, "neuronx", NEURONX, {"option.dtype": "bf16"}) == []
    assert found(tmp_path, "neuronx", NEURONX, {"option.dtype": "auto"}) == [
        "error serving.option.dtype: 'auto': Transformers-NeuronX fails to load the model (allowed: bf16, fp16, fp32)"
    ]


# ---------------------------------------------------------------- option.quantize


def test_vllm_quantization_methods_pass_in_any_case(tmp_path: Path) -> None:
    assert found(tmp_path, "lmi", V27, {"option.quantize": "awq_marlin"}) == []
    assert found(tmp_path, "lmi", V27, {"option.quantization": "GPTQ_Marlin"}) == []  # vLLM lower-cases it


def test_a_deprecated_method_passes_with_the_opt_in(tmp_path: Path) -> None:
    serving = {"option.quantize": "fbgemm_fp8", "option.allow_deprecated_quantization": True}
    assert found(tmp_path, "lmi", V27, serving, serving_passthrough=["option.allow_deprecated_quantization"]) == []


def test_an_unchecked_vllm_release_warns_on_a_name_v27_lacks(tmp_path: Path) -> None:
    assert found(tmp_path, "lmi", V15, {"option.quantize": "marlin"}) == [
        "warning serving.option.quantize: 'marlin' is not a quantization method of vLLM 0.23 (LMI V27), and the vLLM "
        "of 0.33.0-lmi15.0.0-cu128 (V15) is not checked here; vLLM fails to load the model on a name it does not know "
        "(allowed: one of that vLLM's quantization methods)"
    ]
    assert found(tmp_path, "lmi", V15, {"option.quantize": "awq"}) == []


def test_names_of_other_handlers_fail_on_every_vllm_release(tmp_path: Path) -> None:
    assert found(tmp_path, "lmi", V15, {"option.quantize": "smoothquant"}) == [
        "error serving.option.quantize: 'smoothquant' is TensorRT-LLM quantization (tensorrtllm image): LMI hands it "
        "to vLLM unchanged, which fails to load the model (allowed: a vLLM method, e.g. fp8 or awq)"
    ]


def test_bitsandbytes8_is_the_huggingface_handlers_name(tmp_path: Path) -> None:
    serving = {"option.quantize": "bitsandbytes8", "option.rolling_batch": "disable"}
    assert found(tmp_path, "lmi", V27, serving) == []


def test_neuron_quantization(tmp_path: Path) -> None:
    assert found(tmp_path, "neuronx", NEURONX, {"option.quantize": "static_int8"}) == []


def test_quantize_is_not_read_on_the_033_tensorrtllm_image(tmp_path: Path) -> None:
    assert found(tmp_path, "tensorrtllm", TRTLLM, {"option.rolling_batch": "trtllm", "option.quantize": "awq"}) == [
        "warning serving.option.quantize: is not read on 0.33.0-tensorrtllm0.21.0-cu128: LMI's TensorRT-LLM build "
        "takes the method from option.quant_algo (allowed: option.quant_algo, e.g. W4A16_AWQ or FP8)"
    ]
    assert found(tmp_path, "tensorrtllm", TRTLLM, {"option.rolling_batch": "trtllm", "option.quant_algo": "FP8"}) == []


# ---------------------------------------------------------------- option.rolling_batch


def test_tnx_is_fine_on_the_neuronx_image(tmp_path: Path) -> None:
    assert found(tmp_path, "neuronx", NEURONX, {"option.rolling_batch": "tnx"}) == []


# ---------------------------------------------------------------- keys of another engine


def test_tensorrtllm_and_neuron_keys_on_the_lmi_image_warn(tmp_path: Path) -> None:
    serving = {"option.max_input_len": 4096, "option.max_seq_len": 5120, "option.n_positions": 4096}
    assert found(tmp_path, "lmi", V27, serving) == [
        "warning serving.option.max_input_len: is a TensorRT-LLM option: no handler of the lmi image reads it "
        "(allowed: delete it, or use the tensorrtllm image)",
        "warning serving.option.max_seq_len: is a TensorRT-LLM option: no handler of the lmi image reads it "
        "(allowed: option.max_model_len, this image's name)",
        "warning serving.option.n_positions: is a Transformers-NeuronX option: no handler of the lmi image reads it "
        "(allowed: option.max_model_len, this image's name)",
    ]


def test_keys_vllm_shares_with_tensorrtllm_do_not_warn(tmp_path: Path) -> None:
    assert found(tmp_path, "lmi", V27, {"option.tokenizer": "meta-llama/Llama-3.1-8B-Instruct"}) == []


def test_vllm_keys_on_the_tensorrtllm_image_warn(tmp_path: Path) -> None:
    serving = {"option.rolling_batch": "trtllm", "option.max_model_len": 4096, "option.max_seq_len": 4096}
    assert found(tmp_path, "tensorrtllm", TRTLLM, serving) == [
        "warning serving.option.max_model_len: is a vLLM option: no handler of the tensorrtllm image reads it "
        "(allowed: option.max_seq_len, this image's name)"
    ]


def test_tensorrtllm_keys_on_the_neuronx_image_warn(tmp_path: Path) -> None:
    assert found(tmp_path, "neuronx", NEURONX, {"option.max_input_len": 2048}) == [
        "warning serving.option.max_input_len: is a TensorRT-LLM option: no handler of the neuronx image reads it "
        "(allowed: delete it, or use the tensorrtllm image)"
    ]


def test_a_key_the_aot_job_reads_does_not_warn(tmp_path: Path) -> None:
    """partition.py's AutoAWQ reads option.awq_block_size; without a quantize step nothing does."""
    serving = {"option.awq_block_size": 64}
    assert found(tmp_path, "lmi", V27, serving, aot={"mode": ["quantize-awq"]}) == []
    assert found(tmp_path, "lmi", V27, serving) == [
        "warning serving.option.awq_block_size: is a TensorRT-LLM option: no handler of the lmi image reads it "
        "(allowed: delete it, or use the tensorrtllm image)"
    ]


@pytest.mark.parametrize(
    ("model_py", "judged"),
    [("def handle(inputs):\n    return None\n", False), ("def helper():\n    return None\n", True)],
    ids=["own-handle", "no-handle"],
)
def test_a_code_bundle_with_its_own_handler_is_not_judged(tmp_path: Path, model_py: str, judged: bool) -> None:
    """A model.py with handle() replaces LMI's handler, whatever it reads; without one LMI's handler still runs."""
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "model.py").write_text(model_py)
    serving = {"option.dtype": "int8", "option.max_input_len": 4096}
    expected = ["error serving.option.dtype", "warning serving.option.max_input_len"] if judged else []
    assert [m.split(":")[0] for m in found(tmp_path, "lmi", V27, serving, code="code")] == expected


def test_neuron_without_aot_compile_warns_of_the_compile_at_start(tmp_path: Path) -> None:
    """Neuron compiles at endpoint start without `aot: {mode: [compile]}`: past the health check for large models."""
    base = {"container": {"image": "neuronx", "tag": NEURONX}, "instance": {"type": "ml.inf2.xlarge"}}
    serving = {"option.rolling_batch": DELETE, **NEURON_SERVING}
    without = [i for i in issues_for(tmp_path, {**base, "serving": serving}) if i.field == "aot"]
    assert [(i.severity, i.message.split(":")[0]) for i in without] == [("warning", "is not set")]
    with_aot = issues_for(tmp_path, {**base, "serving": serving, "aot": {"mode": ["compile"]}})
    assert [i for i in with_aot if i.field == "aot"] == []


def test_a_deprecated_key_warns_with_what_replaces_it(tmp_path: Path) -> None:
    assert found(tmp_path, "lmi", V15, {"option.enable_streaming": True}) == [
        "warning serving.option.enable_streaming: deprecated: rolling batch streams by default; clients pass "
        "stream=true"
    ]


def test_fp8_on_an_ampere_gpu_warns_it_runs_weight_only(tmp_path: Path) -> None:
    """A10G (g5) has no FP8 tensor cores: vLLM runs FP8 weights as W8A16 through Marlin."""
    issues = issues_for(tmp_path, {"container": {"tag": "0.32.0-lmi14.0.0-cu126"}, "aot": {"mode": ["quantize-fp8"]}})
    assert [(i.severity, i.field) for i in issues if "W8A16" in i.message] == [("warning", "aot.mode")]
