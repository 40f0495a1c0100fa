"""An unknown key names the keys allowed where it stands, also inside a list item or a mapping's value."""

from __future__ import annotations

from pathlib import Path

from lmi_core.loader import load_file
from tests.conftest import MINIMAL_COMPONENT

COMPONENT = (
    MINIMAL_COMPONENT
    + """\
adapters:
  - {name: a1, artifact: "s3://my-models/a1.tar.gz", artefact: x}
"""
)


def test_an_unknown_key_in_a_list_item_names_the_item_s_keys(tmp_path: Path) -> None:
    path = tmp_path / "c1.yaml"
    path.write_text(COMPONENT)
    _, issues = load_file(path)
    assert [str(issue).removeprefix(f"{path}:") for issue in issues if issue.severity == "error"] == [
        "10: adapters.0.artefact: unknown key (did you mean 'artifact'?) (allowed: name, artifact)"
    ]
