"""A Markdown review report of every model: what runs, what it costs, what changed and which
cdk-nag findings were acknowledged. Reads the configs and the synthesized cloud assembly;
never calls AWS (and imports no aws_cdk).

    python -m lmi_cli.report --cdk-out cdk.out --configs model_configs [--base origin/main]
        [--region us-east-1] [--output report.md] [--comment report-comment.md]

The full report has no size limit; the comment version (`--comment`) stays under a PR comment's
limit and points at the full report for what it leaves out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lmi_cli.report import markdown, template_diff
from lmi_cli.report.deploy_effects import INTERRUPTS, consequences, flatten
from lmi_core import aot as aot_plan
from lmi_core import inputs, naming
from lmi_core.config import ConfigBase, ModelConfig
from lmi_core.costs import PriceTable, UnknownPriceRegion
from lmi_core.kinds import KINDS, kind_of, validate_config
from lmi_core.kinds.component import hosting
from lmi_core.kinds.endpoint import ComponentEndpointConfig
from lmi_core.loader import LoadedConfig, discovery, load_in
from lmi_core.loader.yaml_source import parse_yaml, read_yaml
from lmi_core.settings import project_config_dir, project_settings

COMMENT_LIMIT = 60_000  # pr.yml cuts a comment at 65,000 characters; leave room for its marker and link


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
        cells = (m.name, m.kind, image, placement.where, placement.accelerators, scaling, captured, aot)
        rows.append("| " + " | ".join(markdown.text(cell) for cell in cells) + " |")
    return rows


def monthly(config: ConfigBase, prices: PriceTable) -> tuple[float | None, float | None]:
    """($/month at min, at max); (0, 0) for kinds billed per job (batch), None where a price is missing."""
    kind = kind_of(config)
    if not kind.billed_monthly:
        return 0.0, 0.0
    return kind.cost(config, prices).month(prices.hours_per_month)


def cost_table(models: list[ConfigBase], prices: PriceTable) -> tuple[list[str], float, float]:
    rows = [
        "| model | $/hour at min | $/hour at max | $/month at min | $/month at max | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    total_min = total_max = 0.0
    unpriced = []
    for m in models:
        kind = kind_of(m)
        c = kind.cost(m, prices)
        month_min, month_max = c.month(prices.hours_per_month)
        note = c.note
        aot = aot_cost(m, prices)
        if aot is not None:
            note = (note + "; " if note else "") + f"AOT job {money(aot)}/hour while it runs"
        rows.append(
            f"| {markdown.text(m.name)} | {money(c.hour_min)} | {money(c.hour_max)} | {money(month_min)} "
            f"| {money(month_max)} | {markdown.text(note)} |"
        )
        if kind.billed_monthly:  # a transform job runs for hours, not for the month
            if month_max is None:
                unpriced.append(m.name)
            total_min += month_min or 0.0
            total_max += month_max or 0.0
    left_out = (
        f"; **leaves out {len(unpriced)} model(s) without a price: {markdown.text(', '.join(unpriced))}**"
        if unpriced
        else ""
    )
    rows.append(
        f"| **total** | | | **{money(total_min)}** | **{money(total_max)}** | {prices.hours_per_month} h/month; "
        f"batch models not included (priced per running hour){left_out} |"
    )
    return rows, total_min, total_max


def prices_used(models: list[ConfigBase], prices: PriceTable) -> list[str]:
    """Each instance type the models use, with its price's status and date."""
    used = sorted({str(instance.type) for m in models if (instance := getattr(m, "instance", None)) is not None})
    lines = []
    for instance_type in used:
        price = prices.instances.get(instance_type)
        lines.append(
            f"- {markdown.code(instance_type)}: {price.describe() if price else 'no price: outside the catalog'}"
        )
    return lines


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
            f"### {markdown.text(endpoint.name)}: {markdown.text(endpoint.instance.type)}, {low}..{high} instances, "
            f"routing {markdown.text(endpoint.routing)}",
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
            adapters = markdown.text(", ".join(a.name for a in comp.adapters) or "-")
            lines.append(
                f"| {markdown.text(comp.name)} | {copies.initial}, {copies.min}..{copies.max} | "
                f"{comp.accelerators() or '?'} GPU(s), {comp.resources.memory_mb} MB{cpus} | {target} | {adapters} "
                f"| {'yes' if copies.min == 0 else 'no'} |"
            )
        if not plan.components:
            lines.append("| (none) | | | | | |")
        if plan.worst_case is not None:
            fits = "fits" if plan.worst_case.needed <= high else "does NOT fit"
            worst = markdown.text(plan.worst_case.summary())
            lines += ["", f"Worst case (every component at copies.max): {worst}; {fits} in {high}."]
        lines.append("")
    return lines


