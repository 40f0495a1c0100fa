from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from lmi_core.issues import Issue
from lmi_core.loader import load_file
from tests.conftest import MINIMAL

DELETE = object()


def merged(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `patch` into a copy of `base`; a DELETE value removes the key."""
    result = copy.deepcopy(base)
    for key, value in patch.items():
        if value is DELETE:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a nested mapping, outer before inner."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths_of(value, (*prefix, key))
    return found


def issues_for(tmp_path: Path, patch: dict[str, Any], base: str = MINIMAL) -> list[Issue]:
    data = merged(yaml.safe_load(base), patch)
    path = tmp_path / f"{data.get('name', 'model')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    _, issues = load_file(path)
    return issues


def errors_for(tmp_path: Path, patch: dict[str, Any], base: str = MINIMAL) -> list[str]:
    return [f"{i.field}: {i.message}" for i in issues_for(tmp_path, patch, base) if i.severity == "error"]
