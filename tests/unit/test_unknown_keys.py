"""An unknown key names the keys allowed where it stands, also inside a list item or a mapping's value."""

from __future__ import annotations

from pathlib import Path

from lmi_core.loader import load_file

COMPONENT = """\
name: c1
kind: component
endpoint: pool-g5-48xl
model: {id: "s3://my-models/llama/"}
container: {image: lmi, tag: 0.33.0-lmi15.0.0-cu128}
serving: {engine: Python, option.rolling_batch: vllm, option.tensor_parallel_degree: 1}
resources: {accelerators: 1, memory_mb: 16384}
copies: {min: 1, max: 2, initial: 1}
adapters:
  - {name: a1, artifact: "s3://my-models/a1.tar.gz", artefact: x}
"""


def test_an_unknown_key_in_a_list_item_names_the_item_s_keys(tmp_path: Path) -> None:
    path = tmp_path / "c1.yaml"
    path.write_text(COMPONENT)
    _, issues = load_file(path)
    assert [str(issue).removeprefix(f"{path}:") for issue in issues if issue.severity == "error"] == [
        "10: adapters.0.artefact: unknown key (did you mean 'artifact'?) (allowed: name, artifact)"
    ]
