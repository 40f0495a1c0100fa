"""Misconfigurations seen in real deployments: each file in bad_configs/ is one incident (each directory
in bad_projects/ one across files: components and their endpoint), with the exact messages synth (and
`make validate`) must print for it in `# expect:` lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs, load_file

BAD = sorted((Path(__file__).parent / "bad_configs").glob("*.yaml"))


def expected_lines(path: Path) -> list[str]:
    return [
        line.removeprefix("# expect: ").rstrip()
        for line in path.read_text().splitlines()
        if line.startswith("# expect: ")
    ]


def test_catalog_has_at_least_30_incidents() -> None:
    assert len(BAD) >= 30


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_incident_gives_exact_messages(path: Path) -> None:
    expected = expected_lines(path)
    assert expected, f"{path.name} has no '# expect:' line"
    config, issues = load_file(path)
    assert config is None, f"{path.name} was accepted"
    actual = [str(i).removeprefix(f"{path}:").strip() for i in issues if i.severity == "error"]
    assert actual == expected
    for issue in issues:
        assert str(issue).startswith(f"{path}:")


def test_validate_reports_the_whole_directory_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    from lmi_cli.validate import main

    assert main([str(BAD[0].parent), "--stage", "dev"]) == 1
    err = capsys.readouterr().err.splitlines()
    total = sum(len(expected_lines(p)) for p in BAD)
    assert err[-1] == f"{total} error(s)"
    for path in BAD:
        for line in expected_lines(path):
            assert f"{path}:{line}" in err


# ---------------------------------------------------------------- projects: misconfigurations across files

PROJECTS = sorted(p for p in (Path(__file__).parent / "bad_projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("directory", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_incident_gives_exact_messages(directory: Path) -> None:
    """Components and their endpoint: each directory is one incident; each file lists its own messages."""
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    files = sorted(directory.glob("*.yaml"))
    assert any(expected_lines(path) for path in files), f"{directory.name} has no '# expect:' line"
    for path in files:
        actual = [f"{i.line}: {i.field}: {i.message}" for i in caught.value.issues if i.file == str(path)]
        assert actual == expected_lines(path), path.name
