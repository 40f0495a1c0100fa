"""The team's model configs as synth sees them: cdk.json's stages (tools outside `cdk` share them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lmi_core.loader import LoadedConfig


def project_configs(configs: Path) -> list[LoadedConfig]:
    """`configs` loaded in cdk.json's stage, with its stages (a file's `stages: {live: ...}` is not an error
    where the stages are sandbox,live); raises ConfigError like load_configs."""
    from lmi_core.issues import ConfigError
    from lmi_core.loader import load_in
    from lmi_core.settings import project_settings

    settings, issues = project_settings()
    if issues:
        raise ConfigError(issues)
    return load_in(settings, [configs])
