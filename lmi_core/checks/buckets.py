"""cdk.json's `allowed_buckets`: the only buckets a model YAML may name (its roles read and write there)."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ConfigBase, s3
from lmi_core.issues import Finding, error


def bucket_allowed(bucket: str, allowed: tuple[str, ...]) -> bool:
    return any(bucket.startswith(name[:-1]) if name.endswith("*") else bucket == name for name in allowed)


@check(on=ConfigBase, fields=("model.id", "adapters", "batch", "async", "serving", "env", "tags"))
def buckets_are_allowed(config: ConfigBase, context: CheckContext) -> Iterator[Finding]:
    """Every s3:// the YAML holds, also inside a string: the locations its roles are granted, and any other (a draft
    model in serving:'s option.speculative_config JSON, a flag in env:)."""
    if context.allowed_buckets is None:
        return
    for field, bucket in dict.fromkeys(s3.buckets_in(config.model_dump(mode="python", by_alias=True))):
        if not bucket_allowed(bucket, context.allowed_buckets):
            yield error(
                field,
                f"bucket '{bucket}' is not one of cdk.json's allowed_buckets (allowed: "
                f"{', '.join(context.allowed_buckets)})",
            )
