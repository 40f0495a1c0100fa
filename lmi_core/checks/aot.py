"""Ahead-of-time preparation: steps SageMaker can combine, an image that can run them and serve the
result, a target the optimization job accepts, and a degree the job and the endpoint agree on."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core import aot as aot_plan
from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ModelConfig, instance_of
from lmi_core.facts import optimization as facts
from lmi_core.facts.instances import (
    FP8_FAMILIES,
    INSTANCES,
    NOT_FOR_TRAINING,
    W8A16_FAMILIES,
    catalog_summary,
    instance_spec,
)
from lmi_core.issues import Finding, did_you_mean, error, quoted, warning
from lmi_core.serving_properties import tensor_parallel_degree

STEPS = "shard, quantize-awq, quantize-fp8, compile"


@check(on=ModelConfig, fields=("aot.mode",))
def aot_steps_combine(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    if config.aot is None:
        return
    steps = config.aot.steps
    for step in sorted({s for s in steps if steps.count(s) > 1}):
        yield error("aot.mode", f"lists {step} twice (allowed: each step once)")
    if "speculative-eagle" in steps:
        yield error(
            "aot.mode",
            "speculative-eagle is not supported: LMI serves the job's EAGLE draft only through "
            "OPTION_SPECULATIVE_DRAFT_MODEL, which LMI 0.33+ ignores (vLLM reads option.speculative_config) "
            f"(allowed: {STEPS}; or set option.speculative_config in serving:)",
        )
    if "shard" in steps and len(set(steps)) > 1:
        yield error("aot.mode", "shard cannot be combined with other steps (CreateOptimizationJob) (allowed: [shard])")
    flavour = config.container.image
    if flavour is None:
        yield error(
            "container",
            "aot: needs container.image and container.tag: the job's image follows the flavour (allowed: image and "
            "tag, not uri)",
        )
        return
    allowed = facts.FLAVOUR_STEPS.get(flavour, frozenset())
    for step in steps:
        if step not in allowed and step != "speculative-eagle":
            yield error(
                "aot.mode",
                f"{step} is not a step of the {flavour} image "
                f"(allowed for {flavour}: {', '.join(sorted(allowed)) or 'none: serve it without aot:'})",
            )
    if flavour == "tensorrtllm" and any(s.startswith("quantize-") for s in steps) and "compile" not in steps:
        yield error(
            "aot.mode", "on the tensorrtllm image quantization runs while compiling (allowed: [quantize-awq, compile])"
        )


@check(on=ModelConfig, fields=("aot.engine", "aot.job_tag", "container.tag", "model.id"))
def aot_engine_can_run(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    plan = aot_plan.plan(config)
    flavour, tag = config.container.image, config.container.tag
    if plan is None or flavour is None or flavour not in facts.OPTIMIZATION_IMAGES:
        return
    compiles_trtllm = flavour == "tensorrtllm" and "compile" in plan.steps
    if plan.engine == "training-job":
        if not compiles_trtllm:
            yield error(
                "aot.engine",
                "training-job only compiles TensorRT-LLM engines, with the image's own trt_llm_partition.py "
                "(allowed: optimization-job)",
            )
        return
    if not config.model.is_s3:
        yield error(
            "model.id",
            "the optimization job reads the model from S3 (allowed: an s3:// prefix; copy the hub model there first)",
        )
    job_tag = plan.job_tag or tag or ""
    if not facts.within(job_tag, facts.OPTIMIZATION_IMAGES, flavour):
        if compiles_trtllm and tag is not None and facts.within(tag, facts.TRAINING_JOB_COMPILE, flavour):
            yield error(
                "aot.engine",
                f"SageMaker's optimization job cannot compile for {tag}: the image lacks tensorrt_llm_toolkit "
                f"(allowed: engine training-job, or container.tag {facts.DEFAULT_JOB_TAGS['tensorrtllm']})",
            )
        else:
            low, high = facts.OPTIMIZATION_IMAGES[flavour]
            yield error(
                "aot.job_tag",
                f"{job_tag} cannot run SageMaker's optimization job: its LMI scripts for it are broken or gone "
                f"(allowed: a {flavour} image {low[0]}.{low[1]} to {high[0]}.{high[1]}, "
                f"like {facts.DEFAULT_JOB_TAGS.get(flavour, 'the newest published')})",
            )
    if tag is None:
        return  # served on the image the job recommends
    if "compile" in plan.steps and facts.version(job_tag) != facts.version(tag):
        yield error(
            "aot.job_tag",
            f"artifacts compiled by {job_tag} load only on the same image version (allowed: {tag}, the serving tag)",
        )
    if "shard" in plan.steps and not facts.within(tag, facts.SHARDED_SERVING_IMAGES, flavour):
        yield error(
            "container.tag",
            f"{tag} cannot load the job's shards: only LMI 0.31-0.32 images have option.load_format="
            f"{aot_plan.FAST_MODEL_LOADER} (lmi-dist, removed in 0.33) "
            f"(allowed: {facts.DEFAULT_JOB_TAGS['lmi']})",
        )
    for technique, environment in plan.configs:
        if len(environment) > facts.MAX_OVERRIDE_ENVIRONMENT:
            yield error("serving", f"gives {technique} {len(environment)} OPTION_* settings (allowed: at most 25)")


@check(on=ModelConfig, fields=("aot.instance_type", "instance.type", "serving.option.tensor_parallel_degree"))
def aot_target_fits(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    plan = aot_plan.plan(config)
    if plan is None:
        return
    target = plan.target_instance_type
    if not target:  # no instance to prepare for (serverless): the kind's own check says aot: does not apply
        return
    spec = instance_spec(target)
    if spec is None:
        suggestion = did_you_mean(target, INSTANCES)
        yield error(
            "aot.instance_type",
            f"{quoted(target)} is not in the instance catalog{suggestion} (allowed: {catalog_summary()})",
        )
        return
    if plan.engine == "training-job" and target in NOT_FOR_TRAINING:
        yield error(
            "aot.instance_type", f"{target} does not run training jobs (TrainingInstanceType) (allowed: a GPU type)"
        )
    if plan.engine == "optimization-job" and target not in facts.DEPLOYMENT_INSTANCE_TYPES:
        yield error(
            "aot.instance_type",
            f"{target} is not a target of SageMaker's optimization job (allowed: one of its "
            f"{len(facts.DEPLOYMENT_INSTANCE_TYPES)} deployment types, e.g. ml.g5.*, ml.g6e.*, ml.p5.48xlarge, ml.inf2.*)",
        )
    instance = instance_of(config)
    serving = instance.spec() if instance is not None else None
    if serving is not None and spec.family != serving.family:
        yield error(
            "aot.instance_type",
            f"{target} is family {spec.family} but serving uses {serving.family}; "
            f"prepared engines are tied to the accelerator architecture (allowed: ml.{serving.family}.*)",
        )
    if spec.tp_units < plan.tensor_parallel_degree:
        unit = "NeuronCores" if spec.is_neuron else "GPUs"
        yield error(
            "aot.instance_type",
            f"{target} has {spec.tp_units} {unit}; the artifacts are prepared for tensor-parallel degree "
            f"{plan.tensor_parallel_degree} (allowed: an instance with at least {plan.tensor_parallel_degree})",
        )
    if "shard" in plan.steps and not isinstance(tensor_parallel_degree(config.serving), int):
        yield error(
            "serving.option.tensor_parallel_degree",
            "is required with aot shard: the shards are made for one degree, and the endpoint must use the same "
            "(allowed: an integer)",
        )
    if "quantize-fp8" in plan.steps and spec.family not in FP8_FAMILIES:
        if spec.family in W8A16_FAMILIES:
            yield warning(
                "aot.mode",
                f"FP8 weights on {spec.accelerator} run as weight-only W8A16 (vLLM Marlin): half the memory of fp16, "
                "not fp8 speed (that needs ml.g6, g6e or p5)",
            )
        else:
            yield error(
                "aot.mode", f"quantize-fp8 needs an Ampere GPU or newer; {target} has {spec.describe_accelerators()}"
            )


@check(on=ModelConfig, fields=("serving.option.quantize", "aot.mode"))
def one_quantization(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    if config.aot is None or "option.quantize" not in config.serving:
        return
    if any(step.startswith("quantize-") for step in config.aot.steps):
        yield error(
            "serving.option.quantize",
            "aot already quantizes, and the prepared checkpoint says how; an explicit option.quantize=awq also keeps "
            "vLLM from its Marlin kernels (remove it)",
        )
