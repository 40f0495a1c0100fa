"""The formatter example (examples/code/chat-formatter/model.py) against what LMI V27 hands it.

djl_python exists only in the LMI image: the test stands in for its two decorators. The responses
have the shape of vLLM's own (djl-serving 0.36.0-lmi27-dlc, lmi_vllm/vllm_async_service.py
`inference` passes vLLM's response to the output formatter, and returns a dict as JSON): a
CompletionResponse has choices[0].text, a ChatCompletionResponse choices[0].message.content, and a
streamed chunk is the server-sent-event string vLLM yields. None of them has dict's `get`."""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

import pytest

from tests.conftest import EXAMPLES

FORMATTER = EXAMPLES / "code" / "chat-formatter" / "model.py"


def identity(function: Any) -> Any:
    return function


@pytest.fixture
def formatter(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setitem(sys.modules, "djl_python", types.ModuleType("djl_python"))
    monkeypatch.setitem(sys.modules, "djl_python.input_parser", types.SimpleNamespace(input_formatter=identity))
    monkeypatch.setitem(sys.modules, "djl_python.output_formatter", types.SimpleNamespace(output_formatter=identity))
    spec = importlib.util.spec_from_file_location("chat_formatter", FORMATTER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def completion(text: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(model="llama3-8b-chat", choices=[types.SimpleNamespace(index=0, text=text)])


def chat_completion(content: str | None) -> types.SimpleNamespace:
    message = types.SimpleNamespace(role="assistant", content=content)
    return types.SimpleNamespace(model="llama3-8b-chat", choices=[types.SimpleNamespace(index=0, message=message)])


def test_a_completion_becomes_clean_generated_text(formatter: Any) -> None:
    reply = formatter.clean_reply(completion("  SageMaker hosts models.<|eot_id|>\n"))
    assert reply == {"generated_text": "SageMaker hosts models.", "model": "llama3-8b-chat"}


def test_a_chat_completion_reads_the_message(formatter: Any) -> None:
    assert formatter.clean_reply(chat_completion("Hi.<|im_end|>"))["generated_text"] == "Hi."
    assert formatter.clean_reply(chat_completion(None))["generated_text"] == ""  # a tool call has no content


def test_streamed_chunks_pass_through(formatter: Any) -> None:
    chunk = 'data: {"choices": [{"index": 0, "text": "Sage"}]}\n\n'
    assert formatter.clean_reply(chunk) == chunk


def test_messages_are_rendered_with_the_chat_template(formatter: Any) -> None:
    class Tokenizer:
        def apply_chat_template(self, messages: list[dict[str, str]], **options: Any) -> str:
            assert options == {"tokenize": False, "add_generation_prompt": True}
            return "".join(f"<{m['role']}>{m['content']}" for m in messages)

    payload = formatter.chat_to_prompt(
        {"messages": [{"role": "user", "content": "Hi"}], "parameters": {"temperature": 0.1}},
        tokenizer=Tokenizer(),
        adapter_name=None,  # LMI V27 passes it too
    )
    assert payload == {
        "inputs": "<user>Hi",
        "parameters": {"temperature": 0.1, "add_special_tokens": False, "max_new_tokens": 512, "top_p": 0.9},
    }


BOS = "<|begin_of_text|>"


class Llama31Tokenizer:
    """Llama 3.1's chat template starts with {{- bos_token }}, and its tokenizer prepends BOS when asked for
    special tokens (add_bos_token), as vLLM's completion path asks unless add_special_tokens is false."""

    bos_token = BOS

    def apply_chat_template(self, messages: list[dict[str, str]], **options: Any) -> str:
        turns = "".join(
            f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{m['content']}<|eot_id|>" for m in messages
        )
        return BOS + turns + "<|start_header_id|>assistant<|end_header_id|>\n\n"

    def encode(self, prompt: str, add_special_tokens: bool) -> str:
        return (BOS if add_special_tokens else "") + prompt


def completion_prompt_tokens(payload: dict[str, Any], tokenizer: Llama31Tokenizer) -> str:
    """What LMI V27 and vLLM make of `inputs`: convert_lmi_schema_to_completion_request (djl-serving
    0.36.0-lmi27-dlc lmi_vllm/request_response_utils.py L56-99) merges the leftover parameters into vLLM's
    CompletionRequest, whose add_special_tokens defaults to True (vLLM 0.23.0 completion/protocol.py L99-104)."""
    parameters = dict(payload.get("parameters", {}))
    return tokenizer.encode(payload["inputs"], add_special_tokens=parameters.get("add_special_tokens", True))


def test_a_chat_prompt_reaches_llama_with_one_bos(formatter: Any) -> None:
    tokenizer = Llama31Tokenizer()
    payload = formatter.chat_to_prompt({"messages": [{"role": "user", "content": "Hi"}]}, tokenizer=tokenizer)
    tokens = completion_prompt_tokens(payload, tokenizer)
    assert tokens.count(BOS) == 1 and tokens.startswith(BOS + "<|start_header_id|>user")


def test_a_raw_prompt_keeps_vllms_special_tokens(formatter: Any) -> None:
    """A raw `inputs` has no template: vLLM adds BOS as for any completion."""
    payload = formatter.chat_to_prompt({"inputs": "Hello"}, tokenizer=Llama31Tokenizer())
    assert "add_special_tokens" not in payload["parameters"]
    assert completion_prompt_tokens(payload, Llama31Tokenizer()) == BOS + "Hello"
