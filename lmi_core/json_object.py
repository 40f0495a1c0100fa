"""One JSON object from text (cdk.json, CDK's context, an invoke payload), or why the text is not one."""

from __future__ import annotations

import json
import sys
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


class _NotJson(ValueError):
    """A number Python's reader takes but JSON has not (NaN, Infinity), or one too long to convert."""


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # over sys.get_int_max_str_digits() digits
        raise _NotJson(f"a number has over {sys.get_int_max_str_digits():,} digits") from None


def _no_constant(name: str) -> float:
    raise _NotJson(f"{name} is not a JSON number")


def json_object(text: str, *, finite: bool = False) -> dict[str, Any] | NotAnObject:
    """`finite`: refuse NaN, Infinity and -Infinity, which Python's reader takes and JSON has not."""
    if not text.strip():
        return NotAnObject("is empty")
    try:
        value = json.loads(text, parse_int=_whole_number, parse_constant=_no_constant if finite else None)
    except json.JSONDecodeError as exc:
        return NotAnObject(f"is not valid JSON: {exc.msg}", exc.lineno, exc.colno)
    except _NotJson as exc:
        return NotAnObject(f"is not valid JSON: {exc}")
    except RecursionError:
        return NotAnObject("is not valid JSON: it nests too deeply")
    if not isinstance(value, dict):
        return NotAnObject(f"is a JSON {json_kind(value)}, not an object")
    return value
