#!/usr/bin/env python3
"""How long `make validate` takes for N model files, against a bare interpreter start (goal: at most 10x).

Times the whole command in a fresh process (interpreter start, imports, parse, checks), alternating with
`python -c pass` (the bare start), and, separately, `load_configs()` alone in this process.

    .venv/bin/python bench/validate_bench.py [--files 50] [--repeat 10]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lmi_core.loader import load_configs  # noqa: E402


def own_buckets(text: str) -> str:
    return text.replace("s3://my-", "s3://acme-")


def make_configs(directory: Path, count: int) -> None:
    """`count` valid files: every example once (components and their endpoint as they are), then renamed
    copies of the examples that no other file refers to; a team's own buckets instead of the examples'
    placeholders, which `make validate` (every stage) rejects outside dev."""
    shutil.copytree(REPO / "examples" / "code", directory / "code")  # `code:` directories of the examples
    examples = sorted((REPO / "examples").glob("*.yaml"))
    standalone = [p for p in examples if not re.search(r"^kind: (component|endpoint)$", p.read_text(), re.M)]
    for index in range(count):
        if index < len(examples):
            (directory / f"m{index:03d}.yaml").write_text(own_buckets(examples[index].read_text()))
            continue
        text = standalone[index % len(standalone)].read_text()
        name = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("name:"))
        (directory / f"m{index:03d}.yaml").write_text(
            own_buckets(text.replace(f"name: {name}", f"name: bench-{index:03d}"))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        make_configs(directory, args.files)
        command = [sys.executable, "-m", "lmi_cli.validate", str(directory)]
        walls, bare = [], []
        for _ in range(args.repeat):  # alternating: the bare start, then validate
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], cwd=REPO, check=True)
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        loads = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            load_configs([directory])
            loads.append(time.perf_counter() - start)
    print(f"# validate benchmark: {args.files} files, {args.repeat} runs\n")
    print("| measure | median s | min s | max s |\n|---|---:|---:|---:|")
    print(
        f"| `python -m lmi_cli.validate` (fresh process) | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f} |"
    )
    print(f"| `load_configs()` only | {statistics.median(loads):.3f} | {min(loads):.3f} | {max(loads):.3f} |")
    print(f"| `python -c pass` (bare start) | {statistics.median(bare):.3f} | {min(bare):.3f} | {max(bare):.3f} |")
    ratios = [wall / start for wall, start in zip(walls, bare, strict=True)]
    print(f"\nvalidate / bare start: {statistics.median(ratios):.1f}x (median of {args.repeat} pairs)")


if __name__ == "__main__":
    main()
