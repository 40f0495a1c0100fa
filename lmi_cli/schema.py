"""JSON Schema of the model YAML, for editors (yaml-language-server) and review.

`python -m lmi_cli.schema > schema/model-config.schema.json`; a test fails when
the committed file is stale.
"""

from __future__ import annotations

import json

from pydantic import TypeAdapter

from lmi_core.kinds import ANY_CONFIG


def model_config_schema() -> dict[str, object]:
    schema = TypeAdapter(ANY_CONFIG).json_schema(by_alias=True, mode="validation")
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
