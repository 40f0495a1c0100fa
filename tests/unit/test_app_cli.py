"""`python app.py` as `cdk synth` runs it: bad input gives one-line errors, exit 1, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, REPO, fixture_context


def run_app(config_dir: Path, outdir: Path) -> subprocess.CompletedProcess[str]:
    context = fixture_context()
    context["model_configs"] = str(config_dir)
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_bad_yaml_fails_cleanly_and_writes_nothing(
    config_dir: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    directory = config_dir(
        {
            "good.yaml": MINIMAL,
            "bad.yaml": MINIMAL.replace("name: m1", "name: m2").replace("count: 1", "count: 1, typo: 3"),
        }
    )
    outdir = tmp_path / "out"
    result = run_app(directory, outdir)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{directory}/bad.yaml:6: instance.typo: unknown key")
    assert lines[-1] == "1 error(s) in model configs; nothing was synthesized."
    assert not outdir.exists() or not any(outdir.iterdir())


def test_app_starts_jsii_on_the_venv_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """With an end-of-life Node first on PATH, jsii prints its warning as Python bytes (b'!!  Node 20 ...')."""
    import app

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    app.use_venv_node()
    venv_bin = Path(sys.executable).parent
    assert os.environ["PATH"].split(os.pathsep)[0] == str(venv_bin) and (venv_bin / "node").exists()
