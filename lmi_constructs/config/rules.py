"""Cross-field rules checked after the YAML has the right shape.

Each rule is a generator of `(field path, message, severity)` registered with @rule.
They encode SageMaker and LMI facts (../shared/DESIGN.md) so a bad config fails in
a second at synth instead of 30 minutes into a deploy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from lmi_constructs.config import memory
from lmi_constructs.config.issues import Severity, did_you_mean
from lmi_constructs.config.models import (
    AnyModel,
    AsyncModel,
    BatchModel,
    RealtimeModel,
    ServerlessModel,
)
from lmi_constructs.facts import image_registry, lmi_options
from lmi_constructs.facts.instances import INSTANCES, InstanceSpec, instance_spec

Finding = tuple[str, str, Severity]
Rule = Callable[[Any], Iterator[Finding]]

# Kinds whose constructs exist. The others parse, then stop here with a clear message.
SUPPORTED_KINDS = ("realtime", "serverless", "async", "batch")
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
FP8_FAMILIES = frozenset({"g6", "g6e", "p5"})  # Ada / Hopper; A10G (g5) and A100 have no FP8

RULES: list[Rule] = []


def rule(func: Rule) -> Rule:
    RULES.append(func)
    return func


def error(field: str, message: str) -> Finding:
    return (field, message, "error")


def warning(field: str, message: str) -> Finding:
    return (field, message, "warning")


def check_model(model: AnyModel, stage: str = "dev") -> list[Finding]:
    findings = [finding for check in RULES for finding in check(model)]
    if stage == "prod" and not isinstance(model, ServerlessModel) and getattr(model, "data_capture", None) is None:
        findings.append(warning("data_capture", "is off in stage prod: no record of what the model answered"))
    return findings


def check_project(names: list[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """Rules across files: (file, name) pairs; names must be unique (they name stacks and endpoints)."""
    first_file: dict[str, str] = {}
    for file, name in names:
        if name in first_file:
            yield (
                file,
                "name",
                f"'{name}' is already used by {first_file[name]} (names must be unique)",
            )
        else:
            first_file[name] = file


# ---------------------------------------------------------------- helpers


def serving_instance(model: AnyModel) -> InstanceSpec | None:
    instance = getattr(model, "instance", None)
    return instance_spec(instance.type) if instance is not None else None


def tensor_parallel_degree(model: AnyModel) -> int | str | None:
    value = model.serving.get("option.tensor_parallel_degree")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def image_tag(model: AnyModel) -> str | None:
    if model.container.tag is not None:
        return model.container.tag
    uri = model.container.uri or ""
    return uri.rsplit(":", 1)[-1] if ":" in uri.rsplit("/", 1)[-1] else None


def derived_names(model: AnyModel) -> dict[str, str]:
    """Physical names this tool derives from `name` (all must fit SageMaker's 63 chars)."""
    names = {"endpoint": model.name, "stack": f"lmi-{model.name}"}
    if model.aot is not None:
        names["aot training job"] = f"lmi-aot-{model.name[:30]}-{'0' * 16}-r9"
    if isinstance(model, BatchModel):
        names["transform job"] = f"{model.name}-{'0' * 20}"
    return names


# ---------------------------------------------------------------- rules


@rule
def kind_is_built(model: AnyModel) -> Iterator[Finding]:
    if model.kind not in SUPPORTED_KINDS:
        yield error(
            "kind",
            f"'{model.kind}' is not yet supported by this version (supported: {', '.join(SUPPORTED_KINDS)})",
        )


@rule
def names_fit(model: AnyModel) -> Iterator[Finding]:
    for what, name in derived_names(model).items():
        if len(name) > 63 or not SAGEMAKER_NAME.match(name):
            yield error(
                "name",
                f"gives the {what} name '{name}', which breaks SageMaker's rule (<= 63 chars, [a-zA-Z0-9](-*[a-zA-Z0-9])*)",
            )


@rule
def instance_known(model: AnyModel) -> Iterator[Finding]:
    instance = getattr(model, "instance", None)
    if instance is not None and instance_spec(instance.type) is None:
        yield error(
            "instance.type",
            f"'{instance.type}' is not in the instance catalog{did_you_mean(instance.type, INSTANCES)} "
            f"(allowed: ml.g5.*, ml.g6.*, ml.g6e.*, ml.p4d.24xlarge, ml.p5.48xlarge, ml.m5.*, ml.c5.*)",
        )


@rule
def image_matches_tag(model: AnyModel) -> Iterator[Finding]:
    container = model.container
    if container.image is None or container.tag is None:
        return
    if not image_registry.TAG_PATTERNS[container.image].match(container.tag):
        yield error(
            "container.tag",
            f"'{container.tag}' is not a {container.image} image tag (allowed: like {image_registry.TAG_EXAMPLES[container.image]})",
        )


@rule
def image_fits_instance(model: AnyModel) -> Iterator[Finding]:
    spec = serving_instance(model)
    image = model.container.image
    if spec is None or image is None:
        return
    if image in ("lmi", "tensorrtllm") and spec.gpus == 0:
        yield error(
            "instance.type",
            f"{spec.name} has no GPU; the {image} image needs one (allowed: ml.g5.*, ml.g6.*, ...)",
        )
    if image == "neuronx":
        yield error(
            "container.image",
            f"neuronx images need Inferentia/Trainium instances (inf2, trn1), not {spec.name}",
        )


@rule
def tensor_parallel_fits(model: AnyModel) -> Iterator[Finding]:
    spec = serving_instance(model)
    tp = tensor_parallel_degree(model)
    field = "serving.option.tensor_parallel_degree"
    if "option.tensor_parallel_degree" in model.serving and tp is None:
        yield error(field, "must be a positive integer or 'max'")
        return
    if tp is None or tp == "max":
        return
    if isinstance(tp, str):
        yield error(field, f"'{tp}' must be a positive integer or 'max'")
        return
    if tp < 1:
        yield error(field, "must be >= 1")
    elif spec is not None and spec.gpus and spec.gpus % tp != 0:
        divisors = [str(d) for d in range(1, spec.gpus + 1) if spec.gpus % d == 0]
        yield error(
            field,
            f"{tp} does not divide the {spec.gpus} GPU{'s' if spec.gpus > 1 else ''} of {spec.name} (allowed: {', '.join(divisors)})",
        )


@rule
def no_volume_on_nvme(model: AnyModel) -> Iterator[Finding]:
    spec = serving_instance(model)
    instance = getattr(model, "instance", None)
    if spec is not None and instance is not None and instance.volume_size_gb is not None and spec.has_nvme:
        yield error(
            "instance.volume_size_gb",
            f"{spec.name} has {spec.nvme_gb} GB local NVMe and SageMaker rejects VolumeSizeInGB on it (remove the field)",
        )


@rule
def startup_covers_model_loading(model: AnyModel) -> Iterator[Finding]:
    instance = getattr(model, "instance", None)
    loading = model.serving.get("option.model_loading_timeout")
    if instance is None or loading is None or isinstance(loading, bool):
        return
    try:
        loading_seconds = int(loading)
    except (TypeError, ValueError):
        return  # the serving-key type rule reports it
    if instance.startup_health_check_timeout < loading_seconds:
        yield error(
            "instance.startup_health_check_timeout",
            f"{instance.startup_health_check_timeout}s is shorter than option.model_loading_timeout ({loading_seconds}s); "
            f"SageMaker would kill the container while the model loads (allowed: {loading_seconds}..3600)",
        )


@rule
def serving_keys_known(model: AnyModel) -> Iterator[Finding]:
    yield from check_serving(model.serving, model.serving_passthrough)


def check_serving(serving: dict[str, Any], passthrough_keys: list[str]) -> Iterator[Finding]:
    """Known, removed and typed LMI keys. Runs on raw YAML too, so broken files still get these."""
    passthrough = set(passthrough_keys)
    for key, value in serving.items():
        field = f"serving.{key}"
        lowered = str(value).lower()
        if key == "option.model_id":
            yield error(field, "comes from model.id; set model.id instead")
        elif key in lmi_options.REMOVED_KEYS:
            yield error(field, lmi_options.REMOVED_KEYS[key])
        elif (key, lowered) in lmi_options.REMOVED_VALUES:
            yield error(field, f"'{value}' {lmi_options.REMOVED_VALUES[(key, lowered)]}")
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
        elif (
            key in lmi_options.INT_KEYS
            and not _is_int(value)
            and not (key == "option.tensor_parallel_degree" and value == "max")
        ):
            yield error(field, f"must be an integer (got {value!r})")
        elif key in lmi_options.BOOL_KEYS and not isinstance(value, bool) and lowered not in ("true", "false"):
            yield error(field, f"must be true or false (got {value!r})")
        elif key in lmi_options.ALLOWED_VALUES and lowered not in {v.lower() for v in lmi_options.ALLOWED_VALUES[key]}:
            allowed = sorted(lmi_options.ALLOWED_VALUES[key])
            yield error(
                field,
                f"'{value}' is not allowed{did_you_mean(str(value), allowed)} (allowed: {', '.join(allowed)})",
            )
    for key in sorted(passthrough - set(serving)):
        yield error("serving_passthrough", f"'{key}' is not a key of serving:")


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


@rule
def engine_matches_image(model: AnyModel) -> Iterator[Finding]:
    rolling = str(model.serving.get("option.rolling_batch", "")).lower()
    image = model.container.image
    if rolling == "trtllm" and image not in (None, "tensorrtllm"):
        yield error(
            "serving.option.rolling_batch",
            f"trtllm needs the tensorrtllm image, not {image}",
        )
    if rolling == "vllm" and image == "tensorrtllm":
        yield error("serving.option.rolling_batch", "vllm needs the lmi image, not tensorrtllm")


@rule
def fp8_needs_fp8_hardware(model: AnyModel) -> Iterator[Finding]:
    spec = serving_instance(model)
    quantize = str(model.serving.get("option.quantize", "")).lower()
    if spec is not None and spec.gpus and quantize == "fp8" and spec.family not in FP8_FAMILIES:
        yield error(
            "serving.option.quantize",
            f"fp8 needs an Ada or Hopper GPU; {spec.name} has {spec.gpu_model} (allowed there: awq, or use ml.g6/g6e/p5)",
        )


@rule
def realtime_autoscaling(model: AnyModel) -> Iterator[Finding]:
    scaling = model.autoscaling
    if scaling is None or not isinstance(model, RealtimeModel):
        return
    if scaling.min < 1:
        yield error(
            "autoscaling.min",
            "a real-time endpoint cannot scale to zero (allowed: 1..max; use kind async for scale to zero)",
        )
    if scaling.target_invocations_per_instance is None:
        yield error(
            "autoscaling.target_invocations_per_instance",
            "is required for kind realtime",
        )
    if scaling.target_backlog_per_instance is not None:
        yield error(
            "autoscaling.target_backlog_per_instance",
            "is for kind async (realtime uses target_invocations_per_instance)",
        )
    if scaling.min > model.instance.count or scaling.max < model.instance.count:
        yield error(
            "instance.count",
            f"{model.instance.count} is outside autoscaling min..max ({scaling.min}..{scaling.max})",
        )


@rule
def async_autoscaling(model: AnyModel) -> Iterator[Finding]:
    scaling = model.autoscaling
    if scaling is None or not isinstance(model, AsyncModel):
        return
    if scaling.target_invocations_per_instance is not None:
        yield error(
            "autoscaling.target_invocations_per_instance",
            "InvocationsPerInstance is not published for async endpoints (use target_backlog_per_instance)",
        )
    if scaling.target_backlog_per_instance is None:
        yield error("autoscaling.target_backlog_per_instance", "is required for kind async")


@rule
def serverless_has_no_gpu_features(model: AnyModel) -> Iterator[Finding]:
    if not isinstance(model, ServerlessModel):
        return
    if model.container.image not in (None, "cpu"):
        yield error(
            "container.image",
            f"serverless endpoints have no GPU; '{model.container.image}' needs one (allowed: cpu)",
        )
    tp = tensor_parallel_degree(model)
    if tp not in (None, 1):
        yield error(
            "serving.option.tensor_parallel_degree",
            "serverless endpoints have no GPUs to shard over (allowed: 1)",
        )
    scaling = model.autoscaling
    if scaling is not None:
        if model.serverless.provisioned_concurrency is None:
            yield error(
                "autoscaling",
                "serverless autoscaling scales provisioned concurrency; set serverless.provisioned_concurrency",
            )
        if scaling.min < 1:
            yield error("autoscaling.min", "provisioned concurrency scales between 1 and serverless.max_concurrency")
        if scaling.max > model.serverless.max_concurrency:
            yield error(
                "autoscaling.max",
                f"{scaling.max} exceeds serverless.max_concurrency ({model.serverless.max_concurrency})",
            )
        for field in ("target_invocations_per_instance", "target_backlog_per_instance"):
            if getattr(scaling, field) is not None:
                yield error(f"autoscaling.{field}", "is not for kind serverless (allowed: target_utilization)")
    if model.aot is not None:
        yield error(
            "aot",
            "ahead-of-time preparation targets GPU instances; serverless has none",
        )


@rule
def memory_fits(model: AnyModel) -> Iterator[Finding]:
    parameters = model.model.parameters
    if parameters is None:
        return
    serving = dict(model.serving)
    if isinstance(model, ServerlessModel):
        weights = memory.weights_gib(parameters, {"option.dtype": "fp32", **serving})
        fit = memory.Fit(
            weights, model.serverless.memory_mb / 1024, f"{model.serverless.memory_mb} MB of serverless memory"
        )
        advice = "(allowed: a smaller model, or a GPU kind)"
    else:
        spec = serving_instance(model)
        gpu = memory.gpu_fit(parameters, serving, spec) if spec is not None else None
        if gpu is None or spec is None:
            return
        fit = gpu
        options = memory.suggestions(parameters, serving, spec.family)
        advice = f"(try: {'; or '.join(options)})" if options else ""
    text = f"~{fit.weights_gib:.0f} GiB of weights for {fit.capacity_gib:.0f} GiB usable on {fit.where}"
    if fit.share > memory.ERROR_SHARE:
        yield error("model.parameters", f"{parameters:g}B parameters do not fit: {text} {advice}".rstrip())
    elif fit.share > memory.WARN_SHARE:
        left = 100 - memory.WARN_SHARE * 100
        yield warning(
            "model.parameters", f"tight fit: {text}, under {left:.0f} % left for the KV cache {advice}".rstrip()
        )


@rule
def cu130_ami(model: AnyModel) -> Iterator[Finding]:
    instance = getattr(model, "instance", None)
    tag = image_tag(model)
    if instance is None or instance.inference_ami_version is None or tag is None:
        return
    if image_registry.needs_gpu_4_1_ami(tag) and instance.inference_ami_version != image_registry.CU130_AMI_VERSION:
        yield error(
            "instance.inference_ami_version",
            f"{instance.inference_ami_version} has too old a GPU driver for the CUDA 13 image {tag}; the endpoint "
            f"would fail its health check (allowed: {image_registry.CU130_AMI_VERSION}, or leave it unset)",
        )


@rule
def scaling_headroom(model: AnyModel) -> Iterator[Finding]:
    scaling = model.autoscaling
    if scaling is not None and scaling.max == 1 and not isinstance(model, ServerlessModel):
        yield warning("autoscaling.max", "is 1: autoscaling can never add capacity (raise max or drop the block)")


@rule
def batch_settings(model: AnyModel) -> Iterator[Finding]:
    if not isinstance(model, BatchModel):
        return
    if model.autoscaling is not None:
        yield error("autoscaling", "transform jobs do not autoscale; set instance.count instead")
    if model.batch.output.startswith(model.batch.input):
        yield error(
            "batch.output",
            "is inside batch.input: every result would start another transform job (use a sibling prefix)",
        )


@rule
def target_fields_match_kind(model: AnyModel) -> Iterator[Finding]:
    scaling = model.autoscaling
    if scaling is not None and scaling.target_utilization is not None and not isinstance(model, ServerlessModel):
        yield error("autoscaling.target_utilization", "is for kind serverless only")


@rule
def aot_fits(model: AnyModel) -> Iterator[Finding]:
    aot = model.aot
    spec = serving_instance(model)
    if aot is None:
        return
    aot_spec = instance_spec(aot.instance_type)
    if aot_spec is None:
        yield error(
            "aot.instance_type",
            f"'{aot.instance_type}' is not in the instance catalog{did_you_mean(aot.instance_type, INSTANCES)}",
        )
        return
    if spec is not None and aot_spec.family != spec.family:
        yield error(
            "aot.instance_type",
            f"{aot.instance_type} is family {aot_spec.family} but serving uses {spec.family}; "
            f"prepared engines are tied to the GPU architecture (allowed: ml.{spec.family}.*)",
        )
    image = model.container.image
    needs = {"trtllm": "tensorrtllm", "quantize-awq": "lmi", "quantize-fp8": "lmi"}
    if aot.mode in needs and image is not None and image != needs[aot.mode]:
        yield error("aot.mode", f"{aot.mode} needs the {needs[aot.mode]} image, not {image}")
    if aot.mode == "quantize-fp8" and aot_spec.family not in FP8_FAMILIES:
        yield error(
            "aot.mode",
            f"quantize-fp8 needs an Ada or Hopper GPU; {aot_spec.name} has {aot_spec.gpu_model}",
        )
    if aot.mode == "partition" and image in ("lmi", "tensorrtllm"):
        yield error(
            "aot.mode",
            "partition is only for neuronx and pre-0.28 DeepSpeed images (allowed here: trtllm, quantize-awq)",
        )
