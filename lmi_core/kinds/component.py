"""component: an LMI model placed on a kind: endpoint file as a SageMaker inference component.

Each copy reserves `resources` (GPUs, host memory, CPU cores) on one instance of the endpoint; the copy
count scales between `copies.min` and `copies.max`, to zero when min is 0. `adapters:` are LoRA
adapter components on top of this one. Rules that need the endpoint (its instance type, its scaling)
are project checks: they see every file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from lmi_core.checks import CheckContext, ProjectFile, check
from lmi_core.checks.engines import bf16_problem
from lmi_core.checks.instance import startup_findings
from lmi_core.checks.memory import accelerator_fit, fit_findings, suggestions
from lmi_core.config import ModelConfig, Strict, s3
from lmi_core.config.blocks import NAME_PATTERN, Timeout
from lmi_core.costs import Cost, PriceTable
from lmi_core.facts import images
from lmi_core.facts.instances import FP8_FAMILIES, W8A16_FAMILIES, instance_spec
from lmi_core.facts.optimization import version
from lmi_core.issues import Finding, did_you_mean, error, quoted, warning
from lmi_core.kinds.endpoint import ComponentEndpointConfig
from lmi_core.kinds.kind import Kind, Placement, S3Use, model_s3_uses
from lmi_core.packing import CopyDemand, Packing, pack
from lmi_core.serving_properties import TP_KEY, ServingValue, parse_int, tensor_parallel_degree

LORA_MAX_RANK = 64  # option.max_lora_rank unless set: covers the usual ranks 8..64 (vLLM's default is 16)


class Resources(Strict):
    accelerators: int | None = Field(
        default=None, ge=1, le=8, description="GPUs per copy; defaults to option.tensor_parallel_degree."
    )
    memory_mb: int = Field(ge=128, description="Host memory reserved per copy (MinMemoryRequiredInMb).")
    cpus: float | None = Field(default=None, ge=0.25, description="CPU cores reserved per copy.")


class Copies(Strict):
    initial: int = Field(default=1, ge=0, le=100, description="Copies at creation (SageMaker needs at least 1).")
    min: int = Field(default=1, ge=0, le=100, description="0 = scale to zero copies when idle.")
    max: int = Field(default=1, ge=1, le=100)
    target_concurrent_requests_per_copy: float | None = Field(
        default=None, ge=1, description="Target tracking on concurrent requests per copy (10-second metric)."
    )
    target_invocations_per_copy: int | None = Field(
        default=None, ge=1, description="Target tracking on invocations per copy per minute."
    )
    scale_in_cooldown: int = Field(default=600, ge=0, le=3600, description="Seconds.")
    scale_out_cooldown: int = Field(default=60, ge=0, le=3600, description="Seconds.")


class Startup(Strict):
    health_check_timeout: Timeout = 1800
    model_data_download_timeout: Timeout = 1800


class Adapter(Strict):
    name: str = Field(min_length=1, max_length=40, pattern=NAME_PATTERN, description="Names its inference component.")
    artifact: str = Field(description="s3://bucket/key.tar.gz: the adapter files in one gzip tar archive.")

    @field_validator("artifact")
    @classmethod
    def _one_archive(cls, value: str) -> str:
        if not value.startswith("s3://"):
            raise ValueError("is not an S3 URI (allowed: s3://bucket/key.tar.gz)")
        _, key = s3.parse(value)
        if not key.endswith(".tar.gz"):
            raise ValueError(
                "SageMaker takes an adapter as one gzip tar archive (allowed: s3://bucket/key.tar.gz, "
                "with adapter_config.json and the weights at its root)"
            )
        return value


class ComponentConfig(ModelConfig):
    kind: Literal["component"]
    endpoint: str = Field(pattern=NAME_PATTERN, description="The `name:` of the kind: endpoint file hosting it.")
    resources: Resources
    copies: Copies = Field(default_factory=Copies)
    startup: Startup = Field(default_factory=Startup)
    adapters: list[Adapter] = Field(default_factory=list, max_length=50, description="LoRA adapters on this model.")

    def accelerators(self) -> int | None:
        """GPUs per copy: `resources.accelerators`, else the tensor-parallel degree."""
        if self.resources.accelerators is not None:
            return self.resources.accelerators
        tp = tensor_parallel_degree(self.serving)
        return tp if isinstance(tp, int) and tp >= 1 else None

    def implied_tensor_parallel_degree(self) -> int | None:
        return self.resources.accelerators

    def demand(self) -> CopyDemand:
        return CopyDemand(self.name, self.accelerators() or 1, self.resources.memory_mb, self.resources.cpus or 0.0)


def effective_serving(config: ComponentConfig) -> dict[str, ServingValue]:
    """serving: plus what a component implies unless set: the TP degree of its GPUs, LoRA for adapters."""
    implied: dict[str, ServingValue] = {}
    accelerators = config.accelerators()
    if accelerators is not None:
        implied[TP_KEY] = accelerators
    if config.adapters:
        implied |= {"option.enable_lora": True, "option.max_loras": len(config.adapters)}
        implied["option.max_lora_rank"] = LORA_MAX_RANK
    return {**implied, **config.serving}


# ---------------------------------------------------------------- checks on one file


@check(on=ComponentConfig, fields=("copies",))
def copy_range(config: ComponentConfig, context: CheckContext) -> Iterator[Finding]:
    copies = config.copies
    if copies.initial == 0:
        yield error(
            "copies.initial",
            "SageMaker cannot create a component with zero copies (allowed: 1..max; copies.min: 0 lets it scale "
            "to zero afterwards)",
        )
    if copies.min > copies.max:
        yield error("copies", f"min ({copies.min}) is above max ({copies.max}) (allowed: min <= max)")
    elif copies.initial > copies.max:
        yield error("copies.initial", f"{copies.initial} is above copies.max (allowed: 1..{copies.max})")
    targets = [t for t in ("target_concurrent_requests_per_copy", "target_invocations_per_copy") if getattr(copies, t)]
    if len(targets) == 2:
        yield error(
            "copies", "give one scaling target: target_concurrent_requests_per_copy or target_invocations_per_copy"
        )
    elif not targets and copies.min < copies.max:
        yield error(
            "copies",
            f"copies scale {copies.min}..{copies.max} on a target (allowed: target_concurrent_requests_per_copy, "
            "or target_invocations_per_copy)",
        )


@check(on=ComponentConfig, fields=("autoscaling",))
def components_scale_copies(config: ComponentConfig, context: CheckContext) -> Iterator[Finding]:
    if config.autoscaling is not None:
        yield error("autoscaling", "a component scales its copies (use copies: {min, max, target_...}), not instances")


@check(on=ComponentConfig, fields=("resources.accelerators", "serving.option.tensor_parallel_degree"))
def copy_packs_its_tensor_parallel_gpus(config: ComponentConfig, context: CheckContext) -> Iterator[Finding]:
    tp = tensor_parallel_degree(config.serving)
    given = config.resources.accelerators
    if given is None and not isinstance(tp, int):
        yield error(
            "resources.accelerators",
            "is required when option.tensor_parallel_degree is not an integer (allowed: the GPUs one copy shards over)",
        )
    elif given is not None and isinstance(tp, int) and tp != given:
        yield error(
            "resources.accelerators",
            f"{given} GPUs per copy, but option.tensor_parallel_degree is {tp}: a copy shards the model over exactly "
            f"its own GPUs (allowed: {tp})",
        )


@check(on=ComponentConfig, fields=("startup.health_check_timeout", "serving.option.model_loading_timeout"))
def component_startup_covers_loading(config: ComponentConfig, context: CheckContext) -> Iterator[Finding]:
    yield from startup_findings("startup.health_check_timeout", config.startup.health_check_timeout, config.serving)


@check(on=ComponentConfig, fields=("adapters", "serving.option.rolling_batch", "container.image"))
def adapters_need_vllm(config: ComponentConfig, context: CheckContext) -> Iterator[Finding]:
    if not config.adapters:
        return
    rolling = str(config.serving.get("option.rolling_batch", "")).lower()
    async_mode = str(config.serving.get("option.async_mode", "")).lower() == "true"
    # From LMI V17 (0.35) an unset or `auto` rolling_batch runs vLLM's async engine (LmiConfigRecommender;
    # docs/research/lmi-release-facts.md); before, `auto` could pick another engine.
    tag = config.container.image_tag
    async_by_default = tag is not None and (version(tag) or (0, 0)) >= (0, 35) and rolling in ("", "auto")
    if config.container.flavour not in (None, "lmi"):
        yield error("adapters", f"LoRA adapters need the lmi (vLLM) image, not {config.container.flavour}")
    elif rolling != "vllm" and not async_mode and not async_by_default:
        yield error(
            "adapters",
            f"LoRA adapters need LMI's vLLM handler; option.rolling_batch is {rolling or 'unset'} "
            "(allowed: option.rolling_batch: vllm, or option.async_mode: true; on LMI 0.35+ also unset)",
        )
    if str(config.serving.get("option.enable_lora", "true")).lower() == "false":
        yield error(
            "serving.option.enable_lora", "is false, but the adapters need it (allowed: true, or leave it unset)"
        )
    seen: set[str] = set()
    for index, adapter in enumerate(config.adapters):
        if adapter.name in seen or adapter.name == config.name:
            yield error(
                f"adapters.{index}.name", f"{quoted(adapter.name)} is used twice (adapter names must be unique)"
            )
        seen.add(adapter.name)
    max_loras = parse_int(effective_serving(config).get("option.max_loras"))
    if max_loras is not None and max_loras < len(config.adapters):
        yield warning(
            "serving.option.max_loras",
            f"{max_loras} for {len(config.adapters)} adapters: requests to the others wait until an adapter slot "
            f"frees (raise it to {len(config.adapters)}, or leave it unset)",
        )


# ---------------------------------------------------------------- checks across files


def endpoints(files: Sequence[ProjectFile]) -> dict[str, ComponentEndpointConfig]:
    return {f.config.name: f.config for f in files if isinstance(f.config, ComponentEndpointConfig)}


def components(files: Sequence[ProjectFile]) -> list[tuple[str, ComponentConfig]]:
    return [(f.path, f.config) for f in files if isinstance(f.config, ComponentConfig)]


@check(fields=("endpoint",), scope="project")
def endpoint_exists(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    """`endpoint:` names a kind: endpoint file; so an endpoint that still hosts components cannot be removed."""
    hosts = endpoints(files)
    by_name = {f.name: f for f in files if f.name is not None}
    allowed = ", ".join(sorted(hosts)) or "the name of a kind: endpoint file; there is none"
    for path, config in components(files):
        named = by_name.get(config.endpoint)
        if config.endpoint in hosts or (named is not None and named.config is None):
            continue  # found, or its file is broken and reports its own errors
        if named is not None and named.config is not None:
            message = f"{quoted(config.endpoint)} is kind {named.config.kind}, not an endpoint (allowed: {allowed})"
        else:
            message = (
                f"no kind: endpoint file is named {quoted(config.endpoint)}{did_you_mean(config.endpoint, hosts)} "
                f"(allowed: {allowed}); an endpoint file stays until no component names it"
            )
        yield path, error("endpoint", message)


@check(fields=("adapters",), scope="project")
def adapter_names_unique(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    """Adapters name inference components: unique among every model and adapter."""
    owner = {f.name: f.path for f in files if f.name is not None}
    for path, config in components(files):
        for index, adapter in enumerate(config.adapters):
            if adapter.name in owner and owner[adapter.name] != path:
                yield (
                    path,
                    error(
                        f"adapters.{index}.name",
                        f"{quoted(adapter.name)} is already used by {owner[adapter.name]} (names must be unique)",
                    ),
                )
            owner.setdefault(adapter.name, path)


@check(fields=("resources", "model.parameters", "copies.min", "aot.instance_type"), scope="project")
def fits_its_endpoint(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    hosts = endpoints(files)
    for path, config in components(files):
        host = hosts.get(config.endpoint)
        if host is not None:
            yield from ((path, finding) for finding in placement_findings(config, host))


def placement_findings(config: ComponentConfig, host: ComponentEndpointConfig) -> Iterator[Finding]:
    """What one copy needs against one instance of its endpoint, and scale to zero."""
    if host.scaling is not None and host.scaling.min == 0 and config.copies.min > 0:
        yield error(
            "copies.min",
            f"{config.copies.min} keeps an instance of {host.name} running, which scales to zero (scaling.min: 0) "
            "only when every component on it can (allowed: 0)",
        )
    spec = instance_spec(host.instance.type)
    if spec is None or not spec.gpus:
        return  # the endpoint file reports its instance type
    accelerators = config.accelerators()
    if accelerators is not None and accelerators > spec.gpus:
        yield error(
            "resources.accelerators",
            f"{accelerators} GPUs per copy, but {spec.name} of {host.name} has {spec.gpus} (allowed: 1..{spec.gpus})",
        )
    if config.resources.memory_mb > spec.memory_mb:
        yield error(
            "resources.memory_mb",
            f"{config.resources.memory_mb} MB per copy, but {spec.name} of {host.name} has {spec.memory_mb} MB "
            f"(allowed: 128..{spec.memory_mb})",
        )
    elif accelerators is not None and accelerators <= spec.gpus:
        share = spec.memory_mb * accelerators // spec.gpus
        if config.resources.memory_mb > share:
            yield warning(
                "resources.memory_mb",
                f"{config.resources.memory_mb} MB per copy is more than the share of {spec.name} memory that goes "
                f"with {accelerators} of its {spec.gpus} GPUs ({share} MB): memory, not GPUs, limits how many copies "
                f"fit, and GPUs idle (allowed without this warning: 128..{share})",
            )
    if config.resources.cpus is not None and config.resources.cpus > spec.vcpus:
        yield error(
            "resources.cpus",
            f"{config.resources.cpus:g} cores per copy, but {spec.name} has {spec.vcpus} (allowed: 0.25..{spec.vcpus})",
        )
    if config.container.flavour == "neuronx":
        yield error(
            "container.image",
            f"neuronx images need Inferentia/Trainium instances, not {spec.name} of {host.name} (allowed: lmi)",
        )
    serving = effective_serving(config)
    if config.model.parameters is not None and accelerators is not None and accelerators <= spec.gpus:
        fit = accelerator_fit(config.model.parameters, serving, spec)
        if fit is not None:
            options = [s for s in suggestions(config.model.parameters, serving, spec.family) if s.startswith("AWQ")]
            advice = f"(try: more GPUs per copy (resources.accelerators and the TP degree); or {'; or '.join(options)})"
            yield from fit_findings(config.model.parameters, fit, advice if options else "(try: more GPUs per copy)")
    if str(serving.get("option.quantize", "")).lower() == "fp8" and spec.family not in FP8_FAMILIES:
        if spec.family in W8A16_FAMILIES:
            yield warning(
                "serving.option.quantize",
                f"fp8 on {spec.accelerator} ({spec.name} of {host.name}) runs as weight-only W8A16 (vLLM Marlin): "
                "half the weight memory, but fp16 compute",
            )
        else:
            yield error(
                "serving.option.quantize",
                f"fp8 needs an Ampere GPU or newer; {spec.name} of {host.name} has {spec.describe_accelerators()} "
                "(allowed there: awq)",
            )
    # a project check has no code: bundle read: a copy with code: may bring its own handler, so only LMI's is checked
    if config.code is None and (problem := bf16_problem(config, CheckContext(), spec, f"{spec.name} of {host.name}")):
        yield error("serving.option.dtype", problem)
    if config.aot is not None and config.aot.instance_type is None:
        yield error(
            "aot.instance_type",
            f"is required on a component: the job prepares the model for one instance type, and that of {host.name} "
            f"is in another file (allowed: {spec.name}, or another ml.{spec.family}.* type)",
        )
    elif config.aot is not None and config.aot.instance_type is not None:
        aot_spec = instance_spec(config.aot.instance_type)
        if aot_spec is not None and aot_spec.family != spec.family:
            yield error(
                "aot.instance_type",
                f"{aot_spec.name} is family {aot_spec.family} but {host.name} runs {spec.family}; prepared engines "
                f"are tied to the GPU architecture (allowed: ml.{spec.family}.*)",
            )
    tag = config.container.image_tag
    ami = host.instance.inference_ami_version
    if tag is not None and ami is not None and images.needs_gpu_4_1_ami(tag) and ami != images.CU130_AMI_VERSION:
        yield error(
            "container.tag",
            f"the CUDA 13 image {tag} needs {images.CU130_AMI_VERSION}, but {host.name} sets inference_ami_version "
            f"{ami} (allowed there: {images.CU130_AMI_VERSION}, or leave it unset)",
        )


@dataclass(frozen=True)
class Hosting:
    """An endpoint, what it hosts, and its worst-case packing (every component at copies.max)."""

    endpoint: ComponentEndpointConfig
    components: tuple[ComponentConfig, ...]
    worst_case: Packing | None  # None: instance type not in the catalog


def hosting(endpoint: ComponentEndpointConfig, configs: Sequence[object]) -> Hosting:
    hosted = tuple(c for c in configs if isinstance(c, ComponentConfig) and c.endpoint == endpoint.name)
    spec = instance_spec(endpoint.instance.type)
    worst = pack(spec, [(c.demand(), c.copies.max) for c in hosted]) if spec is not None and spec.gpus else None
    return Hosting(endpoint, hosted, worst)


@check(fields=("scaling.max",), scope="project")
def capacity_at_max_copies(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    configs = [f.config for f in files]
    for file in files:
        if not isinstance(file.config, ComponentEndpointConfig):
            continue
        plan = hosting(file.config, configs)
        _, most = file.config.instance_range()
        if plan.worst_case is None or plan.worst_case.needed <= most:
            continue
        field = "scaling.max" if file.config.scaling is not None else "instance.count"
        yield (
            file.path,
            error(
                field,
                f"{most} instance(s) cannot hold every component at copies.max: worst case needs "
                f"{plan.worst_case.summary()} (allowed: >= {plan.worst_case.needed}, or lower copies.max)",
            ),
        )


# ---------------------------------------------------------------- report and invoke


def placement(config: ComponentConfig) -> Placement:
    tp = tensor_parallel_degree(effective_serving(config))
    adapters = f", {len(config.adapters)} adapters" if config.adapters else ""
    return Placement(
        f"on {config.endpoint}",
        f"{config.accelerators() or '?'} GPU(s) + {config.resources.memory_mb} MB per copy, TP {tp}{adapters}",
        f"{config.copies.min}..{config.copies.max} copies" + (" (scales to zero)" if config.copies.min == 0 else ""),
    )


def s3_uses(config: ComponentConfig) -> tuple[S3Use, ...]:
    adapters = (S3Use(f"adapters.{i}.artifact", a.artifact, "weights") for i, a in enumerate(config.adapters))
    return (*model_s3_uses(config), *adapters)


def cost(config: ComponentConfig, prices: PriceTable) -> Cost:
    return Cost(0.0, 0.0, f"runs on the instances of {config.endpoint} (priced there)")


KIND = Kind(
    config=ComponentConfig,
    builder="stacks.kinds.component:build",
    invocation="component",
    placement=placement,
    cost=cost,
    capture=lambda config: "by its endpoint",
    rollout=None,
    block="copies",
    block_updates_in_place=True,
    not_allowed={
        "instance": "a component runs on its endpoint's instances (allowed: endpoint: and per-copy resources:)",
        "data_capture": "data capture is set on the endpoint that hosts the component (allowed: data_capture: in the endpoint's file)",
        "vpc": "components run in their endpoint's network (allowed: leave vpc: out; neither components nor their endpoints take one here)",
    },
    depends_on=lambda config: (config.endpoint,),
    invocable_names=lambda config: tuple(adapter.name for adapter in config.adapters),
    s3_uses=s3_uses,
)
