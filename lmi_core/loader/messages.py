"""Pydantic's validation errors, worded for people: `field: message (allowed: ...)`."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from lmi_core.config.blocks import NAME_PATTERN
from lmi_core.issues import Finding, did_you_mean, dotted, error, quoted, shown
from lmi_core.kinds import KINDS, kinds_with_field

# what a field of each type takes; strict types: true is not 1, 1 is not true, "2" is not 2
_TYPE_ALLOWED = {
    "int_type": "a whole number, like 2",
    "int_parsing": "a whole number, like 2",
    "int_from_float": "a whole number, like 2",
    "float_type": "a number, like 0.9",
    "float_parsing": "a number, like 0.9",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text; quote it",
    "dict_type": "a mapping of key: value",
    "list_type": "a list, like [a, b]",
}
_RANGE_ERRORS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "multiple_of"}


def findings(exc: ValidationError, document: dict[str, Any]) -> list[tuple[tuple[Any, ...], Finding]]:
    """(key path, finding) for every error; the key path finds the line in the file."""
    kind = document.get("kind") if isinstance(document.get("kind"), str) else None
    result = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] in ("union_tag_not_found", "union_tag_invalid"):  # the union of kinds (validate_config)
            loc = ("kind",)
        loc = _without_validator_labels(loc, document)
        result.append((loc, error(dotted(loc), message(err, kind, loc))))
    return result


_VALIDATOR_LABEL = re.compile(r"function-(after|before|wrap|plain)\[.*\]", re.DOTALL)


def _without_validator_labels(loc: tuple[Any, ...], document: Any) -> tuple[Any, ...]:
    """`loc` without pydantic's labels of the validators it passed through (`function-after[...]`); a key the
    YAML itself has is kept, whatever its text (a key named `function-x`)."""
    kept: list[Any] = []
    node = document
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            kept.append(part)
            node = node[part]
        elif isinstance(part, str) and _VALIDATOR_LABEL.fullmatch(part):
            continue
        else:
            kept.append(part)
            node = None
    return tuple(kept)


def _kinds_text() -> str:
    return ", ".join(KINDS)


def message(err: Any, kind: str | None, loc: tuple[Any, ...]) -> str:
    config_class = KINDS[kind].config if kind is not None and kind in KINDS else None
    error_type = err["type"]
    if error_type == "extra_forbidden":
        return _unknown_key(config_class, kind, loc)
    if error_type == "missing":  # a block names its keys; a value speaks for itself
        return (
            f"is required (allowed: {_block_allowed(config_class, loc)})"
            if _model_at(config_class, loc)
            else "is required"
        )
    if error_type == "union_tag_not_found":
        return f"is required (allowed: {_kinds_text()})"
    if error_type == "union_tag_invalid":
        given = err.get("input", {}).get("kind") if isinstance(err.get("input"), dict) else err["ctx"].get("tag")
        near = did_you_mean(given, KINDS) if isinstance(given, str) else ""
        return f"{quoted(given)} is not a kind{near} (allowed: {_kinds_text()})"
    if error_type in _RANGE_ERRORS:
        return f"{err.get('input')!r} is out of range (allowed: {_allowed_range(config_class, loc)})"
    if error_type == "string_too_long":
        return f"is {len(str(err.get('input')))} characters (allowed: at most {err['ctx']['max_length']})"
    if error_type == "string_too_short":
        return f"is too short (allowed: at least {err['ctx']['min_length']} characters)"
    if error_type == "string_pattern_mismatch" and err["ctx"]["pattern"] == NAME_PATTERN:  # name, endpoint, adapters
        return f"{quoted(err.get('input'))} is not allowed (allowed: lowercase letters, digits and single hyphens, like llama3-8b-chat)"
    if error_type == "string_pattern_mismatch":
        return f"{shown(err.get('input'))} is not allowed (allowed: text matching {err['ctx']['pattern']})"
    if error_type in ("too_long", "too_short") and isinstance(err.get("input"), list | dict):
        bound = (
            f"at most {err['ctx']['max_length']}"
            if error_type == "too_long"
            else f"at least {err['ctx']['min_length']}"
        )
        return f"has {len(err['input'])} items (allowed: {bound})"
    if error_type in _TYPE_ALLOWED:
        return f"is {shown(err.get('input'))} (allowed: {_TYPE_ALLOWED[error_type]})"
    if error_type == "model_type":
        return f"is {shown(err.get('input'))} (allowed: {_block_allowed(config_class, loc)})"
    if error_type == "literal_error":
        return f"{quoted(err.get('input'))} is not allowed (allowed: {err['ctx']['expected'].replace(' or ', ', ')})"
    text = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text


def _unknown_key(config_class: type[BaseModel] | None, kind: str | None, loc: tuple[Any, ...]) -> str:
    key = str(loc[-1])
    if len(loc) == 1 and kind is not None and kind in KINDS and key in KINDS[kind].not_allowed:
        return KINDS[kind].not_allowed[key]
    owners = kinds_with_field(key) if len(loc) == 1 else []
    if owners:
        return f"block is only allowed for kind {', '.join(owners)}, not for kind {kind}"
    parent = _model_at(config_class, loc[:-1])
    if parent is None:
        return "unknown key"
    allowed = [field.alias or name for name, field in parent.model_fields.items()]
    return f"unknown key{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})"


def _block_allowed(config_class: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """What a block takes: a mapping of its keys, or also the short form its model names (`SHORT_FORM`)."""
    model = _model_at(config_class, loc)
    if model is None:
        return "a mapping of key: value"
    keys = ", ".join(field.alias or name for name, field in model.model_fields.items())
    short_form = getattr(model, "SHORT_FORM", None)
    return f"{short_form}, or a mapping of {keys}" if short_form else f"a mapping of {keys}"


def _model_at(model: type[BaseModel] | None, path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found by following field names (or aliases) along path, through list items
    (`adapters.0`) and mapping values (`secrets.HF_TOKEN`)."""
    annotation: Any = model
    for part in path:
        container = _container(annotation)
        if container is not None:  # part is an index or a key: step to the item's type
            annotation = container
            continue
        current = _first_model(annotation)
        if current is None:
            return None
        field = next((f for name, f in current.model_fields.items() if part in (name, f.alias)), None)
        if field is None:
            return None
        annotation = field.annotation
    return _first_model(annotation)


