"""The result cache of `validate`: a clean run's exact output, replayed while nothing it read has changed.

Like ruff's and mypy's caches, and stdlib only, so a hit imports neither pydantic nor yaml. The key hashes
the command line (paths as given and resolved, --stage, --strict), the working directory, cdk.json, every
file under each path given (bytes and names, so a new, removed or renamed file misses too), the source of
lmi_core/ and lmi_cli/, the pinned requirements and the interpreter. Each entry also names the `code:`
directories its configs ship, with their digests: they may lie outside the paths given, and are checked
again on every hit.

Only clean results (exit 0, warnings included) are stored, one JSON file per key under .cache/validate/,
written atomically. A tree holding a symlink or a special file is not cached at all (its contents could
change behind the link), and an entry that cannot be read or parsed is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import site
import sys
from collections.abc import Iterable, Sequence

VERSION = 1
CACHE_DIR = os.path.join(".cache", "validate")  # relative to the working directory, like cdk.json
MAX_ENTRIES = 64  # the oldest entries beyond this are removed when one is stored
# A file larger than any valid input (YAML: 256 KiB; a code: bundle: 20 MB by default) makes the run uncacheable.
MAX_FILE_BYTES = 32 * 1024 * 1024
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIRS = [os.path.join(_PACKAGE_ROOT, name) for name in ("lmi_core", "lmi_cli")]
PINNED = [os.path.join(_PACKAGE_ROOT, name) for name in ("requirements.txt", "requirements.lock")]


class _Uncacheable(Exception):
    """An input the cache cannot vouch for (a symlink, a special file): validate afresh, store nothing."""


Replay = tuple[str, str]  # (stdout, stderr) of a clean run; a tuple: a hit imports no dataclasses


def _file_digest(path: str) -> str:
    if os.stat(path).st_size > MAX_FILE_BYTES:
        raise _Uncacheable(path)  # never read: hashing a 1 GiB file would cost more than validating it
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def tree_digest(path: str, skipped: Sequence[str] = ()) -> str:
    """Names, kinds and bytes of a file, or of every file below a directory (the cache directory and directories
    named in `skipped` aside)."""
    if os.path.islink(path) or not (os.path.isfile(path) or os.path.isdir(path)):
        raise _Uncacheable(path)  # never opened: a named pipe would block
    if os.path.isfile(path):
        return "f:" + _file_digest(path)
    digest = hashlib.sha256()
    cache = os.path.realpath(CACHE_DIR)
    for entry_path, name, kind in _walk(path, cache, skipped):
        digest.update(f"{name}\0{kind}\0".encode("utf-8", "surrogateescape"))
        if kind == "f":
            digest.update(_file_digest(entry_path).encode())
        digest.update(b"\n")
    return "d:" + digest.hexdigest()


def _walk(root: str, cache: str, skipped: Sequence[str], prefix: str = "") -> Iterable[tuple[str, str, str]]:
    """(path, name relative to root, "f" or "d") of every entry, sorted; raises _Uncacheable on a link or device."""
    with os.scandir(root) as entries:
        listing = sorted(entries, key=lambda entry: entry.name)
    for entry in listing:
        name = prefix + entry.name
        if entry.is_symlink():
            raise _Uncacheable(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if entry.name in skipped or os.path.realpath(entry.path) == cache:
                continue
            yield entry.path, name, "d"
            yield from _walk(entry.path, cache, skipped, name + "/")
        elif entry.is_file(follow_symlinks=False):
            yield entry.path, name, "f"
        else:
            raise _Uncacheable(entry.path)


def _optional_digest(path: str) -> str | None:
    try:
        return _file_digest(path)
    except FileNotFoundError:
        return None


def key(paths: Sequence[str], stage: str | None, strict: bool) -> str | None:
    """The cache key of this command, or None when it cannot be cached (an input behind a link, unreadable)."""
    try:
        inputs = [[path, os.path.abspath(path), tree_digest(path) if os.path.lexists(path) else None] for path in paths]
        parts = {
            "version": VERSION,
            "python": [sys.version, sys.prefix],
            "site": [_mtime(directory) for directory in site.getsitepackages()],  # any install or removal
            "cwd": os.getcwd(),
            "args": {"paths": list(paths), "stage": stage, "strict": strict},
            "cdk.json": _optional_digest("cdk.json"),
            "inputs": inputs,
            "source": [tree_digest(directory, skipped=("__pycache__",)) for directory in SOURCE_DIRS],
            "pinned": [_optional_digest(path) for path in PINNED],
        }
    except (OSError, ValueError, RecursionError, _Uncacheable):  # the cache never stands in validation's way
        return None
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _entry_path(cache_key: str) -> str:
    return os.path.join(CACHE_DIR, cache_key + ".json")


def lookup(cache_key: str) -> Replay | None:
    """The stored output of a clean run with this key, if its `code:` directories are unchanged; else None."""
    try:
        with open(_entry_path(cache_key), encoding="utf-8") as file:
            entry = json.load(file)
        if entry["version"] != VERSION or entry["key"] != cache_key:
            return None
        for directory, digest in entry["code"]:
            if tree_digest(directory) != digest:
                return None
        stdout, stderr = entry["stdout"], entry["stderr"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError, _Uncacheable):  # missing, corrupted, changed
        return None
    if not isinstance(stdout, str) or not isinstance(stderr, str):
        return None
    return stdout, stderr


def store(cache_key: str, replay: Replay, code_directories: Iterable[str]) -> None:
    """Keep a clean run's output; a cache that cannot be written is no error (validation is done)."""
    try:
        code = [[directory, tree_digest(directory)] for directory in sorted(set(code_directories))]
        stdout, stderr = replay
        entry = {"version": VERSION, "key": cache_key, "code": code, "stdout": stdout, "stderr": stderr}
        os.makedirs(CACHE_DIR, exist_ok=True)
        target = _entry_path(cache_key)
        temporary = f"{target}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(entry, file)
        os.replace(temporary, target)  # atomic: a reader sees the old entry or the new one, never half of one
        _prune()
    except (OSError, ValueError, RecursionError, _Uncacheable):
        return


def _prune() -> None:
    entries = [os.path.join(CACHE_DIR, name) for name in os.listdir(CACHE_DIR) if name.endswith(".json")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=os.path.getmtime)
    for path in entries[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):  # another run removed it first
            os.remove(path)
