"""cdk-nag 3: the rule packs every app runs. Acknowledgements live next to the constructs
they concern (Validations.of(x).acknowledge), each with its reason; never in a side file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks)


@dataclass(frozen=True)
class Acknowledged:
    path: str
    rule_id: str
    reason: str


# Set only by `dry_acknowledgements()`: record instead of acknowledging (stale-acknowledgement test).
_dry_run: list[Acknowledged] | None = None


def add_nag_packs(app: App) -> None:
    """All packs; the first also copies every acknowledgement into the template's Metadata
    (`cdk_nag.rules_to_suppress`), an audit trail that reviewers and the report read."""
    first, *rest = PACKS
    Validations.of(app).add_plugins(
        first(app, write_suppressions_to_cloud_formation=True), *(pack(app) for pack in rest)
    )


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one nag finding on `construct` (and its children), with the reason it is acceptable."""
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgement of {rule_id} needs a real reason, got {reason!r}")
    if _dry_run is not None:
        _dry_run.append(Acknowledged(construct.node.path, rule_id, reason))
        return
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


@contextmanager
def dry_acknowledgements() -> Iterator[list[Acknowledged]]:
    """Build an app with every acknowledgement recorded but not applied, so a test can check that
    each one still matches a finding (an acknowledgement that matches nothing is stale)."""
    global _dry_run  # noqa: PLW0603
    _dry_run = []
    try:
        yield _dry_run
    finally:
        _dry_run = None
