"""Which files are model configs: the YAML files of the given directories, or the files given."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lmi_core.issues import Issue


def config_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Issue]]:
    files: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            found = config_files(path)
            if not found:
                issues.append(Issue(str(path), 0, "", "holds no model configs (*.yaml)"))
            files.extend(found)
        elif path.exists():  # a file, or something else the reader names (a FIFO, a device)
            files.append(path)
        else:
            issues.append(Issue(str(path), 0, "", "does not exist (set the CDK context model_configs=DIR)"))
    return files, issues
