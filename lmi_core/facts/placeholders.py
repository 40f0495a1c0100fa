"""S3 buckets that the examples and docs use as placeholders: deploying one is always a mistake, so any
stage but dev rejects them (lmi_core/checks/stage.py). `amzn-s3-demo-` is the prefix AWS reserves for
its own documentation's example buckets."""

from __future__ import annotations

PLACEHOLDER_BUCKETS = frozenset(
    {"my-models", "my-adapters", "my-batch-data", "my-bucket", "your-bucket", "example-bucket"}
)
PLACEHOLDER_PREFIXES = ("amzn-s3-demo-",)
PLACEHOLDER_STAGES = ("dev",)  # the only stage that may name a placeholder bucket (synth and tests of the examples)


def is_placeholder_bucket(bucket: str) -> bool:
    return bucket in PLACEHOLDER_BUCKETS or bucket.startswith(PLACEHOLDER_PREFIXES)
