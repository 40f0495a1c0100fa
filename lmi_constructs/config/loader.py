"""Read every model YAML of a directory, validate it, and report all problems at once."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from lmi_constructs.config.code import CodeBundle, check_code
from lmi_constructs.config.issues import ConfigError, Issue, did_you_mean
from lmi_constructs.config.models import KIND_MODELS, AnyModel, ModelConfig
from lmi_constructs.config.rules import check_model, check_project, check_serving

_ADAPTER: TypeAdapter[AnyModel] = TypeAdapter(ModelConfig)
# Blocks a kind cannot have, with the reason (a plain "unknown key" would not say why).
WHY_NOT = {
    (
        "serverless",
        "instance",
    ): "serverless endpoints have no instances to choose (set memory_mb and max_concurrency in serverless:)",
    ("serverless", "data_capture"): "serverless endpoints do not support data capture (use kind realtime or async)",
    ("serverless", "vpc"): "serverless endpoints cannot run in a VPC (use kind realtime or async)",
}
KIND_ONLY_BLOCKS = {
    "instance": "realtime, async, batch",
    "serverless": "serverless",
    "async": "async",
    "batch": "batch",
}


@dataclass(frozen=True)
class LoadedConfig:
    path: Path  # as given (relative paths stay relative: messages and synth stay machine-independent)
    model: AnyModel
    warnings: tuple[Issue, ...] = ()
    code: CodeBundle | None = None


# ---------------------------------------------------------------- YAML with line numbers


class _LineMap:
    """Maps a field path (('instance', 'type')) to the 1-based line of its key in the file."""

    def __init__(self) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}

    def line(self, path: Iterable[Any]) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _walk(
    node: yaml.Node,
    path: tuple[Any, ...],
    lines: _LineMap,
    duplicates: list[tuple[tuple[Any, ...], int]],
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            lines.lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, duplicates)


def _parse(path: Path, issues: list[Issue]) -> tuple[Any, _LineMap] | None:
    lines = _LineMap()
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(Issue(str(path), 0, "", f"cannot be read: {exc}"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        issues.append(
            Issue(
                str(path),
                mark.line + 1 if mark else 0,
                "",
                f"is not valid YAML: {problem}",
            )
        )
        return None
    if root is None or not isinstance(data, dict):
        issues.append(
            Issue(
                str(path),
                1,
                "",
                "must be a YAML mapping with name, kind, model, container, ...",
            )
        )
        return None
    duplicates: list[tuple[tuple[Any, ...], int]] = []
    _walk(root, (), lines, duplicates)
    for key_path, line in duplicates:
        issues.append(
            Issue(
                str(path),
                line,
                _dotted(key_path),
                "duplicate key (each key may appear once)",
            )
        )
    return data, lines


# ---------------------------------------------------------------- pydantic errors -> issues


def _dotted(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path)


def _model_at(model: type[BaseModel] | None, path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found by following field names (or aliases) along path."""
    for part in path:
        if model is None:
            return None
        field = next(
            (f for name, f in model.model_fields.items() if part in (name, f.alias)),
            None,
        )
        if field is None:
            return None
        model = _first_model(field.annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _first_model(arg)
            if found is not None:
                return found
    return None


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _message(error: Any, kind: str | None, loc: tuple[Any, ...]) -> str:
    kind_model = KIND_MODELS.get(kind or "")
    error_type = error["type"]
    if error_type == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(kind_model, loc[:-1])
        if len(loc) == 1 and (kind or "", key) in WHY_NOT:
            return WHY_NOT[(kind or "", key)]
        if len(loc) == 1 and key in KIND_ONLY_BLOCKS:
            return f"block is only allowed for kind {KIND_ONLY_BLOCKS[key]}, not for kind {kind}"
        if parent is None:
            return "unknown key"
        allowed = _allowed_keys(parent)
        return f"unknown key{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})"
    if error_type == "missing":
        return "is required"
    if error_type == "union_tag_not_found":
        return "is required (allowed: realtime, serverless, async, batch)"
    if error_type == "union_tag_invalid":
        given = str(error["ctx"].get("tag", ""))
        return (
            f"'{given}' is not a kind{did_you_mean(given, KIND_MODELS)} (allowed: realtime, serverless, async, batch)"
        )
    if error_type in (
        "greater_than_equal",
        "less_than_equal",
        "greater_than",
        "less_than",
        "multiple_of",
    ):
        return f"{error.get('input')!r} is out of range (allowed: {_allowed_range(kind_model, loc)})"
    if error_type == "string_too_long":
        return f"is {len(str(error.get('input')))} characters (allowed: at most {error['ctx']['max_length']})"
    if error_type == "string_too_short":
        return f"is too short (allowed: at least {error['ctx']['min_length']} characters)"
    if error_type == "string_pattern_mismatch" and loc == ("name",):
        return f"'{error.get('input')}' is not allowed (allowed: lowercase letters, digits and single hyphens, like llama3-8b-chat)"
    if error_type == "literal_error":
        return f"'{error.get('input')}' is not allowed (allowed: {error['ctx']['expected'].replace(' or ', ', ')})"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error_type in {
        "int_parsing",
        "int_type",
        "bool_parsing",
        "bool_type",
        "string_type",
        "dict_type",
        "list_type",
    }:
        message += f" (got {error.get('input')!r})"
    return message


def _allowed_range(kind_model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    parent = _model_at(kind_model, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent is not None else None
    metadata = field.metadata if field else []

    def bound(name: str) -> Any:
        return next((getattr(m, name) for m in metadata if hasattr(m, name)), None)

    def first(*names: str) -> Any:
        return next((value for value in map(bound, names) if value is not None), None)

    low, high, step = first("ge", "gt"), first("le", "lt"), bound("multiple_of")
    text = (
        f"{low}..{high}" if low is not None and high is not None else f">= {low}" if low is not None else f"<= {high}"
    )
    return f"{text}, a multiple of {step}" if step else text


def _validation_issues(file: str, exc: ValidationError, data: dict[str, Any], lines: _LineMap) -> list[Issue]:
    kind = data.get("kind") if isinstance(data.get("kind"), str) else None
    issues = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
            loc = ("kind",)
        elif loc and loc[0] == kind:  # discriminated union puts the tag first
            loc = loc[1:]
        loc = tuple(part for part in loc if not (isinstance(part, str) and part.startswith("function-")))
        issues.append(Issue(file, lines.line(loc), _dotted(loc), _message(error, kind, loc)))
    return issues


# ---------------------------------------------------------------- public API


def _field_path(field: str) -> tuple[str, ...]:
    """'serving.option.dtype' -> ('serving', 'option.dtype'): serving keys contain dots."""
    if field.startswith("serving."):
        return ("serving", field.removeprefix("serving."))
    return tuple(field.split(".")) if field else ()


def config_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_file(path: Path, stage: str = "dev") -> tuple[LoadedConfig | None, list[Issue]]:
    """Validate one file: (config or None, issues of this file)."""
    issues: list[Issue] = []
    parsed = _parse(path, issues)
    if parsed is None:
        return None, issues
    data, lines = parsed
    try:
        model = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        issues += _validation_issues(str(path), exc, data, lines)
        serving = data.get("serving")
        if isinstance(serving, dict):  # still report serving-key problems of a broken file
            passthrough = data.get("serving_passthrough")
            passthrough = [str(k) for k in passthrough] if isinstance(passthrough, list) else []
            for field, message, severity in check_serving({str(k): v for k, v in serving.items()}, passthrough):
                issues.append(
                    Issue(
                        str(path),
                        lines.line(("serving", field.removeprefix("serving."))),
                        field,
                        message,
                        severity,
                    )
                )
        return None, issues
    for field, message, severity in check_model(model, stage):
        issues.append(Issue(str(path), lines.line(_field_path(field)), field, message, severity))
    code = None
    if model.code is not None:
        code, code_problems = check_code(path, model.code, dict(model.serving), model.code_max_mb)
        issues.extend(Issue(str(path), lines.line(_field_path(f)), f, m) for f, m in code_problems)
    errors = [issue for issue in issues if issue.severity == "error"]
    warnings = tuple(issue for issue in issues if issue.severity == "warning")
    return (None if errors else LoadedConfig(path, model, warnings, code)), issues


def _raw_name(file: Path) -> list[str]:
    """The `name:` of a file even when the rest is broken, for the uniqueness check."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    name = data.get("name") if isinstance(data, dict) else None
    return [name] if isinstance(name, str) else []


def load_configs(paths: Iterable[Path], *, stage: str = "dev", strict: bool = False) -> list[LoadedConfig]:
    """Load model YAML files or directories of them; raise ConfigError with every problem found.

    `stage` enables stage rules (prod: data capture expected); `strict` makes warnings errors."""
    files: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            found = config_files(path)
            if not found:
                issues.append(Issue(str(path), 0, "", "holds no model configs (*.yaml)"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            issues.append(
                Issue(
                    str(path),
                    0,
                    "",
                    "does not exist (set the CDK context model_configs=DIR)",
                )
            )
    loaded: list[LoadedConfig] = []
    names: list[tuple[str, str]] = []
    for file in files:
        config, file_issues = load_file(file, stage)
        issues.extend(file_issues)
        if config is not None:
            loaded.append(config)
        names.extend((str(file), name) for name in _raw_name(file))
    for file_name, field, message in check_project(names):
        issues.append(Issue(file_name, 1, field, message))
    if strict:
        issues = [Issue(i.file, i.line, i.field, i.message, "error") for i in issues]
        loaded = [LoadedConfig(c.path, c.model, (), c.code) for c in loaded]
    errors = [issue for issue in issues if issue.severity == "error"]
    if errors:
        raise ConfigError(errors)
    return loaded
