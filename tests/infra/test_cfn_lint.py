"""cfn-lint: zero errors on every synthesized template."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, Synth, stack_names
from tests.template_lint import lint_errors

STACKS = stack_names(EXAMPLES)


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_clean(examples: Synth, stack: str) -> None:
    assert lint_errors((examples.outdir / f"{stack}.template.json").read_text()) == []


def test_cfn_lint_catches_an_error() -> None:
    """The check can fail: an invalid property is reported."""
    bad = '{"Resources": {"E": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigNam": "x"}}}}'
    assert any("EndpointConfigNam" in error for error in lint_errors(bad))
    assert any(error.startswith("E0000") for error in lint_errors('{"Resources": {'))  # not even JSON
