"""Strict validation of AWS API requests against botocore's service model.

botocore's own validator (and so ``botocore.stub.Stubber``) checks only types and
required members. AWS additionally rejects requests that break length, size, range,
enum or ``pattern`` constraints. This module checks all of those locally.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.session
import regex
from botocore.model import OperationModel, Shape
from botocore.stub import Stubber

SKIPPED_PATTERNS: set[str] = set()
"""Model patterns that ``regex`` cannot compile; values are not checked against them."""

# Java matches UTF-16 code units, so models spell "any supplementary character" as a
# surrogate-pair range, which is invalid for a code-point engine.
_JAVA_SURROGATE_RANGE = r"\uD800\uDC00-\uDBFF\uDFFF"
_CODE_POINT_RANGE = r"\U00010000-\U0010FFFF"

# java.util.regex defaults that a Unicode-wide engine lacks: \d \w \s and POSIX \p{Alnum} are ASCII-only,
# and `.` also refuses \r, NEL and the line and paragraph separators. (\p{L}, \p{N}, ... stay Unicode.)
_JAVA_ASCII_CLASSES = {
    r"\d": "[0-9]", r"\D": "[^0-9]", r"\w": "[a-zA-Z_0-9]", r"\W": "[^a-zA-Z_0-9]",
    r"\s": r"[ \t\n\x0B\f\r]", r"\S": r"[^ \t\n\x0B\f\r]", r"\p{Alnum}": "[a-zA-Z0-9]",
}  # fmt: skip
_JAVA_DOT = r"[^\n\r\u0085\u2028\u2029]"


def java_semantics(pattern: str) -> str:
    """`pattern` rewritten so that the `regex` module (V1: nested sets) matches what Java matches."""
    out, depth, index = [], 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            token = (
                pattern[index : pattern.index("}", index) + 1]
                if pattern.startswith("\\p{", index)
                else pattern[index : index + 2]
            )
            out.append(_JAVA_ASCII_CLASSES.get(token, token))
            index += len(token)
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        out.append(_JAVA_DOT if char == "." and depth == 0 else char)
        index += 1
    return "".join(out)


_HOOK_EVENT = "before-parameter-build"
_CLIENT_HOOK_ID = f"{__name__}.strict_client"
_STUBBER_HOOK_ID = f"{__name__}.StrictStubber"
_PREVIEW_CHARS = 60

ClientT = TypeVar("ClientT")


@dataclass(frozen=True)
class Problem:
    """One contract violation at a parameter path such as ``Tags[2].Value``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<params>'}: {self.message}"


class ContractViolation(Exception):
    """Raised when a request breaks its operation's input contract."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def check_request(
    service: str, operation: str, params: Mapping[str, Any], *, api_version: str | None = None
) -> list[Problem]:
    """Return every way ``params`` breaks the input contract of ``service.operation``."""
    return check_operation(_operation_model(service, operation, api_version), params)


def assert_valid_request(
    service: str, operation: str, params: Mapping[str, Any], *, api_version: str | None = None
) -> None:
    """Raise ContractViolation if ``params`` break the input contract of ``service.operation``."""
    _raise_for(check_request(service, operation, params, api_version=api_version))


def check_operation(operation_model: OperationModel, params: Mapping[str, Any]) -> list[Problem]:
    """Return every way ``params`` breaks the input shape of ``operation_model``."""
    shape = operation_model.input_shape
    if shape is None:
        return [Problem(name, "unknown member (operation takes no input)") for name in params]
    return list(_check(shape, params, ""))


def strict_client(client: ClientT) -> ClientT:
    """Validate every call made on a boto3/botocore ``client``; returns the client."""
    _events(client).register_last(_HOOK_EVENT, _validate_call, unique_id=_CLIENT_HOOK_ID)
    return client


class StrictStubber(Stubber):  # type: ignore[misc]
    """A Stubber that also validates every call's params, whatever ``expected_params`` says."""

    def activate(self) -> None:
        """Activate the stubber and the contract check."""
        super().activate()
        _events(self.client).register_last(_HOOK_EVENT, _validate_call, unique_id=_STUBBER_HOOK_ID)

    def deactivate(self) -> None:
        """Deactivate the stubber and the contract check."""
        super().deactivate()
        _events(self.client).unregister(_HOOK_EVENT, _validate_call, unique_id=_STUBBER_HOOK_ID)


def _events(client: Any) -> Any:
    return client.meta.events


def _validate_call(params: Mapping[str, Any], model: OperationModel, **_: Any) -> None:
    # Registered last on the client's own emitter, so botocore has already filled in
    # generated members such as idempotency tokens.
    _raise_for(check_operation(model, params))


def _raise_for(problems: list[Problem]) -> None:
    if problems:
        raise ContractViolation(problems)


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def _operation_model(service: str, operation: str, api_version: str | None) -> OperationModel:
    return _session().get_service_model(service, api_version=api_version).operation_model(operation)


