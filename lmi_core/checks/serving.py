"""serving.properties keys: known to LMI, not removed, typed; tensor parallelism and quantization that fit."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from lmi_core import serving_properties
from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig, ModelConfig, instance_of
from lmi_core.facts import lmi_options
from lmi_core.facts.instances import FP8_FAMILIES, W8A16_FAMILIES
from lmi_core.issues import Finding, did_you_mean, error, quoted, shown, warning
from lmi_core.serving_properties import TP_KEY, parse_float, parse_int, tensor_parallel_degree

# Each key and value is checked several times (every check below, every file, every stage): remember the answers.
key_problem = functools.lru_cache(maxsize=4096)(serving_properties.key_problem)
value_problem = functools.lru_cache(maxsize=4096)(serving_properties.value_problem)

ENTRY_POINT = "option.entryPoint"
# Keys the project writes itself (option.model_id from model.id; option.entryPoint and option.task may be set for you).
_OWN_KEYS = frozenset({"engine", "option.model_id", ENTRY_POINT, "option.task"})


def spelling(key: str) -> str:
    """The form two spellings of one key share: case folded, and OPTION_X read as option.x."""
    folded = key.lower()
    return "option." + folded.removeprefix("option_") if folded.startswith("option_") else folded


_SPELLINGS = {spelling(key): key for key in sorted(lmi_options.KNOWN_KEYS | _OWN_KEYS)}


def integer_problem(key: str, value: Any) -> str | None:
    low = 1 if key in lmi_options.POSITIVE_INT_KEYS else 0
    number = parse_int(value)
    if number is None:  # the tensor-parallel degree's own check also names 'max'
        allowed = f"a whole number, {low}..{lmi_options.JAVA_INT_MAX}"
        return None if key == TP_KEY else f"{shown(value)} is not a whole number (allowed: {allowed})"
    if not low <= number <= lmi_options.JAVA_INT_MAX:
        return f"{number} is out of range (allowed: {low}..{lmi_options.JAVA_INT_MAX})"
    return None


def number_problem(key: str, value: Any) -> str | None:
    """Type and range of an integer or fraction option (None for other keys)."""
    if key in lmi_options.INT_KEYS and not (key == TP_KEY and value == "max"):
        return integer_problem(key, value)
    if key in lmi_options.FRACTION_KEYS:
        return fraction_problem(value)
    return None


def _one_value(key: str) -> str:
    """What a key takes, for a value that is a list, a mapping or null."""
    if key in lmi_options.INT_KEYS:
        return "a whole number" + (" or 'max'" if key == TP_KEY else "")
    if key in lmi_options.FRACTION_KEYS:
        return "a number, more than 0, at most 1"
    if key in lmi_options.BOOL_KEYS:
        return "true or false"
    if key in lmi_options.ALLOWED_VALUES:
        return ", ".join(sorted(lmi_options.ALLOWED_VALUES[key]))
    return "one value: true or false, a number or text"


def fraction_problem(value: Any) -> str | None:
    number = parse_float(value)
    if number is None:
        return f"{shown(value)} is not a number (allowed: more than 0, at most 1, like 0.9)"
    if not 0 < number <= 1:
        return f"{number:g} is out of range (allowed: more than 0, at most 1)"
    return None


def text_findings(serving: Mapping[Any, Any], passthrough: list[str]) -> Iterator[Finding]:
    """Keys and values that java.util.Properties would not read back as written."""
    for entry in passthrough:
        problem = key_problem(str(entry))
        if problem is not None:
            yield error("serving_passthrough", f"{quoted(entry)}: {problem}")
    folded: dict[str, str] = {}
    for raw_key, value in serving.items():
        key = str(raw_key)
        field = f"serving.{key}"
        problem = key_problem(key)
        if problem is not None:
            yield error(field, problem)
            continue
        same = _SPELLINGS.get(spelling(key))
        if same is not None and same != key:
            allowed = "set model.id instead" if same == "option.model_id" else same
            yield error(
                field,
                f"is {same} spelled differently; Java Properties keys are case-sensitive, so both would be set "
                f"(allowed: {allowed})",
            )
        elif spelling(key) in folded:
            yield error(field, f"is {folded[spelling(key)]} spelled differently (allowed: one spelling of a key)")
        folded.setdefault(spelling(key), key)
        if isinstance(value, str):
            problem = value_problem(value)
            if problem is not None:
                yield error(field, problem)


def _unsafe_keys(serving: Mapping[Any, Any]) -> set[str]:
    return {
        str(key)
        for key, value in serving.items()
        if key_problem(str(key)) is not None
        or (isinstance(value, str) and value_problem(value) is not None)
        or (_SPELLINGS.get(spelling(str(key))) not in (None, str(key)))
    }


@check(scope="document", fields=("serving", "serving_passthrough"))
def serving_keys_known(document: Mapping[str, Any]) -> Iterator[Finding]:
    """Known, removed and typed LMI keys, on the raw YAML: broken files still get these."""
    from lmi_core.kinds import KINDS  # the kinds register checks of their own: imported when first run

    serving = document.get("serving")
    kind = document.get("kind")
    if not isinstance(serving, dict) or (
        isinstance(kind, str) and kind in KINDS and "serving" in KINDS[kind].not_allowed
    ):
        return  # no serving: block to check, or a kind that refuses the block (its own message)
    raw_passthrough = document.get("serving_passthrough")
    # entries that are not text are refused by the schema (its own message)
    entries = (
        [entry for entry in raw_passthrough if isinstance(entry, str)] if isinstance(raw_passthrough, list) else []
    )
    passthrough = set(entries)
    yield from text_findings(serving, entries)
    unsafe = _unsafe_keys(serving)
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
        if key in unsafe:
            continue  # reported above; what it would mean is beside the point
        if not isinstance(value, bool | int | float | str):  # the one message for this value, not one per type
            yield Finding(field, f"is {shown(value)} (allowed: {_one_value(key)})", refuses_value=True)
            continue
        if key == "option.model_id":
            yield error(field, "comes from model.id; set model.id instead")
        elif key in lmi_options.REMOVED_KEYS:
            if gone(lmi_options.REMOVED_KEY_RELEASE.get(key, 0)):
                yield error(field, lmi_options.REMOVED_KEYS[key])
        elif (key, lowered) in lmi_options.REMOVED_VALUES:
            if gone(lmi_options.REMOVED_VALUE_RELEASE.get((key, lowered), 0)):
                yield error(field, f"{quoted(value)} {lmi_options.REMOVED_VALUES[(key, lowered)]}")
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
        elif (problem := number_problem(key, value)) is not None:  # what other checks derive from it is noise
            yield Finding(field, problem, refuses_value=True)
        elif key in lmi_options.BOOL_KEYS and not isinstance(value, bool) and lowered not in ("true", "false"):
            yield error(field, f"{quoted(value)} is not allowed (allowed: true, false)")
        elif key in lmi_options.ALLOWED_VALUES and lowered not in {v.lower() for v in lmi_options.ALLOWED_VALUES[key]}:
            allowed = sorted(lmi_options.ALLOWED_VALUES[key])
            yield error(
                field,
                f"{quoted(value)} is not allowed{did_you_mean(str(value), allowed)} (allowed: {', '.join(allowed)})",
            )
    for key in sorted(passthrough - set(keys)):
        if key_problem(key) is None:  # else reported above
            yield error(
                "serving_passthrough",
                f"{quoted(key)} is not a key of serving: (allowed: keys set in serving:; set it there, or drop it here)",
            )


@check(on=ModelConfig, fields=("serving.option.tensor_parallel_degree", "instance.type"))
def tensor_parallel_fits(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    field = f"serving.{TP_KEY}"
    raw = config.serving.get(TP_KEY)
    if raw is None:
        return
    tp = tensor_parallel_degree(config.serving)
    if tp is None and not (isinstance(raw, str) and value_problem(raw)):
        yield error(
            field,
            f"{quoted(raw)} must be a positive integer or 'max'"
            if isinstance(raw, str)
            else "must be a positive integer or 'max'",
        )
        return
    if tp is None or tp == "max":
        return
    instance = instance_of(config)
    spec = instance.spec() if instance is not None else None
    if tp < 1:
        return  # the range is reported with the key's type
    if spec is not None and spec.is_neuron and tp > spec.neuron_cores:
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


@check(on=ModelConfig, fields=("serving.option.entryPoint", "code"))
def entry_point_in_code(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """An entry point that names a file (not a module of the container) must ship in the code: bundle."""
    entry = config.serving.get(ENTRY_POINT)
    if not isinstance(entry, str) or not (entry.endswith(".py") or "/" in entry):
        return
    field = f"serving.{ENTRY_POINT}"
    parts = entry.split("/")
    if entry.startswith("/") or ".." in parts or "" in parts or "." in parts:
        yield error(
            field, f"{quoted(entry)} must be a path inside the code: directory (allowed: like model.py or pkg/model.py)"
        )
    elif config.code is None:
        yield error(
            field,
            f"{quoted(entry)} names a file, but this model has no code: directory to ship it in (allowed: add code:, or a "
            "module of the container like djl_python.huggingface)",
        )
    elif context.code_files is not None and entry not in context.code_files:
        yield error(
            field, f"{entry} is not in the code directory {config.code} (allowed: a file it holds, like model.py)"
        )
