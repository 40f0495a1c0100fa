"""Ahead-of-time preparation: an instance the prepared artifacts can serve from, and the right image."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ModelConfig, instance_of
from lmi_core.facts.images import AOT_MODE_IMAGE
from lmi_core.facts.instances import FP8_FAMILIES, INSTANCES, instance_spec
from lmi_core.issues import Finding, did_you_mean, error


@check(on=ModelConfig, fields=("aot.mode", "aot.instance_type", "instance.type", "container.image"))
def aot_fits(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    aot = config.aot
    if aot is None:
        return
    aot_spec = instance_spec(aot.instance_type)
    if aot_spec is None:
        yield error(
            "aot.instance_type",
            f"'{aot.instance_type}' is not in the instance catalog{did_you_mean(aot.instance_type, INSTANCES)}",
        )
        return
    instance = instance_of(config)
    spec = instance_spec(instance.type) if instance is not None else None
    if spec is not None and aot_spec.family != spec.family:
        yield error(
            "aot.instance_type",
            f"{aot.instance_type} is family {aot_spec.family} but serving uses {spec.family}; "
            f"prepared engines are tied to the GPU architecture (allowed: ml.{spec.family}.*)",
        )
    image = config.container.image
    needed = AOT_MODE_IMAGE.get(aot.mode)
    if needed is not None and image is not None and image != needed:
        yield error("aot.mode", f"{aot.mode} needs the {needed} image, not {image}")
    if aot.mode == "quantize-fp8" and aot_spec.family not in FP8_FAMILIES:
        yield error("aot.mode", f"quantize-fp8 needs an Ada or Hopper GPU; {aot_spec.name} has {aot_spec.gpu_model}")
    if aot.mode == "partition" and image in ("lmi", "tensorrtllm"):
        yield error(
            "aot.mode",
            "partition is only for neuronx and pre-0.28 DeepSpeed images (allowed here: trtllm, quantize-awq)",
        )
