"""python -m lmi_cli.invoke MODEL [--payload FILE] [--endpoint NAME] [--timeout S]"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lmi_cli.invoke import DEFAULT_PAYLOAD, InvokeError, find_target, invoke, name_stage
from lmi_core.settings import project_config_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="invoke", description="Send one request to a deployed LMI model.")
    parser.add_argument("model", help="model name (its stack is lmi-<model>)")
    parser.add_argument("--payload", type=Path, help="JSON request (default: a short LMI prompt)")
    parser.add_argument("--endpoint", help="endpoint name instead of the stack outputs")
    parser.add_argument("--component", help="with --endpoint: the inference component (or adapter) to invoke")
    parser.add_argument("--region", help="default: AWS_REGION, then AWS_DEFAULT_REGION (profile: AWS_PROFILE)")
    parser.add_argument("--stage", help="the stage it was deployed in (make deploy STAGE=...): its stack and names")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for async/batch results")
    parser.add_argument(
        "--configs", type=Path, default=None, help="default: cdk.json's `model_configs` (model_configs/ without it)"
    )
    args = parser.parse_args(argv)
    args.configs = args.configs or project_config_dir()
    try:
        payload = json.loads(args.payload.read_text()) if args.payload else DEFAULT_PAYLOAD
        target = find_target(
            args.model,
            endpoint=args.endpoint,
            configs=args.configs,
            region=args.region,
            component=args.component,
            suffix=name_stage(args.stage),
        )
        answer = invoke(target, payload, region=args.region, timeout_s=args.timeout)
    except (InvokeError, OSError, json.JSONDecodeError) as exc:
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
