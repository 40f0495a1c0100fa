#!/usr/bin/env python3
"""How long `make validate` takes for N model files, against a bare interpreter start (goal: at most 10x).

Times the whole command in a fresh process, each run paired with `python -c pass` (the bare start) just
before it, both ways:
- cold: `--no-cache`, every run validates afresh (interpreter start, imports, parse, checks);
- warm: nothing changed since the last run, so the result cache (.cache/validate/) replays its output.
Separately, `load_configs()` alone in this process. Bytecode of lmi_core/ and lmi_cli/ is written once
before timing (even under PYTHONDONTWRITEBYTECODE), as on any machine that ran the tools before.

    .venv/bin/python bench/validate_bench.py [--files 50] [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
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

# The least any pydantic validation costs in a fresh process (goal 3 asks for at most 10x a bare start).
FLOOR = "import pydantic, yaml\nclass M(pydantic.BaseModel):\n    a: int\nM(a=1)"


def own_buckets(text: str) -> str:
    return text.replace("s3://my-", "s3://acme-")


def make_configs(directory: Path, count: int) -> None:
    """`count` valid files: every example once (components and their endpoint as they are), then renamed
    copies of the examples that no other file refers to, each under S3 prefixes of its own (two models may
    not share an output); a team's own buckets instead of the examples' placeholders, which `make validate`
    (every stage) rejects outside dev."""
    shutil.copytree(REPO / "examples" / "code", directory / "code")  # `code:` directories of the examples
    examples = sorted((REPO / "examples").glob("*.yaml"))
    standalone = [p for p in examples if not re.search(r"^kind: (component|endpoint)$", p.read_text(), re.M)]
    for index in range(count):
        if index < len(examples):
            (directory / f"m{index:03d}.yaml").write_text(own_buckets(examples[index].read_text()))
            continue
        text = standalone[index % len(standalone)].read_text()
        name = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("name:"))
        text = re.sub(r"s3://([a-z0-9.-]+)/", rf"s3://\1/bench-{index:03d}/", text)
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
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

        def timed(arguments: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run(arguments, cwd=REPO, check=True, capture_output=True, env=environment)
            return time.perf_counter() - start

        timed([*command, "--no-cache"])  # writes the bytecode
        timed(command)  # stores the result the warm runs replay
        runs: dict[str, tuple[list[float], list[float]]] = {"cold": ([], []), "warm": ([], []), "floor": ([], [])}
        commands = {"cold": [*command, "--no-cache"], "warm": command, "floor": [sys.executable, "-c", FLOOR]}
        for _ in range(args.repeat):  # alternating: the bare start, then the measured command
            for name, (bare, walls) in runs.items():
                bare.append(timed([sys.executable, "-c", "pass"]))
                walls.append(timed(commands[name]))
        loads = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            load_configs([directory])
            loads.append(time.perf_counter() - start)
    print(f"# validate benchmark: {args.files} files, {args.repeat} runs\n")
    print("| measure | median s | min s | max s |\n|---|---:|---:|---:|")
    rows = [
        ("`python -m lmi_cli.validate --no-cache` (cold, fresh process)", runs["cold"][1]),
        ("`python -m lmi_cli.validate` (warm: result cache hit)", runs["warm"][1]),
        ("`load_configs()` only", loads),
        ("floor: import pydantic and yaml, validate one one-field model", runs["floor"][1]),
        ("`python -c pass` (bare start)", runs["cold"][0] + runs["warm"][0]),
    ]
    for label, values in rows:
        print(f"| {label} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |")
    print()
    for name, (bare, walls) in runs.items():
        ratios = [wall / start for wall, start in zip(walls, bare, strict=True)]
        what = "pydantic floor" if name == "floor" else f"validate {name}"
        print(f"{what} / bare start: {statistics.median(ratios):.1f}x (median of {args.repeat} pairs)")


if __name__ == "__main__":
    main()
