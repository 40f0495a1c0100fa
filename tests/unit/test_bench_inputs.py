"""The benchmarks' generated model files stay valid as the rules grow (a refused file makes a benchmark crash)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from lmi_core.loader import load_configs, load_stages

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_validate_bench_files_are_valid_in_every_stage(tmp_path: Path) -> None:
    """Every example plus renamed copies (two rounds of the standalone examples), as `make validate` reads them."""
    files = 40
    bench_module("validate_bench").make_configs(tmp_path, files)
    by_stage = load_stages([tmp_path])
    assert by_stage and all(len(loaded) == files for loaded in by_stage.values())


def test_synth_bench_files_are_valid_in_the_default_stage(tmp_path: Path) -> None:
    """Copies of the chat example with its placeholder bucket, which the default stage (dev) allows."""
    configs = bench_module("synth_bench").write_configs(tmp_path, 3)
    loaded = load_configs([configs])
    assert sorted(loaded_config.config.name for loaded_config in loaded) == [
        f"bench-model-{index:03d}" for index in range(3)
    ]
