"""model.id as a Hugging Face id follows the hub's repository-id rule (huggingface_hub validate_repo_id)."""

from __future__ import annotations

import pytest

from lmi_core.config.blocks import HF_ID_PATTERN


@pytest.mark.parametrize(
    ("model_id", "valid"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", True),
        ("Qwen/Qwen2.5-7B-Instruct", True),
        ("BAAI/bge-large-en-v1.5", True),
        ("org/_private_", True),  # \\w includes _ at either end
        ("org/" + "n" * 96, True),
        ("org/" + "n" * 97, False),  # the hub's 96
        ("org/name-", False),
        ("org/.name", False),
        ("org/na--me", False),
        ("org/na..me", False),
        ("name-only", False),
        ("a/b/c", False),
    ],
)
def test_hub_repository_ids(model_id: str, valid: bool) -> None:
    assert bool(HF_ID_PATTERN.fullmatch(model_id)) == valid
