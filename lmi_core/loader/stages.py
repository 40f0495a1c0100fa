"""Per-stage overrides in a model file: `stages: {prod: {instance: {count: 2}}}`, deep-merged into the
base document before validation, so the merged document is validated as a whole.

Merge rules: mappings merge key by key; any other value (a list, a scalar) replaces the base value;
`null` removes the key (e.g. `autoscaling: null` turns autoscaling off in that stage).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lmi_core.issues import Finding, error, quoted, shown
from lmi_core.loader.yaml_source import YamlDocument

STAGES_KEY = "stages"
FIXED_KEYS = ("name", "kind", STAGES_KEY)  # the same in every stage: they name the model and its shape


@dataclass(frozen=True)
class StagedDocument:
    """The document one stage sees, the key paths its override set, and what was wrong with `stages:`."""

    document: YamlDocument
    stage: str
    overridden: frozenset[tuple[Any, ...]]  # key paths (in the merged document) that the stage's override sets
    problems: tuple[tuple[tuple[Any, ...], Finding], ...]  # (key path in the file, finding)

    @property
    def has_override(self) -> bool:
        return bool(self.overridden)

    def override_field(self, key_path: Sequence[Any]) -> str | None:
        """`stages.<stage>.<path>` when the key path (or an ancestor) comes from the override, else None."""
        path = tuple(key_path)
        if any(path[:n] in self.overridden for n in range(1, len(path) + 1)):
            return ".".join(str(part) for part in (STAGES_KEY, self.stage, *path))
        return None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _set_paths(value: Mapping[str, Any], base: Any, prefix: tuple[Any, ...] = ()) -> set[tuple[Any, ...]]:
    """The key paths an override sets: a block the base lacks as a whole, else only its leaves."""
    paths: set[tuple[Any, ...]] = set()
    for key, item in value.items():
        path = (*prefix, key)
        below = base.get(key) if isinstance(base, Mapping) else None
        if isinstance(item, Mapping) and item and isinstance(below, Mapping):
            paths |= _set_paths(item, below, path)
        else:
            paths.add(path)
    return paths


def for_stage(document: YamlDocument, stage: str, stages: Sequence[str]) -> StagedDocument:
    """The merged document of `stage`; problems of the `stages:` block whatever the stage."""
    raw = document.data.get(STAGES_KEY)
    base = {key: value for key, value in document.data.items() if key != STAGES_KEY}
    base_lines = {path: line for path, line in document.lines.items() if path[:1] != (STAGES_KEY,)}
    problems: list[tuple[tuple[Any, ...], Finding]] = []
    if raw is None:
        return StagedDocument(YamlDocument(base, base_lines), stage, frozenset(), ())
    allowed = ", ".join(stages)
    if not isinstance(raw, dict):
        problems.append(((STAGES_KEY,), error(STAGES_KEY, f"must map stage names to overrides (allowed: {allowed})")))
        return StagedDocument(YamlDocument(base, base_lines), stage, frozenset(), tuple(problems))
    for name, override in raw.items():
        where = (STAGES_KEY, name)
        field = f"{STAGES_KEY}.{name}"
        if name not in stages:
            problems.append((where, error(field, f"{quoted(name)} is not a stage of this app (allowed: {allowed})")))
        elif not isinstance(override, dict):
            problems.append(
                (
                    where,
                    error(
                        field,
                        f"is {shown(override)} (allowed: a mapping of the fields that differ in this stage, "
                        "like instance: {count: 2})",
                    ),
                )
            )
        else:
            for key in FIXED_KEYS:
                if key in override:
                    problems.append(
                        (
                            (*where, key),
                            error(f"{field}.{key}", "is the same in every stage (allowed: any other field)"),
                        )
                    )
    override = raw.get(stage)
    if not isinstance(override, dict) or stage not in stages:
        return StagedDocument(YamlDocument(base, base_lines), stage, frozenset(), tuple(problems))
    override = {key: value for key, value in override.items() if key not in FIXED_KEYS}
    lines = dict(base_lines)
    prefix = (STAGES_KEY, stage)
    for path, line in document.lines.items():
        if path[:2] == prefix and len(path) > 2 and path[2] not in FIXED_KEYS:
            lines[path[2:]] = line
    merged = deep_merge(base, override)
    return StagedDocument(YamlDocument(merged, lines), stage, frozenset(_set_paths(override, base)), tuple(problems))
