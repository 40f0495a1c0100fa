"""A Markdown review report of every model: what runs, what it costs, what changed and which
cdk-nag findings were acknowledged. Reads the configs and the synthesized cloud assembly;
never calls AWS (and imports no aws_cdk).

    python -m lmi_cli.report --cdk-out cdk.out --configs model_configs [--base origin/main]
        [--region us-east-1] [--output report.md]
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lmi_core import aot as aot_plan
from lmi_core import naming
from lmi_core.config import ConfigBase, ModelConfig
from lmi_core.costs import PriceTable
from lmi_core.kinds import KINDS, kind_of
from lmi_core.kinds.component import hosting
from lmi_core.kinds.endpoint import ComponentEndpointConfig
from lmi_core.loader import load_configs


def aot_cost(config: ConfigBase, prices: PriceTable) -> float | None:
    """Per hour of the AOT job, priced as its target instance (an approximation: job prices differ)."""
    plan = aot_plan.plan(config) if isinstance(config, ModelConfig) else None
    return None if plan is None else prices.instance_hour.get(plan.target_instance_type)


def aot_summary(config: ModelConfig) -> str:
    plan = aot_plan.plan(config)
    if plan is None:
        return "-"
    image = "" if plan.job_tag is None else f", image {plan.job_tag}"
    serving = (
        "; serves on the image the job recommends"
        if config.container.tag is None and config.container.uri is None
        else ""
    )
    return f"{', '.join(plan.steps)} by {plan.engine}{image} for {plan.target_instance_type}{serving}"


# ---------------------------------------------------------------- tables


def money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def models_table(models: list[ConfigBase]) -> list[str]:
    rows = [
        "| model | kind | image | instances | GPUs x TP | autoscaling | data capture | AOT |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in models:
        placement = kind_of(m).placement(m)
        image = scaling = aot = "-"
        if isinstance(m, ModelConfig):
            image = m.container.tag or m.container.uri or "?"
            scaling = f"{m.autoscaling.min}..{m.autoscaling.max}" if m.autoscaling is not None else "off"
            aot = aot_summary(m)
        scaling = placement.scaling or scaling
        captured = kind_of(m).capture(m)
        rows.append(
            f"| {m.name} | {m.kind} | {image} | {placement.where} | {placement.accelerators} | {scaling} | {captured} | {aot} |"
        )
    return rows


def cost_table(models: list[ConfigBase], prices: PriceTable) -> tuple[list[str], float, float]:
    rows = [
        "| model | $/hour at min | $/hour at max | $/month at min | $/month at max | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    total_min = total_max = 0.0
    for m in models:
        kind = kind_of(m)
        c = kind.cost(m, prices)
        month_min, month_max = c.month(prices.hours_per_month)
        note = c.note
        aot = aot_cost(m, prices)
        if aot is not None:
            note = (note + "; " if note else "") + f"AOT job {money(aot)}/hour while it runs"
        rows.append(
            f"| {m.name} | {money(c.hour_min)} | {money(c.hour_max)} | {money(month_min)} | {money(month_max)} | {note} |"
        )
        if kind.billed_monthly:  # a transform job runs for hours, not for the month
            total_min += month_min or 0.0
            total_max += month_max or 0.0
    rows.append(
        f"| **total** | | | **{money(total_min)}** | **{money(total_max)}** | {prices.hours_per_month} h/month; "
        "batch models not included (priced per running hour) |"
    )
    return rows, total_min, total_max


def component_endpoints(models: list[ConfigBase], prices: PriceTable) -> list[str]:
    """Each kind: endpoint with its components under it, its instance cost, and its worst-case packing."""
    lines: list[str] = []
    for endpoint in (m for m in models if isinstance(m, ComponentEndpointConfig)):
        plan = hosting(endpoint, models)
        low, high = endpoint.instance_range()
        c = kind_of(endpoint).cost(endpoint, prices)
        zero = (
            " **scales to zero**: the first request after idle fails until a copy is up (minutes)" if low == 0 else ""
        )
        lines += [
            f"### {endpoint.name}: {endpoint.instance.type}, {low}..{high} instances, routing {endpoint.routing}",
            "",
            f"Instances cost {money(c.hour_min)}/hour at min and {money(c.hour_max)}/hour at max.{zero}",
            "",
            "| component | copies (initial, min..max) | per copy | scales on | adapters | scale to zero |",
            "|---|---|---|---|---|---|",
        ]
        for comp in plan.components:
            copies = comp.copies
            target = (
                f"{copies.target_concurrent_requests_per_copy:g} concurrent requests/copy"
                if copies.target_concurrent_requests_per_copy is not None
                else f"{copies.target_invocations_per_copy} invocations/copy/min"
                if copies.target_invocations_per_copy is not None
                else "fixed"
            )
            cpus = f", {comp.resources.cpus:g} CPUs" if comp.resources.cpus is not None else ""
            lines.append(
                f"| {comp.name} | {copies.initial}, {copies.min}..{copies.max} | {comp.accelerators() or '?'} GPU(s), "
                f"{comp.resources.memory_mb} MB{cpus} | {target} | {', '.join(a.name for a in comp.adapters) or '-'} "
                f"| {'yes' if copies.min == 0 else 'no'} |"
            )
        if not plan.components:
            lines.append("| (none) | | | | | |")
        if plan.worst_case is not None:
            fits = "fits" if plan.worst_case.needed <= high else "does NOT fit"
            lines += ["", f"Worst case (every component at copies.max): {plan.worst_case.summary()}; {fits} in {high}."]
        lines.append("")
    return lines


def acknowledgements(cdk_out: Path) -> list[tuple[str, str, str, str]]:
    """(stack, resource, rule, reason) from the templates' cdk_nag metadata."""
    found = []
    for template_path in sorted(cdk_out.glob("*.template.json")):
        stack = template_path.name.removesuffix(".template.json")
        template = json.loads(template_path.read_text())
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                found.append((stack, logical_id, rule["id"], rule.get("reason", "")))
    return found