@functools.cache
def _compile(pattern: str) -> regex.Pattern[str] | None:
    """Compile a model pattern with Java-like character classes (V1 nested sets and ``&&``)."""
    try:
        return regex.compile(java_semantics(pattern.replace(_JAVA_SURROGATE_RANGE, _CODE_POINT_RANGE)), regex.V1)
    except regex.error:
        SKIPPED_PATTERNS.add(pattern)
        return None


def _check(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    yield from _CHECKERS[shape.type_name](shape, value, path)


def _check_structure(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if shape.is_document_type or shape.metadata.get("eventstream"):
        return
    if not isinstance(value, Mapping):
        yield _wrong_type(path, "a mapping", value)
        return
    members = shape.members
    for name in shape.required_members:
        if name not in value and not members[name].metadata.get("idempotencyToken"):
            yield Problem(_join(path, name), "required member is missing")
    for name, member_value in value.items():
        if name in members:
            yield from _check(members[name], member_value, _join(path, name))
        else:
            close = difflib.get_close_matches(str(name), members, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield Problem(_join(path, str(name)), f"unknown member of {shape.name}{hint}")
    if shape.is_tagged_union:
        chosen = [name for name in value if name in members]
        if len(chosen) != 1:
            yield Problem(path, f"union {shape.name} needs exactly one member set, got {len(chosen)}: {chosen}")


def _check_list(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if not isinstance(value, list | tuple):
        yield _wrong_type(path, "a list", value)
        return
    yield from _check_bounds(shape, len(value), path, "length")
    for index, item in enumerate(value):
        yield from _check(shape.member, item, f"{path}[{index}]")


def _check_map(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if not isinstance(value, Mapping):
        yield _wrong_type(path, "a mapping", value)
        return
    yield from _check_bounds(shape, len(value), path, "number of entries")
    for key, item in value.items():
        entry_path = f"{path}[{key!r}]"
        for problem in _check(shape.key, key, entry_path):
            yield Problem(problem.path, f"key {problem.message}")
        yield from _check(shape.value, item, entry_path)


def _check_string(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if not isinstance(value, str):
        yield _wrong_type(path, "a string", value)
        return
    yield from _check_bounds(shape, len(value), path, "length")
    if shape.enum and value not in shape.enum:
        allowed = ", ".join(shape.enum[:10]) + (f", ... ({len(shape.enum)} in all)" if len(shape.enum) > 10 else "")
        yield Problem(path, f"{_show(shape, value)} is not an allowed value of {shape.name} ({allowed})")
    pattern = shape.metadata.get("pattern")
    compiled = _compile(pattern) if pattern is not None else None
    if compiled is not None and compiled.fullmatch(value) is None:
        yield Problem(path, f"{_show(shape, value)} does not match pattern {pattern!r}")


def _check_integer(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        yield _wrong_type(path, "an int", value)
        return
    yield from _check_bounds(shape, value, path, "value")


def _check_float(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        yield _wrong_type(path, "a number", value)
        return
    yield from _check_bounds(shape, value, path, "value")


def _check_boolean(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if not isinstance(value, bool):
        yield _wrong_type(path, "a bool", value)


def _check_blob(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if isinstance(value, str):
        yield from _check_bounds(shape, len(value.encode()), path, "length")
    elif isinstance(value, bytes | bytearray):
        yield from _check_bounds(shape, len(value), path, "length")
    elif not hasattr(value, "read"):
        yield _wrong_type(path, "bytes, str or a file-like object", value)


def _check_timestamp(shape: Shape, value: Any, path: str) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, datetime.datetime | str | int | float):
        yield _wrong_type(path, "a datetime, timestamp string or epoch number", value)


_CHECKERS: dict[str, Callable[[Shape, Any, str], Iterator[Problem]]] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "float": _check_float,
    "double": _check_float,
    "boolean": _check_boolean,
    "blob": _check_blob,
    "timestamp": _check_timestamp,
}


def _check_bounds(shape: Shape, measured: Any, path: str, what: str) -> Iterator[Problem]:
    """Check model ``min``/``max``: a length or size for strings, blobs, lists and maps; a value for numbers."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measured < low:
        yield Problem(path, f"{what} {measured} is below min {low}")
    if high is not None and measured > high:
        yield Problem(path, f"{what} {measured} is above max {high}")


def _wrong_type(path: str, expected: str, value: Any) -> Problem:
    return Problem(path, f"expected {expected}, got {type(value).__name__}")


def _show(shape: Shape, value: str) -> str:
    if shape.metadata.get("sensitive"):
        return "<sensitive value>"
    if len(value) > _PREVIEW_CHARS:
        return repr(value[:_PREVIEW_CHARS]) + f"... ({len(value)} chars)"
    return repr(value)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
