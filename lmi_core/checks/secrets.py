"""A secret given by ARN resolves where the stack deploys: CloudFormation reads `{{resolve:secretsmanager:...}}` with
Secrets Manager of the stack's own region, which does not answer for another region's (or partition's) ARN."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ModelConfig
from lmi_core.facts import images
from lmi_core.issues import Finding, error


@check(on=ModelConfig, fields=("secrets",))
def secret_arns_in_the_stacks_region(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    region = context.region
    if region is None:  # a region-agnostic synth: the region is known only at deploy
        return
    registry = images.REGIONS.get(region)
    for key, source in config.secrets.items():
        if not source.id.startswith("arn:"):
            continue
        _, partition, _, arn_region, *_ = source.id.split(":")
        if arn_region != region or (registry is not None and partition != registry.partition):
            expected = f"arn:{registry.partition if registry else partition}:secretsmanager:{region}:"
            yield error(
                f"secrets.{key}",
                f"is a secret in {partition}/{arn_region}, but the stack deploys to {region}, whose Secrets Manager "
                f"cannot resolve it (allowed: a secret in {region}, {expected}<account>:secret:<name>, or its name)",
            )
