"""serving.properties: the one renderer, and the one reader of the tensor-parallel degree.

Stdlib only: the AOT Lambda asset carries a copy of this file, so the job's serving.properties
is rendered exactly as the model bundle's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Literal, Union

ServingValue = Union[bool, int, float, str]

# What java.util.Properties.load reads back unchanged: a key of these characters (no separator,
# whitespace, escape or comment mark), and a value with no line break, control character or escape.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
KEY_ALLOWED = "letters, digits, '.', '_' and '-', starting with a letter, digit or '_'"
INTEGER = re.compile(r"^[0-9]+$")  # what Java's Integer.parseInt and pydantic both read the same way
DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")

# Keys written first, in this order; the rest follow sorted, so YAML key order does not matter.
_LEADING_KEYS = ("engine", "option.model_id")
TP_KEY = "option.tensor_parallel_degree"


def is_control(character: str) -> bool:
    """C0, DEL, C1, format characters, and the Unicode line and paragraph separators."""
    return unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp")


def key_problem(key: str) -> str | None:
    """Why java.util.Properties would not read `key=...` as exactly this key, or None."""
    if any(is_control(c) for c in key):
        return "key contains a control character: it would break serving.properties into other lines"
    if any(c.isspace() for c in key):
        return "key contains whitespace, where Java Properties ends a key (the rest becomes the value)"
    if any(c in key for c in "=:"):
        return "key contains '=' or ':', where Java Properties ends a key (the rest becomes the value)"
    if "\\" in key:
        return "key contains a backslash, an escape in Java Properties (it could spell another key)"
    if key[:1] in ("#", "!"):
        return "key starts with '#' or '!': Java Properties reads the line as a comment"
    if not KEY_PATTERN.match(key):
        return f"key is not a plain LMI option name (allowed: {KEY_ALLOWED})"
    return None


def value_problem(text: str) -> str | None:
    """Why java.util.Properties would not read this value back unchanged, or None."""
    for character in text:
        if is_control(character):
            return f"contains a control character ({character!r}): a value must be one line of plain text"
    trailing = len(text) - len(text.rstrip("\\"))
    if trailing % 2 == 1:
        return "ends in a backslash: Java Properties would join the next line to this value"
    if "\\" in text:
        return "contains a backslash, an escape in Java Properties (\\n, \\u0041 ...) that changes the value"
    if text[:1].isspace():
        return "starts with whitespace, which Java Properties drops"
    return None


def format_value(value: ServingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    problem = value_problem(text)
    if problem is not None:
        raise ValueError(f"serving.properties value {text!r} {problem}")
    return text


def parse_int(value: object) -> int | None:
    """The one reading of an integer option, quoted or not: what both Java and LMI's Python read alike."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and INTEGER.match(value):
        return int(value)
    return None


def parse_float(value: object) -> float | None:
    """The one reading of a decimal option, quoted or not (no exponents, no nan or inf)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and DECIMAL.match(value):
        return float(value)
    return None


def render(serving: Mapping[str, ServingValue], model_id: str | None = None) -> str:
    """The serving.properties text. `model_id=None` leaves option.model_id out (it is then set at
    deploy time through the OPTION_MODEL_ID environment variable, a CloudFormation token)."""
    values: dict[str, ServingValue] = dict(serving)
    if model_id is not None:
        values["option.model_id"] = model_id
    ordered = [key for key in _LEADING_KEYS if key in values] + sorted(k for k in values if k not in _LEADING_KEYS)
    for key in ordered:
        problem = key_problem(key)
        if problem is not None:
            raise ValueError(f"serving.properties {problem}: {key!r}")
    return "".join(f"{key}={format_value(values[key])}\n" for key in ordered)


JAVA_INT_MAX = 2**31 - 1  # what Integer.parseInt reads


def tensor_parallel_degree(serving: Mapping[str, object]) -> int | Literal["max"] | None:
    """The degree as LMI reads it: an integer 1..JAVA_INT_MAX (also when quoted), 'max', or None (unset, or
    unreadable: the check of the value itself says so)."""
    value = serving.get(TP_KEY)
    if value == "max":
        return "max"
    degree = parse_int(value)
    return degree if degree is not None and 1 <= degree <= JAVA_INT_MAX else None
