"""Serving on Inferentia and Trainium (the neuronx image): graphs are compiled for one sequence length
and batch size, and compiling them when the endpoint starts can outlast its health check."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import InstanceConfig
from lmi_core.issues import Finding, error, warning


@check(
    on=InstanceConfig, fields=("container.image", "serving.option.n_positions", "serving.option.max_rolling_batch_size")
)
def neuron_graph_shape(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    if config.container.flavour != "neuronx":
        return
    if "option.n_positions" not in config.serving:
        yield error(
            "serving.option.n_positions",
            "is required on Neuron: graphs are compiled for one total sequence length (allowed: input + output "
            "tokens, e.g. 4096)",
        )
    if "option.max_rolling_batch_size" not in config.serving:
        yield error(
            "serving.option.max_rolling_batch_size",
            "is required on Neuron: graphs are compiled for one batch size (allowed: e.g. 4; 12 or more lets "
            "rolling_batch auto pick vLLM)",
        )


@check(on=InstanceConfig, fields=("container.image", "aot.mode"))
def neuron_compiles_ahead(config: InstanceConfig, context: CheckContext) -> Iterator[Finding]:
    if config.container.flavour == "neuronx" and (config.aot is None or "compile" not in config.aot.steps):
        yield warning(
            "aot",
            "is not set: Neuron then compiles the model when the endpoint starts, which LMI's docs put at 70 minutes "
            "and more for a 70B model, past the 3600 s health check (recommended: aot: {mode: [compile]})",
        )
