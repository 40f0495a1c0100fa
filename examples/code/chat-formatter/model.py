"""Chat pre- and post-processing around LMI's default vLLM handler (LMI V27, vLLM async mode).

LMI finds this model.py next to serving.properties and, because it defines no `handle`,
keeps its own vLLM handler and applies the two formatters below to every request
(djl-serving docs: user_guides/input_formatter_schema.md, output_formatter_schema.md).
Since LMI V19 the output formatter gets vLLM's own response, not a dict (djl-serving
0.36.0-lmi27-dlc, lmi_vllm/vllm_async_service.py `inference`): a CompletionResponse
(choices[0].text), a ChatCompletionResponse (choices[0].message.content) or, when streaming,
each chunk as the server-sent-event string vLLM yields.

LMI turns `inputs` into a vLLM completion request, whose tokenizer adds the special tokens (Llama's
BOS) by default (vLLM 0.23 CompletionRequest.add_special_tokens=True). A rendered chat template already
starts with them, so a rendered prompt goes with add_special_tokens=False, as vLLM's own chat endpoint
does (ChatCompletionRequest.add_special_tokens=False): Llama 3.1 sees one <|begin_of_text|>, not two.

Request:  {"messages": [{"role": "user", "content": "Hi"}], "parameters": {...}}
      or  {"inputs": "raw prompt", "parameters": {...}} (passed through)
Response: {"generated_text": "...", "model": "<served model>"} without chat stop markers;
          streamed chunks pass through unchanged.
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
    parameters = decoded_payload.setdefault("parameters", {})
    if messages is not None:
        if tokenizer is None:
            raise ValueError("a chat request needs the model's tokenizer")
        decoded_payload["inputs"] = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        parameters["add_special_tokens"] = False  # the template wrote them (BOS): vLLM must not add a second
    for key, value in DEFAULT_PARAMETERS.items():
        parameters.setdefault(key, value)
    return decoded_payload


def generated_text(response) -> str:
    """The first choice's text, of a completion or a chat completion."""
    choice = response.choices[0]
    message = getattr(choice, "message", None)
    text = message.content if message is not None else choice.text
    return text or ""


@output_formatter
def clean_reply(response):
    """Drop chat stop markers and surrounding whitespace; say which model answered."""
    if isinstance(response, str):  # one streamed chunk, "data: {...}"
        return response
    text = generated_text(response)
    for marker in STOP_MARKERS:
        text = text.replace(marker, "")
    return {"generated_text": text.strip(), "model": SERVED_MODEL}
