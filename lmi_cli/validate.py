"""Validate model YAML files without CDK: the same checks as synth, in well under a second.

    python -m lmi_cli.validate [PATH ...] [--stage prod] [--strict] [--no-cache]

Without --stage, every stage of cdk.json's `stages` (default dev,prod) is validated: each file with its
`stages:` override merged in.

Prints every problem as `file:line: field: message (allowed: ...)`; exits 1 on any error
(and on warnings with --strict), 2 on a bug of the checker itself (one line naming the file).
Imports neither aws_cdk nor jsii, so it suits pre-commit.

A clean result is kept in .cache/validate/ (lmi_cli.validate_cache): run again with nothing changed, it
prints the same output, warnings included, without importing pydantic. --no-cache validates afresh.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TYPE_CHECKING

from lmi_cli import validate_cache

if TYPE_CHECKING:
    from lmi_core.loader import LoadedConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate", description="Validate LMI model YAML files.")
    parser.add_argument(
        "paths", nargs="*", help="files or directories (default: cdk.json's `model_configs`, model_configs/ without it)"
    )
    parser.add_argument("--stage", help="one deployment stage (default: every stage of cdk.json's `stages`)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--no-cache", action="store_true", help="validate afresh: neither replay nor store a result in .cache/validate/"
    )
    args = parser.parse_args(argv)
    if not args.paths:
        from lmi_core.issues import ConfigError
        from lmi_core.settings import project_config_dir

        try:
            args.paths = [project_config_dir()]
        except ConfigError as exc:  # cdk.json itself is malformed
            print(f"{exc}\n{len(exc.issues)} error(s)", file=sys.stderr)
            return 1
    paths = [str(path) for path in args.paths]
    key = None if args.no_cache else validate_cache.key(paths, args.stage, args.strict)
    if key is not None and (replay := validate_cache.lookup(key)) is not None:
        _write(*replay)
        return 0
    # no pydantic plugins here: skip pydantic's scan of every installed distribution's entry points
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    out, err = io.StringIO(), io.StringIO()
    try:
        status, configs = _validate(paths, args.stage, args.strict, out, err)
    except Exception as exc:  # the catch-all: no bad config reaches it (tests/catalog)
        from lmi_core import bug_report

        _write(out.getvalue(), err.getvalue())
        print(bug_report.line(exc, default=" ".join(paths)), file=sys.stderr)
        return bug_report.EXIT_CODE
    _write(out.getvalue(), err.getvalue())
    if status == 0 and key is not None:
        code = [str(config.code.directory) for config in configs if config.code is not None]
        validate_cache.store(key, (out.getvalue(), err.getvalue()), code)
    return status


def _write(stdout: str, stderr: str) -> None:
    """A run's output: its stderr (problems, warnings), then its stdout (the summary)."""
    sys.stderr.write(stderr)
    sys.stderr.flush()
    sys.stdout.write(stdout)
    sys.stdout.flush()


def _validate(
    paths: list[str], stage: str | None, strict: bool, out: io.StringIO, err: io.StringIO
) -> tuple[int, list[LoadedConfig]]:
    from pathlib import Path

    from lmi_core.issues import ConfigError
    from lmi_core.loader import load_in, load_stages
    from lmi_core.settings import project_settings

    files = [Path(path) for path in paths]
    try:
        settings, issues = project_settings(stage)
        if issues:
            raise ConfigError(issues)
        if stage is not None:
            configs = load_in(settings, files, strict=strict, region=settings.region)
        else:
            # each stage as synth sees it (`-c stage=<stage>`): its own region when stage_targets gives one
            each = {name: project_settings(name) for name in settings.stages}
            stage_issues = dict.fromkeys(issue for _, problems in each.values() for issue in problems)
            if stage_issues:
                raise ConfigError(stage_issues)
            by_stage = load_stages(
                files,
                strict=strict,
                regions={name: stage_settings.region for name, (stage_settings, _) in each.items()},
                stages=settings.stages,
                unsuffixed_stage=settings.unsuffixed_stage,
                production_stages=settings.production_stages,
                allowed_buckets=settings.allowed_buckets,
            )
            configs = _one_per_file(by_stage)
    except ConfigError as exc:
        print(exc, file=err)
        print(f"{len(exc.issues)} error(s)", file=err)
        return 1, []
    warnings = [warning for config in configs for warning in config.warnings]
    for warning in warnings:
        print(warning, file=err)
    print(f"{len(configs)} model config(s) valid, {len(warnings)} warning(s)", file=out)
    return 0, configs


def _one_per_file(by_stage: dict[str, list[LoadedConfig]]) -> list[LoadedConfig]:
    """Each file once, with the warnings of every stage (each warning once)."""
    from dataclasses import replace

    from lmi_core.issues import Issue

    files: dict[str, LoadedConfig] = {}
    warnings: dict[str, dict[Issue, None]] = {}
    for configs in by_stage.values():
        for config in configs:
            files.setdefault(str(config.path), config)
            warnings.setdefault(str(config.path), {}).update(dict.fromkeys(config.warnings))
    return [replace(config, warnings=tuple(warnings[path])) for path, config in files.items()]


if __name__ == "__main__":
    sys.exit(main())
