"""`code:` — a directory of inference code shipped in the model bundle next to serving.properties.

Checked at synth (and by `make validate`) without importing or running anything, and without reading a
byte before the directory passed every check that needs only names and `stat`:
- the path itself is short (checked before any file system call: a path over the system's limits, or one
  of tens of thousands of segments, would fail or take long there);
- the directory exists, stays inside the project, is neither the config directory nor one of its parents;
- it holds regular files and directories only: no symlink (to anything, or dangling), no dotfile or
  dot-directory (`.git`, `.env`), nothing that looks like a secret (`*.pem`, `*.key`, `id_rsa`, `credentials`)
  or an editor's or a merge's leftover (`model.py~`, `model.py.orig`);
- its size, summed from `stat`, stays under a cap, and so does its number of entries;
- the entry file (`option.entryPoint` if it names a .py file, else `model.py`) compiles, whatever it holds;
- requirements.txt holds only pinned requirements (`name==version`), https URLs without credentials, or
  https index options (`--extra-index-url` warns: dependency confusion; `--trusted-host` is refused);
- no generated file is overwritten (serving.properties).

Entry point: LMI itself uses `model.py` when `option.entryPoint` is unset (PyModel.java,
findModelFile) and falls back to its default handler when model.py has no `handle` function,
which is how formatter-only files (`@input_formatter` / `@output_formatter`) wrap the vLLM
handler. An explicit `option.entryPoint=model.py` disables that fallback. So `option.entryPoint`
is set to `model.py` only when model.py defines `handle`.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lmi_core.issues import Finding, error, quoted, warning

if TYPE_CHECKING:
    from packaging.requirements import Requirement

DEFAULT_MAX_MB = 20
MAX_PATH_CHARS = 255  # `code:` as written: a relative path like code/<model>
MAX_SEGMENT_BYTES = 255  # the file system's limit for one name (NAME_MAX), in UTF-8 bytes
MAX_ENTRIES = 1_000  # files and directories walked: a code directory is a handful of files
MAX_ENTRY_FILE_BYTES = 256 * 1024  # the entry file is parsed: its size bounds the parser's time and memory
IGNORED_DIRS = frozenset({"__pycache__"})
IGNORED_SUFFIXES = (".pyc", ".pyo")
SECRET_PATTERNS = (
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.ppk",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "credentials", "credentials.*", "*.tfvars", "secrets.*",
)  # fmt: skip
# What editors and merges leave beside a file: it would ship in the bundle and change its hash.
LEFTOVER_PATTERNS = ("*~", "#*#", "*.orig", "*.rej", "*.bak", "*.swp")
GENERATED = frozenset({"serving.properties"})
HandleDefinition = Literal["def", "async def"] | None
LMI_FILES = frozenset({"model.py", "requirements.txt", *GENERATED})  # what LMI reads at the top of the bundle
INDEX_OPTIONS = {
    "--index-url": "--index-url",
    "-i": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "--find-links": "--find-links",
    "-f": "--find-links",
}
_OPTION = re.compile(r"(--[A-Za-z][A-Za-z-]*|-[A-Za-z])(?:\s*=\s*|\s+)?(.*)")
_HTTPS_URL = re.compile(r"https://([^/?#\s]+)(?:[/?#]\S*)?")  # group 1: [user:password@]host[:port]
# pip's hash-checking mode, as `pip-compile --generate-hashes` writes it: `name==1.0 --hash=sha256:<hex> ...`
_HASHES = re.compile(r"(?:\s+--hash[=\s](?:sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128}))+", re.ASCII)


@dataclass(frozen=True)
class CodeBundle:
    directory: Path
    files: dict[str, bytes]  # archive name (posix, relative) -> content, sorted
    entry_point: str | None  # value for option.entryPoint, or None to leave LMI's default
    custom_handler: bool = False  # the entry file defines handle(): LMI's default handler is not used
    sync_handler: bool = False  # ... as a plain `def` (LMI's async mode awaits it: lmi_core/checks/engines.py)
    requirements: frozenset[str] | None = None  # the projects its requirements.txt installs (None: it has none)


def code_path_problem(code: str) -> str | None:
    """Why `code:` cannot name a directory, from its text alone (before the file system sees it)."""
    allowed = (
        f"allowed: a relative directory path of at most {MAX_PATH_CHARS} characters, each name at most "
        f"{MAX_SEGMENT_BYTES} bytes, like code/<model>"
    )
    if len(code) > MAX_PATH_CHARS:
        return f"is {len(code):,} characters long ({allowed})"
    longest = max(len(segment.encode("utf-8", "surrogateescape")) for segment in code.split("/"))
    if longest > MAX_SEGMENT_BYTES:
        return f"has a name of {longest} bytes ({allowed})"
    return None


def code_directory(yaml_path: Path, code: str) -> Path:
    return (yaml_path.parent / code).resolve()


def project_root(yaml_path: Path) -> Path:
    """The directory holding the config directory (the repository, for model_configs/)."""
    return yaml_path.resolve().parent.parent


def is_leftover(name: str) -> bool:
    """An editor's backup or a merge's leftover (`model.py~`, `model.py.orig`)."""
    return any(fnmatch.fnmatch(name, pattern) for pattern in LEFTOVER_PATTERNS)


def _is_secret(name: str) -> bool:
    return any(fnmatch.fnmatch(name.lower(), pattern) for pattern in SECRET_PATTERNS)


def _scan(directory: Path) -> tuple[list[tuple[str, int]], list[Finding]]:
    """([(archive name, size from stat)], problems): the tree walked with scandir, never following a link."""
    files: list[tuple[str, int]] = []
    problems: list[Finding] = []
    pending = [(directory, "")]
    entries = 0
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as scanned:
            children = sorted(scanned, key=lambda entry: entry.name)
        for entry in children:
            entries += 1
            if entries > MAX_ENTRIES:
                problems.append(
                    error("code", f"holds over {MAX_ENTRIES} files and directories (allowed: {MAX_ENTRIES})")
                )
                return files, problems
            name = prefix + entry.name
            if (problem := _name_problem(entry.name)) is not None:
                problems.append(error("code", f"{_shown(name)} {problem}"))
            elif entry.is_symlink():
                problems.append(
                    error("code", f"{name} is a symlink (allowed: regular files and directories; copy the file in)")
                )
            elif entry.name.startswith("."):
                problems.append(
                    error(
                        "code",
                        f"{name} is a hidden file or directory (allowed: none: it may hold history or secrets, and would ship in the bundle)",
                    )
                )
            elif entry.is_dir(follow_symlinks=False) and name in LMI_FILES:
                problems.append(error("code", f"{name} is a directory; LMI reads {name} as a file (allowed: a file)"))
            elif entry.is_dir(follow_symlinks=False):
                if entry.name not in IGNORED_DIRS:
                    pending.append((Path(entry.path), name + "/"))
            elif not entry.is_file(follow_symlinks=False):
                problems.append(error("code", f"{name} is not a regular file (a FIFO, socket or device)"))
            elif entry.name.endswith(IGNORED_SUFFIXES):
                continue
            elif is_leftover(entry.name):
                problems.append(
                    error(
                        "code",
                        f"{name} looks like an editor backup or merge leftover (allowed: none: it would ship in the bundle and change it; delete it)",
                    )
                )
            elif _is_secret(entry.name):
                problems.append(
                    error(
                        "code",
                        f"{name} looks like a key or credentials file (allowed: no secrets in the model bundle: read them at run time from Secrets Manager)",
                    )
                )
            else:
                files.append((name, entry.stat(follow_symlinks=False).st_size))
    return sorted(files), problems


def _name_problem(name: str) -> str | None:
    """A name the bundle's tar (UTF-8 names) cannot hold, or that would break a one-line listing."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "has a name that is not UTF-8 (allowed: UTF-8 file names; rename it)"
    if not name.isprintable():
        return "has a control character in its name (allowed: printable file names; rename it)"
    return None


