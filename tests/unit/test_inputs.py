"""The project digest the report compares to tell a stale cdk.out: what synth reads, not what editors leave."""

from __future__ import annotations

from pathlib import Path

from lmi_core.inputs import project_digest


def test_editor_leftovers_and_hidden_files_do_not_change_the_project_digest(tmp_path: Path) -> None:
    (tmp_path / "lmi_core").mkdir()
    (tmp_path / "lambda").mkdir()
    (tmp_path / "lmi_core" / "naming.py").write_text("PREFIX = 'lmi'\n")
    (tmp_path / "app.py").write_text("print()\n")
    before = project_digest(tmp_path)
    for name in ("lmi_core/naming.py~", "lmi_core/.DS_Store", "lambda/#handler.py#", "lmi_core/naming.py.orig"):
        (tmp_path / name).write_text("x")
    assert project_digest(tmp_path) == before
    (tmp_path / "lambda" / "handler.py").write_text("def on_event(): ...\n")
    assert project_digest(tmp_path) != before  # a source file does
