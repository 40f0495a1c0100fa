"""The examples' built-in template validation runs in exactly one process of a test session."""

from __future__ import annotations

import os

import pytest

from tests.conftest import first_to_claim


def test_one_worker_claims_and_without_xdist_the_one_process_does(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    what = f"probe-{os.getpid()}-{id(tmp_path_factory)}"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw7")
    try:
        assert first_to_claim(tmp_path_factory, what) is True
        assert first_to_claim(tmp_path_factory, what) is False  # the other worker (same session directory)
    finally:
        (tmp_path_factory.getbasetemp().parent / f"claimed-{what}").unlink()
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert first_to_claim(tmp_path_factory, what) is True
    assert first_to_claim(tmp_path_factory, what) is True
