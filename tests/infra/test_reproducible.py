"""Two synths of the same configs give byte-identical templates and asset files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, Synth, synth


def digest_tree(outdir: Path) -> dict[str, str]:
    """sha256 per file; tree.json (opt-in, `-c tree_metadata=true`) and its manifest entry left out."""
    digests = {}
    for path in sorted(outdir.rglob("*")):
        if not path.is_file() or path.name == "tree.json":
            continue
        data = path.read_bytes()
        if path.name == "manifest.json":
            manifest = json.loads(data)
            manifest["artifacts"].pop("Tree", None)
            data = json.dumps(manifest, sort_keys=True).encode()
        digests[str(path.relative_to(outdir))] = hashlib.sha256(data).hexdigest()
    return digests


@pytest.mark.slow
def test_two_synths_are_byte_identical(examples: Synth, tmp_path: Path) -> None:
    again = synth(EXAMPLES, tmp_path / "again", tree_metadata="true")  # the opt-in changes nothing else
    assert not (examples.outdir / "tree.json").exists()
    assert (again.outdir / "tree.json").exists()
    first, second = digest_tree(examples.outdir), digest_tree(again.outdir)
    assert first.keys() == second.keys()
    assert first == second
    assert any(name.endswith(".tar.gz") for name in first)


def test_checkouts_keep_lf_line_endings_for_everything_hashed() -> None:
    """`code:` bundles and the Lambda asset are hashed byte for byte: a CRLF checkout (autocrlf) would change them."""
    import subprocess

    from tests.conftest import REPO

    paths = ["examples/code/chat-formatter/model.py", "lambda/aot_preparation/handler.py", "lmi_core/naming.py"]
    result = subprocess.run(
        ["git", "check-attr", "eol", "--", *paths], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [f"{path}: eol: lf" for path in paths]
