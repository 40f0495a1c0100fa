#!/usr/bin/env python3
"""Synth time and peak memory for 1, 10 and 50 generated model configs.

Each size runs `build_app(...).synth()` in a fresh process (as `cdk synth` does) and samples
the resident memory of that process tree (Python + the jsii Node runtime) every 20 ms.

    .venv/bin/python bench/synth_bench.py [--sizes 1 10 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = (REPO / "examples" / "llama3-8b-chat.yaml").read_text()
CHILD = """
import json, sys, time
start = time.perf_counter()
from app import build_app
context = json.load(open("cdk.json"))["context"]
context["model_configs"] = sys.argv[1]
app = build_app(context, outdir=sys.argv[2])
app.synth()
print(json.dumps({"synth_s": time.perf_counter() - start}))
"""


def tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over `root` and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    family, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in family:
                family.add(child)
                frontier.append(child)
    total = 0
    for pid in family:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def write_configs(workdir: Path, count: int) -> Path:
    """`count` copies of the real-time example (`bench-model-000`, ...) in `workdir/configs-<count>`."""
    configs = workdir / f"configs-{count}"
    configs.mkdir(parents=True, exist_ok=True)
    if not (configs / "code").exists():
        shutil.copytree(REPO / "examples" / "code", configs / "code")
    for index in range(count):
        (configs / f"m{index:03d}.yaml").write_text(
            TEMPLATE.replace("name: llama3-8b-chat", f"name: bench-model-{index:03d}")
        )
    return configs


def run_once(count: int, workdir: Path) -> dict[str, float]:
    configs = write_configs(workdir, count)
    outdir = workdir / f"out-{count}-{time.monotonic_ns()}"
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(configs), str(outdir)], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"synth of {count} configs failed:\n{stderr[-2000:]}")
    return {"wall_s": wall, "peak_rss_mib": peak / 1024, **json.loads(stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# synth benchmark ({os.cpu_count()} cores, median of {args.repeat})\n")
    print("| models | wall s (median) | wall s (min..max) | peak RSS MiB (max) |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            runs = [run_once(size, Path(tmp)) for _ in range(args.repeat)]
            walls = [r["wall_s"] for r in runs]
            print(
                f"| {size} | {statistics.median(walls):.1f} | {min(walls):.1f}..{max(walls):.1f} "
                f"| {max(r['peak_rss_mib'] for r in runs):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
