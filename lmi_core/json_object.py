"""One JSON object from text (cdk.json, CDK's context, an invoke payload), or why the text is not one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NotAnObject:
    message: str  # "is empty", "is not valid JSON: ...", "is a JSON array, not an object"
    line: int = 0  # where the JSON parser stopped (1-based), 0 when not known
    column: int = 0


def json_kind(value: Any) -> str:
    """What JSON calls the type of a parsed value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    kinds = {dict: "object", list: "array", str: "string", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def json_object(text: str) -> dict[str, Any] | NotAnObject:
    if not text.strip():
        return NotAnObject("is empty")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return NotAnObject(f"is not valid JSON: {exc.msg}", exc.lineno, exc.colno)
    except RecursionError:
        return NotAnObject("is not valid JSON: it nests too deeply")
    if not isinstance(value, dict):
        return NotAnObject(f"is a JSON {json_kind(value)}, not an object")
    return value
