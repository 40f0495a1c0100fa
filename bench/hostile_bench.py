"""Every hostile case through both entry points, each in a fresh process: worst wall time and peak memory.

    python bench/hostile_bench.py        (make bench-hostile)

Cases: tests/catalog/bad_configs/*.yaml and the generated ones of tests/catalog/hostile_cases.py.
Entry points: `python -m lmi_cli.validate <path>` and `python app.py` as `cdk synth` runs it (the context names
the config; it must stop before importing aws_cdk). Peak memory is the largest sum of RSS over the process
tree, sampled every few milliseconds, and never below the kernel's own peak for the process (wait4).
Wall time on a shared machine is noisy: a run over the limit is repeated (up to 3 runs) and the fastest counts;
the CPU time (user + system) of that run is printed beside it.
Exits 1 when a case takes over 2 s or 500 MB, is not rejected with exit 1, prints a traceback, reaches the
catch-all, or writes to its output directory.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synth_bench import sample  # noqa: E402

from tests.catalog.hostile_cases import CASES  # noqa: E402

MAX_SECONDS = 2.0
MAX_MB = 500.0
TIMEOUT = 30.0
ATTEMPTS = 3
SAMPLE_SECONDS = 0.005


@dataclass(frozen=True)
class Run:
    case: str
    entry: str
    seconds: float
    cpu: float
    mb: float
    problem: str  # "" when the case was rejected as it must be


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak MB of the process tree, exit code, stderr) of one fresh process."""
    run = sample(command, env, interval=SAMPLE_SECONDS, timeout=TIMEOUT)
    peak_mb = max(run.peak_rss_kib, run.max_rss_kib) / 1024  # both KiB (ru_maxrss on Linux)
    return run.wall_s, run.cpu_s, peak_mb, run.returncode, run.stderr


def check(case: str, entry: str, command: list[str], env: dict[str, str], outdir: Path | None) -> Run:
    seconds, cpu, mb, code, stderr = measure(command, env)
    for _ in range(ATTEMPTS - 1):
        if seconds <= MAX_SECONDS:
            break
        again = measure(command, env)
        if again[0] < seconds:
            seconds, cpu, mb, code, stderr = again
    problems = []
    if code != 1:
        problems.append(f"exit {code}")
    if "Traceback" in stderr or "this is a bug" in stderr:
        problems.append("traceback or catch-all: " + stderr.strip().splitlines()[-1][:120])
    if outdir is not None and outdir.exists():
        problems.append(f"wrote {outdir}")
    if seconds > MAX_SECONDS:
        problems.append(f"{seconds:.2f} s")
    if mb > MAX_MB:
        problems.append(f"{mb:.0f} MB")
    return Run(case, entry, seconds, cpu, mb, "; ".join(problems))


def run_both(case: str, path: Path, scratch: Path) -> list[Run]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    # As `make validate` runs it: with the result cache, whose key reads the inputs (a failing run is never stored).
    command = [sys.executable, "-m", "lmi_cli.validate", str(path)]
    validate = check(case, "validate", command, env, None)
    outdir = scratch / "cdk.out"
    synth_env = {**env, "CDK_CONTEXT_JSON": json.dumps({"model_configs": str(path)}), "CDK_OUTDIR": str(outdir)}
    synth = check(case, "synth", [sys.executable, "app.py"], synth_env, outdir)
    return [validate, synth]


def main() -> int:
    runs: list[Run] = []
    catalog = sorted((REPO / "tests" / "catalog" / "bad_configs").glob("*.yaml"))
    with tempfile.TemporaryDirectory() as temp:
        for index, path in enumerate(catalog):
            scratch = Path(temp) / f"c{index}"
            scratch.mkdir()
            runs += run_both(path.name, path, scratch)
        for index, case in enumerate(CASES):
            project = Path(temp) / f"g{index}"
            project.mkdir()
            config = case.write(project)
            runs += run_both(case.name, config.parent, project)
    failed = [run for run in runs if run.problem]
    for run in failed:
        print(f"FAIL {run.entry:<8} {run.case}: {run.problem}")
    print(f"{len(catalog)} catalog files + {len(CASES)} generated cases, each through both entry points")
    print(f"{'entry point':<12} {'worst wall s':>12} {'its CPU s':>9}  {'case':<32} {'worst peak MB':>13}  case")
    for entry in ("validate", "synth"):
        mine = [run for run in runs if run.entry == entry]
        slow = max(mine, key=lambda run: run.seconds)
        large = max(mine, key=lambda run: run.mb)
        print(f"{entry:<12} {slow.seconds:12.3f} {slow.cpu:9.3f}  {slow.case:<32} {large.mb:13.1f}  {large.case}")
        busiest = max(mine, key=lambda run: run.cpu)
        median = sorted(run.seconds for run in mine)[len(mine) // 2]
        print(f"{'':<12} median wall {median:.3f} s; worst CPU {busiest.cpu:.3f} s ({busiest.case})")
    print(f"limits: {MAX_SECONDS} s, {MAX_MB:.0f} MB per process tree; {len(failed)} failure(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
