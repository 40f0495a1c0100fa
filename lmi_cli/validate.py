"""Validate model YAML files without CDK: the same checks as synth, in well under a second.

    python -m lmi_cli.validate [PATH ...] [--stage prod] [--strict]

Prints every problem as `file:line: field: message (allowed: ...)`; exits 1 on any error
(and on warnings with --strict), 2 on a bug of the checker itself (one line naming the file).
Imports neither aws_cdk nor jsii, so it suits pre-commit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lmi_core import bug_report
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate", description="Validate LMI model YAML files.")
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("model_configs")], help="files or directories")
    parser.add_argument("--stage", default="dev", help="deployment stage; 'prod' adds stage rules (default: dev)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = parser.parse_args(argv)
    try:
        return _validate(args)
    except Exception as exc:  # the catch-all: no bad config reaches it (tests/catalog)
        print(bug_report.line(exc, default=" ".join(map(str, args.paths))), file=sys.stderr)
        return bug_report.EXIT_CODE


def _validate(args: argparse.Namespace) -> int:
    try:
        configs = load_configs(args.paths, stage=args.stage, strict=args.strict)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.issues)} error(s)", file=sys.stderr)
        return 1
    warnings = [warning for config in configs for warning in config.warnings]
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(f"{len(configs)} model config(s) valid, {len(warnings)} warning(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
