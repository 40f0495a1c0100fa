"""cfn-lint: zero errors on every synthesized template."""

from __future__ import annotations

import pytest
from cfnlint.api import ManualArgs, lint

from tests.conftest import EXAMPLES, Synth, stack_names

STACKS = stack_names(EXAMPLES)


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_clean(examples: Synth, stack: str) -> None:
    template = (examples.outdir / f"{stack}.template.json").read_text()
    findings = lint(template, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in findings if m.rule.id.startswith("E")]
    assert errors == []


def test_cfn_lint_catches_an_error() -> None:
    """The check can fail: an invalid property is reported."""
    bad = '{"Resources": {"E": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigNam": "x"}}}}'
    findings = lint(bad, config=ManualArgs(regions=["us-east-1"]))
    assert any(m.rule.id.startswith("E") for m in findings)
