"""Which files are model configs: the YAML files of the given directories, or the files given."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lmi_core import settings
from lmi_core.issues import ConfigError, Issue

SUFFIXES = (".yaml", ".yml")
MAX_LISTED = 20  # problems of one kind listed per directory; the rest are counted in one line
MAX_WALKED = 10_000  # entries looked at below a config directory in the search for configs in sub-folders
MISSING = "does not exist (allowed: a model YAML file or a directory of them)"
MISSING_CONFIGURED = (
    "does not exist (allowed: a directory of model configs; set it with the CDK context model_configs=DIR)"
)
SYMLINK = (
    "is a symlink (allowed: a regular file: a link out of the config directory reads a file nobody reviews "
    "here, one inside it is a second copy of a config)"
)


def config_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def _capped(issues: list[Issue], directory: Path, what: str, allowed: str, at_least: bool = False) -> list[Issue]:
    """The first MAX_LISTED issues, and one line that counts them all when there are more."""
    if len(issues) <= MAX_LISTED:
        return issues
    count = f"{'at least ' if at_least else ''}{len(issues):,}"
    summary = Issue(
        str(directory), 0, "", f"holds {count} {what}; the first {MAX_LISTED} are listed (allowed: {allowed})"
    )
    return [*issues[:MAX_LISTED], summary]


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
    return _capped(
        issues, directory, "files named like model configs that are not read", "names ending exactly in .yaml or .yml"
    )


def nested_configs(directory: Path, skipped: Iterable[Path] = ()) -> tuple[list[Path], bool]:
    """(YAML files in sub-folders, never read as model configs; whether the walk stopped at MAX_WALKED entries).
    Hidden folders, caches and the `skipped` folders (resolved) are not entered, and no link is followed."""
    skip = frozenset(skipped)
    found: list[Path] = []
    pending = [directory]
    walked = 0
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as scanned:
                entries = sorted(scanned, key=lambda entry: entry.name)
        except OSError:  # unreadable: nothing in it is read as a config either
            continue
        for entry in entries:
            walked += 1
            if walked > MAX_WALKED:
                return sorted(found), True
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if path.resolve() not in skip:
                    pending.append(path)
            elif folder != directory and entry.name.endswith(SUFFIXES):
                found.append(path)
    return sorted(found), False


def nested_issues(directories: Iterable[Path], code_directories: Iterable[Path]) -> list[Issue]:
    """An error for each YAML file in a sub-folder of a config directory, except inside a `code:` directory
    (at most MAX_LISTED a directory, then one line that counts them)."""
    code = [c.resolve() for c in code_directories]
    issues = []
    for directory in _each_once(directories):
        nested, stopped = nested_configs(directory, code)
        top = str(directory) if str(directory).endswith("/") else f"{directory}/"
        found = [
            Issue(
                str(path),
                0,
                "",
                f"is in a sub-folder of {directory}, and only its top level is read (allowed: move it to "
                f"{top}, or keep it in a folder that a config names in `code:`)",
            )
            for path in nested
        ]
        allowed = f"model configs at {top} itself, or in a folder that a config names in `code:`"
        issues += _capped(found, directory, "YAML files in sub-folders, which are never read", allowed, stopped)
        if stopped:
            issues.append(
                Issue(
                    str(directory),
                    0,
                    "",
                    f"has over {MAX_WALKED:,} files and folders in its sub-folders, so it was not searched further for "
                    "YAML files that would not be read (allowed: a directory of model configs, like model_configs/)",
                )
            )
    return issues


def _each_once(paths: Iterable[Path]) -> list[Path]:
    """`paths` without repeats: a path given twice, or once as a file and again inside a directory, is one file.
    The folders are resolved, not the last name: a symlink stays itself (and is refused as one)."""
    seen: set[Path] = set()
    unique = []
    for path in paths:
        key = path.parent.resolve() / path.name
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def is_directory(path: Path) -> bool:
    """path.is_dir(), False for a path the system refuses to look up (a name over 255 bytes: ENAMETOOLONG)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Issue]]:
    files: list[Path] = []
    issues: list[Issue] = []
    for path in _each_once(paths):
        try:
            found, found_issues = _discover_one(path)
        except OSError as exc:  # a name too long, a folder that may not be listed
            found, found_issues = [], [Issue(str(path), 0, "", f"cannot be read: {exc.strerror or exc}")]
        files.extend(found)
        issues.extend(found_issues)
    return _each_once(files), issues


def _discover_one(path: Path) -> tuple[list[Path], list[Issue]]:
    """The model configs `path` names (a directory's, or itself), and the problems found on the way."""
    files: list[Path] = []
    issues: list[Issue] = []
    if path.is_dir():
        found = config_files(path)
        misnamed = misnamed_configs(path)
        if not found and not misnamed:
            issues.append(Issue(str(path), 0, "", "holds no model configs (*.yaml)"))
        issues.extend(misnamed)
        linked = [Issue(str(file), 0, "", SYMLINK) for file in found if file.is_symlink()]
        issues.extend(_capped(linked, path, "symlinked model configs", "regular files"))
        files.extend(file for file in found if not file.is_symlink())
    elif path.is_symlink():
        issues.append(Issue(str(path), 0, "", SYMLINK))
    elif path.exists():  # a file, or something else the reader names (a FIFO, a device)
        files.append(path)
    else:
        issues.append(Issue(str(path), 0, "", MISSING_CONFIGURED if _is_configured(path) else MISSING))
    return files, issues


def _is_configured(path: Path) -> bool:
    """Whether `path` is the model config directory cdk.json or the CDK context names (not one given on the
    command line): only that one is set with `model_configs`."""
    contexts: list[Callable[[], dict[str, Any]]] = [settings.project_context]
    if os.environ.get(settings.CONTEXT_ENV):  # synth: the CDK CLI's context, `-c model_configs=...` included
        contexts.append(settings.context_from_environment)
    for context in contexts:
        try:
            if os.path.normpath(settings.config_dir_of(context())) == os.path.normpath(path):
                return True
        except ConfigError:  # a malformed cdk.json is reported where it is read
            continue
    return False
