"""Validate model YAML files without CDK: the same checks as synth, in well under a second.

    python -m lmi_cli.validate [PATH ...] [--stage prod] [--strict]

Without --stage, every stage of cdk.json's `stages` (default dev,prod) is validated: each file with its
`stages:` override merged in.

Prints every problem as `file:line: field: message (allowed: ...)`; exits 1 on any error
(and on warnings with --strict), 2 on a bug of the checker itself (one line naming the file).
Imports neither aws_cdk nor jsii, so it suits pre-commit.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from lmi_core import bug_report
from lmi_core.issues import ConfigError, Issue
from lmi_core.loader import LoadedConfig, load_configs, load_stages
from lmi_core.settings import project_settings


def main(argv: list[str] | None = None) -> int:
    # no pydantic plugins here: skip pydantic's scan of every installed distribution's entry points
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    parser = argparse.ArgumentParser(prog="validate", description="Validate LMI model YAML files.")
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("model_configs")], help="files or directories")
    parser.add_argument("--stage", help="one deployment stage (default: every stage of cdk.json's `stages`)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = parser.parse_args(argv)
    try:
        return _validate(args)
    except Exception as exc:  # the catch-all: no bad config reaches it (tests/catalog)
        print(bug_report.line(exc, default=" ".join(map(str, args.paths))), file=sys.stderr)
        return bug_report.EXIT_CODE


def _validate(args: argparse.Namespace) -> int:
    settings, issues = project_settings(args.stage)
    try:
        if issues:
            raise ConfigError(issues)
        options = {"strict": args.strict, "stages": settings.stages, "unsuffixed_stage": settings.unsuffixed_stage}
        if args.stage is not None:
            configs = load_configs(args.paths, stage=settings.stage, **options)
        else:
            by_stage = load_stages(args.paths, **options)
            configs = _one_per_file(by_stage)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.issues)} error(s)", file=sys.stderr)
        return 1
    warnings = [warning for config in configs for warning in config.warnings]
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(f"{len(configs)} model config(s) valid, {len(warnings)} warning(s)")
    return 0


def _one_per_file(by_stage: dict[str, list[LoadedConfig]]) -> list[LoadedConfig]:
    """Each file once, with the warnings of every stage (each warning once)."""
    files: dict[str, LoadedConfig] = {}
    warnings: dict[str, dict[Issue, None]] = {}
    for configs in by_stage.values():
        for config in configs:
            files.setdefault(str(config.path), config)
            warnings.setdefault(str(config.path), {}).update(dict.fromkeys(config.warnings))
    return [replace(config, warnings=tuple(warnings[path])) for path, config in files.items()]


if __name__ == "__main__":
    sys.exit(main())
