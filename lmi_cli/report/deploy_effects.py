"""What a change to a model's YAML does on deploy, per field: which resources are replaced or updated in
place, what that interrupts, and the safe route where CloudFormation cannot take the change in one deploy."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from lmi_cli.report import markdown, template_diff
from lmi_core.kinds import KINDS, validate_config
from lmi_core.kinds.component import ComponentConfig, effective_serving
from lmi_core.serving_properties import format_value

SYNTH_ONLY = ("code_max_mb", "serving_passthrough", "model.parameters")  # feed checks, deploy nothing
MODEL_FIELDS = ("model", "container", "serving", "code", "vpc", "env", "secrets")  # a new Model
ENDPOINT_CONFIG_FIELDS = (*MODEL_FIELDS, "instance", "data_capture", "routing")  # a new EndpointConfig (kinds with one)
IN_PLACE_FIELDS = ("tags", "autoscaling")
# What replacing the EndpointConfig interrupts, per kind (AWS::SageMaker::EndpointConfig: every property but
# Tags needs replacement; the Endpoint then updates to it without replacement).
INTERRUPTS = {
    "realtime": "no downtime when the new fleet turns healthy: both fleets run (and bill) during the bake time, "
    "so the account needs instance quota for both; alarms roll it back",
    "async": "the endpoint keeps its queue; requests wait while the instances are replaced",
    "serverless": "no downtime; the first requests on the new capacity start cold",
    "endpoint": "every component's copies stop and start again on the new instances: requests to them fail "
    "until they are back (minutes)",
}


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def consequences(old: dict[str, Any], new: dict[str, Any], fields: list[str], code_changed: bool) -> list[str]:
    kind_name = str(new.get("kind"))
    kind = KINDS.get(kind_name)
    block = {kind.block} if kind is not None and kind.block else set()
    in_place = set(IN_PLACE_FIELDS) | (block if kind is not None and kind.block_updates_in_place else set())
    endpoint_config = set(ENDPOINT_CONFIG_FIELDS) | (block - in_place)
    fields = [f for f in fields if not f.startswith(SYNTH_ONLY)]
    roots = {f.split(".")[2] if f.startswith("stages.") and f.count(".") >= 2 else f.split(".")[0] for f in fields}
    roots |= {"code"} if code_changed else set()
    said: list[str] = []
    if not roots:
        return ["checks only (model.parameters, code_max_mb, serving_passthrough): nothing deployed changes"]
    if "kind" in roots:
        return kind_change(str(old.get("kind")), kind_name, str(new.get("name")))
    flat_old, flat_new = flatten(old), flatten(new)
    old_type, new_type = flat_old.get("instance.type"), flat_new.get("instance.type")
    old_aot, aot = old.get("aot"), new.get("aot")
    prepared_for_the_instance = isinstance(aot, dict) and not aot.get("instance_type")  # the job's target
    new_aot_job = aot is not None and (
        "aot" in roots
        or bool(roots & {"model", "container", "serving"})
        or (prepared_for_the_instance and old_type != new_type)
    )
    model_reasons = ["new bundle or container settings"] if roots & set(MODEL_FIELDS) else []
    implied = implied_serving_changes(old, new) if kind_name == "component" else []
    if implied:
        model_reasons.append(f"serving.properties follows resources: and adapters: {', '.join(implied)}")
    if old_aot is not None and aot is None:
        said.append(
            "removes the AOT job's custom resource once the rollout is done (its prepared artifacts stay in S3)"
        )
        model_reasons.append("it loads model.id unprepared again, not the AOT job's output")
    elif new_aot_job:
        added = "adds the AOT job" if old_aot is None else "new AOT job (new content hash)"
        said.append(f"{added}: the deploy waits for it to finish before the new Model")
        model_reasons.append("it reads the new AOT job's output")
    if model_reasons:
        said.append(f"replaces the Model ({'; '.join(model_reasons)}; every Model property but Tags needs replacement)")
        if kind_name == "component":
            said.append(
                "updates the InferenceComponent in place: a rolling update of its copies, rolled back on alarms"
            )
        if kind_name == "batch":
            said.append("the next transform run uses the new Model; a job already running is not stopped")
    elif kind_name == "component" and roots & {"resources", "startup"}:
        said.append(
            "updates the InferenceComponent's Specification in place (resources or startup): a rolling update of "
            "its copies, rolled back on alarms"
        )
    if kind_name == "component" and "adapters" in roots:
        said += adapter_changes(old, new)
    if (roots & endpoint_config or model_reasons) and kind is not None and kind.rollout is not None:
        said.append(f"new EndpointConfig (immutable, replaced): {kind.rollout}")
        if kind_name in INTERRUPTS:
            said.append(f"interrupts: {INTERRUPTS[kind_name]}")
    if old_type != new_type and old_type is not None and new_type is not None:
        old_type, new_type = markdown.text(old_type), markdown.text(new_type)
        said.append(f"new instances: {old_type} → {new_type} (check the account's {new_type} quota for the rollout)")
        if old.get("autoscaling"):  # registered with autoscaling now
            said.append(
                "instance type change on an autoscaled endpoint: deploy in two steps (remove autoscaling, then change "
                "the type and add it back; README)"
            )
    if kind_name == "component" and "endpoint" in roots:
        said.append(
            f"moves the component to endpoint {markdown.text(new.get('endpoint'))}: {template_diff.COMPONENT_MOVE} "
            "(a new stack; remove the old one)"
        )
    if roots and roots <= in_place:
        said.append("updated in place (scaling policy, tags or state machine), no replacement")
    return said


def kind_change(old_kind: str, new_kind: str, name: str) -> list[str]:
    """What a `kind:` change deploys: the stack keeps its name, and a kind with an endpoint keeps its Endpoint
    (same logical id, same EndpointName); resources of the old kind go, those of the new one come."""
    old, new = KINDS.get(old_kind), KINDS.get(new_kind)
    change = f"kind {markdown.text(old_kind)} → {markdown.text(new_kind)}"
    safe = (
        "safe route: deploy the new kind under a new name (a new stack and endpoint), move the callers, then remove "
        "the old model; or remove the model and add it back with the new kind in two deploys (unavailable between)"
    )
    if old is not None and new is not None and old.rollout is not None and new.rollout is not None:
        return [
            f"{change}: the stack and its Endpoint {markdown.text(name)} stay; the EndpointConfig is replaced, so "
            f"CloudFormation calls UpdateEndpoint to move the endpoint to the kind {markdown.text(new_kind)} "
            "config: whether SageMaker accepts that change of type is unverified, and if it refuses, the deploy "
            "fails and rolls back",
            safe,
        ]
    if old is not None and old.rollout is not None:
        return [
            f"{change}: the stack stays; its Endpoint {markdown.text(name)} is deleted (requests to it fail from then "
            "on) and the new kind's resources are added",
            safe,
        ]
    if new is not None and new.rollout is not None:
        return [
            f"{change}: the stack stays; a new Endpoint {markdown.text(name)} is created (it takes minutes to be "
            "InService) and the old kind's resources are removed",
            safe,
        ]
    return [f"{change}: the stack stays; the old kind's resources are removed and the new kind's added", safe]


def implied_serving_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """`key old → new` for each serving.properties key a component's resources: or adapters: set (not its
    `serving:`) whose value changes; none when either side does not validate."""

    def effective(data: dict[str, Any]) -> dict[str, Any] | None:
        try:
            config = validate_config(data)
        except ValidationError:
            return None
        return effective_serving(config) if isinstance(config, ComponentConfig) else None

    before, after = effective(old), effective(new)
    if before is None or after is None:
        return []
    written = {str(key) for data in (old, new) if isinstance(data.get("serving"), dict) for key in data["serving"]}

    def shown(value: Any) -> str:
        return "unset" if value is None else format_value(value)

    return [
        f"{key} {shown(before.get(key))} → {shown(after.get(key))}"
        for key in sorted(before.keys() | after.keys())
        if key not in written and before.get(key) != after.get(key)
    ]


def adapter_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each adapter is its own InferenceComponent, keyed by its name: added, removed, or updated in place."""

    def by_name(data: dict[str, Any]) -> dict[str, Any]:
        adapters = data.get("adapters")
        listed = adapters if isinstance(adapters, list) else []
        return {str(a.get("name")): a.get("artifact") for a in listed if isinstance(a, dict)}

    before, after = by_name(old), by_name(new)
    parts = []
    for verb, names in (
        ("adds", [n for n in after if n not in before]),
        ("removes", [n for n in before if n not in after]),
        ("updates in place (new artifact)", [n for n in after if n in before and before[n] != after[n]]),
    ):
        if names:
            parts.append(f"{verb} {', '.join(markdown.text(n) for n in names)}")
    if not parts:
        return []
    return [f"adapters, each its own InferenceComponent on the base's copies: {'; '.join(parts)}"]
