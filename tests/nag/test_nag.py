"""cdk-nag 3 packs (AwsSolutions, HIPAA, NIST 800-53 R5): active, clean, and every
acknowledgement carries a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from lmi_constructs.nag import PACKS, acknowledge, add_nag_packs
from tests.conftest import Synth


def violations(outdir: Path) -> list[str]:
    report = outdir / "validation-report.json"
    if not report.exists():
        return []
    data = json.loads(report.read_text())
    return [
        f"{v['ruleName']} at {c['constructPath']}"
        for plugin in data["pluginReports"]
        for v in plugin["violations"]
        for c in v["violatingConstructs"]
    ]


def test_examples_have_no_unacknowledged_findings(examples: Synth) -> None:
    assert violations(examples.outdir) == []


def test_all_three_packs_registered() -> None:
    assert {p.__name__ for p in PACKS} == {"AwsSolutionsChecks", "HIPAASecurityChecks", "NIST80053R5Checks"}


def test_non_compliant_construct_fails_synth(tmp_path: Path) -> None:
    """A bare bucket (no TLS-only policy, no logging, no KMS) must fail validation."""
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad")
    s3.Bucket(stack, "Naked")
    add_nag_packs(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    found = violations(tmp_path)
    rules = {v.split(" at ")[0] for v in found}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules
    assert any(r.startswith("HIPAA.Security-") for r in rules)
    assert any(r.startswith("NIST.800.53.R5-") for r in rules)


def test_acknowledgement_needs_a_reason(tmp_path: Path) -> None:
    stack = Stack(App(outdir=str(tmp_path)), "S")
    with pytest.raises(ValueError, match="needs a real reason"):
        acknowledge(stack, "AwsSolutions-S1", "ok")


def test_every_acknowledgement_in_the_examples_has_a_reason(examples: Synth) -> None:
    acknowledgements: dict[str, str] = {}
    for stack_name in examples.templates:
        stack = examples.app.node.find_child(stack_name)
        for construct in stack.node.find_all():
            for entry in construct.node.metadata:
                if isinstance(entry.data, dict):
                    acknowledgements.update(
                        {k: stack.resolve(v) for k, v in entry.data.items() if k.startswith("Annotation::")}
                    )
    assert any("AwsSolutions-IAM5" in k for k in acknowledgements), sorted(acknowledgements)
    for rule_id, reason in acknowledgements.items():
        assert isinstance(reason, str) and len(reason) >= 40, f"{rule_id} has no real reason: {reason!r}"


@pytest.mark.slow
def test_no_stale_acknowledgements(tmp_path: Path) -> None:
    """Every acknowledgement must match a finding that fires without it; stale ones hide future findings."""
    from app import build_app
    from lmi_constructs.nag import dry_acknowledgements
    from tests.conftest import EXAMPLES, fixture_context

    with dry_acknowledgements() as recorded:
        app = build_app(fixture_context(model_configs=str(EXAMPLES)), outdir=str(tmp_path))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    findings = [line.split(" at ") for line in violations(tmp_path)]
    assert recorded
    stale = [
        f"{ack.rule_id} at {ack.path}"
        for ack in recorded
        if not any(
            rule == ack.rule_id and (path == ack.path or path.startswith(ack.path + "/")) for rule, path in findings
        )
    ]
    assert stale == []
    unacknowledged = [
        f"{rule} at {path}"
        for rule, path in findings
        if not any(rule == ack.rule_id and (path == ack.path or path.startswith(ack.path + "/")) for ack in recorded)
    ]
    assert unacknowledged == []


def test_reasons_for_one_finding_are_joined(examples: Synth) -> None:
    """cdk-nag keeps only the first acknowledgement of a rule: two statements on `*` must share it."""
    template = examples.templates["lmi-llama3-8b-chat"]
    (policy,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "cloudwatch:PutMetricData" in json.dumps(r["Properties"])
    ]
    (reason,) = [
        rule["reason"]
        for rule in policy["Metadata"]["cdk_nag"]["rules_to_suppress"]
        if rule["id"] == "AwsSolutions-IAM5[Resource::*]"
    ]
    assert "ecr:GetAuthorizationToken" in reason and "cloudwatch:PutMetricData" in reason