# ---------------------------------------------------------------- change against a base ref

SYNTH_ONLY = ("code_max_mb", "serving_passthrough", "model.parameters")  # feed checks, deploy nothing
MODEL_FIELDS = ("model", "container", "serving", "code", "vpc")  # a new Model
ENDPOINT_CONFIG_FIELDS = (*MODEL_FIELDS, "instance", "data_capture", "routing")  # a new EndpointConfig (kinds with one)
IN_PLACE_FIELDS = ("tags", "autoscaling")


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


@dataclass(frozen=True)
class ModelChange:
    name: str
    status: str  # added | removed | changed
    fields: tuple[str, ...] = ()
    consequences: tuple[str, ...] = ()


def consequences(old: dict[str, Any], new: dict[str, Any], fields: list[str], code_changed: bool) -> list[str]:
    kind = KINDS.get(str(new.get("kind")))
    block = {kind.block} if kind is not None and kind.block else set()
    in_place = set(IN_PLACE_FIELDS) | (block if kind is not None and kind.block_updates_in_place else set())
    endpoint_config = set(ENDPOINT_CONFIG_FIELDS) | (block - in_place)
    fields = [f for f in fields if not f.startswith(SYNTH_ONLY)]
    roots = {f.split(".")[0] for f in fields} | ({"code"} if code_changed else set())
    said: list[str] = []
    if not roots:
        return ["checks only (model.parameters, code_max_mb, serving_passthrough): nothing deployed changes"]
    if "kind" in roots:
        return ["kind changed: the stack is rebuilt and the endpoint replaced"]
    if roots & set(MODEL_FIELDS):
        said.append("new Model (new bundle or container settings)")
    if roots & endpoint_config and kind is not None and kind.rollout is not None:
        said.append(f"new EndpointConfig (immutable, replaced): {kind.rollout}")
    if "aot" in roots or ("aot" in new and roots & {"model", "container", "serving"}):
        said.append("new AOT job (new content hash); the endpoint waits for it")
    old_type = flatten(old).get("instance.type")
    new_type = flatten(new).get("instance.type")
    if old_type != new_type and old_type is not None and old.get("autoscaling"):  # registered with autoscaling now
        said.append(
            "instance type change on an autoscaled endpoint: deploy in two steps (remove autoscaling, then change "
            "the type and add it back; README)"
        )
    if roots and roots <= in_place:
        said.append("updated in place (scaling policy, tags or state machine), no replacement")
    return said


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def model_files_at(repo: Path, ref: str, configs: Path) -> dict[str, dict[str, Any]]:
    relative = configs.resolve().relative_to(repo)
    listing = git(repo, "ls-tree", "--name-only", f"{ref}:{relative.as_posix()}" if str(relative) != "." else ref)
    models = {}
    for name in listing.split():
        if name.endswith((".yaml", ".yml")):
            data = yaml.safe_load(git(repo, "show", f"{ref}:{(relative / name).as_posix()}"))
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                models[data["name"]] = data
    return models


