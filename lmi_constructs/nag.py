"""cdk-nag 3: the rule packs every app runs, and acknowledgements next to the constructs they
concern (Validations.of(x).acknowledge), each with its reason; never in a side file."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, App, IStableStringProducer, Lazy, Stack, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

from lmi_constructs.tokens import AWS, is_unresolved

PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks)
MIN_REASON = 20


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


def _check_reason(rule_id: str, reason: str) -> None:
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(f"acknowledgement of {rule_id} needs a real reason, got {reason!r}")


def acknowledge(construct: IConstruct, rule_id: str, reason: str, validations: Validations | None = None) -> None:
    """Acknowledge one nag finding on `construct` (and its children), with the reason it is acceptable.
    (`validations`: `Validations.of(construct)` when the caller holds it, one Node call fewer.)"""
    acknowledge_all(construct, [(rule_id, reason)], validations)


def acknowledge_all(
    construct: IConstruct, rules: Sequence[tuple[str, str]], validations: Validations | None = None
) -> None:
    """`acknowledge` for several (rule id, reason) pairs, in one Node call."""
    for rule_id, reason in rules:
        if not is_unresolved(reason):
            _check_reason(rule_id, reason)
    if _dry_run is not None:
        path = construct.node.path
        _dry_run.extend(Acknowledged(path, rule_id, reason) for rule_id, reason in rules)
        return
    if rules:
        (validations or Validations.of(construct)).acknowledge(
            *(Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in rules)
        )


@jsii.implements(IStableStringProducer)
class _JoinedReasons:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def produce(self) -> str:
        return " ".join(self.reasons)


class Acknowledgements:
    """The acknowledgements of one construct. cdk-nag keeps only the first acknowledgement of a rule,
    so the reasons given for the same finding (say, two statements on `Resource::*`) are joined.

    Without a construct yet (or while `held`), rules are only recorded; `apply()` then acknowledges
    each with its joined reasons as plain text. A rule added once the construct is known and nothing
    is held gets a Lazy reason, which later reasons for the same rule join."""

    def __init__(self, construct: IConstruct | None = None) -> None:
        self._construct = construct
        self._by_rule: dict[str, _JoinedReasons] = {}
        self._pending: list[str] = []  # rules recorded, not yet acknowledged
        self._plain: set[str] = set()  # rules acknowledged with plain text: their reasons are final
        self._validations: Validations | None = None
        self.held = False

    def add(self, rule_id: str, reason: str) -> None:
        _check_reason(rule_id, reason)
        joined = self._by_rule.get(rule_id)
        if joined is None:
            joined = self._by_rule[rule_id] = _JoinedReasons()
            if self._construct is None or self.held:
                self._pending.append(rule_id)
            else:
                self._acknowledge(self._construct, rule_id, Lazy.string(joined))
        if reason not in joined.reasons:
            if rule_id in self._plain:
                raise ValueError(f"{rule_id} is acknowledged already; give every reason for it before it is applied")
            joined.reasons.append(reason)

    def apply(self, construct: IConstruct | None = None) -> None:
        """Acknowledge every recorded rule on `construct` (or the one given before), reasons as plain text; while
        `held`, only remember `construct`."""
        if construct is not None:
            self._construct = construct
        if self.held:
            return
        if self._construct is None:
            raise ValueError("acknowledgements need a construct")
        if self._validations is None and _dry_run is None and self._pending:
            self._validations = Validations.of(self._construct)
        acknowledge_all(
            self._construct,
            [(rule_id, self._by_rule[rule_id].produce()) for rule_id in self._pending],
            self._validations,
        )
        self._plain.update(self._pending)
        self._pending.clear()

    def _acknowledge(self, construct: IConstruct, rule_id: str, reason: str) -> None:
        if self._validations is None and _dry_run is None:
            self._validations = Validations.of(construct)
        acknowledge(construct, rule_id, reason, self._validations)

    def reasons(self) -> dict[str, str]:
        return {rule_id: joined.produce() for rule_id, joined in self._by_rule.items()}


def nag_label(scope: IConstruct | None, value: str) -> str:
    """How cdk-nag names a resource in a finding id: intrinsics flattened, `Ref X` as `<X>`. Pseudo parameters
    are named in Python; any other token is resolved in `scope`'s stack."""
    plain = AWS.labelled(value) if is_unresolved(value) else value
    if not is_unresolved(plain):
        return plain
    if scope is None:
        raise ValueError(f"{plain} holds a token other than a pseudo parameter: name it in a construct's scope")
    stack = scope if isinstance(scope, Stack) else Stack.of(scope)
    return _flatten(stack.resolve(value))


def _flatten(node: Any) -> str:
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


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
