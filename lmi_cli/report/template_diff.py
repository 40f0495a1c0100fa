"""What a deploy replaces and updates, from two cloud assemblies (base and head): the resources whose
properties differ, judged by CloudFormation's update behaviour for each type.

Replacement rules: a type's createOnlyProperties in the CloudFormation registry schemas cfn-lint bundles
(pinned in requirements-dev.txt), for the stacks' region: a change at one of those paths replaces the
resource (a SageMaker Model or EndpointConfig for any change but Tags; an Endpoint only for a new
EndpointName, otherwise it updates to the new config and SageMaker rolls the fleet). A resource that refers
(Ref, Fn::GetAtt, Fn::Sub) to a replaced one is updated too: its reference resolves to the new physical resource,
and where the reference sits at a create-only path, it is replaced in turn. A custom resource's handler
decides for itself: the AOT preparation returns a new physical id when its content properties change
(lmi_core.naming.AOT_CONTENT_PROPERTIES), which CloudFormation treats as a replacement. A custom resource's
ServiceToken cannot change at all: CloudFormation refuses the update.

Cautions beside the changes: an added resource that takes the name of a removed one (CloudFormation creates
before it deletes), a component renamed or moved in place, a new ServiceToken.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmi_core import naming

SCHEMA_REGION = "us-east-1"  # the registry schemas of a region cfn-lint does not know, or of no region
KeyPath = tuple[str, ...]
SHORT = {"AWS::SageMaker::": "", "AWS::ApplicationAutoScaling::": "", "AWS::": ""}
# A component's EndpointName is no create-only property, yet the update call cannot change it.
COMPONENT_MOVE = (
    "CloudFormation updates a component's EndpointName in place, but SageMaker's UpdateInferenceComponent takes no "
    "endpoint name: the move may fail; a new component name creates it on the other endpoint instead"
)
# Nor a new InferenceComponentName (also no create-only property).
COMPONENT_RENAME = (
    "CloudFormation updates a component's InferenceComponentName in place, but SageMaker's UpdateInferenceComponent "
    "takes no new name: the rename may fail; remove the component in one deploy and add it under its new name in the "
    "next"
)
SERVICE_TOKEN_CHANGE = (
    'CloudFormation refuses a new ServiceToken on a custom resource ("Modifying service token is not allowed"): '
    "the deploy fails; the resource needs a new logical id"
)
# What an in-place update of a component's property cannot do, by property.
COMPONENT_IN_PLACE = {"EndpointName": COMPONENT_MOVE, "InferenceComponentName": COMPONENT_RENAME}
CUSTOM_RESOURCE_TYPES = ("Custom::", "AWS::CloudFormation::CustomResource")
# The property holding a resource's physical name: CloudFormation's `<TypeShortName>Name`, but for these.
NAME_PROPERTY_EXCEPTIONS = {"AWS::Events::Rule": "Name"}


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    type: str
    action: str  # add | remove | replace | update
    properties: tuple[str, ...]  # changed top-level properties (or references to replaced resources)
    physical_name: str | None = None  # of an added or removed resource, where the template writes it out

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


def name_property(resource_type: str) -> str:
    """The property that names a resource of this type (InferenceComponentName, RoleName, ...)."""
    return NAME_PROPERTY_EXCEPTIONS.get(resource_type, f"{resource_type.rsplit('::', 1)[-1]}Name")


def _physical_name(resource: dict[str, Any]) -> str | None:
    """The resource's literal name; None when unnamed or computed (an intrinsic)."""
    name = resource.get("Properties", {}).get(name_property(resource["Type"]))
    return name if isinstance(name, str) else None


@functools.cache
def create_only(resource_type: str, region: str = SCHEMA_REGION) -> tuple[KeyPath, ...]:
    """The property paths whose change replaces a resource of this type (none for a type no schema knows)."""
    if resource_type == naming.AOT_RESOURCE_TYPE:  # its handler's new physical id
        return tuple((name,) for name in naming.AOT_CONTENT_PROPERTIES)
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError  # here: 0.4 s only the report pays

    for where in dict.fromkeys((region, SCHEMA_REGION)):
        try:
            schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(where, resource_type).schema
        except (KeyError, ResourceNotFoundError):  # KeyError: a region cfn-lint has no schemas for
            continue
        pointers = schema.get("createOnlyProperties", ())
        paths = tuple(tuple(pointer.removeprefix("/properties/").split("/")) for pointer in pointers)
        if resource_type.startswith(CUSTOM_RESOURCE_TYPES):  # a new ServiceToken is refused, not a replacement
            paths = tuple(path for path in paths if path != ("ServiceToken",))
        return paths
    return ()


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _at(value: Any, path: KeyPath) -> Any:
    """The value at a schema path (`*`: every list item); an intrinsic function on the way stands for all below."""
    if not path or _is_intrinsic(value):
        return value
    step, rest = path[0], path[1:]
    if isinstance(value, list):
        items = value if step == "*" else value[int(step) : int(step) + 1] if step.isdigit() else []
        return [_at(item, rest) for item in items]
    return _at(value.get(step), rest) if isinstance(value, dict) else None


def _replaces(
    resource_type: str, before: dict[str, Any], after: dict[str, Any], replaced_targets: set[str], region: str
) -> bool:
    """A create-only path changed its value, or refers to a resource the deploy replaces."""
    return any(
        _at(before, path) != _at(after, path) or any(_refers_to(_at(after, path), t) for t in replaced_targets)
        for path in create_only(resource_type, region)
    )


