"""python -m lmi_cli.invoke MODEL [--payload FILE] [--endpoint NAME] [--timeout S]"""

from __future__ import annotations

import argparse
import sys

from lmi_cli.invoke import InvokeError, add_target_arguments, invoke, target_and_payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="invoke", description="Send one request to a deployed LMI model.")
    parser.add_argument("model", help="model name (its stack is lmi-<model>)")
    add_target_arguments(parser)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for async/batch results")
    args = parser.parse_args(argv)
    try:
        target, payload = target_and_payload(args)
        answer = invoke(target, payload, region=args.region, timeout_s=args.timeout)
    except (InvokeError, OSError) as exc:
        print(f"invoke {args.model}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # botocore: missing credentials, throttling, ...
        name = type(exc).__name__
        hint = " (configure AWS credentials)" if name in ("NoCredentialsError", "PartialCredentialsError") else ""
        print(f"invoke {args.model}: {name}: {exc}{hint}", file=sys.stderr)
        return 1
    print(answer.body)
    detail = f" ({answer.detail})" if answer.detail else ""
    print(f"{target.kind} {target.model}: {answer.latency_s * 1000:.0f} ms{detail}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
