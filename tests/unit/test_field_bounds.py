"""Every bound of the YAML schema on a field outside lists (numbers, maxLength, minItems and maxItems of lists of
strings or integers) refuses a value just past it, at that field: a bound dropped from the pydantic models fails
here, not only in the schema snapshot. Not covered: minLength, patterns, bounds inside list items or dict values,
and lists of blocks (adapters)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from lmi_core.loader import load_file
from tests.conftest import EXAMPLES, REPO

DEFS: dict[str, Any] = json.loads((REPO / "schema" / "model-config.schema.json").read_text())["$defs"]
BASES = {  # one example of each kind's config
    "RealtimeConfig": "llama3-8b-chat.yaml",
    "AsyncConfig": "llama3-8b-async.yaml",
    "BatchConfig": "qwen25-7b-batch.yaml",
    "ServerlessConfig": "smollm2-serverless.yaml",
    "ComponentConfig": "llama3-8b-ic.yaml",
    "ComponentEndpointConfig": "pool-g5-48xl.yaml",
}


def _past_bounds(spec: dict[str, Any]) -> Iterator[Any]:
    if "maxLength" in spec:
        yield "a" * (spec["maxLength"] + 1)
    if spec.get("type") == "array":
        item = {"string": "sg-0123456789abcdef0", "integer": 1}.get(spec.get("items", {}).get("type", ""))
        if item is not None and spec.get("minItems", 0) > 0:
            yield [item] * (spec["minItems"] - 1)
        if item is not None and "maxItems" in spec:
            yield [item] * (spec["maxItems"] + 1)
    step = spec.get("multipleOf", 1 if spec.get("type") == "integer" else 0.5)  # past the bound, on its step
    if "minimum" in spec:
        yield spec["minimum"] - step
    if "exclusiveMinimum" in spec:
        yield spec["exclusiveMinimum"]
    if "maximum" in spec:
        yield spec["maximum"] + step
    if "exclusiveMaximum" in spec:
        yield spec["exclusiveMaximum"]


def bounded(definition: str, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(field path, a value past one of its bounds) for each bounded field under a definition (not inside lists)."""
    for name, spec in DEFS[definition].get("properties", {}).items():
        for variant in (spec, *spec.get("anyOf", ())):
            if "$ref" in variant:
                yield from bounded(variant["$ref"].rsplit("/", 1)[-1], (*prefix, name))
            for value in _past_bounds(variant):
                yield (*prefix, name), value


CASES = [(config, path, value) for config in BASES for path, value in bounded(config)]


def test_the_schema_has_bounds_to_check() -> None:
    assert len(CASES) > 40


@pytest.mark.parametrize(("config", "path", "value"), CASES, ids=[f"{c}:{'.'.join(p)}={v}" for c, p, v in CASES])
def test_a_value_past_a_bound_is_refused_at_its_field(
    tmp_path: Path, config: str, path: tuple[str, ...], value: Any
) -> None:
    data = yaml.safe_load((EXAMPLES / BASES[config]).read_text())
    data.pop("code", None)  # a code: directory is relative to the examples
    node = data
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    file = tmp_path / "m.yaml"
    file.write_text(yaml.safe_dump(data))
    loaded, issues = load_file(file)
    assert loaded is None
    assert ".".join(path) in {issue.field for issue in issues if issue.severity == "error"}
