"""Every check, registered on import: one module per topic (kind-specific checks live with their kind).
A new topic module is imported here, or its checks never run (tests/unit/test_check_registry.py)."""

from lmi_core.checks import (  # noqa: F401  (imported to register their checks)
    aot,
    buckets,
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
    secrets,
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

__all__ = [
    "CHECKS",
    "Check",
    "CheckContext",
    "ProjectFile",
    "check",
    "run_config_checks",
    "run_document_checks",
    "run_project_checks",
]
