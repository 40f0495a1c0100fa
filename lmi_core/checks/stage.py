"""Rules of a deployment stage (`--stage prod`, `-c stage=prod`)."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig
from lmi_core.issues import Finding, warning


@check(on=InstanceConfig, fields=("data_capture",))
def prod_captures_data(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    if context.stage == "prod" and config.data_capture is None:
        yield warning("data_capture", "is off in stage prod: no record of what the model answered")