def acknowledgements(cdk_out: Path) -> list[tuple[str, str, str, str]]:
    """(stack, resource, rule, reason) from the templates' cdk_nag metadata; a model's own name in a reason's path
    (`/aws/sagemaker/Endpoints/m1`, `s3://b/models/m1/`) reads `<model>`, so the same reason on many models is one
    reason (a model named `key` leaves the word `key` alone)."""
    models = {stack: data["model"] for stack, data in inputs.recorded(cdk_out).items() if "model" in data}
    found = []
    for template_path in sorted(cdk_out.glob("*.template.json")):
        stack = template_path.name.removesuffix(".template.json")
        template = json.loads(template_path.read_text())
        model = models.get(stack)
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                reason = str(rule.get("reason", ""))
                own = re.sub(rf"(?<=/){re.escape(model)}(?![A-Za-z0-9])", "<model>", reason) if model else reason
                found.append((stack, logical_id, rule["id"], own))
    return found


def acknowledgement_summary(acks: list[tuple[str, str, str, str]]) -> tuple[list[str], list[str]]:
    """One line per rule with its count; and the details (each reason once, with where it applies)."""
    by_rule: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for stack, resource, rule, reason in acks:  # AwsSolutions-IAM5[Resource::...]: one rule, many findings
        by_rule[rule.split("[", 1)[0]].append((stack, resource, reason))
    summary = [
        "| rule | acknowledged | stacks |",
        "|---|---:|---:|",
        *(
            f"| {markdown.code(rule)} | {len(found)} | {len({stack for stack, _, _ in found})} |"
            for rule, found in sorted(by_rule.items())
        ),
    ]
    details: list[str] = []
    for rule, found in sorted(by_rule.items()):
        reasons: dict[str, list[str]] = defaultdict(list)
        for stack, resource, reason in found:
            reasons[reason].append(f"{stack}/{resource}")
        details.append(f"- {markdown.code(rule)}")
        for reason, where in sorted(reasons.items()):
            shown = markdown.text(", ".join(where[:3])) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
            details.append(f"  - {markdown.text(reason) if reason else '(no reason)'} ({len(where)}: {shown})")
    return summary, details


# ---------------------------------------------------------------- change against a base ref


@dataclass(frozen=True)
class ModelChange:
    name: str
    status: str  # added | removed | changed
    fields: tuple[str, ...] = ()
    consequences: tuple[str, ...] = ()
    values: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new); absent = None
    cost_before: tuple[float | None, float | None] | None = None  # $/month (min, max); None: no config on that side
    cost_after: tuple[float | None, float | None] | None = None
    hosts_others: bool = False  # a removed endpoint whose components' stacks import its guard: deleted last


class BaseRefError(Exception):
    """`--base` cannot be compared with: one line for the user (the ref is unknown, or no git repository)."""


