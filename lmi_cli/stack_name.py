"""The exact CloudFormation stack id of a model, for `make deploy/destroy/diff MODEL=...`:

python -m lmi_cli.stack_name <model name> [--stage NAME]   (stages and unsuffixed_stage from cdk.json)
"""

from __future__ import annotations

import argparse
import sys

from lmi_core import naming
from lmi_core.issues import ConfigError
from lmi_core.settings import project_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack_name", description="Print the stack id of a model.")
    parser.add_argument("model")
    parser.add_argument("--stage", default=None)
    args = parser.parse_args(argv)
    try:
        settings, problems = project_settings(args.stage or None)
    except ConfigError as exc:  # cdk.json is malformed
        print(exc, file=sys.stderr)
        return 1
    if problems:
        print(problems[0], file=sys.stderr)
        return 1
    if not naming.SAGEMAKER_NAME.fullmatch(args.model):
        print(f"MODEL={args.model!r} is not a model name (allowed: letters, digits and inner hyphens)", file=sys.stderr)
        return 1
    print(naming.stack_name(args.model, settings.name_stage))
    return 0


if __name__ == "__main__":
    sys.exit(main())
