"""Headless load test of a real-time or serverless endpoint, or an inference component (or adapter), with
locust over boto3 InvokeEndpoint.

    python -m lmi_cli.invoke.loadtest MODEL --users N --duration S [--endpoint NAME [--component NAME]]
        [--report-dir DIR]

Prints one progress line a second, stops at the duration (requests in flight finish, for up to
30 s; the clients are made before the clock starts, so setup never eats into it) and
writes loadtest-<model>.md and .csv: requests/s, p50/p95/p99 latency in ms, failures.
locust patches the process with gevent when imported, so this module runs in its own process.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything imports ssl (boto3): locust needs a patched process

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

IN_FLIGHT_S = 30  # how long requests in flight at the duration may still take


@dataclass(frozen=True)
class LoadResult:
    model: str
    endpoint: str
    users: int
    duration_s: float
    requests: int
    failures: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def run(
    endpoint: str,
    *,
    model: str,
    users: int,
    duration_s: float,
    payload: dict[str, Any],
    region: str | None,
    component: str | None = None,
) -> LoadResult:
    import gevent
    from locust import User, constant, events, task
    from locust.env import Environment

    from lmi_cli.invoke import client

    body = json.dumps(payload).encode()
    target = {} if component is None else {"InferenceComponentName": component}

    runtimes = [client("sagemaker-runtime", region) for _ in range(users)]  # one each, before the clock

    class EndpointUser(User):
        wait_time = constant(0)

        def on_start(self) -> None:
            self.runtime = runtimes.pop()

        @task
        def invoke(self) -> None:
            start = time.perf_counter()
            error: Exception | None = None
            length = 0
            try:
                response = self.runtime.invoke_endpoint(
                    EndpointName=endpoint, ContentType="application/json", Body=body, **target
                )
                length = len(response["Body"].read())
            except Exception as exc:
                error = exc
            self.environment.events.request.fire(
                request_type="InvokeEndpoint", name=component or endpoint, response_time=(time.perf_counter() - start) * 1000,
                response_length=length, exception=error, context={},
            )  # fmt: skip

    # stop_timeout: at the duration each user finishes the request it is in, so none is cut off uncounted.
    environment = Environment(user_classes=[EndpointUser], events=events, stop_timeout=IN_FLIGHT_S)
    runner = environment.create_local_runner()
    started = time.perf_counter()
    runner.start(users, spawn_rate=users)

    def report_progress() -> None:
        total = environment.stats.total
        print(
            f"[{time.perf_counter() - started:5.1f}s] requests {total.num_requests}  failures {total.num_failures}"
            f"  rps {total.current_rps:.1f}",
            file=sys.stderr,
            flush=True,
        )

    def progress() -> None:
        while True:
            gevent.sleep(1)
            report_progress()

    ticker = gevent.spawn(progress)
    gevent.spawn_later(duration_s, runner.quit)
    with gevent.Timeout(duration_s + IN_FLIGHT_S + 30, False):
        runner.greenlet.join()
    ticker.kill()
    if runner.state != "stopped":
        runner.quit()
    report_progress()  # the final count, also when the run was too short for a tick
    elapsed = time.perf_counter() - started
    total = environment.stats.total
    return LoadResult(
        model=model,
        endpoint=endpoint if component is None else f"{endpoint}, component {component}",
        users=users,
        duration_s=round(elapsed, 2),
        requests=total.num_requests,
        failures=total.num_failures,
        requests_per_s=round(total.num_requests / elapsed, 2) if elapsed else 0.0,
        p50_ms=float(total.get_response_time_percentile(0.50) or 0),
        p95_ms=float(total.get_response_time_percentile(0.95) or 0),
        p99_ms=float(total.get_response_time_percentile(0.99) or 0),
    )


def write_reports(result: LoadResult, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"loadtest-{result.model}.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(result)))
        writer.writeheader()
        writer.writerow(asdict(result))
    md_path = directory / f"loadtest-{result.model}.md"
    md_path.write_text(
        f"# Load test: {result.model}\n\n"
        f"Endpoint `{result.endpoint}`, {result.users} users, {result.duration_s} s, InvokeEndpoint via boto3 (locust).\n\n"
        "| requests | failures | requests/s | p50 ms | p95 ms | p99 ms |\n|---:|---:|---:|---:|---:|---:|\n"
        f"| {result.requests} | {result.failures} | {result.requests_per_s} | {result.p50_ms:.0f} | {result.p95_ms:.0f} "
        f"| {result.p99_ms:.0f} |\n"
    )
    return md_path, csv_path


def main(argv: list[str] | None = None) -> int:
    from lmi_cli.invoke import InvokeError, add_target_arguments, ensure_in_service, target_and_payload

    parser = argparse.ArgumentParser(prog="loadtest", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("model")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--report-dir", type=Path, default=Path("loadtest-reports"))
    add_target_arguments(parser)
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0:
        print("loadtest: --users must be >= 1 and --duration > 0", file=sys.stderr)
        return 1
    try:
        target, payload = target_and_payload(args)
        if target.invocation not in ("endpoint", "component"):
            raise InvokeError(f"{args.model} is {target.kind}: load tests drive endpoints that answer InvokeEndpoint")
        ensure_in_service(target, args.region)
    except (InvokeError, OSError) as exc:
        print(f"loadtest {args.model}: {exc}", file=sys.stderr)
        return 1
    result = run(
        target.endpoint_name,
        model=args.model,
        users=args.users,
        duration_s=args.duration,
        payload=payload,
        region=args.region,
        component=target.component,
    )
    md_path, csv_path = write_reports(result, args.report_dir)
    print(md_path.read_text())
    print(f"reports: {md_path} {csv_path}", file=sys.stderr)
    return 0 if result.failures == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
