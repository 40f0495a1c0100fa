"""The container image: given one way, pinned, its tag matching its flavour, and runnable where it is placed."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.aot import resolve_engine
from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig, ModelConfig, instance_of
from lmi_core.facts import cpu_image, images, lmi_options
from lmi_core.facts.optimization import version
from lmi_core.issues import Finding, error, quoted


@check(on=ModelConfig, fields=("container.image", "container.tag", "container.uri"))
def image_given_once(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    container = config.container
    recommended = (
        config.aot is not None and container.image is not None and resolve_engine(config) == "optimization-job"
    )
    if container.uri is not None and (container.image is not None or container.tag is not None):
        yield error("container", "give either `uri`, or `image` and `tag`, but not both")
    elif container.uri is None and (container.image is None or (container.tag is None and not recommended)):
        yield error(
            "container",
            "give `image` (lmi|tensorrtllm|neuronx|cpu) and a pinned `tag`, or a full `uri` (a tag may be left out "
            "only with aot: by the optimization job, which recommends the image)",
        )
    elif container.tag is not None and container.tag in {"latest", ""}:
        yield error("container", "the image tag must be pinned (allowed: a version tag such as 0.33.0-lmi15.0.0-cu128)")


@check(on=ModelConfig, fields=("container.image", "container.tag"))
def image_matches_tag(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    container = config.container
    if container.image is None or container.tag is None or container.tag in {"latest", ""}:
        return
    if not images.TAG_PATTERNS[container.image].fullmatch(container.tag):
        yield error(
            "container.tag",
            f"{quoted(container.tag)} is not a {container.image} image tag (allowed: like {images.TAG_EXAMPLES[container.image]})",
        )


@check(on=InstanceConfig, fields=("container.image", "instance.type"))
def image_fits_instance(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    instance = instance_of(config)
    spec = instance.spec() if instance is not None else None
    image = config.container.flavour
    if spec is None or image is None:
        return
    if image in ("lmi", "tensorrtllm") and spec.gpus == 0:
        yield error(
            "instance.type", f"{spec.name} has no GPU; the {image} image needs one (allowed: ml.g5.*, ml.g6.*, ...)"
        )
    if image == "neuronx" and not spec.is_neuron:
        yield error(
            "container.image",
            f"neuronx images need Inferentia or Trainium instances (inf2, trn1, trn1n), not {spec.name}",
        )
    if image == "cpu" and (spec.gpus or spec.is_neuron):
        yield error(
            "container.image", f"the cpu image leaves the accelerators of {spec.name} idle (allowed: lmi, neuronx)"
        )


@check(on=ModelConfig, fields=("serving.option.rolling_batch", "container.image"))
def engine_matches_image(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    rolling = str(config.serving.get("option.rolling_batch", "")).lower()
    image = config.container.flavour
    if rolling == "trtllm" and image not in (None, "tensorrtllm"):
        yield error("serving.option.rolling_batch", f"trtllm needs the tensorrtllm image, not {image}")
    if rolling == "vllm" and image == "tensorrtllm":
        allowed = ", ".join(lmi_options.ROLLING_BATCH_BY_IMAGE["tensorrtllm"])
        yield error(
            "serving.option.rolling_batch", f"vllm needs the lmi image, not tensorrtllm (allowed on it: {allowed})"
        )


@check(on=ModelConfig, fields=("serving.option.rolling_batch", "container.image"))
def rolling_batch_of_another_image(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """tnx (Transformers-NeuronX) exists only on the neuronx image: the GPU images fail at load or ignore it."""
    rolling = str(config.serving.get("option.rolling_batch", "")).lower()
    home = lmi_options.ROLLING_BATCH_IMAGE.get(rolling)
    image = config.container.flavour
    if home is None or image is None or image == home:
        return
    allowed = ", ".join(lmi_options.ROLLING_BATCH_BY_IMAGE[image])
    yield error(
        "serving.option.rolling_batch",
        f"{rolling} (Transformers-NeuronX) needs the {home} image; the {image} image has no {rolling} handler "
        f"(allowed: {allowed})",
    )


@check(on=ModelConfig, fields=("container.image",))
def image_published_in_region(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    image, region = config.container.image, context.region
    if image is None or region is None or images.published(region, image) is not False:
        return
    there = sorted(images.REGIONS[region].flavours)
    yield error(
        "container.image", f"the {image} image is not published in {region} (allowed there: {', '.join(there)})"
    )


@check(on=ModelConfig, fields=("container.tag", "code"))
def cpu_image_has_the_default_handlers_packages(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    """LMI's default handler imports torch, transformers and peft, which the cpu-full image's Python lacks
    (all of them before 0.35; the bundle adds transformers and peft from 0.35 unless it brings a requirements.txt)."""
    tag = config.container.tag
    found = None if tag is None else version(tag)
    if config.container.flavour != "cpu" or context.custom_handler or found is None:
        return
    pins = ", ".join(f"{name}=={pin}" for name, pin in cpu_image.HANDLER_REQUIREMENTS.items())
    if found < cpu_image.FIRST_WITH_TORCH:
        yield error(
            "container.tag",
            f"{tag} has no {', '.join(cpu_image.LACKING_BEFORE_TORCH)} in its Python, which LMI's default handler "
            f"imports at start (allowed: 0.35.0-cpu-full or later, whose Python has torch; the bundle adds {pins})",
        )
        return
    missing = [
        name
        for name in cpu_image.HANDLER_REQUIREMENTS
        if context.requirements is not None and name not in context.requirements
    ]
    if missing:
        yield error(
            "code",
            f"requirements.txt does not install {', '.join(missing)}, which LMI's default handler imports and the "
            f"{tag} image lacks (allowed: add {pins})",
        )
