"""The app's settings from CDK context (`-c key=value`, cdk.json), read and checked without CDK.

The CDK CLI hands context to the app in the CDK_CONTEXT_JSON environment variable (and, when it is
too large for the environment, the rest in the JSON file named by CONTEXT_OVERFLOW_LOCATION_ENV).
Reading it here lets the app reject a bad setting, or a bad model config, before jsii starts.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmi_core.facts.images import REGIONS
from lmi_core.issues import Issue

CONTEXT_ENV = "CDK_CONTEXT_JSON"
CONTEXT_OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
WHERE = "cdk context"


@dataclass(frozen=True)
class Settings:
    config_dir: Path
    stage: str
    strict: bool
    account: str | None
    region: str | None
    github_repo: str | None
    stages: tuple[str, ...]
    models: tuple[str, ...] = ()  # `-c models=a,b`: build only these (and what they depend on); () = all
    cfn_validate: bool = False  # `-c cfn_validate=true`: aws-cdk-lib's built-in template validation (README)


def context_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The context the CDK CLI passed to this process (empty when run without the CLI)."""
    environ = os.environ if environ is None else environ
    context: dict[str, Any] = json.loads(environ.get(CONTEXT_ENV) or "{}")
    overflow = environ.get(CONTEXT_OVERFLOW_ENV)
    if overflow:
        context.update(json.loads(Path(overflow).read_text()))
    return context


def _text(context: Mapping[str, Any], key: str) -> str | None:
    value = context.get(key)
    return None if value is None or value == "" else str(value)


def parse_settings(context: Mapping[str, Any]) -> tuple[Settings, list[Issue]]:
    """The settings, and one issue per bad value (`cdk context: <key>: ... (allowed: ...)`)."""
    issues: list[Issue] = []

    def bad(key: str, message: str) -> None:
        issues.append(Issue(WHERE, 0, key, message))

    strict_text = (_text(context, "strict_warnings") or "false").lower()
    if strict_text not in ("true", "false"):
        bad("strict_warnings", f"'{strict_text}' is not allowed (allowed: true, false)")
    validate_text = (_text(context, "cfn_validate") or "false").lower()
    if validate_text not in ("true", "false"):
        bad("cfn_validate", f"'{validate_text}' is not allowed (allowed: true, false)")
    account = _text(context, "account")
    if account is not None and not re.fullmatch(r"\d{12}", account):
        bad("account", f"'{account}' is not an AWS account id (allowed: 12 digits)")
    region = _text(context, "region")
    if region is not None and region not in REGIONS:
        bad(
            "region",
            f"'{region}' has no LMI image registry (allowed: one of the {len(REGIONS)} regions in lmi_core/facts/images.py)",
        )
    stages = tuple(s.strip() for s in (_text(context, "stages") or "dev,prod").split(","))
    settings = Settings(
        config_dir=Path(_text(context, "model_configs") or "model_configs"),
        stage=_text(context, "stage") or "dev",
        strict=strict_text == "true",
        account=account,
        region=region,
        github_repo=_text(context, "github_repo"),
        stages=stages,
        models=tuple(dict.fromkeys(m.strip() for m in (_text(context, "models") or "").split(",") if m.strip())),
        cfn_validate=validate_text == "true",
    )
    return settings, issues
