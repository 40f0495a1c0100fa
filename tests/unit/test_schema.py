from __future__ import annotations

import json

from lmi_cli.schema import render
from lmi_core.kinds import KINDS
from tests.conftest import REPO


def test_committed_schema_is_current() -> None:
    committed = (REPO / "schema" / "model-config.schema.json").read_text()
    assert committed == render(), "schema is stale: run `make schema` and commit the result"


def test_schema_forbids_unknown_keys_and_knows_kinds() -> None:
    schema = json.loads(render())
    realtime = schema["$defs"]["RealtimeConfig"]
    assert realtime["additionalProperties"] is False
    assert set(schema["discriminator"]["mapping"]) == set(KINDS)


def test_schema_accepts_stages_and_secrets_and_rejects_a_fixed_key_per_stage() -> None:
    import jsonschema
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(render()))
    for example in ("qwen25-7b-staged.yaml", "llama31-8b-gated.yaml"):
        document = yaml.safe_load((REPO / "examples" / example).read_text())
        assert list(validator.iter_errors(document)) == [], example
    staged = yaml.safe_load((REPO / "examples" / "qwen25-7b-staged.yaml").read_text())
    for bad in ({"prod": {"name": "other"}}, {"Prod": {}}):
        assert list(validator.iter_errors({**staged, "stages": bad})) != []
