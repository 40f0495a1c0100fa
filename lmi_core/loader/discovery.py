"""Which files are model configs: the YAML files of the given directories, or the files given."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lmi_core.issues import Issue

SUFFIXES = (".yaml", ".yml")
SYMLINK = (
    "is a symlink (allowed: a regular file: a link out of the config directory reads a file nobody reviews "
    "here, one inside it is a second copy of a config)"
)


def config_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def misnamed_configs(directory: Path) -> list[Issue]:
    """Files that look like model configs but are skipped: `M2.YAML`, `m3.Yaml`, `m6.yaml ` (a trailing space)."""
    issues = []
    for path in sorted(directory.iterdir()):
        name = path.name
        looks_like = name.strip().lower().endswith(SUFFIXES)
        if looks_like and not name.endswith(SUFFIXES) and not path.is_dir():
            stem, _, suffix = name.strip().rpartition(".")
            issues.append(
                Issue(
                    str(path),
                    0,
                    "",
                    f"{name!r} is not read as a model config: only names ending exactly in .yaml or .yml are "
                    f"(allowed: rename it to {stem + '.' + suffix.lower()!r})",
                )
            )
    return issues


def nested_configs(directory: Path) -> list[Path]:
    """YAML files in sub-folders (hidden ones and caches aside): never read as model configs."""
    return sorted(
        path
        for path in [*directory.rglob("*.yaml"), *directory.rglob("*.yml")]
        if path.parent != directory
        and not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(directory).parts)
    )


def nested_issues(directories: Iterable[Path], code_directories: Iterable[Path]) -> list[Issue]:
    """An error for each YAML file in a sub-folder of a config directory, except inside a `code:` directory."""
    code = [c.resolve() for c in code_directories]
    issues = []
    for directory in directories:
        for path in nested_configs(directory):
            if not any(path.resolve().is_relative_to(c) for c in code):
                issues.append(
                    Issue(
                        str(path),
                        0,
                        "",
                        f"is in a sub-folder of {directory}, and only its top level is read (allowed: move it to "
                        f"{directory}/, or keep it in a folder that a config names in `code:`)",
                    )
                )
    return issues


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Issue]]:
    files: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            found = config_files(path)
            misnamed = misnamed_configs(path)
            if not found and not misnamed:
                issues.append(Issue(str(path), 0, "", "holds no model configs (*.yaml)"))
            issues.extend(misnamed)
            issues.extend(Issue(str(file), 0, "", SYMLINK) for file in found if file.is_symlink())
            files.extend(file for file in found if not file.is_symlink())
        elif path.is_symlink():
            issues.append(Issue(str(path), 0, "", SYMLINK))
        elif path.exists():  # a file, or something else the reader names (a FIFO, a device)
            files.append(path)
        else:
            issues.append(Issue(str(path), 0, "", "does not exist (set the CDK context model_configs=DIR)"))
    return files, issues
