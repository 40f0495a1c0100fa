"""What a deploy replaces and updates, from two cloud assemblies (base and head): the resources whose
properties differ, judged by CloudFormation's update behaviour for each type.

Replacement rules (CloudFormation resource reference, "Update requires"): every property of a SageMaker
Model and EndpointConfig but Tags needs a replacement; an Endpoint is replaced only for a new EndpointName
and otherwise updates to a new config without interruption (SageMaker then rolls the fleet); names are
replacements for the other types listed. A resource that refers (Ref, Fn::GetAtt) to a replaced one is
updated too: its reference resolves to the new physical resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALL_BUT_TAGS = "*"
REPLACED_BY: dict[str, frozenset[str] | str] = {
    "AWS::SageMaker::Model": ALL_BUT_TAGS,
    "AWS::SageMaker::EndpointConfig": ALL_BUT_TAGS,
    "AWS::SageMaker::Endpoint": frozenset({"EndpointName"}),
    "AWS::SageMaker::InferenceComponent": frozenset({"InferenceComponentName", "EndpointName"}),
    "AWS::ApplicationAutoScaling::ScalableTarget": frozenset({"ResourceId", "ScalableDimension", "ServiceNamespace"}),
    "AWS::ApplicationAutoScaling::ScalingPolicy": frozenset(
        {"PolicyName", "ResourceId", "ScalableDimension", "ServiceNamespace", "ScalingTargetId"}
    ),
    "AWS::StepFunctions::StateMachine": frozenset({"StateMachineName", "StateMachineType"}),
    "AWS::IAM::Role": frozenset({"RoleName", "Path"}),
    "AWS::IAM::ManagedPolicy": frozenset({"ManagedPolicyName", "Path", "Description"}),
    "AWS::CloudWatch::Alarm": frozenset({"AlarmName"}),
    "AWS::Logs::LogGroup": frozenset({"LogGroupName"}),
    "AWS::S3::Bucket": frozenset({"BucketName"}),
}
SHORT = {"AWS::SageMaker::": "", "AWS::ApplicationAutoScaling::": "", "AWS::": ""}


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    type: str
    action: str  # add | remove | replace | update
    properties: tuple[str, ...]  # changed top-level properties (or references to replaced resources)

    def describe(self) -> str:
        kind = self.type
        for prefix, short in SHORT.items():
            kind = kind.replace(prefix, short, 1) if kind.startswith(prefix) else kind
        what = f" ({', '.join(self.properties)})" if self.properties else ""
        return f"{kind} {self.logical_id}{what}"


def _resources(template_path: Path) -> dict[str, dict[str, Any]]:
    if not template_path.is_file():
        return {}
    resources = json.loads(template_path.read_text()).get("Resources", {})
    return {k: v for k, v in resources.items() if v.get("Type") != "AWS::CDK::Metadata"}


def _replaces(resource_type: str, properties: set[str]) -> bool:
    rule = REPLACED_BY.get(resource_type)
    if rule == ALL_BUT_TAGS:
        return bool(properties - {"Tags"})
    return isinstance(rule, frozenset) and bool(properties & rule)


def _refers_to(value: Any, logical_id: str) -> bool:
    text = json.dumps(value)
    return f'{{"Ref": "{logical_id}"}}' in text or f'{{"Fn::GetAtt": ["{logical_id}"' in text


def stack_changes(base: Path, head: Path) -> list[ResourceChange]:
    """The changes one stack's deploy makes, from its base and head templates."""
    old, new = _resources(base), _resources(head)
    found: dict[str, ResourceChange] = {}
    for logical_id in sorted(new.keys() - old.keys()):
        found[logical_id] = ResourceChange(logical_id, new[logical_id]["Type"], "add", ())
    for logical_id in sorted(old.keys() - new.keys()):
        found[logical_id] = ResourceChange(logical_id, old[logical_id]["Type"], "remove", ())
    for logical_id in sorted(old.keys() & new.keys()):
        before, after = old[logical_id].get("Properties", {}), new[logical_id].get("Properties", {})
        changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        if old[logical_id]["Type"] != new[logical_id]["Type"]:
            found[logical_id] = ResourceChange(logical_id, new[logical_id]["Type"], "replace", ("Type",))
        elif changed:
            action = "replace" if _replaces(new[logical_id]["Type"], changed) else "update"
            found[logical_id] = ResourceChange(logical_id, new[logical_id]["Type"], action, tuple(sorted(changed)))
    replaced = [c.logical_id for c in found.values() if c.action == "replace"]
    while replaced:  # a reference to a replaced resource resolves to a new one: the referrer changes too
        target = replaced.pop()
        for logical_id in sorted(old.keys() & new.keys()):
            properties = new[logical_id].get("Properties", {})
            referring = {key for key, value in properties.items() if _refers_to(value, target)}
            current = found.get(logical_id)
            if not referring or (current is not None and set(referring) <= set(current.properties)):
                continue
            merged = set(referring) | set(current.properties if current else ())
            action = "replace" if _replaces(new[logical_id]["Type"], merged) else "update"
            if action == "replace" and (current is None or current.action != "replace"):
                replaced.append(logical_id)
            found[logical_id] = ResourceChange(logical_id, new[logical_id]["Type"], action, tuple(sorted(merged)))
    return sorted(found.values(), key=lambda c: (c.action, c.type, c.logical_id))


def assembly_changes(base_out: Path, head_out: Path) -> dict[str, list[ResourceChange]]:
    """Stack id -> its resource changes, for every stack in either assembly whose template differs."""
    stacks = {
        p.name.removesuffix(".template.json") for out in (base_out, head_out) for p in out.glob("*.template.json")
    }
    result = {}
    for stack in sorted(stacks):
        found = stack_changes(base_out / f"{stack}.template.json", head_out / f"{stack}.template.json")
        if found:
            result[stack] = found
    return result


def summary(changes: list[ResourceChange], interrupts: str | None) -> list[str]:
    """'replaces: ...', 'updates: ...', and what an endpoint update interrupts."""
    lines = []
    for action, verb in (
        ("replace", "replaces"),
        ("update", "updates in place"),
        ("add", "adds"),
        ("remove", "removes"),
    ):
        picked = [c.describe() for c in changes if c.action == action]
        if picked:
            lines.append(f"{verb}: {'; '.join(picked)}")
    endpoint_update = any(
        c.type == "AWS::SageMaker::Endpoint" and c.action == "update" and "EndpointConfigName" in c.properties
        for c in changes
    )
    if any(c.type == "AWS::SageMaker::Endpoint" and c.action in ("replace", "remove") for c in changes):
        lines.append("interrupts: the endpoint is deleted (and created again): requests fail until it is InService")
    elif endpoint_update and interrupts:
        lines.append(f"interrupts: {interrupts}")
    return lines
