"""The kind registry: the one list of kinds. The loader, the stacks, the report and invoke read it.

Adding a kind: write lmi_core/kinds/<kind>.py (config, checks, `KIND`) and stacks/kinds/<kind>.py
(`build`), then add its module to `_MODULES` below (README, "Add a kind").

A kind's module is imported when the kind is first looked up, so validating files of one kind neither
imports nor builds the others.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Union

from lmi_core.kinds.kind import Invocation, Kind, Placement, S3Use

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from lmi_core.config import ConfigBase

# kind name -> its module, in registry order (the order of messages, the schema and the report)
_MODULES = {
    "realtime": "lmi_core.kinds.realtime",
    "serverless": "lmi_core.kinds.serverless",
    "async": "lmi_core.kinds.asynchronous",
    "batch": "lmi_core.kinds.batch",
    "endpoint": "lmi_core.kinds.endpoint",
    "component": "lmi_core.kinds.component",
}


class _Registry(Mapping[str, Kind]):
    """Kind name -> Kind, importing the kind's module on first lookup."""

    def __getitem__(self, name: str) -> Kind:
        kind: Kind = importlib.import_module(_MODULES[name]).KIND
        return kind

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


KINDS: Mapping[str, Kind] = _Registry()


@functools.cache
def any_config() -> Any:
    """The discriminated union of every kind's config, for pydantic and the JSON Schema."""
    from pydantic import Field

    return Annotated[Union[tuple(kind.config for kind in KINDS.values())], Field(discriminator="kind")]


@functools.cache
def _union_adapter() -> TypeAdapter[ConfigBase]:
    from pydantic import TypeAdapter

    return TypeAdapter(any_config())


def validate_config(data: Any) -> ConfigBase:
    """The config of a file's data (pydantic.ValidationError when its shape is wrong). A known `kind`
    builds only that kind's validator; any other goes through the union, which says what kinds exist."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if isinstance(kind, str) and kind in _MODULES:
        return KINDS[kind].config.model_validate(data)
    return _union_adapter().validate_python(data)


def kind_of(config: ConfigBase) -> Kind:
    return KINDS[config.kind]


def kinds_with_field(name: str) -> list[str]:
    """Kinds whose config has this top-level field (by YAML name), in registry order."""
    return [
        kind.name
        for kind in KINDS.values()
        if any(name in (field_name, field.alias) for field_name, field in kind.config.model_fields.items())
    ]


__all__ = [
    "KINDS",
    "Invocation",
    "Kind",
    "Placement",
    "S3Use",
    "any_config",
    "kind_of",
    "kinds_with_field",
    "validate_config",
]
