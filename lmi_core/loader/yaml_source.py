"""Read one YAML file once: the data, and the line of every key (for `file:line:` messages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lmi_core.issues import Finding, error

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def line(self, path: Iterable[Any]) -> int:
        """The line of a key path, else of its nearest known ancestor, else 1."""
        key = tuple(path)
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 1)


def read_yaml(path: Path) -> tuple[YamlDocument | None, list[tuple[int, Finding]]]:
    """(document or None, [(line, finding)]): parsed once, composed to nodes, then constructed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [(0, error("", f"cannot be read: {exc}"))]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [(mark.line + 1 if mark else 0, error("", f"is not valid YAML: {problem}"))]
    finally:
        loader.dispose()
    if root is None or not isinstance(data, dict):
        return None, [(1, error("", "must be a YAML mapping with name, kind, model, container, ..."))]
    document = YamlDocument(data)
    problems: list[tuple[int, Finding]] = []
    _walk(root, (), document.lines, problems)
    return document, problems


def _walk(
    node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int], problems: list[tuple[int, Finding]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append((line, error(".".join(map(str, child)), "duplicate key (each key may appear once)")))
            seen.add(key)
            lines[child] = line
            _walk(value_node, child, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, problems)
