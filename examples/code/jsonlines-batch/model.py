"""Batch transform with MultiRecord: many JSON lines per request, generated together as one vLLM batch.

LMI's default handler reads a request body as one JSON document (djl_python encode_decode.decode ->
json.loads), so MultiRecord with SplitType Line, which puts many lines in one request, fails there
with "Extra data". This handler defines handle(): it splits the body into lines, generates all of
them with vLLM's offline engine in one call, and answers one JSON line per input line, in order.

Request body (application/jsonlines), one record per line:
    {"inputs": "Summarise: ...", "parameters": {"max_new_tokens": 256, "temperature": 0.2}}
Response body (application/jsonlines), one line per record, in the same order:
    {"generated_text": "..."}
"""

import json

from djl_python import Input, Output

# LMI's parameter names -> vLLM SamplingParams names.
SAMPLING_KEYS = {
    "max_new_tokens": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop": "stop",
    "seed": "seed",
}
# LMI's dtype names -> vLLM's (vLLM rejects "bf16"; LMI maps it only for its own handlers: djl-serving
# 0.36.0-lmi27-dlc properties_manager/vllm_rb_properties.py).
VLLM_DTYPES = {"fp16": "float16", "bf16": "bfloat16", "fp32": "float32"}
_engine = None


def load_engine(properties):
    """vLLM's offline engine on the model LMI downloaded (model_id is the local copy of an S3 prefix)."""
    from vllm import LLM

    options = {
        "model": properties.get("model_id") or properties.get("model_dir"),
        "tensor_parallel_size": int(properties.get("tensor_parallel_degree", 1)),
        "dtype": VLLM_DTYPES.get(properties.get("dtype", "auto"), properties.get("dtype", "auto")),
    }
    if "max_model_len" in properties:
        options["max_model_len"] = int(properties["max_model_len"])
    return LLM(**options)


def parse_records(body):
    """One dict with a string `inputs` per non-empty line; a bad line names its number."""
    records = []
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number} is not JSON: {exc.msg}") from None
        if not isinstance(record, dict) or not isinstance(record.get("inputs"), str):
            raise ValueError(f'line {number} needs {{"inputs": "<text>", "parameters": {{...}}}}')
        records.append(record)
    return records


def sampling(parameters):
    from vllm import SamplingParams

    return SamplingParams(**{SAMPLING_KEYS[key]: value for key, value in parameters.items() if key in SAMPLING_KEYS})


def handle(inputs: Input):
    global _engine  # noqa: PLW0603 - one engine per worker process, loaded on the first request
    if _engine is None:
        _engine = load_engine(inputs.get_properties())
    if inputs.is_empty():
        return None  # LMI's initialization request
    records = parse_records(inputs.get_as_string())
    results = _engine.generate(
        [record["inputs"] for record in records],
        [sampling(record.get("parameters", {})) for record in records],
    )
    output = Output()
    output.add_property("Content-Type", "application/jsonlines")
    output.add("".join(json.dumps({"generated_text": result.outputs[0].text}) + "\n" for result in results))
    return output
