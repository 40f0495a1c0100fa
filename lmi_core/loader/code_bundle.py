"""`code:` — a directory of inference code shipped in the model bundle next to serving.properties.

Checked at synth (and by `make validate`) without importing or running anything:
- the directory exists and stays inside the project (no `..` escape, no symlink out);
- the entry file (`option.entryPoint` if it names a .py file, else `model.py`) compiles;
- requirements.txt holds only pinned requirements (`name==version`), https URLs, or index options;
- no generated file is overwritten (serving.properties), and the bundle stays under a size cap.

Entry point: LMI itself uses `model.py` when `option.entryPoint` is unset (PyModel.java,
findModelFile) and falls back to its default handler when model.py has no `handle` function,
which is how formatter-only files (`@input_formatter` / `@output_formatter`) wrap the vLLM
handler. An explicit `option.entryPoint=model.py` disables that fallback. So `option.entryPoint`
is set to `model.py` only when model.py defines `handle`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from lmi_core.issues import Finding, error

DEFAULT_MAX_MB = 20
IGNORED_DIRS = frozenset({"__pycache__", ".git", ".ipynb_checkpoints"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
INDEX_OPTIONS = ("--index-url", "--extra-index-url", "--find-links", "-i ", "-f ")
GENERATED = frozenset({"serving.properties"})


@dataclass(frozen=True)
class CodeBundle:
    directory: Path
    files: dict[str, bytes]  # archive name (posix, relative) -> content, sorted
    entry_point: str | None  # value for option.entryPoint, or None to leave LMI's default
    custom_handler: bool = False  # the entry file defines handle(): LMI's default handler is not used


def code_directory(yaml_path: Path, code: str) -> Path:
    return (yaml_path.parent / code).resolve()


def project_root(yaml_path: Path) -> Path:
    """The directory holding the config directory (the repository, for model_configs/)."""
    return yaml_path.resolve().parent.parent


def _files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if any(part in IGNORED_DIRS for part in relative.parts) or path.name.endswith(IGNORED_SUFFIXES):
            continue
        if path.is_file() or path.is_symlink():
            yield path


def read_code(
    yaml_path: Path, code: str, serving: dict[str, object], max_mb: int
) -> tuple[CodeBundle | None, list[Finding]]:
    """(bundle or None, findings): the directory's files, checked without importing or running them."""
    directory = code_directory(yaml_path, code)
    root = project_root(yaml_path)
    if not directory.is_relative_to(root):
        return None, [error("code", f"'{code}' leaves the project directory {root} (allowed: a directory inside it)")]
    if not directory.is_dir():
        return None, [error("code", f"'{code}' is not a directory (looked for {directory})")]
    problems: list[Finding] = []
    files: dict[str, bytes] = {}
    for path in _files(directory):
        name = path.relative_to(directory).as_posix()
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            problems.append(error("code", f"{name} is a symlink to {path.resolve()}, outside the project"))
            continue
        if name in GENERATED:
            problems.append(
                error("code", f"{name} would overwrite the generated one: put its keys under serving: instead")
            )
            continue
        files[name] = path.read_bytes()
    total = sum(len(content) for content in files.values())
    if total > max_mb * 1024 * 1024:
        largest = sorted(files, key=lambda n: len(files[n]), reverse=True)[:3]
        listing = ", ".join(f"{n} ({len(files[n]) / 2**20:.1f} MB)" for n in largest)
        problems.append(
            error(
                "code",
                f"holds {total / 2**20:.1f} MB, over the {max_mb} MB cap (largest: {listing}); weights belong in S3",
            )
        )
    entry_point, custom_handler = _entry_point(files, serving, problems)
    if "requirements.txt" in files:
        problems.extend(
            error("code", message)
            for message in check_requirements(files["requirements.txt"].decode("utf-8", "replace"))
        )
    return (
        None if problems else CodeBundle(directory, dict(sorted(files.items())), entry_point, custom_handler)
    ), problems


def _entry_point(
    files: dict[str, bytes], serving: dict[str, object], problems: list[Finding]
) -> tuple[str | None, bool]:
    """(option.entryPoint to set, or None; whether the entry file defines handle())."""
    configured = serving.get("option.entryPoint")
    if isinstance(configured, str) and not configured.endswith(".py"):
        return None, False  # a module of the container (djl_python.*): nothing to check here
    entry = configured if isinstance(configured, str) else "model.py"
    if entry not in files:
        if configured is not None:
            problems.append(error("serving.option.entryPoint", f"{entry} is not in the code directory"))
        return None, False
    try:
        tree = ast.parse(files[entry], filename=entry)
        compile(tree, entry, "exec")
    except SyntaxError as exc:
        problems.append(error("code", f"{entry} does not compile: {exc.msg} (line {exc.lineno})"))
        return None, False
    defines_handle = any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "handle" for node in tree.body
    )
    if configured is not None:
        return None, defines_handle  # already in serving:
    return ("model.py" if defines_handle else None), defines_handle


def check_requirements(text: str) -> Iterator[str]:
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(INDEX_OPTIONS):
            continue
        if line.startswith("-"):
            yield f"requirements.txt line {number}: '{line}' is not allowed (allowed: name==version, an https URL, --index-url/--extra-index-url/--find-links)"
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            yield f"requirements.txt line {number}: cannot parse '{line}': {exc}"
            continue
        if requirement.url is not None:
            if not requirement.url.startswith("https://"):
                yield f"requirements.txt line {number}: {requirement.name} @ {requirement.url} must be an https URL"
            continue
        operators = [spec.operator for spec in requirement.specifier]
        if operators not in (["=="], ["==="]) or "*" in str(requirement.specifier):
            yield f"requirements.txt line {number}: {requirement.name} is not pinned (allowed: {requirement.name}==<version>)"