def _shown(name: str) -> str:
    """The name for a message: undecodable bytes as \\xNN, control characters escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _read(directory: Path, name: str, size: int) -> bytes:
    """The file's bytes; a file that changed kind or grew since it was scanned is refused."""
    descriptor = os.open(directory / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with open(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(f"{name} changed while it was read")
        content = file.read(size + 1)
    if len(content) > size:
        raise OSError(f"{name} grew while it was read")
    return content


def read_code(
    yaml_path: Path, code: str, serving: dict[str, object], max_mb: int
) -> tuple[CodeBundle | None, list[Finding]]:
    """(bundle or None, findings): the directory's files, checked without importing or running them."""
    if (problem := code_path_problem(code)) is not None:
        return None, [error("code", problem)]
    try:
        return _read_code(yaml_path, code, serving, max_mb)
    except OSError as exc:  # a path the checks above allow but the system refuses (too long once resolved, ...)
        return None, [error("code", f"{quoted(code)} cannot be read: {exc.strerror or exc}")]


def _read_code(
    yaml_path: Path, code: str, serving: dict[str, object], max_mb: int
) -> tuple[CodeBundle | None, list[Finding]]:
    given = yaml_path.parent / code
    directory = code_directory(yaml_path, code)
    root = project_root(yaml_path)
    if not directory.is_relative_to(root):
        return None, [
            error("code", f"{quoted(code)} leaves the project directory {root} (allowed: a directory inside it)")
        ]
    below = [step for step in (given, *given.parents) if step != yaml_path.parent]  # the config dir may be a link
    linked = next((step for step in below if step.is_relative_to(yaml_path.parent) and step.is_symlink()), None)
    if linked is not None:
        shown = linked.relative_to(yaml_path.parent).as_posix()
        return None, [error("code", f"{quoted(shown)} is a symlink (allowed: a directory, like code/<model>)")]
    if not directory.is_dir():
        return None, [
            error(
                "code",
                f"{quoted(code)} is not a directory (allowed: a directory relative to this YAML file, like "
                "code/<model>)",
            )
        ]
    if yaml_path.parent.resolve().is_relative_to(directory):
        return None, [
            error(
                "code",
                f"{quoted(code)} is the config directory or one of its parents: it would ship every config and more "
                "(allowed: a directory of its own, like code/<model>)",
            )
        ]
    listing, problems = _scan(directory)
    total = sum(size for _, size in listing)
    if total > max_mb * 1024 * 1024:
        largest = sorted(listing, key=lambda item: item[1], reverse=True)[:3]
        shown = ", ".join(f"{name} ({size / 2**20:.1f} MB)" for name, size in largest)
        problems.append(
            error(
                "code",
                f"holds {total / 2**20:.1f} MB, over the {max_mb} MB cap (largest: {shown}); weights belong in S3",
            )
        )
    for name, _ in listing:
        if name in GENERATED:
            problems.append(
                error("code", f"{name} would overwrite the generated one: put its keys under serving: instead")
            )
        elif name.rsplit("/", 1)[-1] in GENERATED:
            problems.append(
                error(
                    "code",
                    f"{name}: LMI reads only the bundle's top-level serving.properties, which this project writes "
                    "(allowed: its keys under serving:)",
                )
            )
    if any(problem.severity == "error" for problem in problems):
        return None, problems  # nothing was read
    files: dict[str, bytes] = {}
    try:
        for name, size in listing:
            files[name] = _read(directory, name, size)
    except OSError as exc:
        return None, [error("code", f"cannot be read: {exc.strerror or exc}")]
    entry_point, handle = _entry_point(files, serving, problems)
    requirements = None
    if "requirements.txt" in files:
        text = files["requirements.txt"].decode("utf-8", "replace")
        problems.extend(check_requirements(text))
        requirements = requirement_names(text)
    return (
        None
        if any(problem.severity == "error" for problem in problems)
        else CodeBundle(
            directory, dict(sorted(files.items())), entry_point, handle is not None, handle == "def", requirements
        )
    ), problems


@functools.lru_cache(maxsize=256)
def _handle_definition(source: bytes, entry: str) -> HandleDefinition:
    """How the entry file, once it compiles, defines handle(): "def", "async def", or None; each source is
    compiled once (copies of a directory, every stage), and only the answer is kept."""
    tree = ast.parse(source, filename=entry)
    compile(tree, entry, "exec")
    definitions = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "handle"
    ]
    if not definitions:
        return None
    return "async def" if isinstance(definitions[-1], ast.AsyncFunctionDef) else "def"  # the last one wins


def _entry_point(
    files: dict[str, bytes], serving: dict[str, object], problems: list[Finding]
) -> tuple[str | None, HandleDefinition]:
    """(option.entryPoint to set, or None; how the entry file defines handle(), or None)."""
    configured = serving.get("option.entryPoint")
    if isinstance(configured, str) and not configured.endswith(".py"):
        return None, None  # a module of the container (djl_python.*): nothing to check here
    entry = configured if isinstance(configured, str) else "model.py"
    if entry not in files:
        if configured is not None:
            problems.append(
                error(
                    "serving.option.entryPoint",
                    f"{entry} is not in the code directory (allowed: a .py file it holds, like model.py)",
                )
            )
        return None, None
    if len(files[entry]) > MAX_ENTRY_FILE_BYTES:
        size = f"{len(files[entry]):,}"
        problems.append(
            error("code", f"{entry} is {size} bytes (allowed: at most {MAX_ENTRY_FILE_BYTES:,}; move data out of it)")
        )
        return None, None
    try:
        handle = _handle_definition(files[entry], entry)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        problems.append(error("code", f"{entry} does not compile: {exc.msg}{where}"))
        return None, None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes; nesting too deep for the parser
        reason = "it holds a null byte" if isinstance(exc, ValueError) else "it nests too deeply for Python's parser"
        problems.append(error("code", f"{entry} does not compile: {reason}"))
        return None, None
    if configured is not None:
        return None, handle  # already in serving:
    return ("model.py" if handle is not None else None), handle


def check_requirements(text: str) -> Iterator[Finding]:
    for where, line in _requirement_lines(text):
        hashes = None if line.startswith("-") else re.search(r"\s--hash[=\s]", line)
        if hashes is not None and _HASHES.fullmatch(line[hashes.start() :]) is None:
            yield error(
                "code", f"{where}: a --hash is malformed (allowed: --hash=sha256:<64 hex digits>, or sha384/sha512)"
            )
            continue
        option = _OPTION.fullmatch(line) if line.startswith("-") else None
        if option is not None:
            yield from _check_option(where, INDEX_OPTIONS.get(option[1], option[1]), option[2].strip())
            continue
        if line.startswith("-"):
            yield error(
                "code",
                f"{where}: {quoted(line)} is not allowed (allowed: name==version, an https URL, --index-url/--extra-index-url/--find-links https://...)",
            )
            continue
        requirement = _requirement(line)
        if isinstance(requirement, str):
            shown = _without_hashes(line)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            yield error("code", f"{where}: cannot parse {quoted(shown)}: {requirement} (allowed: name==version)")
            continue
        if requirement.url is not None:
            url = _HTTPS_URL.fullmatch(requirement.url)
            if url is None:
                yield error("code", f"{where}: {requirement.name} @ {requirement.url} must be an https URL")
            elif "@" in url[1]:
                yield error(
                    "code",
                    f"{where}: {requirement.name} has credentials in its URL (allowed: an https URL without them)",
                )
            continue
        operators = [spec.operator for spec in requirement.specifier]
        if operators not in (["=="], ["==="]) or "*" in str(requirement.specifier):
            yield error("code", f"{where}: {requirement.name} is not pinned (allowed: {requirement.name}==<version>)")


def requirement_names(text: str) -> frozenset[str]:
    """The projects a requirements.txt installs (canonical names); lines check_requirements refuses are skipped."""
    from packaging.utils import canonicalize_name

    requirements = (_requirement(line) for _, line in _requirement_lines(text) if not line.startswith("-"))
    return frozenset(canonicalize_name(r.name) for r in requirements if not isinstance(r, str))


def _requirement_lines(text: str) -> Iterator[tuple[str, str]]:
    """(where, line) of each requirement or option: continuation lines joined, comments dropped."""
    for number, raw in _logical_lines(text):
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            yield f"requirements.txt line {number}", line


def _without_hashes(line: str) -> str:
    return re.split(r"\s--hash[=\s]", line, maxsplit=1)[0].strip()


def _requirement(line: str) -> Requirement | str:
    """The requirement a line (less its --hash options) names, or why it names none."""
    from packaging.requirements import InvalidRequirement, Requirement  # only a code: bundle with requirements.txt

    try:
        return Requirement(_without_hashes(line))
    except InvalidRequirement as exc:
        return str(exc).splitlines()[0] if str(exc) else "not a requirement"
    except RecursionError:  # packaging's marker parser recurses on each nested parenthesis
        return "its markers nest too deeply"


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """pip's lines: a line ending in a backslash goes on on the next; each with the number it starts on."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if raw.endswith("\\"):
            parts.append(raw[:-1])
            continue
        yield start, " ".join([*parts, raw])
        parts = []
    if parts:
        yield start, " ".join(parts)


def _check_option(where: str, option: str, value: str) -> Iterator[Finding]:
    """An index option: an https URL without credentials; --extra-index-url warns, --trusted-host is refused."""
    if option == "--trusted-host":
        yield error(
            "code",
            f"{where}: --trusted-host turns off certificate checks for {value or 'a host'} (allowed: https indexes with valid certificates)",
        )
        return
    if option not in INDEX_OPTIONS.values():
        yield error(
            "code",
            f"{where}: {quoted(option)} is not allowed (allowed: name==version, an https URL, --index-url/--extra-index-url/--find-links https://...)",
        )
        return
    url = _HTTPS_URL.fullmatch(value)
    if url is None:
        yield error("code", f"{where}: {option} {quoted(value)} is not an https URL (allowed: https://<host>/...)")
    elif "@" in url[1]:
        yield error(
            "code",
            f"{where}: {option} has credentials in its URL (allowed: an https URL without them; use pip's keyring or netrc at build time)",
        )
    elif option == "--extra-index-url":
        yield warning(
            "code",
            f"{where}: --extra-index-url {value} risks dependency confusion: pip takes the highest version from any index, so a public package named like a private one wins (prefer --index-url of one index that proxies both)",
        )
