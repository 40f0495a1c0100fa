"""JSON Schema of the model YAML, for editors (yaml-language-server) and review.

`python -m lmi_cli.schema > schema/model-config.schema.json`; a test fails when
the committed file is stale.
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter

from lmi_core.kinds import any_config
from lmi_core.loader.stages import FIXED_KEYS, STAGES_KEY
from lmi_core.settings import STAGE_PATTERN


def stages_schema(config_ref: str) -> dict[str, object]:
    """`stages:` is merged before pydantic sees the file (lmi_core.loader.stages): described here by hand."""
    return {
        "type": "object",
        "description": "Per-stage overrides, deep-merged into this file when synthesized with -c stage=NAME: "
        "mappings merge key by key, lists and scalars replace, null removes. Stage names come from the cdk.json "
        "context `stages` (default dev,prod); name and kind are the same in every stage.",
        "propertyNames": {"pattern": f"^{STAGE_PATTERN.pattern}$"},
        "additionalProperties": {
            "type": "object",
            "description": f"Fields of {config_ref.rsplit('/', 1)[-1]} that differ in this stage.",
            "not": {"anyOf": [{"required": [key]} for key in FIXED_KEYS]},
        },
    }


def model_config_schema() -> dict[str, object]:
    schema = TypeAdapter(any_config()).json_schema(by_alias=True, mode="validation")
    for ref in schema["discriminator"]["mapping"].values():
        definition = schema["$defs"][ref.rsplit("/", 1)[-1]]
        definition["properties"][STAGES_KEY] = stages_schema(ref)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "LMI model config (v1)",
        "description": "One YAML file per model in model_configs/. See README.md.",
        **schema,
    }


def render() -> str:
    return json.dumps(model_config_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
