"""cdk.json's `allowed_buckets`: the only buckets a model YAML may name (its roles read and write there)."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ConfigBase, s3
from lmi_core.issues import Finding, error
from lmi_core.kinds import kind_of


def bucket_allowed(bucket: str, allowed: tuple[str, ...]) -> bool:
    return any(bucket.startswith(name[:-1]) if name.endswith("*") else bucket == name for name in allowed)


@check(on=ConfigBase, fields=("model.id", "adapters", "batch.input", "batch.output", "async.output", "async.failure"))
def buckets_are_allowed(config: ConfigBase, context: CheckContext) -> Iterator[Finding]:
    if context.allowed_buckets is None:
        return
    for use in kind_of(config).s3_uses(config):
        bucket, _ = s3.parse(use.uri)
        if not bucket_allowed(bucket, context.allowed_buckets):
            yield error(
                use.field,
                f"bucket '{bucket}' is not one of cdk.json's allowed_buckets (allowed: "
                f"{', '.join(context.allowed_buckets)})",
            )
