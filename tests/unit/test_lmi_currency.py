"""The option catalog knows which release has which key: removed keys are errors on images without them,
keys of a newer release warn on an older image, and keys vLLM V1 ignores are errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lmi_core.facts.lmi_options import release_of
from tests.unit.helpers import issues_for


def messages(tmp_path: Path, tag: str, serving: dict[str, Any]) -> list[str]:
    patch = {"container": {"tag": tag}, "serving": {"engine": "Python", "option.tensor_parallel_degree": 1, **serving}}
    return [f"{i.severity} {i.field}: {i.message}" for i in issues_for(tmp_path, patch)]


@pytest.mark.parametrize(
    ("tag", "release"),
    [("0.36.0-lmi27.0.0-cu130", 27), ("0.33.0-lmi15.0.0-cu128", 15), ("0.32.0-lmi14.0.0-cu126", 14),
     ("0.33.0-tensorrtllm0.21.0-cu128", 15), ("0.29.0-neuronx-sdk2.19.1", 11), ("nonsense", None)],
)  # fmt: skip
def test_release_of_a_tag(tag: str, release: int | None) -> None:
    assert release_of(tag) == release


def test_a_removed_value_is_fine_on_an_image_that_still_has_it(tmp_path: Path) -> None:
    assert messages(tmp_path, "0.32.0-lmi14.0.0-cu126", {"option.rolling_batch": "lmi-dist"}) == []
    assert any(
        "'lmi-dist' was removed in LMI 0.33" in m
        for m in messages(tmp_path, "0.33.0-lmi15.0.0-cu128", {"option.rolling_batch": "lmi-dist"})
    )


def test_a_key_removed_later_is_an_error_only_from_that_release(tmp_path: Path) -> None:
    assert messages(tmp_path, "0.33.0-lmi15.0.0-cu128", {"option.use_v2_block_manager": True}) == []
    assert messages(tmp_path, "0.34.0-lmi16.0.0-cu128", {"option.use_v2_block_manager": True}) == [
        "error serving.option.use_v2_block_manager: was removed in LMI V16 (0.34): vLLM V1 has one block manager; delete the key"
    ]


def test_lora_extra_vocab_size_is_an_error_from_the_release_that_drops_it(tmp_path: Path) -> None:
    """LMI passes it to vLLM as an EngineArgs field: V17 pins vLLM 0.11.1, which has it; V18 pins 0.12.0."""
    assert messages(tmp_path, "0.35.0-lmi17.0.0-cu128", {"option.lora_extra_vocab_size": 256}) == []
    assert messages(tmp_path, "0.36.0-lmi18.0.0-cu128", {"option.lora_extra_vocab_size": 256}) == [
        "error serving.option.lora_extra_vocab_size: is dropped from LMI V18 (0.36.0-lmi18): vLLM 0.12 removed it, "
        "and LMI passes on only keys vLLM's EngineArgs has; delete the key"
    ]


def test_the_old_draft_model_key_is_ignored_by_vllm_v1(tmp_path: Path) -> None:
    found = messages(tmp_path, "0.36.0-lmi27.0.0-cu130", {"option.speculative_draft_model": "s3://b/draft/"})
    assert found == [
        "error serving.option.speculative_draft_model: is ignored by LMI's vLLM handler from V15 (0.33) (allowed: "
        'option.speculative_config, e.g. {"model": "<draft model>", "num_speculative_tokens": 5})'
    ]
    config = '{"model": "meta-llama/Llama-3.2-1B-Instruct", "num_speculative_tokens": 5}'
    assert messages(tmp_path, "0.36.0-lmi27.0.0-cu130", {"option.speculative_config": config}) == []


def test_the_lmi_dist_acceptance_rate_key_is_read_by_no_handler_from_v15(tmp_path: Path) -> None:
    assert messages(tmp_path, "0.33.0-lmi15.0.0-cu128", {"option.record_acceptance_rate": True}) == [
        "error serving.option.record_acceptance_rate: is read only by lmi-dist, which the images lost in V15 (0.33): "
        "no handler reads it (allowed: delete the key)"
    ]


def test_a_newer_key_warns_on_an_older_image(tmp_path: Path) -> None:
    assert messages(tmp_path, "0.36.0-lmi18.0.0-cu128", {"option.lmcache_auto_config": True}) == [
        "warning serving.option.lmcache_auto_config: first appears in LMI V19; 0.36.0-lmi18.0.0-cu128 (V18) ignores it "
        "(allowed: a newer tag)"
    ]
    assert messages(tmp_path, "0.36.0-lmi19.0.0-cu128", {"option.lmcache_auto_config": True}) == []
    assert messages(tmp_path, "0.36.0-lmi24.0.0-cu128", {"option.normalize": False}) == [
        "warning serving.option.normalize: first appears in LMI V25; 0.36.0-lmi24.0.0-cu128 (V24) ignores it "
        "(allowed: a newer tag)"
    ]
    assert messages(tmp_path, "0.36.0-lmi25.0.0-cu128", {"option.normalize": False}) == []


def test_fp8_on_ampere_is_a_warning_not_an_error(tmp_path: Path) -> None:
    found = messages(tmp_path, "0.36.0-lmi27.0.0-cu130", {"option.quantize": "fp8"})
    assert found == [
        "warning serving.option.quantize: fp8 on A10G (ml.g5.2xlarge) runs as weight-only W8A16 through vLLM's "
        "Marlin kernels: half the weight memory, but fp16 compute, slower than fp8 on Ada or Hopper (ml.g6, g6e, p5)"
    ]
