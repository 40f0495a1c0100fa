"""What the image's engine does with serving values: the dtype and quantization names it takes, and the
keys of another engine that it never reads (facts: lmi_options, "Which engine reads serving.properties")."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.checks.serving import value_problem
from lmi_core.config import InstanceConfig, ModelConfig
from lmi_core.facts import lmi_options, optimization
from lmi_core.facts.instances import PRE_AMPERE_GPUS, InstanceSpec
from lmi_core.issues import Finding, error, quoted, warning
from lmi_core.serving_properties import parse_int

DTYPE = "option.dtype"
QUANTIZE_KEYS = ("option.quantize", "option.quantization")  # VllmRbProperties: quantize, alias quantization


def _text(config: ModelConfig, key: str) -> str:
    value = config.serving.get(key)
    return "" if value is None else str(value).lower()


def _unreadable(value: object) -> bool:
    """A value Java Properties would not read back as written: reported by serving_keys_known already."""
    return isinstance(value, str) and value_problem(value) is not None


def _release(config: ModelConfig) -> int | None:
    return lmi_options.release_of(config.container.image_tag)


def vllm_reads_values(config: ModelConfig, context: CheckContext) -> bool:
    """LMI's vLLM handler builds VllmRbProperties from serving.properties (lmi image, LMI's own handler)."""
    release = _release(config)
    if config.container.flavour != "lmi" or context.custom_handler or release is None:
        return False
    if release < lmi_options.VLLM_CHECKED_FROM:
        return False
    entry = config.serving.get("option.entryPoint")
    rolling = _text(config, "option.rolling_batch") or "auto"
    if (parse_int(config.serving.get("batch_size", 1)) or 1) > 1:
        rolling = "disable"  # LmiConfigRecommender: dynamic batching turns rolling batch off
    async_mode = _text(config, "option.async_mode") == "true"
    if entry == lmi_options.VLLM_ENTRY_POINT:
        return True
    if entry == lmi_options.HF_ENTRY_POINT:
        return rolling == "vllm"
    if entry is not None:
        return False
    default = release >= lmi_options.VLLM_BY_DEFAULT_FROM and (rolling == "auto" or async_mode)
    return rolling == "vllm" or default


def neuronx_reads_values(config: ModelConfig, context: CheckContext) -> bool:
    """djl_python.transformers_neuronx builds TransformerNeuronXProperties from serving.properties."""
    entry = config.serving.get("option.entryPoint")
    return (
        config.container.flavour == "neuronx"
        and not context.custom_handler
        and entry in (None, lmi_options.NEURON_ENTRY_POINT)
    )


@check(on=ModelConfig, fields=("serving.option.dtype", "container.image", "container.tag"))
def dtype_fits_engine(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """vLLM and Transformers-NeuronX take fewer dtype names than the union the serving keys allow, case-sensitively."""
    value = config.serving.get(DTYPE)
    if value is None or _unreadable(value):
        return
    text = str(value)
    field = f"serving.{DTYPE}"
    if vllm_reads_values(config, context) and text not in lmi_options.VLLM_DTYPES:
        allowed = ", ".join(sorted(lmi_options.VLLM_DTYPES))
        if text.lower() in lmi_options.VLLM_DTYPES:
            why = "dtype names are case-sensitive there"
        elif text.lower() == "int8":
            why = "int8 is the HuggingFace accelerate handler's; 8-bit weights are option.quantize"
        else:
            why = "it is not one of its names"
        yield error(field, f"{quoted(text)}: LMI's vLLM handler fails to load the model ({why}) (allowed: {allowed})")
    elif neuronx_reads_values(config, context) and text not in lmi_options.NEURON_DTYPES:
        allowed = ", ".join(sorted(lmi_options.NEURON_DTYPES))
        yield error(field, f"{quoted(text)}: Transformers-NeuronX fails to load the model (allowed: {allowed})")


def bf16_problem(config: ModelConfig, context: CheckContext, spec: InstanceSpec, where: str) -> str | None:
    """bf16 for vLLM on a GPU below compute capability 8.0 (the T4 of ml.g4dn): the model fails to load."""
    value = config.serving.get(DTYPE)
    capability = PRE_AMPERE_GPUS.get(spec.accelerator or "")
    if capability is None or str(value) not in lmi_options.VLLM_BF16_DTYPES or not vllm_reads_values(config, context):
        return None
    return (
        f"{quoted(value)}: vLLM refuses bfloat16 below compute capability 8.0, and {where} has "
        f"{spec.describe_accelerators()}, compute capability {capability}: the model fails to load (allowed: fp16)"
    )


@check(on=InstanceConfig, fields=("serving.option.dtype", "instance.type", "container.image", "container.tag"))
def bf16_needs_ampere(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    spec = config.instance.spec()
    problem = None if spec is None else bf16_problem(config, context, spec, spec.name)
    if problem is not None:
        yield error(f"serving.{DTYPE}", problem)


def _vllm_quantize_findings(
    field: str, value: str, release: int, tag: str | None, allow_deprecated: bool
) -> Iterator[Finding]:
    lowered = value.lower()  # vLLM lower-cases the name
    pinned = lmi_options.VLLM_QUANTIZATION.get(release)
    newest = max(lmi_options.VLLM_QUANTIZATION)
    known = pinned or lmi_options.VLLM_QUANTIZATION[newest]
    allowed = ", ".join(sorted(known.methods - known.deprecated))
    if lowered in lmi_options.NOT_VLLM_QUANTIZE:
        why, instead = lmi_options.NOT_VLLM_QUANTIZE[lowered]
        yield error(
            field,
            f"{quoted(value)} {why}: LMI hands it to vLLM unchanged, which fails to load the model (allowed: {instead})",
        )
    elif pinned is not None and lowered not in pinned.methods:
        yield error(
            field,
            f"{quoted(value)} is not a quantization method of vLLM {pinned.vllm} (LMI V{release}): the model fails to load "
            f"(allowed: {allowed})",
        )
    elif pinned is not None and lowered in pinned.deprecated and not allow_deprecated:
        yield error(
            field,
            f"{quoted(value)} is deprecated in vLLM {pinned.vllm} (LMI V{release}), which refuses it unless "
            f"option.allow_deprecated_quantization is true (allowed: {allowed})",
        )
    elif pinned is None and lowered not in known.methods:
        yield warning(
            field,
            f"{quoted(value)} is not a quantization method of vLLM {known.vllm} (LMI V{newest}), and the vLLM of {tag} "
            f"(V{release}) is not checked here; vLLM fails to load the model on a name it does not know "
            "(allowed: one of that vLLM's quantization methods)",
        )


@check(on=ModelConfig, fields=("serving.option.quantize", "serving.option.quantization", "container.image"))
def quantize_fits_engine(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """vLLM takes only its own method names; Transformers-NeuronX only static_int8; TensorRT-LLM on the 0.33 image
    reads option.quant_algo, not option.quantize."""
    release = _release(config)
    for key in QUANTIZE_KEYS:
        value = config.serving.get(key)
        if value is None or _unreadable(value):
            continue
        text, field = str(value), f"serving.{key}"
        if release is not None and vllm_reads_values(config, context):  # quantize or its alias quantization
            allow_deprecated = _text(config, "option.allow_deprecated_quantization") == "true"
            yield from _vllm_quantize_findings(field, text, release, config.container.image_tag, allow_deprecated)
        elif (
            key == "option.quantize"
            and neuronx_reads_values(config, context)
            and text not in lmi_options.NEURON_QUANTIZE
        ):
            allowed = ", ".join(sorted(lmi_options.NEURON_QUANTIZE))
            yield error(field, f"{quoted(text)}: Transformers-NeuronX fails to load the model (allowed: {allowed})")
        elif (
            config.container.flavour == "tensorrtllm"
            and release is not None
            and release >= lmi_options.TRTLLM_QUANTIZE_IGNORED_FROM
        ):
            yield warning(
                field,
                f"is not read on {config.container.image_tag}: LMI's TensorRT-LLM build takes the method from "
                "option.quant_algo (allowed: option.quant_algo, e.g. W4A16_AWQ or FP8)",
            )


@check(on=ModelConfig, fields=("serving", "container.image", "aot.mode"))
def other_engine_keys_ignored(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """A key of another engine is read by no handler of this image (nor by the model's AOT job): it has no effect."""
    image = config.container.flavour
    if image is None or context.custom_handler:
        return
    steps = config.aot.steps if config.aot is not None else ()
    read_by_job = {key for step in steps for key in optimization.JOB_OPTIONS.get(step, ())}
    for key in config.serving:
        for keys, engine, home in lmi_options.IGNORED_ENGINE_KEYS.get(image, ()):
            if key in keys and key not in read_by_job:
                counterpart = lmi_options.COUNTERPART_KEYS.get((image, key))
                allowed = f"{counterpart}, this image's name" if counterpart else f"delete it, or use the {home} image"
                yield warning(
                    f"serving.{key}",
                    f"is a {engine} option: no handler of the {image} image reads it (allowed: {allowed})",
                )


def async_mode(config: ModelConfig) -> tuple[str, str] | None:
    """(why LMI runs the handler in Python async mode on this image, how to turn it off), or None."""
    release = _release(config)
    if release is None or release < lmi_options.ASYNC_MODE_FROM:
        return None
    if _text(config, "option.async_mode") == "true":  # Boolean.parseBoolean
        return "option.async_mode is true", "drop option.async_mode"
    if _recommender_turns_async_on(config, release) and config.model.task in (None, "text-generation"):
        state = "unset" if config.serving.get("option.rolling_batch") is None else "auto"
        why = f"with option.rolling_batch {state} LMI V{release} runs a text-generation model in async mode"
        return why, "serving: option.rolling_batch: disable"
    return None


@check(on=ModelConfig, fields=("code", "serving.option.rolling_batch", "serving.option.async_mode", "container.tag"))
def async_mode_awaits_handle(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """A plain `def handle` in async mode: every request fails when LMI awaits its result."""
    mode = async_mode(config) if context.sync_handler else None
    if mode is None:
        return
    why, fix = mode
    entry = config.serving.get("option.entryPoint") or "model.py"
    yield error(
        "code",
        f"{entry} defines a plain `def handle`, but {why}, which awaits handle(inputs): every request fails "
        f"with a TypeError (allowed: `async def handle`, or {fix})",
    )


@check(on=ModelConfig, fields=("code", "serving.option.rolling_batch", "serving.option.async_mode", "container.tag"))
def sync_mode_calls_handle_without_await(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """An `async def handle` outside async mode: LMI calls it and gets a coroutine back, never run, so every
    request fails ("Invalid output type": python_sync_engine.py on 0.36.0-lmi27-dlc, djl_python_engine.py on 0.29)."""
    release = _release(config)
    if not context.custom_handler or context.sync_handler or release is None or async_mode(config) is not None:
        return
    if _architecture_decides(config, release):
        return  # LMI reads config.json's architectures, which model.task only stands in for
    entry = config.serving.get("option.entryPoint") or "model.py"
    turn_on = ", or serving: option.async_mode: true" if release >= lmi_options.ASYNC_MODE_FROM else ""
    yield error(
        "code",
        f"{entry} defines `async def handle`, but LMI V{release} runs this model in sync mode, which calls handle() "
        f"without awaiting it: every request fails with Invalid output type (allowed: a plain `def handle`{turn_on})",
    )


def _recommender_turns_async_on(config: ModelConfig, release: int) -> bool:
    """LmiConfigRecommender turns async mode on here for a text-generation architecture (config.json's, which
    model.task only stands in for): V17+, an lmi or tensorrtllm image, rolling batch unset or auto, no batching."""
    return (
        config.container.flavour in lmi_options.ASYNC_MODE_FLAVOURS
        and release >= lmi_options.ASYNC_MODE_BY_DEFAULT_FROM
        and config.serving.get("option.rolling_batch") in (None, "auto")
        and (parse_int(config.serving.get("batch_size", 1)) or 1) <= 1
    )


def _architecture_decides(config: ModelConfig, release: int) -> bool:
    """async_mode() found no async mode only because model.task names another task: LMI itself decides from
    config.json's architectures, so an embedding task may still run async."""
    return _recommender_turns_async_on(config, release) and config.serving.get("option.async_mode") is None
