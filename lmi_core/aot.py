"""What an `aot:` block asks SageMaker to do: the engine, the job's image, the optimization configs and
what the serving Model needs to load the result. The checks validate it; the stacks build it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lmi_core.config import ModelConfig, instance_of
from lmi_core.facts import optimization as facts
from lmi_core.serving_properties import ServingValue, format_value, tensor_parallel_degree

Engine = Literal["optimization-job", "training-job"]
FAST_MODEL_LOADER = "sagemaker_fast_model_loader"


@dataclass(frozen=True)
class AotPlan:
    engine: Engine
    steps: tuple[str, ...]
    flavour: str | None  # the serving image's flavour (None for a full container.uri)
    job_tag: str | None  # the tag the job's image runs
    target_instance_type: str  # DeploymentInstanceType (optimization job) or the training job's instance
    tensor_parallel_degree: int
    configs: tuple[tuple[str, dict[str, str]], ...] = ()  # (technique, OverrideEnvironment), in order
    serving_environment: dict[str, str] = field(default_factory=dict)  # what loading the result needs
    model_subdirectory: str = ""  # where in the job's output the prepared model is


def resolve_engine(config: ModelConfig) -> Engine:
    aot, container = config.aot, config.container
    assert aot is not None
    if aot.engine != "auto":
        return aot.engine
    tag, flavour = container.tag, container.image
    trtllm_compile = flavour is not None and tag is not None and "compile" in aot.steps
    if trtllm_compile and facts.within(str(tag), facts.TRAINING_JOB_COMPILE, str(flavour)):
        return "training-job"
    return "optimization-job"


def job_tag(config: ModelConfig, engine: Engine) -> str | None:
    """The image tag the job runs: aot.job_tag; else the serving tag when it can run the job (compiled
    artifacts are tied to it); else the newest image of the flavour that can."""
    aot, container = config.aot, config.container
    assert aot is not None
    if aot.job_tag is not None:
        return aot.job_tag
    tag, flavour = container.tag, container.image
    if flavour is None:
        return None
    if tag is None:  # the endpoint serves on the image the job recommends
        return facts.DEFAULT_JOB_TAGS.get(flavour)
    if engine == "training-job" or "compile" in aot.steps or facts.within(tag, facts.OPTIMIZATION_IMAGES, flavour):
        return tag
    return facts.DEFAULT_JOB_TAGS.get(flavour, tag)


def _job_value(value: ServingValue) -> str | None:
    """The value as serving.properties writes it; None for one it cannot carry (the serving checks report
    it, and a config with an error is never synthesized)."""
    try:
        return format_value(value)
    except ValueError:
        return None


def plan(config: ModelConfig) -> AotPlan | None:
    aot = config.aot
    if aot is None:
        return None
    instance = instance_of(config)
    spec = instance.spec() if instance is not None else None
    # The degree serving uses (read by the same parser), so the job prepares the model for exactly those GPUs.
    tp = tensor_parallel_degree(config.serving)
    implied = config.implied_tensor_parallel_degree()
    if isinstance(tp, int):
        degree = tp
    elif implied is not None:
        degree = implied
    else:
        degree = spec.tp_units if spec is not None and spec.tp_units else 1
    engine = resolve_engine(config)
    configs = []
    if engine == "optimization-job":
        for step in aot.steps:
            environment = {
                facts.option_env(key): text
                for key in facts.JOB_OPTIONS.get(step, ())
                if key in config.serving and (text := _job_value(config.serving[key])) is not None
            }
            environment["OPTION_TENSOR_PARALLEL_DEGREE"] = str(degree)
            if step == "shard":  # the job's dispatcher shards only with it, else quantizes (sm_neo_dispatcher.py, 0.32)
                environment["OPTION_LOAD_FORMAT"] = FAST_MODEL_LOADER
            if step.startswith("quantize-"):
                environment["OPTION_QUANTIZE"] = step.removeprefix("quantize-")
            configs.append((facts.TECHNIQUE[step], dict(sorted(environment.items()))))
    # Like the SageMaker SDK, the Model gets the job's settings; but not OPTION_QUANTIZE: the prepared
    # checkpoint says how it is quantized, and an explicit awq keeps vLLM from its Marlin kernels.
    serving_environment = {
        key: value for _, environment in configs for key, value in environment.items() if key != "OPTION_QUANTIZE"
    }
    return AotPlan(
        engine=engine,
        steps=aot.steps,
        flavour=config.container.image,
        job_tag=job_tag(config, engine),
        target_instance_type=aot.instance_type or (instance.type if instance is not None else ""),
        tensor_parallel_degree=degree,
        configs=tuple(configs),
        serving_environment=serving_environment,
        model_subdirectory=(
            facts.COMPILED_MODEL_SUBDIRECTORY.get(config.container.image or "", "")
            if engine == "optimization-job" and "compile" in aot.steps
            else ""
        ),
    )
