"""The MultiRecord example handler (examples/code/jsonlines-batch/model.py) splits a jsonlines body,
generates every line in one engine call and answers one line per record, in order. djl_python and
vLLM exist only in the LMI image: the test stands in for both with the few names the handler uses."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import EXAMPLES

HANDLER = EXAMPLES / "code" / "jsonlines-batch" / "model.py"


@dataclass
class FakeInput:
    body: str
    properties: dict[str, str] = field(
        default_factory=lambda: {"model_id": "/opt/ml/model", "tensor_parallel_degree": "1"}
    )

    def get_properties(self) -> dict[str, str]:
        return self.properties

    def is_empty(self) -> bool:
        return not self.body

    def get_as_string(self) -> str:
        return self.body


class FakeOutput:
    def __init__(self) -> None:
        self.properties: dict[str, str] = {}
        self.values: list[str] = []

    def add_property(self, key: str, value: str) -> None:
        self.properties[key] = value

    def add(self, value: str) -> None:
        self.values.append(value)


class FakeEngine:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[dict[str, Any]]]] = []

    def generate(self, prompts: list[str], params: list[dict[str, Any]]) -> list[Any]:
        self.calls.append((prompts, params))
        return [types.SimpleNamespace(outputs=[types.SimpleNamespace(text=f"answer to {p}")]) for p in prompts]


def load_handler(monkeypatch: pytest.MonkeyPatch, vllm: types.SimpleNamespace) -> Any:
    """The example's model.py, imported with stand-ins for djl_python and `vllm`."""
    monkeypatch.setitem(sys.modules, "djl_python", types.SimpleNamespace(Input=FakeInput, Output=FakeOutput))
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    spec = importlib.util.spec_from_file_location("jsonlines_batch_handler", HANDLER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, FakeEngine]:
    module = load_handler(monkeypatch, types.SimpleNamespace(SamplingParams=lambda **kw: kw))
    engine = FakeEngine()
    monkeypatch.setattr(module, "load_engine", lambda properties: engine)
    return module, engine


def test_one_answer_line_per_record_in_order(handler: tuple[Any, FakeEngine]) -> None:
    module, engine = handler
    body = "\n".join(
        json.dumps({"inputs": text, "parameters": {"max_new_tokens": 8, "temperature": 0.1, "unknown": 1}})
        for text in ("first", "second", "third")
    )
    output = module.handle(FakeInput(body + "\n\n"))
    assert output.properties == {"Content-Type": "application/jsonlines"}
    lines = output.values[0].splitlines()
    assert [json.loads(line) for line in lines] == [
        {"generated_text": f"answer to {t}"} for t in ("first", "second", "third")
    ]
    ((prompts, params),) = engine.calls  # one engine call for the whole request
    assert prompts == ["first", "second", "third"]
    assert params[0] == {"max_tokens": 8, "temperature": 0.1}


def test_the_initialization_request_loads_the_engine_and_answers_nothing(handler: tuple[Any, FakeEngine]) -> None:
    module, engine = handler
    assert module.handle(FakeInput("")) is None
    assert engine.calls == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"inputs": "ok"}\n{not json}\n', "line 2 is not JSON"),
        ('{"inputs": "ok"}\n["a list"]\n', 'line 2 needs {"inputs": "<text>", "parameters": {...}}'),
    ],
)
def test_a_bad_line_names_its_number(handler: tuple[Any, FakeEngine], body: str, message: str) -> None:
    module, _ = handler
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("[", r"\[")):
        module.handle(FakeInput(body))


@pytest.mark.parametrize(
    ("lmi", "vllm"), [("bf16", "bfloat16"), ("fp16", "float16"), ("fp32", "float32"), ("auto", "auto")]
)
def test_the_engine_gets_vllm_dtype_names(monkeypatch: pytest.MonkeyPatch, lmi: str, vllm: str) -> None:
    """vLLM's LLM(dtype=...) rejects LMI's names (bf16): the handler maps them as LMI's own handlers do."""
    created: list[dict[str, Any]] = []
    module = load_handler(monkeypatch, types.SimpleNamespace(LLM=lambda **options: created.append(options)))
    module.load_engine({"model_id": "/opt/ml/model", "dtype": lmi, "max_model_len": "8192"})
    assert created == [{"model": "/opt/ml/model", "tensor_parallel_size": 1, "dtype": vllm, "max_model_len": 8192}]