def changes(configs: Path, ref: str) -> list[ModelChange]:
    repo = Path(git(configs, "rev-parse", "--show-toplevel").strip())
    before = model_files_at(repo, ref, configs)
    now = {}
    for path in sorted([*configs.glob("*.yaml"), *configs.glob("*.yml")]):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            now[data["name"]] = data
    result = []
    for name in sorted(now.keys() - before.keys()):
        result.append(ModelChange(name, "added", consequences=("new stack",)))
    for name in sorted(before.keys() - now.keys()):
        result.append(
            ModelChange(
                name,
                "removed",
                consequences=(
                    f"`cdk deploy --all` does not delete stacks: run `cdk destroy {naming.stack_name(name)}` (a renamed model "
                    "shows as removed + added: a new stack and endpoint)",
                ),
            )
        )
    for name in sorted(now.keys() & before.keys()):
        old, new = flatten(before[name]), flatten(now[name])
        fields = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        code = now[name].get("code")
        code_changed = isinstance(code, str) and bool(
            git(repo, "diff", "--name-only", ref, "--", str((configs / code).resolve().relative_to(repo))).strip()
        )
        if fields or code_changed:
            shown = tuple(fields) + (("code directory files",) if code_changed and "code" not in fields else ())
            result.append(
                ModelChange(name, "changed", shown, tuple(consequences(before[name], now[name], fields, code_changed)))
            )
    return result


# ---------------------------------------------------------------- the report


def stale_assembly(models: list[ConfigBase], cdk_out: Path) -> str:
    """Which models have no template, and which templates no model ("" when they match)."""
    templates = {p.name.removesuffix(".template.json") for p in cdk_out.glob(f"{naming.PREFIX}-*.template.json")}
    templates -= {naming.SHARED_STACK, naming.GITHUB_OIDC_STACK}
    expected = {naming.stack_name(m.name) for m in models}
    problems = [f"no template for {n}" for n in sorted(expected - templates)]
    problems += [f"template {n} has no config" for n in sorted(templates - expected)]
    return "; ".join(problems)


def render(configs: Path, cdk_out: Path, region: str = "us-east-1", base: str | None = None) -> str:
    models = [loaded.config for loaded in load_configs([configs])]
    prices = PriceTable.load(region)
    lines = [
        "# LMI model report",
        "",
        f"{len(models)} model(s) from `{configs}`, cloud assembly `{cdk_out}`, region {region}.",
        "",
        "## Models",
        "",
        *models_table(models),
        "",
        f"## Cost ({prices.region}, on-demand)",
        "",
    ]
    stale = stale_assembly(models, cdk_out)
    if stale:
        lines[4:4] = [f"> **Warning:** `{cdk_out}` does not match the configs ({stale}): run `make synth` again.", ""]
    rows, _, _ = cost_table(models, prices)
    lines += [*rows, "", f"Prices: {prices.source} Dated {prices.date}; {prices.confidence}.", ""]
    hosts = component_endpoints(models, prices)
    if hosts:
        lines += ["## Inference component endpoints", "", *hosts]
    if base is not None:
        lines += [f"## Changes against `{base}`", ""]
        found = changes(configs, base)
        if not found:
            lines.append("No model config changed.")
        for change in found:
            detail = f" ({', '.join(change.fields)})" if change.fields else ""
            lines.append(f"- **{change.name}** {change.status}{detail}")
            lines += [f"  - {c}" for c in change.consequences]
        lines.append("")
    acks = acknowledgements(cdk_out)
    lines += [
        f"## cdk-nag acknowledgements ({len(acks)})",
        "",
        "| stack | resource | rule | reason |",
        "|---|---|---|---|",
    ]
    lines += [f"| {s} | {r} | `{rule}` | {reason} |" for s, r, rule, reason in acks]
    return "\n".join(lines) + "\n"
