"""What checks answer (`Finding`) and what users read (`Issue`: `file:line: field: message`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem a check found: the dotted field path it concerns and a one-line message."""

    field: str
    message: str
    severity: Severity = "error"
    refuses_value: bool = False  # the value itself is refused: what later checks say of this field is noise


def error(field: str, message: str) -> Finding:
    return Finding(field, message, "error")


def warning(field: str, message: str) -> Finding:
    return Finding(field, message, "warning")


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    line: int  # 0 when unknown
    field: str  # dotted path, "" for the whole document
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{one_line(self.file)}:{self.line}" if self.line else one_line(self.file)
        field = f" {one_line(self.field)}:" if self.field else ""
        prefix = " warning:" if self.severity == "warning" else ""
        return f"{where}:{prefix}{field} {one_line(self.message)}"


def dotted(path: Iterable[Any]) -> str:
    """A key path as a field name: serving.option.dtype, adapters.0.name; an empty key shows as ""."""
    return ".".join('""' if part == "" else str(part) for part in path)


def shown(value: Any) -> str:
    """A value as the YAML file wrote it, for a message: true, null, 'text', 1.5, a list, a mapping."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
    return repr(value)


def shortened(text: str, limit: int = 40) -> str:
    """Text for a message, cut at `limit` characters: a 300-character path need not be echoed whole."""
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(value: Any, limit: int = 40) -> str:
    """A value for a message, text in quotes and cut at `limit` characters: 'Lin', null, true, a mapping."""
    if isinstance(value, str):
        return repr(shortened(value, limit))
    return shown(value)


def one_line(text: str) -> str:
    """Escape control characters (a YAML key may hold a newline): one issue, one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ConfigError(Exception):
    """Every error of every file, raised once after all files were read."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`" (did you mean 'x'?)"` or "" when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
