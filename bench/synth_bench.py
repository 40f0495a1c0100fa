#!/usr/bin/env python3
"""Synth time and peak memory for 1, 10 and 50 generated model configs.

Each size runs `python app.py` in a fresh process, as `cdk synth` does, and samples
the resident memory of that process tree (Python + the jsii Node runtime) every 20 ms.

    .venv/bin/python bench/synth_bench.py [--sizes 1 10 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = (REPO / "examples" / "llama3-8b-chat.yaml").read_text()
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def app_run(configs: Path, outdir: Path) -> tuple[list[str], dict[str, str]]:
    """`python app.py` as `cdk synth` runs it (cdk.json's app): context in CDK_CONTEXT_JSON, output in CDK_OUTDIR."""
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    context["model_configs"] = str(configs)
    return [sys.executable, "app.py"], {"CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from each task's /proc children list (no scan of all of /proc)."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def tree_rss_kib(root: int) -> int:
    """Sum of the resident memory of `root` and its descendants, in KiB."""
    total = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            continue
    return total


@dataclass(frozen=True)
class Sampled:
    """One fresh process, watched until it exits."""

    wall_s: float
    cpu_s: float  # the process and the children it reaped (Node, for a synth), from wait4
    peak_rss_kib: int  # the largest sum of RSS over its process tree, sampled
    max_rss_kib: int  # the largest single reaped process (wait4's ru_maxrss)
    returncode: int
    stderr: str


def sample(command: list[str], env: dict[str, str], *, interval: float = 0.02, timeout: float | None = None) -> Sampled:
    """Run `command` from the repository, sampling its process tree's memory every `interval` seconds (killed after
    `timeout`); stdout is dropped."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, tree_rss_kib(process.pid))
            if timeout is not None and time.perf_counter() - start > timeout:
                os.kill(process.pid, signal.SIGKILL)
            time.sleep(interval)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Sampled(wall, usage.ru_utime + usage.ru_stime, peak, usage.ru_maxrss, process.returncode, stderr)


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
    argv, context_env = app_run(configs, outdir)
    env = {**os.environ, **context_env, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    run = sample(argv, env)
    if run.returncode != 0:
        raise SystemExit(f"synth of {count} configs failed:\n{run.stderr[-2000:]}")
    return {"wall_s": run.wall_s, "peak_rss_mib": run.peak_rss_kib / 1024}


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