def git(repo: Path, *args: str) -> bytes:
    """git's output as bytes (names as stored: with -z never quoted or split); pathspecs are literal, never globs.
    A failure is a BaseRefError with git's own first line."""
    try:
        done = subprocess.run(["git", "--literal-pathspecs", "-C", str(repo), *args], capture_output=True, check=False)
    except OSError as exc:  # no git on the PATH
        raise BaseRefError(f"git cannot run: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise BaseRefError(f"git {args[0]} in {repo}: {said[0] if said else f'exit {done.returncode}'}")
    return done.stdout


def base_commit(configs: Path, ref: str) -> tuple[Path, str]:
    """(the repository holding `configs`, the commit `ref` names); a BaseRefError names what is missing."""
    try:
        repo = Path(os.fsdecode(git(configs, "rev-parse", "--show-toplevel").rstrip(b"\n")))
    except BaseRefError as exc:  # not a repository, or one git refuses to read (safe.directory)
        raise BaseRefError(f"--base {ref}: no git repository holds {configs} that git can read ({exc})") from None
    try:
        commit = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except BaseRefError:
        raise BaseRefError(
            f"--base {ref}: no such commit in {repo} (allowed: a branch, tag or commit of this repository; "
            "fetch it first, e.g. `git fetch origin main` for origin/main)"
        ) from None
    return repo, commit.decode().strip()


def model_files_at(repo: Path, commit: str, configs: Path) -> dict[str, dict[str, Any]]:
    """The model configs in `configs` at `commit`, by model name; {} where that directory did not exist yet."""
    relative = configs.resolve().relative_to(repo).as_posix()
    inside = [] if relative == "." else ["--", f"{relative}/"]
    models = {}
    for entry in git(repo, "ls-tree", "-z", "--full-tree", commit, *inside).split(b"\0")[:-1]:
        about, _, path = entry.partition(b"\t")
        mode, kind, obj = about.split(b" ")  # <mode> <type> <object>\t<path>
        if kind != b"blob" or mode == b"120000" or not os.fsdecode(path).endswith(discovery.SUFFIXES):
            continue  # a tree, a submodule, a symlink (the loader refuses those) or no config
        document, _ = parse_yaml(git(repo, "cat-file", "blob", obj.decode()))  # the loader's limits: depth, aliases
        if document is None:  # a file that does not parse was never deployed
            continue
        data = document.data
        if isinstance(data, dict) and isinstance(data.get("name"), str) and naming.SAGEMAKER_NAME.match(data["name"]):
            models[data["name"]] = data  # a name no stack can have was never deployed
    return models


def code_changed(repo: Path, commit: str, directory: Path) -> bool:
    """Files of a `code:` directory differ from `commit`'s, or are new and not added to git yet (the bundle has
    them: `make report` before a commit)."""
    try:
        relative = directory.resolve().relative_to(repo).as_posix()
    except ValueError:  # outside the repository: nothing to compare with (the loader keeps it inside)
        return False
    differ = git(repo, "diff", "--no-ext-diff", "--name-only", "-z", commit, "--", relative)
    return bool(differ or git(repo, "ls-files", "-z", "--others", "--exclude-standard", "--", relative))


def cost_of(data: dict[str, Any], prices: PriceTable) -> tuple[float | None, float | None]:
    """$/month of a raw config (shape-checked only: an old config need not pass today's checks)."""
    try:
        return monthly(validate_config(data), prices)
    except (ValidationError, ValueError, TypeError, KeyError):
        return None, None


def deploy_region(cdk_out: Path) -> str | None:
    """The region the stacks are bound to (`-c region=`), or None for environment-agnostic stacks."""
    manifest = cdk_out / "manifest.json"
    if not manifest.is_file():
        return None
    for artifact in json.loads(manifest.read_text()).get("artifacts", {}).values():
        region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
        if artifact.get("type") == "aws:cloudformation:stack" and region and region != "unknown-region":
            return region
    return None


DEFAULT_PRICE_REGION = "us-east-1"


def report_region(given: str | None, cdk_out: Path) -> tuple[str, PriceTable, str]:
    """(the region the report speaks of, its prices, how it was chosen): `given` (--region) first, else the
    region the synthesized stacks deploy to (their environment in the manifest: `region` or `stage_targets`),
    else us-east-1's prices for environment-agnostic stacks. A deploy region without a price table is priced as
    us-east-1 and says so; a `given` one without is an error (UnknownPriceRegion)."""
    bound = deploy_region(cdk_out)
    if given is not None:
        elsewhere = f" (--region; the stacks deploy to {bound})" if bound not in (None, given) else ""
        return given, PriceTable.load(given), elsewhere
    if bound is None:
        return DEFAULT_PRICE_REGION, PriceTable.load(DEFAULT_PRICE_REGION), " (the stacks name no region)"
    try:
        return bound, PriceTable.load(bound), " (the stacks' region)"
    except UnknownPriceRegion:
        note = f" (the stacks' region; no price table for it: priced as {DEFAULT_PRICE_REGION})"
        return bound, PriceTable.load(DEFAULT_PRICE_REGION), note


def removal_script(stacks: list[str], hosts_others: list[bool], where: str) -> list[str]:
    """delete-stack for each stack; component endpoints' last, once the others' deletes completed (their stacks
    import the endpoint's guard export, so CloudFormation refuses the endpoint's delete before): if one of
    those fails, the endpoints' deletes are not sent."""
    others = [stack for stack, hosts in zip(stacks, hosts_others, strict=True) if not hosts]
    hosts = [stack for stack, hosting in zip(stacks, hosts_others, strict=True) if hosting]
    lines = [f"  aws cloudformation delete-stack --stack-name {stack}{where}" for stack in others]
    if hosts:
        waits = [f"aws cloudformation wait stack-delete-complete --stack-name {stack}{where}" for stack in others]
        deletes = [f"aws cloudformation delete-stack --stack-name {stack}{where}" for stack in hosts]
        lines.append("  " + " && ".join(waits + deletes))
    return lines


def removal_commands(name: str, region: str | None, name_stage: str | None = None) -> str:
    stack = naming.stack_name(name, name_stage)
    where = f" --region {region}" if region else ""
    return (
        f"`cdk deploy` never deletes a stack: run `aws cloudformation delete-stack --stack-name {stack}{where}` "
        + ("" if region else "in the account and region it was deployed to ")
        + f"(the YAML is gone, so `cdk destroy {stack}` finds no such stack; retained buckets, keys and log "
        "groups stay)"
    )


def changes(configs: Path, ref: str, prices: PriceTable | None = None, region: str | None = None) -> list[ModelChange]:
    repo, commit = base_commit(configs, ref)
    before = model_files_at(repo, commit, configs)
    now = {}
    for path in discovery.config_files(configs):
        document, _ = read_yaml(path)  # read as the base's files are
        data = None if document is None else document.data
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            now[data["name"]] = data

    def cost(data: dict[str, Any]) -> tuple[float | None, float | None] | None:
        return None if prices is None else cost_of(data, prices)

    result = []
    for name in sorted(now.keys() - before.keys()):
        result.append(ModelChange(name, "added", consequences=("new stack",), cost_after=cost(now[name])))

    def hosts_others(data: dict[str, Any]) -> bool:
        kind = data.get("kind")
        return isinstance(kind, str) and kind in KINDS and KINDS[kind].hosts_others

    for name in sorted(before.keys() - now.keys(), key=lambda name: (hosts_others(before[name]), name)):
        result.append(
            ModelChange(
                name,
                "removed",
                consequences=(
                    removal_commands(name, region),
                    "a renamed model shows as removed + added: a new stack and endpoint",
                ),
                cost_before=cost(before[name]),
                hosts_others=hosts_others(before[name]),
            )
        )
    for name in sorted(now.keys() & before.keys()):
        old, new = flatten(before[name]), flatten(now[name])
        fields = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        code = now[name].get("code")
        files_changed = isinstance(code, str) and code_changed(repo, commit, configs / code)
        if fields or files_changed:
            shown = tuple(fields) + (("code directory files",) if files_changed and "code" not in fields else ())
            result.append(
                ModelChange(
                    name,
                    "changed",
                    shown,
                    tuple(consequences(before[name], now[name], fields, files_changed)),
                    tuple((f, old.get(f), new.get(f)) for f in fields),
                    cost(before[name]),
                    cost(now[name]),
                )
            )
    return result


def shown_value(value: Any) -> str:
    text = "(unset)" if value is None else json.dumps(value) if not isinstance(value, str) else value
    return markdown.code(text if len(text) <= 80 else text[:77] + "...")


def delta(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "n/a"
    change = after - before
    return f"{'+' if change >= 0 else '-'}${abs(change):,.2f}"


def cost_change(change: ModelChange) -> str:
    """'$/month at max $1,034.78 → $1,481.90 (+$447.12), at min ...'"""
    before = change.cost_before or (0.0, 0.0)
    after = change.cost_after or (0.0, 0.0)
    return (
        f"$/month at min {money(before[0])} → {money(after[0])} ({delta(before[0], after[0])}), "
        f"at max {money(before[1])} → {money(after[1])} ({delta(before[1], after[1])})"
    )


def named(names: list[str], most: int = 40) -> str:
    return markdown.text(", ".join(names[:most])) + (f" and {len(names) - most} more" if len(names) > most else "")


def change_lines(found: list[ModelChange], region: str | None = None, name_stage: str | None = None) -> list[str]:
    """Added and removed models in one entry each; changed models grouped when the same change was made to
    several (same fields, values, costs and consequences)."""
    lines: list[str] = []
    total = [0.0, 0.0]
    unknown = []
    for change in found:
        before = change.cost_before or (0.0, 0.0)
        after = change.cost_after or (0.0, 0.0)
        for i in (0, 1):
            if before[i] is None or after[i] is None:
                unknown.append(change.name) if i == 1 else None
            else:
                total[i] += (after[i] or 0.0) - (before[i] or 0.0)
    added = [c for c in found if c.status == "added"]
    if added:
        names = named([f"{c.name} ({delta(0.0, (c.cost_after or (0.0, 0.0))[1])})" for c in added])
        lines.append(f"- **added ({len(added)})**, new stacks, $/month at max: {names}")
    removed = [c for c in found if c.status == "removed"]
    if removed:
        month = sum((c.cost_before or (0.0, 0.0))[1] or 0.0 for c in removed)
        where = f" --region {region}" if region else ""
        lines += [
            f"- **removed ({len(removed)})**: {named([c.name for c in removed])} (-${month:,.2f}/month at max). "
            "`cdk deploy` never deletes a stack, and `cdk destroy` no longer finds one whose YAML is gone: delete "
            + ("them" if region else "them in the account and region they were deployed to")
            + " (retained buckets, keys and log groups stay; a renamed model shows as removed + added):",
            "",
            "  ```bash",
            *removal_script(
                [naming.stack_name(c.name, name_stage) for c in removed], [c.hosts_others for c in removed], where
            ),
            "  ```",
        ]
    groups: dict[tuple[Any, ...], list[ModelChange]] = defaultdict(list)
    for change in (c for c in found if c.status == "changed"):
        key = (change.fields, repr(change.values), change.consequences, change.cost_before, change.cost_after)
        groups[key].append(change)
    for same in groups.values():
        change = same[0]
        who = (
            f"**{markdown.text(change.name)}**"
            if len(same) == 1
            else f"**{len(same)} models** ({named([c.name for c in same])})"
        )
        each = "" if len(same) == 1 else " each"
        lines.append(f"- {who} changed{each}: {cost_change(change)}")
        lines += [f"  - {markdown.code(f)}: {shown_value(old)} → {shown_value(new)}" for f, old, new in change.values]
        if "code directory files" in change.fields and "code" not in {f for f, _, _ in change.values}:
            lines.append("  - files of the `code:` directory changed")
        lines += [f"  - {c}" for c in change.consequences]
    sign = ["+" if t >= 0 else "-" for t in total]
    lines += [
        "",
        f"**Monthly cost change:** {sign[0]}${abs(total[0]):,.2f} at min, {sign[1]}${abs(total[1]):,.2f} at max"
        + (f" (leaves out {named(sorted(set(unknown)))}: no price)" if unknown else ""),
    ]
    return lines


def template_lines(
    models: list[ConfigBase], base_out: Path, head_out: Path, name_stage: str | None = None, region: str | None = None
) -> list[str]:
    """What the deploy replaces and updates, stack by stack, from the base and head templates (judged by the
    registry schemas of `region`); stacks with the same changes are grouped."""
    kinds = {naming.stack_name(m.name, name_stage): m.kind for m in models}
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    changes = template_diff.assembly_changes(base_out, head_out, region or template_diff.SCHEMA_REGION)
    for stack, found in changes.items():
        groups[tuple(template_diff.summary(found, INTERRUPTS.get(kinds.get(stack, ""))))].append(stack)
    lines = [f"### Template changes against {markdown.code(base_out)}", ""]
    for said, stacks in groups.items():
        lines.append(f"- **{named(stacks)}**" + (f" ({len(stacks)} stacks, each)" if len(stacks) > 1 else ""))
        lines += [f"  - {markdown.text(line)}" for line in said]
    if not groups:
        lines.append("No template changed.")
    return [*lines, ""]


# ---------------------------------------------------------------- the report


def shared_record(records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The shared stack's record: the project's digest, the stage, and the models `-c models=` built ({} in an
    assembly from before the records)."""
    return next((d for d in records.values() if "project_sha256" in d), {})


def stale_assembly(
    loaded: list[LoadedConfig], cdk_out: Path, records: dict[str, dict[str, Any]], name_stage: str | None = None
) -> str:
    """Why cdk.out does not show these configs ("" when it does): missing or extra stacks, and inputs whose
    content changed since the synth (`records`: the digests the app records in the cloud assembly)."""
    names = {naming.stack_name(c.config.name, name_stage): c for c in loaded}
    templates = {p.name.removesuffix(".template.json") for p in cdk_out.glob("*.template.json")}
    model_stacks = {stack for stack, data in records.items() if "model" in data}
    if not records:  # an assembly from before the digests: compare stack names only
        model_stacks = {t for t in templates if t.startswith(f"{naming.PREFIX}-")}
        model_stacks -= {naming.SHARED_STACK, naming.GITHUB_OIDC_STACK}
    shared = shared_record(records)
    if shared.get("selected"):  # `-c models=`: the others are left out on purpose
        built = set(shared["selected"].split(","))
        names = {stack: c for stack, c in names.items() if c.config.name in built}
    problems = [f"no template for {n}" for n in sorted(names.keys() - model_stacks)]
    problems += [f"template {n} has no config" for n in sorted(model_stacks - names.keys())]
    changed = [
        names[stack].path.name
        for stack in sorted(names.keys() & records.keys())
        if records[stack].get("sha256") != inputs.model_digest(names[stack])
    ]
    if changed:
        problems.append(f"changed since the synth: {', '.join(changed)}")
    project = shared.get("project_sha256")
    if project is not None and project != inputs.project_digest():
        problems.append("the project's code changed since the synth")
    return "; ".join(problems)


def render(
    configs: Path,
    cdk_out: Path,
    region: str | None = None,
    base: str | None = None,
    *,
    limit: int | None = None,
    full_report: str = "the full report",
    base_cdk_out: Path | None = None,
) -> str:
    """The report; with `limit`, at most that many characters: what does not fit is left to `full_report`."""
    records = inputs.recorded(cdk_out)
    record = shared_record(records)
    stage = record.get("stage")
    name_stage = record.get("name_stage") or None  # the names that stage's stacks carry
    settings, _ = project_settings(stage)
    loaded = load_in(settings, [configs])
    models = [c.config for c in loaded]
    region, prices, chosen = report_region(region, cdk_out)
    header = [
        "# LMI model report",
        "",
        f"{len(models)} model(s) from {markdown.code(configs)}, cloud assembly {markdown.code(cdk_out)}"
        + (f" (stage {markdown.text(stage)})" if stage else "")
        + f", region {markdown.text(region)}{markdown.text(chosen)}.",
        "",
    ]
    if record.get("selected"):
        built = record["selected"].split(",")
        header += [
            f"> **Selected:** {markdown.code(cdk_out)} holds {len(built)} of the {len(models)} models (`-c models=`): "
            f"{', '.join(markdown.code(name) for name in built)}. Templates, acknowledgements and template changes below "
            "cover those only.",
            "",
        ]
    stale = stale_assembly(loaded, cdk_out, records, name_stage)
    if stale:
        synth = "make synth" if configs == project_config_dir() else f"make synth DIR={configs}"
        header += [
            f"> **Stale:** {markdown.code(cdk_out)} was not synthesized from these files ({markdown.text(stale)}). "
            f"Run {markdown.code(synth)} again "
            "before reading the templates, acknowledgements or changes below.",
            "",
        ]
    changed: list[str] = []
    if base is not None:
        region_bound = deploy_region(cdk_out)
        found = changes(configs, base, prices, region_bound)
        changed = [f"## Changes against {markdown.code(base)}", ""]
        changed += change_lines(found, region_bound, name_stage) if found else ["No model config changed."]
        changed.append("")
    if base_cdk_out is not None:
        changed += template_lines(models, base_cdk_out, cdk_out, name_stage, region)
    rows, _, _ = cost_table(models, prices)
    cost = [
        f"## Cost ({prices.region}, on-demand)",
        "",
        *rows,
        "",
        f"Prices: {prices.source} Table dated {prices.date}; {prices.confidence}.",
        "",
    ]
    used = prices_used(models, prices)
    if used:
        cost += ["<details><summary>Instance prices used</summary>", "", *used, "", "</details>", ""]
    table = ["## Models", "", *models_table(models), ""]
    hosts = component_endpoints(models, prices)
    hosting = ["## Inference component endpoints", "", *hosts] if hosts else []
    acks = acknowledgements(cdk_out)
    summary, details = acknowledgement_summary(acks)
    nag = [
        f"## cdk-nag acknowledgements ({len(acks)} on {len({a[0] for a in acks})} stacks)",
        "",
        *summary,
        "",
        "<details><summary>Reasons, and where each applies</summary>",
        "",
        *details,
        "",
        "</details>",
        "",
    ]
    sections = [header, changed, cost, table, hosting, nag]
    text = "\n".join(line for section in sections for line in section) + "\n"
    if limit is None or len(text) <= limit:
        return text
    # Too long for one comment: keep the header, the changes and the totals; the rest is in the full report.
    note = f"> The full report did not fit in one comment: see {full_report}. Sections cut here say so.\n"
    kept: list[str] = []
    for section in sections:
        block = "\n".join(section) + "\n"
        size = len(note) + sum(len(k) for k in kept)
        if size + len(block) <= limit:
            kept.append(block)
        elif section:
            title = next((line for line in section if line.startswith("## ")), "")
            if section is cost:
                block = "\n".join([*section[:4], "| ... | | | | | |", rows[-1], ""]) + "\n"
                if size + len(block) <= limit:
                    kept.append(block)
                    continue
            kept.append(
                f"{title}\n\nLeft out here ({len(block):,} characters): see {full_report}.\n\n" if title else ""
            )
    return "".join(kept[:1]) + note + "".join(kept[1:])
