"""Every check, registered on import: one module per topic (kind-specific checks live with their kind)."""

from lmi_core.checks import (
    aot,
    engines,
    environment,
    image,
    instance,
    memory,
    names,
    network,
    neuron,
    references,
    s3_prefixes,
    scaling,
    serving,
    stage,
    tags,
)
from lmi_core.checks.registry import (
    CHECKS,
    Check,
    CheckContext,
    ProjectFile,
    check,
    run_config_checks,
    run_document_checks,
    run_project_checks,
)

TOPICS = (
    aot,
    engines,
    environment,
    image,
    instance,
    memory,
    names,
    network,
    neuron,
    references,
    s3_prefixes,
    scaling,
    serving,
    stage,
    tags,
)

__all__ = [
    "CHECKS",
    "TOPICS",
    "Check",
    "CheckContext",
    "ProjectFile",
    "check",
    "run_config_checks",
    "run_document_checks",
    "run_project_checks",
]
