from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lmi_cli.project import project_configs
from lmi_cli.report import COMMENT_LIMIT, BaseRefError, changes, render
from lmi_core.costs import UnknownPriceRegion
from lmi_core.issues import ConfigError
from lmi_core.kinds import kind_of
from lmi_core.settings import project_config_dir


def list_changed(configs: Path, base: str | None) -> int:
    """For the post-deploy smoke test: one model name a line, of the kinds that are smoke-tested (Kind.smoke_tested:
    not batch, whose run starts a transform over a whole input prefix; not async, whose answer the deploy role may
    not read; not a kind: endpoint, whose components take the requests)."""
    try:
        smoke_tested = {loaded.config.name: kind_of(loaded.config).smoke_tested for loaded in project_configs(configs)}
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        names = (
            sorted(smoke_tested) if base is None else [c.name for c in changes(configs, base) if c.status != "removed"]
        )
    except BaseRefError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name in names:
        if smoke_tested.get(name, False):
            print(name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="report", description="Markdown review report of the LMI models.")
    parser.add_argument(
        "--configs", type=Path, default=None, help="default: cdk.json's `model_configs` (model_configs/ without it)"
    )
    parser.add_argument("--cdk-out", type=Path, default=Path("cdk.out"))
    parser.add_argument(
        "--region",
        help="price region (us-east-1, us-west-2, eu-west-1); default: the region the synthesized stacks deploy to",
    )
    parser.add_argument("--base", help="git ref to compare the model configs with, e.g. origin/main")
    parser.add_argument(
        "--base-cdk-out", type=Path, help="a synth of the base: adds what the deploy replaces, from the templates"
    )
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    parser.add_argument(
        "--comment",
        type=Path,
        help=f"also write a version of at most {COMMENT_LIMIT:,} characters for a PR comment here",
    )
    parser.add_argument(
        "--full-report-link", default="the full report (report.md)", help="where the comment sends readers for the rest"
    )
    parser.add_argument(
        "--changed-models",
        action="store_true",
        help="only list the smoke-tested models (realtime, serverless, component) added or changed since --base "
        "(all without --base)",
    )
    args = parser.parse_args(argv)
    try:
        args.configs = args.configs or project_config_dir()
    except ConfigError as exc:  # cdk.json is malformed
        print(exc, file=sys.stderr)
        return 1
    if args.changed_models:
        return list_changed(args.configs, args.base)
    if not args.cdk_out.is_dir():
        print(f"{args.cdk_out} does not exist: run `make synth` first", file=sys.stderr)
        return 1
    if args.base_cdk_out is not None and not args.base_cdk_out.is_dir():
        print(f"--base-cdk-out {args.base_cdk_out} does not exist (allowed: a synth of the base)", file=sys.stderr)
        return 1
    try:
        text = render(args.configs, args.cdk_out, args.region, args.base, base_cdk_out=args.base_cdk_out)
        if args.comment is not None:
            comment = render(
                args.configs,
                args.cdk_out,
                args.region,
                args.base,
                limit=COMMENT_LIMIT,
                full_report=args.full_report_link,
                base_cdk_out=args.base_cdk_out,
            )
            args.comment.write_text(comment)
    except (ConfigError, UnknownPriceRegion, BaseRefError) as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.output is not None:
        args.output.write_text(text)
    else:
        print(text, end="")
    if "> **Stale:**" in text:
        print(f"{args.cdk_out} is stale (the report's first lines say why): synthesize again", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
