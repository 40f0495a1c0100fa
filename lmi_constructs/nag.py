"""cdk-nag 3: the rule packs every app runs. Acknowledgements live next to the constructs
they concern (Validations.of(x).acknowledge), each with its reason; never in a side file."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks)


def add_nag_packs(app: App) -> None:
    Validations.of(app).add_plugins(*(pack(app) for pack in PACKS))


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one nag finding on `construct` (and its children), with the reason it is acceptable."""
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgement of {rule_id} needs a real reason, got {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