def _refers_to(value: Any, logical_id: str) -> bool:
    """`value` holds a Ref, an Fn::GetAtt (list or `Id.Attr` string) or an Fn::Sub `${Id}` / `${Id.Attr}` of it."""
    if isinstance(value, list):
        return any(_refers_to(item, logical_id) for item in value)
    if not isinstance(value, dict):
        return False
    if _is_intrinsic(value):
        ((key, argument),) = value.items()
        if key == "Ref":
            return bool(argument == logical_id)
        if key == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) and argument else argument
            return isinstance(target, str) and target.split(".", 1)[0] == logical_id
        if key == "Fn::Sub":
            template = argument[0] if isinstance(argument, list) and argument else argument
            variables = argument[1] if isinstance(argument, list) and len(argument) > 1 else {}
            named = isinstance(template, str) and re.search(rf"\$\{{{re.escape(logical_id)}(\.[^}}]*)?\}}", template)
            return bool(named) or _refers_to(variables, logical_id)
    return any(_refers_to(item, logical_id) for item in value.values())


def stack_changes(base: Path, head: Path, region: str = SCHEMA_REGION) -> list[ResourceChange]:
    """The changes one stack's deploy makes, from its base and head templates."""
    old, new = _resources(base), _resources(head)
    found: dict[str, ResourceChange] = {}
    for logical_id in sorted(new.keys() - old.keys()):
        found[logical_id] = ResourceChange(
            logical_id, new[logical_id]["Type"], "add", (), _physical_name(new[logical_id])
        )
    for logical_id in sorted(old.keys() - new.keys()):
        found[logical_id] = ResourceChange(
            logical_id, old[logical_id]["Type"], "remove", (), _physical_name(old[logical_id])
        )
    kept = sorted(k for k in old.keys() & new.keys() if old[k]["Type"] == new[k]["Type"])
    for logical_id in sorted(old.keys() & new.keys()):
        if old[logical_id]["Type"] != new[logical_id]["Type"]:
            found[logical_id] = ResourceChange(logical_id, new[logical_id]["Type"], "replace", ("Type",))
    refers_to_replaced: dict[str, set[str]] = {logical_id: set() for logical_id in kept}

    def judged(logical_id: str) -> ResourceChange | None:
        before, after = old[logical_id].get("Properties", {}), new[logical_id].get("Properties", {})
        targets = refers_to_replaced[logical_id]
        changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        changed |= {key for key, value in after.items() if any(_refers_to(value, t) for t in targets)}
        if not changed:
            return None
        replaces = _replaces(new[logical_id]["Type"], before, after, targets, region)
        return ResourceChange(
            logical_id, new[logical_id]["Type"], "replace" if replaces else "update", tuple(sorted(changed))
        )

    for logical_id in kept:
        change = judged(logical_id)
        if change is not None:
            found[logical_id] = change
    replaced = [c.logical_id for c in found.values() if c.action == "replace"]
    while replaced:  # a reference to a replaced resource resolves to a new one: the referrer changes too
        target = replaced.pop()
        for logical_id in kept:
            if target in refers_to_replaced[logical_id] or not _refers_to(
                new[logical_id].get("Properties", {}), target
            ):
                continue
            refers_to_replaced[logical_id].add(target)
            earlier = found.get(logical_id)
            change = judged(logical_id)
            if change is None:  # cannot be: the reference to the target counts as a change
                continue
            found[logical_id] = change
            if change.action == "replace" and (earlier is None or earlier.action != "replace"):
                replaced.append(logical_id)
    return sorted(found.values(), key=lambda c: (c.action, c.type, c.logical_id))


def assembly_changes(base_out: Path, head_out: Path, region: str = SCHEMA_REGION) -> dict[str, list[ResourceChange]]:
    """Stack id -> its resource changes, for every stack in either assembly whose template differs."""
    stacks = {
        p.name.removesuffix(".template.json") for out in (base_out, head_out) for p in out.glob("*.template.json")
    }
    result = {}
    for stack in sorted(stacks):
        found = stack_changes(base_out / f"{stack}.template.json", head_out / f"{stack}.template.json", region)
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
    updated_in_components = {
        prop for c in changes if c.type == "AWS::SageMaker::InferenceComponent" and c.action == "update"
        for prop in c.properties
    }  # fmt: skip
    lines += [f"caution: {text}" for prop, text in COMPONENT_IN_PLACE.items() if prop in updated_in_components]
    if any(c.type.startswith(CUSTOM_RESOURCE_TYPES) and "ServiceToken" in c.properties for c in changes):
        lines.append(f"caution: {SERVICE_TOKEN_CHANGE}")
    lines += [f"caution: {clash}" for clash in name_clashes(changes)]
    if any(c.type == "AWS::SageMaker::Endpoint" and c.action in ("replace", "remove") for c in changes):
        lines.append("interrupts: the endpoint is deleted (and created again): requests fail until it is InService")
    elif endpoint_update and interrupts:
        lines.append(f"interrupts: {interrupts}")
    return lines


def name_clashes(changes: list[ResourceChange]) -> list[str]:
    """An added resource named like a removed one of its type: CloudFormation creates the new one first, and
    the name is still taken."""
    removed = {(c.type, c.physical_name): c for c in changes if c.action == "remove" and c.physical_name}
    said = []
    for added in changes:
        old = removed.get((added.type, added.physical_name)) if added.action == "add" and added.physical_name else None
        if old is not None:
            said.append(
                f"name clash: {added.describe()} is added with {name_property(added.type)} {added.physical_name}, "
                f"which {old.describe()} holds until it is removed; CloudFormation creates before it deletes, so "
                'the deploy fails with "already exists" and rolls back: remove the old resource in one deploy, add '
                "the new one in the next"
            )
    return said
