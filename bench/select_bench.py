#!/usr/bin/env python3
"""One changed model in a big repository: `make synth MODEL=<name>` over N generated models (goal: < 5 s).

Runs the CDK CLI as `make synth MODEL=...` does (`cdk synth -c models=<name>`), so the time includes the
CLI's own start, validation of all N files, and the synth of the shared stack plus the one model.

    .venv/bin/python bench/select_bench.py [--models 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from peer_bench import measure  # noqa: E402
from synth_bench import write_configs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cdk = [str(REPO / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "--no-notices", "--no-version-reporting"]
    env = {"CDK_DISABLE_CLI_TELEMETRY": "true"}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        configs = write_configs(Path(tmp), args.models)
        name = f"bench-model-{args.models // 2:03d}"
        for index in range(args.repeat):
            outdir = Path(tmp) / f"out-{index}"
            command = [*cdk, "-o", str(outdir), "-c", f"model_configs={configs}", "-c", f"models={name}"]
            runs.append(measure(command, REPO / ".venv", env))
            templates = sorted(p.name for p in outdir.glob("*.template.json"))
            if templates != [f"lmi-{name}.template.json", "lmi-shared.template.json"]:
                raise SystemExit(f"unexpected templates: {templates}")
    print(f"# `cdk synth -c models=<one>` in a repository of {args.models} models ({os.cpu_count()} cores)\n")
    print("| measure | median | min | max |\n|---|---:|---:|---:|")
    for key, label in (("wall", "wall s"), ("cpu", "CPU s"), ("rss", "peak RSS MiB")):
        values = [run[key] for run in runs]
        print(f"| {label} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |")
    print(f"\nload1 at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
