"""A Markdown review report of every model: what runs, what it costs, what changed and which
cdk-nag findings were acknowledged. Reads the configs and the synthesized cloud assembly;
never calls AWS (and imports no aws_cdk).

    python -m lmi_constructs.report --cdk-out cdk.out --configs model_configs [--base origin/main]
        [--region us-east-1] [--output report.md]
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lmi_constructs.config import AnyModel, load_configs
from lmi_constructs.config.models import AsyncModel, BatchModel, ServerlessModel
from lmi_constructs.facts.instances import instance_spec

PRICES = Path(__file__).with_name("prices.json")


# ---------------------------------------------------------------- prices and costs


@dataclass(frozen=True)
class PriceTable:
    region: str
    instance_hour: dict[str, float]
    serverless_gb_second: float
    provisioned_gb_second: float
    hours_per_month: int
    source: str
    date: str
    confidence: str

    @classmethod
    def load(cls, region: str, path: Path = PRICES) -> PriceTable:
        data = json.loads(path.read_text())
        regions = data["regions"]
        if region not in regions:
            raise SystemExit(f"no prices for region {region} (allowed: {', '.join(sorted(regions))})")
        entry = regions[region]
        base = regions[entry.get("same_as") or entry.get("multiplier_of") or region]
        factor = float(entry.get("multiplier", 1.0))
        return cls(
            region=region,
            instance_hour={k: round(v * factor, 4) for k, v in base["instance_hour"].items()},
            serverless_gb_second=base["serverless"]["gb_second"] * factor,
            provisioned_gb_second=base["serverless"]["provisioned_gb_second"] * factor,
            hours_per_month=int(data["hours_per_month"]),
            source=data["source"],
            date=data["date"],
            confidence=entry["confidence"],
        )


@dataclass(frozen=True)
class Cost:
    hour_min: float | None
    hour_max: float | None
    note: str

    def month(self, hours: int) -> tuple[float | None, float | None]:
        def scale(value: float | None) -> float | None:
            return None if value is None else value * hours

        return scale(self.hour_min), scale(self.hour_max)


def capacity(model: AnyModel) -> tuple[int, int]:
    """(min, max) instances: autoscaling range, else the fixed count."""
    instance = getattr(model, "instance", None)
    count = instance.count if instance is not None else 0
    if model.autoscaling is not None:
        return model.autoscaling.min, model.autoscaling.max
    return count, count


def cost(model: AnyModel, prices: PriceTable) -> Cost:
    if isinstance(model, ServerlessModel):
        gb = model.serverless.memory_mb / 1024
        low = model.serverless.provisioned_concurrency or 0
        high = model.autoscaling.max if model.autoscaling is not None else low
        per_unit = gb * 3600 * prices.provisioned_gb_second
        per_1k = 1000 * gb * prices.serverless_gb_second
        return Cost(
            low * per_unit,
            high * per_unit,
            f"provisioned concurrency only; plus ${per_1k:.4f} per 1,000 one-second requests",
        )
    instance = getattr(model, "instance", None)
    price = prices.instance_hour.get(instance.type) if instance is not None else None
    if price is None:
        return Cost(None, None, f"no price for {instance.type if instance else '?'} in the table")
    if isinstance(model, BatchModel):
        return Cost(0.0, price * model.instance.count, "per hour while a transform job runs; 0 when idle")
    low, high = capacity(model)
    note = "scales to zero when idle" if isinstance(model, AsyncModel) and low == 0 else ""
    return Cost(price * low, price * high, note)


def aot_cost(model: AnyModel, prices: PriceTable) -> float | None:
    """Per hour of the AOT job (training prices taken equal to hosting prices: an approximation)."""
    return None if model.aot is None else prices.instance_hour.get(model.aot.instance_type)


# ---------------------------------------------------------------- tables


def money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def models_table(models: list[AnyModel]) -> list[str]:
    rows = [
        "| model | kind | image | instances | GPUs x TP | autoscaling | data capture | AOT |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in models:
        image = m.container.tag or m.container.uri or "?"
        instance = getattr(m, "instance", None)
        if isinstance(m, ServerlessModel):
            where = f"serverless {m.serverless.memory_mb} MB, max {m.serverless.max_concurrency} concurrent"
            gpus = "none"
        else:
            spec = instance_spec(instance.type) if instance is not None else None
            where = f"{instance.type} x {instance.count}" if instance is not None else "?"
            tp = m.serving.get("option.tensor_parallel_degree", "default")
            gpus = (
                f"{spec.gpus} x {spec.gpu_model} ({spec.gpu_memory_gib} GiB), TP {tp}" if spec and spec.gpus else "none"
            )
        scaling = f"{m.autoscaling.min}..{m.autoscaling.max}" if m.autoscaling is not None else "off"
        capture = getattr(m, "data_capture", None)
        captured = f"{capture.sampling_percent} % {capture.mode}" if capture is not None else "off"
        aot = f"{m.aot.mode} on {m.aot.instance_type}" if m.aot is not None else "-"
        rows.append(f"| {m.name} | {m.kind} | {image} | {where} | {gpus} | {scaling} | {captured} | {aot} |")
    return rows


def cost_table(models: list[AnyModel], prices: PriceTable) -> tuple[list[str], float, float]:
    rows = [
        "| model | $/hour at min | $/hour at max | $/month at min | $/month at max | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    total_min = total_max = 0.0
    for m in models:
        c = cost(m, prices)
        month_min, month_max = c.month(prices.hours_per_month)
        note = c.note
        aot = aot_cost(m, prices)
        if aot is not None:
            note = (note + "; " if note else "") + f"AOT job {money(aot)}/hour while it runs"
        rows.append(
            f"| {m.name} | {money(c.hour_min)} | {money(c.hour_max)} | {money(month_min)} | {money(month_max)} | {note} |"
        )
        if not isinstance(m, BatchModel):  # a transform job runs for hours, not for the month
            total_min += month_min or 0.0
            total_max += month_max or 0.0
    rows.append(
        f"| **total** | | | **{money(total_min)}** | **{money(total_max)}** | {prices.hours_per_month} h/month; "
        "batch models not included (priced per running hour) |"
    )
    return rows, total_min, total_max


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

IN_PLACE = ("tags", "autoscaling", "batch")
SYNTH_ONLY = ("code_max_mb", "serving_passthrough", "model.parameters")  # feed checks, deploy nothing
ENDPOINT_CONFIG = ("instance", "serving", "container", "model", "data_capture", "async", "serverless", "code", "vpc")


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
    kind = new.get("kind")
    fields = [f for f in fields if not f.startswith(SYNTH_ONLY)]
    roots = {f.split(".")[0] for f in fields} | ({"code"} if code_changed else set())
    said: list[str] = []
    if not roots:
        return ["checks only (model.parameters, code_max_mb, serving_passthrough): nothing deployed changes"]
    if "kind" in roots:
        return ["kind changed: the stack is rebuilt and the endpoint replaced"]
    if roots & {"model", "container", "serving", "code", "vpc"}:
        said.append("new Model (new bundle or container settings)")
    if roots & set(ENDPOINT_CONFIG) and kind != "batch":
        rollout = "blue/green rollout with auto-rollback" if kind == "realtime" else "SageMaker replaces the instances"
        said.append(f"new EndpointConfig (immutable, replaced): {rollout}")
    if "aot" in roots or ("aot" in new and roots & {"model", "container", "serving"}):
        said.append("new AOT job (new content hash); the endpoint waits for it")
    old_type = flatten(old).get("instance.type")
    new_type = flatten(new).get("instance.type")
    if old_type != new_type and old_type is not None and old.get("autoscaling"):  # registered with autoscaling now
        said.append(
            "instance type change on an autoscaled endpoint: deploy in two steps (remove autoscaling, then change "
            "the type and add it back; README)"
        )
    if roots and roots <= set(IN_PLACE):
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
                    f"`cdk deploy --all` does not delete stacks: run `cdk destroy lmi-{name}` (a renamed model "
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


def stale_assembly(models: list[AnyModel], cdk_out: Path) -> str:
    """Which models have no template, and which templates no model ("" when they match)."""
    templates = {p.name.removesuffix(".template.json") for p in cdk_out.glob("lmi-*.template.json")}
    templates -= {"lmi-shared", "lmi-github-oidc"}
    expected = {f"lmi-{m.name}" for m in models}
    problems = [f"no template for {n}" for n in sorted(expected - templates)]
    problems += [f"template {n} has no config" for n in sorted(templates - expected)]
    return "; ".join(problems)


def render(configs: Path, cdk_out: Path, region: str = "us-east-1", base: str | None = None) -> str:
    models = [loaded.model for loaded in load_configs([configs])]
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
