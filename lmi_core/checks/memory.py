"""Will the weights fit? A synth-time estimate of GPU (or serverless) memory, and the GPU check.

Rule (documented in the README):
- weights = parameters x bytes per parameter: fp32 4, fp16/bf16 2, fp8/int8 1, AWQ/GPTQ/4-bit 0.5,
  plus 5 % for quantization scales, embeddings kept in higher precision and CUDA context.
  Without `option.dtype`, 2 bytes (LMI's `auto` loads checkpoints in their fp16/bf16 dtype).
- capacity = GPU memory of the GPUs the model is sharded over: `option.tensor_parallel_degree`
  GPUs (all of them for `max` or when unset), times `option.gpu_memory_utilization` (vLLM's
  default 0.9) — the share the engine may use at all.
- error when weights exceed 90 % of that capacity: too little is left for the KV cache and
  activations to serve even one long request; warning above 70 %: it runs, but with a short
  KV cache (few concurrent sequences).
- serverless: weights against `memory_mb` (CPU, no GPU), same thresholds.
- Neuron (inf2, trn1, trn2): also the instance's host memory, same thresholds. LMI's Neuron handler builds
  the model in host memory before moving it to the NeuronCores (0.29.0-dlc neuron_utils/model_loader.py:
  the checkpoint through transformers-neuronx `from_pretrained`, an HF model loaded whole to split it,
  then `to_neuron()`, L268-291 and L370-378; `option.low_cpu_mem_usage` only lowers the peak), so 16 GB of
  bf16 weights do not load on an inf2.xlarge's 16 GiB; LMI's own benchmarks start at inf2.8xlarge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig
from lmi_core.facts.instances import INSTANCES, InstanceSpec
from lmi_core.issues import Finding, error, warning
from lmi_core.serving_properties import parse_float, tensor_parallel_degree

GIB = 1024**3
OVERHEAD = 1.05
ERROR_SHARE = 0.90
WARN_SHARE = 0.70
DEFAULT_UTILIZATION = 0.90

_DTYPE_BYTES = {"fp32": 4.0, "float32": 4.0, "fp16": 2.0, "float16": 2.0, "bf16": 2.0, "bfloat16": 2.0, "auto": 2.0}
_QUANTIZE_BYTES = {
    "fp8": 1.0, "fbgemm_fp8": 1.0, "compressed-tensors": 1.0, "int8": 1.0, "bitsandbytes8": 1.0, "smoothquant": 1.0,
    "awq": 0.5, "awq_marlin": 0.5, "gptq": 0.5, "gptq_marlin": 0.5, "marlin": 0.5, "bitsandbytes": 0.5,
    "bitsandbytes4": 0.5, "squeezellm": 0.5,
}  # fmt: skip


@dataclass(frozen=True)
class Fit:
    weights_gib: float
    capacity_gib: float
    where: str  # "4 x A10G (24 GiB) of ml.g5.12xlarge"

    @property
    def share(self) -> float:
        return self.weights_gib / self.capacity_gib if self.capacity_gib else float("inf")


def bytes_per_parameter(serving: Mapping[str, object]) -> float:
    quantize = str(serving.get("option.quantize", "")).lower()
    if quantize in _QUANTIZE_BYTES:
        return _QUANTIZE_BYTES[quantize]
    return _DTYPE_BYTES.get(str(serving.get("option.dtype", "auto")).lower(), 2.0)


def weights_gib(parameters_billion: float, serving: Mapping[str, object]) -> float:
    return parameters_billion * 1e9 * bytes_per_parameter(serving) * OVERHEAD / GIB


def accelerator_fit(parameters_billion: float, serving: Mapping[str, object], spec: InstanceSpec) -> Fit | None:
    """Weights against the memory of the GPUs (or NeuronCores) the model is sharded over."""
    units = spec.tp_units
    if units == 0:
        return None
    tp = tensor_parallel_degree(serving)
    shards = tp if isinstance(tp, int) and 0 < tp <= units else units
    given = parse_float(serving.get("option.gpu_memory_utilization", DEFAULT_UTILIZATION))
    utilization = given if given is not None and 0 < given <= 1 else DEFAULT_UTILIZATION
    per_unit = spec.memory_per_tp_unit_gib
    capacity = shards * per_unit * utilization
    unit = "NeuronCore" if spec.is_neuron else spec.accelerator
    where = f"{shards} x {unit} ({per_unit:g} GiB) of {spec.name}"
    return Fit(weights_gib(parameters_billion, serving), capacity, where)


def suggestions(parameters_billion: float, serving: Mapping[str, object], family: str) -> list[str]:
    """The smallest instance of the same family that fits with TP over all its accelerators, then a 4-bit option."""
    found: list[str] = []
    for spec in sorted(INSTANCES.values(), key=lambda s: (s.total_accelerator_memory_gib, s.tp_units, s.vcpus)):
        if spec.family != family or spec.tp_units == 0:
            continue
        fit = accelerator_fit(parameters_billion, {**serving, "option.tensor_parallel_degree": spec.tp_units}, spec)
        if fit is not None and fit.share <= ERROR_SHARE:
            found.append(f"{spec.name} with option.tensor_parallel_degree {spec.tp_units}")
            break
    if bytes_per_parameter(serving) > 0.5:
        awq = weights_gib(parameters_billion, {"option.quantize": "awq"})
        found.append(f"AWQ 4-bit weights (option.quantize: awq, ~{awq:.0f} GiB)")
    return found


def served_weights(config: InstanceConfig) -> dict[str, object]:
    """serving: as the weights will be served: an aot quantize step makes them 4-bit (AWQ) or 8-bit (FP8)."""
    serving: dict[str, object] = dict(config.serving)
    steps = config.aot.steps if config.aot is not None else ()
    for step in steps:
        if step.startswith("quantize-"):
            serving["option.quantize"] = step.removeprefix("quantize-")
    return serving


def fit_findings(parameters: float, fit: Fit, advice: str) -> Iterator[Finding]:
    """Error above ERROR_SHARE, warning above WARN_SHARE; shared by the GPU and serverless checks."""
    text = f"~{fit.weights_gib:.0f} GiB of weights for {fit.capacity_gib:.0f} GiB usable on {fit.where}"
    if fit.share > ERROR_SHARE:
        yield error("model.parameters", f"{parameters:g}B parameters do not fit: {text} {advice}".rstrip())
    elif fit.share > WARN_SHARE:
        left = 100 - WARN_SHARE * 100
        yield warning(
            "model.parameters", f"tight fit: {text}, under {left:.0f} % left for the KV cache {advice}".rstrip()
        )


@check(on=InstanceConfig, fields=("model.parameters", "instance.type", "serving"))
def accelerator_memory_fits(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    parameters = config.model.parameters
    spec = config.instance.spec()
    if parameters is None or spec is None:
        return
    serving = served_weights(config)
    fit = accelerator_fit(parameters, serving, spec)
    if fit is None:
        return
    options = suggestions(parameters, serving, spec.family)
    yield from fit_findings(parameters, fit, f"(try: {'; or '.join(options)})" if options else "")


def host_memory_suggestion(weights: float, spec: InstanceSpec) -> str:
    """The smallest type of the same family whose host memory leaves WARN_SHARE room."""
    for other in sorted(INSTANCES.values(), key=lambda s: (s.memory_gib, s.vcpus)):
        if other.family == spec.family and weights <= WARN_SHARE * other.memory_gib:
            return f" (try: {other.name}, {other.memory_gib} GiB host memory)"
    return ""


@check(on=InstanceConfig, fields=("model.parameters", "instance.type", "serving"))
def neuron_host_memory_fits(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    """LMI's Neuron handlers hold the whole model in host memory while they load it onto the NeuronCores."""
    parameters = config.model.parameters
    spec = config.instance.spec()
    if parameters is None or spec is None or not spec.is_neuron or not spec.memory_gib:
        return
    weights = weights_gib(parameters, served_weights(config))
    share = weights / spec.memory_gib
    text = (
        f"~{weights:.0f} GiB of weights for the {spec.memory_gib} GiB host memory of {spec.name}, where LMI's Neuron "
        "handler builds the model before moving it to the NeuronCores"
    )
    if share > ERROR_SHARE:
        yield error(
            "model.parameters",
            f"{parameters:g}B parameters do not load: {text}{host_memory_suggestion(weights, spec)}",
        )
    elif share > WARN_SHARE:
        yield warning(
            "model.parameters",
            f"tight fit: {text}; the loader may be killed for memory{host_memory_suggestion(weights, spec)}",
        )
