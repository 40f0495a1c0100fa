"""serving.properties keys: known to LMI, not removed, typed; tensor parallelism and quantization that fit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig, ModelConfig, instance_of
from lmi_core.facts import lmi_options
from lmi_core.facts.instances import FP8_FAMILIES, W8A16_FAMILIES
from lmi_core.issues import Finding, did_you_mean, error, warning
from lmi_core.serving_properties import TP_KEY, tensor_parallel_degree


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


@check(scope="document", fields=("serving", "serving_passthrough"))
def serving_keys_known(document: Mapping[str, Any]) -> Iterator[Finding]:
    """Known, removed and typed LMI keys, on the raw YAML: broken files still get these."""
    serving = document.get("serving")
    if not isinstance(serving, dict):
        return
    raw_passthrough = document.get("serving_passthrough")
    passthrough = {str(k) for k in raw_passthrough} if isinstance(raw_passthrough, list) else set()
    container = document.get("container")
    tag = container.get("tag") if isinstance(container, dict) else None
    release = lmi_options.release_of(tag if isinstance(tag, str) else None)

    def gone(since: int) -> bool:
        """Removed by `since`: true for this image, or when the image does not say its release."""
        return release is None or release >= since

    keys = {str(key): value for key, value in serving.items()}
    for key, value in keys.items():
        field = f"serving.{key}"
        lowered = str(value).lower()
        if key == "option.model_id":
            yield error(field, "comes from model.id; set model.id instead")
        elif key in lmi_options.REMOVED_KEYS:
            if gone(lmi_options.REMOVED_KEY_RELEASE.get(key, 0)):
                yield error(field, lmi_options.REMOVED_KEYS[key])
        elif (key, lowered) in lmi_options.REMOVED_VALUES:
            if gone(lmi_options.REMOVED_VALUE_RELEASE.get((key, lowered), 0)):
                yield error(field, f"'{value}' {lmi_options.REMOVED_VALUES[(key, lowered)]}")
        elif key in lmi_options.IGNORED_FROM and gone(lmi_options.IGNORED_FROM[key][0]):
            yield error(field, lmi_options.IGNORED_FROM[key][1])
        elif key in lmi_options.REMOVED_LATER and release is not None and release >= lmi_options.REMOVED_LATER[key][0]:
            yield error(field, lmi_options.REMOVED_LATER[key][1])
        elif key in lmi_options.ADDED_IN and release is not None and release < lmi_options.ADDED_IN[key]:
            yield warning(
                field,
                f"first appears in LMI V{lmi_options.ADDED_IN[key]}; {tag} (V{release}) ignores it (allowed: a newer tag)",
            )
        elif key in lmi_options.PREFER_LMI_NAME:
            yield error(field, f"is vLLM's name: use {lmi_options.PREFER_LMI_NAME[key]} (LMI's name, checked here)")
        elif key in lmi_options.DEPRECATED_KEYS:
            yield warning(field, lmi_options.DEPRECATED_KEYS[key])
        elif key not in lmi_options.KNOWN_KEYS and key not in passthrough:
            yield error(
                field,
                f"unknown LMI option{did_you_mean(key, lmi_options.KNOWN_KEYS)} "
                "(allowed: a documented LMI serving.properties key, or list it in serving_passthrough)",
            )
        elif key in lmi_options.INT_KEYS and not _is_int(value) and not (key == TP_KEY and value == "max"):
            yield error(field, f"must be an integer (got {value!r})")
        elif key in lmi_options.BOOL_KEYS and not isinstance(value, bool) and lowered not in ("true", "false"):
            yield error(field, f"must be true or false (got {value!r})")
        elif key in lmi_options.ALLOWED_VALUES and lowered not in {v.lower() for v in lmi_options.ALLOWED_VALUES[key]}:
            allowed = sorted(lmi_options.ALLOWED_VALUES[key])
            yield error(
                field, f"'{value}' is not allowed{did_you_mean(str(value), allowed)} (allowed: {', '.join(allowed)})"
            )
    for key in sorted(passthrough - set(keys)):
        yield error("serving_passthrough", f"'{key}' is not a key of serving:")


@check(on=ModelConfig, fields=("serving.option.tensor_parallel_degree", "instance.type"))
def tensor_parallel_fits(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    field = f"serving.{TP_KEY}"
    raw = config.serving.get(TP_KEY)
    if raw is None:
        return
    tp = tensor_parallel_degree(config.serving)
    if tp is None:
        yield error(
            field,
            f"'{raw}' must be a positive integer or 'max'"
            if isinstance(raw, str)
            else "must be a positive integer or 'max'",
        )
        return
    if tp == "max":
        return
    instance = instance_of(config)
    spec = instance.spec() if instance is not None else None
    if tp < 1:
        yield error(field, "must be >= 1")
    elif spec is not None and spec.is_neuron and tp > spec.neuron_cores:
        yield error(
            field,
            f"{tp} is more than the {spec.neuron_cores} NeuronCores of {spec.name} (allowed: 1..{spec.neuron_cores})",
        )
    elif spec is not None and spec.gpus and spec.gpus % tp != 0:
        divisors = [str(d) for d in range(1, spec.gpus + 1) if spec.gpus % d == 0]
        yield error(
            field,
            f"{tp} does not divide the {spec.gpus} GPU{'s' if spec.gpus > 1 else ''} of {spec.name} (allowed: {', '.join(divisors)})",
        )


@check(on=InstanceConfig, fields=("serving.option.quantize", "instance.type"))
def fp8_needs_fp8_hardware(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    spec = config.instance.spec()
    quantize = str(config.serving.get("option.quantize", "")).lower()
    if spec is None or quantize != "fp8" or spec.family in FP8_FAMILIES or not spec.from_catalog:
        return
    if spec.family in W8A16_FAMILIES:
        yield warning(
            "serving.option.quantize",
            f"fp8 on {spec.accelerator} ({spec.name}) runs as weight-only W8A16 through vLLM's Marlin kernels: half the "
            "weight memory, but fp16 compute, slower than fp8 on Ada or Hopper (ml.g6, g6e, p5)",
        )
    else:
        yield error(
            "serving.option.quantize",
            f"fp8 needs an Ampere GPU or newer; {spec.name} has {spec.describe_accelerators()} "
            "(allowed there: awq, or use ml.g5/g6/g6e/p4d/p5)",
        )
