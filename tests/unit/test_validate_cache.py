"""`validate`'s result cache: a clean result is replayed exactly while nothing it read changed; anything else
validates afresh."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lmi_cli import validate, validate_cache
from tests.conftest import EXAMPLES, MINIMAL, REPO, fixture_python

Run = Callable[..., tuple[int, str, str, bool]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """main(args) -> (exit code, stdout, stderr, whether it validated afresh)."""
    fresh = validate._validate

    def run(*args: str) -> tuple[int, str, str, bool]:
        calls: list[object] = []

        def counted(*a: Any, **k: Any) -> Any:
            calls.append(a)
            return fresh(*a, **k)

        monkeypatch.setattr(validate, "_validate", counted)
        code = validate.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err, bool(calls)

    return run


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def test_a_clean_result_is_replayed_exactly(
    run: Run, config_dir: Callable[[dict[str, str]], Path], validate_cache_dir: Path
) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    first = run(str(directory))
    second = run(str(directory))
    assert first[3] and not second[3]
    assert first[:3] == second[:3]
    assert first[0] == 0 and "warning: data_capture: is off in stage prod" in first[2]  # warnings replay too
    assert len(entries(validate_cache_dir)) == 1


def test_replay_imports_no_pydantic(tmp_path: Path, validate_cache_dir: Path, fixture_cdk_json: Path) -> None:
    directory = tmp_path / "configs"
    directory.mkdir()
    (directory / "m.yaml").write_text(MINIMAL)
    code = (
        "import sys; from lmi_cli import validate, validate_cache; validate_cache.CACHE_DIR = sys.argv[2]; "
        "code = validate.main([sys.argv[1]]); print(code, 'pydantic' in sys.modules, 'yaml' in sys.modules)"
    )
    command = fixture_python(fixture_cdk_json, code, str(directory), str(validate_cache_dir))
    fresh, replayed = (subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True) for _ in "ab")
    assert fresh.stdout.splitlines()[-1] == "0 True True"
    assert replayed.stdout.splitlines()[-1] == "0 False False"
    assert replayed.stderr == fresh.stderr and replayed.stdout.splitlines()[:-1] == fresh.stdout.splitlines()[:-1]


def test_a_changed_file_misses(run: Run, config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    run(str(directory))
    (directory / "m.yaml").write_text(MINIMAL.replace("count: 1", "count: 2"))
    assert run(str(directory))[3]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: (d / "n.yaml").write_text(MINIMAL.replace("name: m1", "name: n1")),  # a new file
        lambda d: (d / "m.yaml").rename(d / "renamed.yaml"),
        lambda d: (d / "sub").mkdir() or (d / "sub" / "nested.yaml").write_text(MINIMAL),  # validation rejects it
    ],
    ids=["new-file", "renamed-file", "nested-file"],
)
def test_a_changed_directory_misses(
    run: Run, config_dir: Callable[[dict[str, str]], Path], change: Callable[[Path], object]
) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    run(str(directory))
    change(directory)
    assert run(str(directory))[3]


@pytest.mark.parametrize("flags", [["--stage", "prod"], ["--stage", "dev"], ["--strict"]])
def test_a_changed_flag_misses(run: Run, config_dir: Callable[[dict[str, str]], Path], flags: list[str]) -> None:
    directory = config_dir({"m.yaml": MINIMAL.replace("name: m1", "name: m1\ndata_capture: {}")})
    assert run(str(directory))[3]
    assert run(str(directory), *flags)[3]
    assert not run(str(directory), *flags)[3]


def test_a_changed_source_file_misses(
    run: Run, config_dir: Callable[[dict[str, str]], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPO / "lmi_cli", source, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(validate_cache, "SOURCE_DIRS", [str(source)])
    directory = config_dir({"m.yaml": MINIMAL})
    run(str(directory))
    assert not run(str(directory))[3]
    (source / "validate.py").write_text((source / "validate.py").read_text() + "\n# changed\n")
    assert run(str(directory))[3]


def test_a_changed_code_directory_misses(run: Run, tmp_path: Path) -> None:
    """`code:` may name a directory outside the paths given; the entry rechecks it."""
    shutil.copytree(EXAMPLES / "code", tmp_path / "code")
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "chat.yaml").write_text(
        (EXAMPLES / "llama3-8b-chat.yaml").read_text().replace("code: code/", "code: ../code/")
    )
    file = str(configs / "chat.yaml")
    assert run(file, "--stage", "dev")[0] == 0
    assert not run(file, "--stage", "dev")[3]
    (tmp_path / "code" / "chat-formatter" / "model.py").write_text("def handle(inputs):\n    return None\n")
    assert run(file, "--stage", "dev")[3]


def test_a_failing_result_is_never_stored(
    run: Run, config_dir: Callable[[dict[str, str]], Path], validate_cache_dir: Path
) -> None:
    directory = config_dir({"m.yaml": MINIMAL.replace("count: 1", "count: 0")})
    assert run(str(directory))[0] == 1
    assert entries(validate_cache_dir) == []
    assert run(str(directory))[3]


def test_a_corrupted_entry_is_ignored_and_replaced(
    run: Run, config_dir: Callable[[dict[str, str]], Path], validate_cache_dir: Path
) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    first = run(str(directory))
    (entry,) = entries(validate_cache_dir)
    for garbage in ("{not json", '{"version": 1}', '["a list"]', ""):
        entry.write_text(garbage)
        again = run(str(directory))
        assert again[3] and again[:3] == first[:3]
    assert not run(str(directory))[3]


def test_no_cache_neither_reads_nor_writes(
    run: Run, config_dir: Callable[[dict[str, str]], Path], validate_cache_dir: Path
) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    assert run(str(directory), "--no-cache")[3]
    assert entries(validate_cache_dir) == []
    run(str(directory))
    assert run(str(directory), "--no-cache")[3]


def test_a_symlink_in_the_inputs_is_not_cached(
    run: Run, config_dir: Callable[[dict[str, str]], Path], validate_cache_dir: Path, tmp_path: Path
) -> None:
    """What a link points at may change behind it: such inputs are validated every time. (A config file that is a
    link is an error: tests/unit/test_discovery.py.)"""
    (tmp_path / "elsewhere.md").write_text("notes\n")
    directory = config_dir({"m.yaml": MINIMAL})
    (directory / "notes.md").symlink_to(tmp_path / "elsewhere.md")
    assert run(str(directory))[0] == 0
    assert entries(validate_cache_dir) == []


def test_an_oversized_file_is_neither_read_nor_cached(
    run: Run, config_dir: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch, validate_cache_dir: Path
) -> None:
    """A file larger than any valid input (a 1 GiB sparse file, say) would cost seconds to hash: the run is not
    cached and the file is never read for the key; validation itself still runs, each time."""
    directory = config_dir({"m.yaml": MINIMAL})
    big = directory / "weights.bin"
    with big.open("wb") as handle:
        handle.truncate(validate_cache.MAX_FILE_BYTES + 1)  # sparse: no disk space used
    hashed: list[str] = []
    file_digest = validate_cache.hashlib.file_digest

    def recorded(file: Any, digest: str) -> Any:
        hashed.append(file.name)
        return file_digest(file, digest)

    monkeypatch.setattr(validate_cache.hashlib, "file_digest", recorded)
    assert validate_cache.key([str(directory)], None, False) is None
    assert str(big) not in hashed and str(directory / "m.yaml") in hashed
    first, second = run(str(directory)), run(str(directory))
    assert first[3] and second[3] and first[:3] == second[:3]
    assert entries(validate_cache_dir) == []
