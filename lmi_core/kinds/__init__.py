"""The kind registry: the one list of kinds. The loader, the stacks, the report and invoke read it.

Adding a kind: write lmi_core/kinds/<kind>.py (config, checks, `KIND`) and stacks/kinds/<kind>.py
(`build`), then add its module to `_MODULES` below (README, "Add a kind").
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from lmi_core.config import ConfigBase
from lmi_core.kinds import asynchronous, batch, component, endpoint, realtime, serverless
from lmi_core.kinds.kind import Invocation, Kind, Placement

_MODULES = (realtime, serverless, asynchronous, batch, endpoint, component)

KINDS: dict[str, Kind] = {module.KIND.name: module.KIND for module in _MODULES}

# The discriminated union of every kind's config, for pydantic and the JSON Schema.
ANY_CONFIG: Any = Annotated[Union[tuple(kind.config for kind in KINDS.values())], Field(discriminator="kind")]
CONFIG_ADAPTER: TypeAdapter[ConfigBase] = TypeAdapter(ANY_CONFIG)


def kind_of(config: ConfigBase) -> Kind:
    return KINDS[config.kind]


def kinds_with_field(name: str) -> list[str]:
    """Kinds whose config has this top-level field (by YAML name), in registry order."""
    return [
        kind.name
        for kind in KINDS.values()
        if any(name in (field_name, field.alias) for field_name, field in kind.config.model_fields.items())
    ]


__all__ = ["ANY_CONFIG", "CONFIG_ADAPTER", "KINDS", "Invocation", "Kind", "Placement", "kind_of", "kinds_with_field"]
