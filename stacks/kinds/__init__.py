"""Per-kind builders: config -> construct props -> constructs. Each kind's `Kind.builder` names its
`build(scope, loaded, shared)` here; it is imported only when a stack is built."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from constructs import Construct

from lmi_constructs.shared_resources import SharedServingResources
from lmi_core.kinds import kind_of
from lmi_core.loader import LoadedConfig
from stacks.kinds.common import ServingOutputs
from stacks.kinds.shared_refs import SharedRefs

Builder = Callable[[Construct, LoadedConfig, SharedRefs], ServingOutputs]


def builder(loaded: LoadedConfig) -> Builder:
    module_name, _, function = kind_of(loaded.config).builder.partition(":")
    found: Builder = getattr(importlib.import_module(module_name), function)
    return found


def build_serving(scope: Construct, loaded: LoadedConfig, shared: SharedServingResources) -> ServingOutputs:
    return builder(loaded)(scope, loaded, SharedRefs.of(scope, shared, loaded.name_stage))


__all__ = ["ServingOutputs", "build_serving"]
