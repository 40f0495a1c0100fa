"""Rules of a deployment stage (`--stage prod`, `-c stage=prod`); production's apply in cdk.json's
`production_stages` (default prod)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from lmi_core import naming
from lmi_core.checks.registry import CheckContext, ProjectFile, check
from lmi_core.config import ConfigBase, InstanceConfig, s3, split_s3_uri
from lmi_core.config.blocks import NAME_PATTERN
from lmi_core.facts.placeholders import PLACEHOLDER_STAGES, is_placeholder_bucket
from lmi_core.issues import Finding, error, quoted, warning

MAX_NAME = 40  # ConfigBase.name: every derived physical name fits SageMaker's rules up to this length
NAME = re.compile(NAME_PATTERN)


@check(on=InstanceConfig, fields=("data_capture",))
def prod_captures_data(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    if context.production and config.data_capture is None:
        yield warning("data_capture", f"is off in stage {context.stage}: no record of what the model answered")


@check(on=ConfigBase, fields=("model.id", "batch.input", "batch.output", "async.output", "adapters"))
def no_placeholder_buckets(config: ConfigBase, context: CheckContext) -> Iterator[Finding]:
    if context.stage in PLACEHOLDER_STAGES:
        return
    for field, uri in s3.uris_in(config.model_dump(mode="python", by_alias=True)):
        try:
            bucket, _ = split_s3_uri(uri)
        except ValueError:
            continue
        if is_placeholder_bucket(bucket):
            yield error(
                field,
                f"s3://{bucket}/ is a placeholder bucket from the examples; stage {context.stage} would deploy it "
                f"(allowed: your own bucket; placeholders only in stage {', '.join(PLACEHOLDER_STAGES)})",
            )


def staged_name_findings(files: Sequence[ProjectFile], stage: str | None) -> Iterator[tuple[str, Finding]]:
    """In a stage whose names carry it, `<name>-<stage>` must still fit, and must not be another file's name."""
    if stage is None:
        return
    names = {file.name for file in files if file.name is not None}
    for file in files:
        if file.name is None:
            continue
        adapters = getattr(file.config, "adapters", ())
        owned = [("name", file.name), *((f"adapters.{i}.name", a.name) for i, a in enumerate(adapters))]
        for field, name in owned:
            if len(name) > MAX_NAME or not NAME.fullmatch(name):
                continue  # the name itself is refused (its own message): its staged form is beside the point
            physical = naming.staged(name, stage)
            if len(physical) > MAX_NAME:
                yield (
                    file.path,
                    error(
                        field,
                        f"{quoted(name)} becomes '{physical}' in stage {stage}, {len(physical)} characters "
                        f"(allowed: at most {MAX_NAME - len(stage) - 1} characters: every physical name fits "
                        f"SageMaker's 63 with {MAX_NAME})",
                    ),
                )
            elif physical in names:
                yield (
                    file.path,
                    error(
                        field,
                        f"{quoted(name)} becomes '{physical}' in stage {stage}, the name of another model "
                        f"(allowed: a name that does not end in -{stage} elsewhere)",
                    ),
                )


def own_stack_findings(
    files: Sequence[ProjectFile], stage: str, name_stage: str | None, own_stacks: frozenset[str]
) -> Iterator[tuple[str, Finding]]:
    """A model's stack in this stage may not be one of the project's own stacks in any stage (stages may share an
    account: dev's `shared-prod` would replace prod's shared stack)."""
    reserved = naming.reserved_names()
    for file in files:
        if file.name is None or file.name in reserved:
            continue  # names_not_reserved reports it
        stack = naming.stack_name(file.name, name_stage)
        if stack in own_stacks:
            yield (
                file.path,
                error(
                    "name",
                    f"{quoted(file.name)} gives stack {stack} in stage {stage}, one of the project's own stacks "
                    f"(allowed: a name whose stack is none of {', '.join(sorted(own_stacks))})",
                ),
            )
