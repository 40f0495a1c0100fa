"""serving.properties: the one renderer, and the one reader of the tensor-parallel degree.

Stdlib only: the AOT Lambda asset carries a copy of this file, so the job's serving.properties
is rendered exactly as the model bundle's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Union

ServingValue = Union[bool, int, float, str]

# Keys written first, in this order; the rest follow sorted, so YAML key order does not matter.
_LEADING_KEYS = ("engine", "option.model_id")
TP_KEY = "option.tensor_parallel_degree"


def format_value(value: ServingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"serving.properties values must be one line, got {text!r}")
    return text


def render(serving: Mapping[str, ServingValue], model_id: str | None = None) -> str:
    """The serving.properties text. `model_id=None` leaves option.model_id out (it is then set at
    deploy time through the OPTION_MODEL_ID environment variable, a CloudFormation token)."""
    values: dict[str, ServingValue] = dict(serving)
    if model_id is not None:
        values["option.model_id"] = model_id
    ordered = [key for key in _LEADING_KEYS if key in values] + sorted(k for k in values if k not in _LEADING_KEYS)
    return "".join(f"{key}={format_value(values[key])}\n" for key in ordered)


def tensor_parallel_degree(serving: Mapping[str, object]) -> int | Literal["max"] | None:
    """The degree as LMI reads it: an integer (also when quoted), 'max', or None (unset or unreadable)."""
    value = serving.get(TP_KEY)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "max":
            return "max"
        if text.isdigit():
            return int(text)
    return None
