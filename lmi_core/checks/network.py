"""Where a model's weights come from, and whether the network lets the container reach them."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig
from lmi_core.issues import Finding, warning


@check(on=InstanceConfig, fields=("model.id", "vpc"))
def hub_model_needs_a_route_out(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    """A Hugging Face id is downloaded by the container at start; in private subnets that needs a NAT gateway
    (or a proxy), which synth cannot see. Weights in S3 need only an S3 gateway endpoint."""
    if config.vpc is None or config.model.is_s3:
        return
    yield warning(
        "model.id",
        f"{config.model.id} is downloaded from the Hugging Face Hub when the container starts; in the subnets of "
        "vpc: that needs a route to the internet (NAT gateway), else the endpoint fails its health check "
        "(allowed: the weights copied to an s3:// prefix, or subnets with a NAT gateway)",
    )
