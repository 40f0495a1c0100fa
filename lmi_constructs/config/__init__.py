"""The YAML boundary: models, loader and rules. Imports no aws_cdk (fast `validate`)."""

from lmi_constructs.config.issues import ConfigError, Issue
from lmi_constructs.config.loader import LoadedConfig, load_configs, load_file
from lmi_constructs.config.models import (
    AnyModel,
    AsyncModel,
    BatchModel,
    RealtimeModel,
    ServerlessModel,
)

__all__ = [
    "AnyModel",
    "AsyncModel",
    "BatchModel",
    "ConfigError",
    "Issue",
    "LoadedConfig",
    "RealtimeModel",
    "ServerlessModel",
    "load_configs",
    "load_file",
]
