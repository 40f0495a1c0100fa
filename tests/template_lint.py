"""cfn-lint over synthesized templates, with its rules loaded once per process: `cfnlint.api.lint` loads
every rule again on each call (about 0.35 s, most of a small template's check)."""

from __future__ import annotations

import functools

from cfnlint.api import ManualArgs
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner import Runner

REGIONS = ("us-east-1", "eu-west-1")


@functools.cache
def _runner(regions: tuple[str, ...]) -> Runner:
    return Runner(ConfigMixIn(**ManualArgs(regions=list(regions))))  # one Runner lints many templates, as the CLI


def lint_errors(template: str, regions: tuple[str, ...] = REGIONS) -> list[str]:
    """cfn-lint's errors (E rules) for a template's text: `rule message (path)` each."""
    decoded, problems = decode_str(template)
    matches = problems or ([] if decoded is None else list(_runner(regions).validate_template(decoded)))
    return [
        f"{m.rule.id} {m.message} ({getattr(m, 'path', m.linenumber)})" for m in matches if m.rule.id.startswith("E")
    ]
