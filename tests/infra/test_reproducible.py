"""Two synths of the same configs give byte-identical templates and asset files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, Synth, synth


def digest_tree(outdir: Path) -> dict[str, str]:
    return {
        str(path.relative_to(outdir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(outdir.rglob("*"))
        if path.is_file() and path.name not in {"tree.json"}
    }


@pytest.mark.slow
def test_two_synths_are_byte_identical(examples: Synth, tmp_path: Path) -> None:
    again = synth(EXAMPLES, tmp_path / "again")
    first, second = digest_tree(examples.outdir), digest_tree(again.outdir)
    assert first.keys() == second.keys()
    assert first == second
    assert any(name.endswith(".tar.gz") for name in first)
