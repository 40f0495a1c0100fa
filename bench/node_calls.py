#!/usr/bin/env python3
"""Python -> Node calls per model: every request the jsii kernel sends to its Node process, counted by
kind (create, invoke, get, ...), while building the App and while synthesizing it.

Runs N and N+10 generated real-time models (the same file as bench/synth_bench.py) in fresh processes;
calls per model = the difference / 10.

    .venv/bin/python bench/node_calls.py [--base 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from synth_bench import write_configs  # noqa: E402

CHILD = """
import collections, json, sys
from jsii._kernel.providers import process
counts = collections.Counter()
send = process._NodeProcess.send
def counted(self, request, response_type):
    counts[type(request).__name__.removesuffix("Request")] += 1
    return send(self, request, response_type)
process._NodeProcess.send = counted
from app import build_app
context = json.load(open("cdk.json"))["context"]
context["model_configs"] = sys.argv[1]
app = build_app(context, outdir=sys.argv[2])
built = dict(counts)
counts.clear()
app.synth()
print(json.dumps({"build": built, "synth": dict(counts)}))
"""


def count(configs: Path, outdir: Path) -> dict[str, dict[str, int]]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(configs), str(outdir)], cwd=REPO, check=True, capture_output=True, text=True
    )
    counts: dict[str, dict[str, int]] = json.loads(result.stdout.strip().splitlines()[-1])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=1, help="models in the smaller run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for size in (args.base, args.base + 10):
            configs = write_configs(Path(tmp), size)
            runs[size] = count(configs, Path(tmp) / f"out-{size}")
    small, large = runs[args.base], runs[args.base + 10]
    print(f"# Python -> Node calls ({args.base} and {args.base + 10} real-time models)\n")
    print(f"| phase | request | calls at {args.base} | per model |\n|---|---|---:|---:|")
    for phase in ("build", "synth"):
        kinds = sorted(set(small[phase]) | set(large[phase]))
        for kind in kinds:
            low, high = small[phase].get(kind, 0), large[phase].get(kind, 0)
            print(f"| {phase} | {kind} | {low} | {(high - low) / 10:.1f} |")
        total_low, total_high = sum(small[phase].values()), sum(large[phase].values())
        print(f"| {phase} | **all** | {total_low} | **{(total_high - total_low) / 10:.1f}** |")


if __name__ == "__main__":
    main()
