"""The DJL cpu-full image's Python against what LMI's default handler imports.

A bundle without a handle() of its own is served by `djl_python.huggingface` (PyModel.java picks it for any
option.model_id), which imports torch, transformers and peft at start, and pydantic through its properties
(engines/python/setup/djl_python/huggingface.py L17-25, properties_manager/hf_properties.py; the same on 0.29.0-dlc,
0.35.0-dlc and 0.36.0-lmi27-dlc). The cpu-full stage of serving/docker/Dockerfile installs into Python:
- 0.29.0-dlc: numpy<2 and awscli (scripts/install_python.sh), requests (scripts/patch_oss_dlc.sh): none of them;
- 0.35.0-dlc, 0.36.0-lmi27-dlc: torch 2.7.1 (CPU), pydantic 2.12.2, scikit-learn, xgboost: no transformers, no peft.
Before it loads the handler, LMI pip-installs a requirements.txt at the bundle's root (PyEnv.installDependency).
"""

from __future__ import annotations

from collections.abc import Mapping

from lmi_core.facts.optimization import version

FIRST_WITH_TORCH = (0, 35)  # the first cpu-full image whose Python has torch and pydantic
# What the bundle adds for the default handler: the pins of the LMI image of 0.35.0-dlc
# (serving/docker/lmi-container-requirements.txt), which ran djl_python.huggingface with them.
HANDLER_REQUIREMENTS = {"transformers": "4.57.1", "peft": "0.15.1"}
LACKING_BEFORE_TORCH = ("torch", "transformers", "peft", "pydantic")


def default_handler_requirements(
    flavour: str | None, tag: str | None, custom_handler: bool, code_files: Mapping[str, bytes]
) -> bytes | None:
    """requirements.txt for a cpu-full bundle that LMI's default handler serves and that brings none of its own."""
    found = None if tag is None else version(tag)
    if (
        flavour != "cpu"
        or custom_handler
        or "requirements.txt" in code_files
        or found is None
        or found < FIRST_WITH_TORCH
    ):
        return None
    pins = "".join(f"{name}=={pin}\n" for name, pin in HANDLER_REQUIREMENTS.items())
    return f"# for LMI's default handler, which the cpu-full image's Python lacks\n{pins}".encode()