def _members(annotation: Any) -> Iterator[Any]:
    """The annotation, or each member of a union, with `Annotated[...]` unwrapped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _members(typing.get_args(annotation)[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _members(arg)
    else:
        yield annotation


def _container(annotation: Any) -> Any:
    """The item type of list[X] / tuple[X, ...] / dict[K, X], also as a member of a union; else None."""
    for member in _members(annotation):
        origin, args = typing.get_origin(member), typing.get_args(member)
        if origin in (list, tuple) and args:
            return args[0]
        if origin is dict and len(args) == 2:
            return args[1]
    return None


def _first_model(annotation: Any) -> type[BaseModel] | None:
    return next((m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)), None)


def _allowed_range(config_class: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    parent = _model_at(config_class, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent is not None else None
    metadata = field.metadata if field else []

    def bound(name: str) -> Any:
        return next((getattr(m, name) for m in metadata if hasattr(m, name)), None)

    ge, gt, le, lt, step = map(bound, ("ge", "gt", "le", "lt", "multiple_of"))
    if gt is None and lt is None:  # inclusive bounds: low..high
        text = f"{ge}..{le}" if ge is not None and le is not None else f">= {ge}" if ge is not None else f"<= {le}"
    else:
        low = f"more than {gt}" if gt is not None else None if ge is None else f"at least {ge}"
        high = f"less than {lt}" if lt is not None else None if le is None else f"at most {le}"
        text = ", ".join(part for part in (low, high) if part is not None)
    return f"{text}, a multiple of {step}" if step else text
