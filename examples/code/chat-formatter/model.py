"""Chat pre- and post-processing around LMI's default vLLM handler.

LMI finds this model.py next to serving.properties and, because it defines no `handle`,
keeps its own vLLM handler and applies the two formatters below to every request
(djl-serving docs: user_guides/input_formatter_schema.md, output_formatter_schema.md).

Request:  {"messages": [{"role": "user", "content": "Hi"}], "parameters": {...}}
      or  {"inputs": "raw prompt", "parameters": {...}} (passed through)
Response: {"generated_text": "...", "model": "<served model>"} without chat stop markers.
"""

from djl_python.input_parser import input_formatter
from djl_python.output_formatter import output_formatter

DEFAULT_PARAMETERS = {"max_new_tokens": 512, "temperature": 0.7, "top_p": 0.9}
STOP_MARKERS = ("<|eot_id|>", "<|end_of_text|>", "<|im_end|>")
SERVED_MODEL = "llama3-8b-chat"


@input_formatter
def chat_to_prompt(decoded_payload: dict, tokenizer=None, **kwargs) -> dict:
    """Render OpenAI-style `messages` with the model's own chat template."""
    messages = decoded_payload.pop("messages", None)
    if messages is not None:
        if tokenizer is None:
            raise ValueError("a chat request needs the model's tokenizer")
        decoded_payload["inputs"] = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    parameters = decoded_payload.setdefault("parameters", {})
    for key, value in DEFAULT_PARAMETERS.items():
        parameters.setdefault(key, value)
    return decoded_payload


@output_formatter
def clean_reply(response_data: dict) -> dict:
    """Drop chat stop markers and surrounding whitespace; say which model answered."""
    text = response_data.get("generated_text")
    if isinstance(text, str):
        for marker in STOP_MARKERS:
            text = text.replace(marker, "")
        response_data["generated_text"] = text.strip()
    response_data["model"] = SERVED_MODEL
    return response_data
