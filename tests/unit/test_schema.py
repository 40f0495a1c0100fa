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
