"""How the test session is laid out: the examples' built-in template validation runs in exactly one process,
and the slow files named to go first exist."""

from __future__ import annotations

import os

import pytest

from tests.conftest import REPO, SLOW_FIRST, first_to_claim


def test_one_worker_claims_and_without_xdist_the_one_process_does(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    what = f"probe-{os.getpid()}-{id(tmp_path_factory)}"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw7")
    try:
        assert first_to_claim(tmp_path_factory, what) is True
        assert first_to_claim(tmp_path_factory, what) is False  # the other worker (same session directory)
    finally:
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
        (tmp_path_factory.getbasetemp().parent / f"claimed-{what}-{run}").unlink()
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert first_to_claim(tmp_path_factory, what) is True
    assert first_to_claim(tmp_path_factory, what) is True


def test_the_slow_files_named_to_go_first_exist() -> None:
    """A renamed file would silently drop out of SLOW_FIRST and run last."""
    assert [path for path in SLOW_FIRST if not (REPO / path).is_file()] == []
