"""What a synth was made from, by content: a digest of each model's YAML and `code:` files, and one of
the project's own source. The app records them in the cloud assembly (stack metadata, in
`<stack>.metadata.json`); the report recomputes them to tell whether cdk.out is stale.

Deterministic (sorted, relative names, no times), so the synth stays byte-reproducible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lmi_core.loader import LoadedConfig
from lmi_core.loader.code_bundle import is_leftover

METADATA_TYPE = "lmi:inputs"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What synth runs: a change here can change any template.
PROJECT_SOURCES = ("app.py", "cdk.json", "lmi_core", "lmi_constructs", "stacks", "lambda", "package-lock.json")
SKIPPED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


def _digest(named: Iterable[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for name, content in sorted(named):
        sha.update(f"{name}\0{len(content)}\0".encode())
        sha.update(content)
    return sha.hexdigest()


def model_digest(loaded: LoadedConfig) -> str:
    """The YAML file's bytes (those validated, not read again) and every file of its `code:` directory."""
    files = [("config", loaded.raw or loaded.path.read_bytes())]
    if loaded.code is not None:
        files += [(f"code/{name}", content) for name, content in loaded.code.files.items()]
    return _digest(files)


def project_digest(root: Path = PROJECT_ROOT) -> str:
    files = []
    for source in PROJECT_SOURCES:
        path = root / source
        candidates = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for file in candidates:
            relative = file.relative_to(root)
            if file.is_file() and not SKIPPED_DIRS & set(relative.parts) and not _stray(file.name):
                files.append((relative.as_posix(), file.read_bytes()))
    return _digest(files)


def _stray(name: str) -> bool:
    """Bytecode, hidden files (.DS_Store) and editor leftovers: nothing synth reads."""
    return name.endswith(".pyc") or name.startswith(".") or is_leftover(name)


def model_record(loaded: LoadedConfig) -> dict[str, str]:
    return {"model": loaded.config.name, "file": loaded.path.name, "sha256": model_digest(loaded)}


def project_record(stage: str, name_stage: str | None = None, selected: Sequence[str] = ()) -> dict[str, str]:
    """`name_stage`: the suffix the stage puts in names ("" when it keeps today's names); `selected`: the
    models `-c models=` built (recorded only then), so the report knows the others are left out on purpose."""
    record = {"project_sha256": project_digest(), "stage": stage, "name_stage": name_stage or ""}
    if selected:
        record["selected"] = ",".join(sorted(selected))
    return record


def recorded(cdk_out: Path) -> dict[str, dict[str, Any]]:
    """Stack id -> its recorded inputs, from the cloud assembly (stacks without a record are left out)."""
    manifest_path = cdk_out / "manifest.json"
    if not manifest_path.is_file():
        return {}
    manifest = json.loads(manifest_path.read_text())
    found: dict[str, dict[str, Any]] = {}
    for stack, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        entries = dict(artifact.get("metadata", {}))
        extra = artifact.get("additionalMetadataFile")
        if extra and (cdk_out / extra).is_file():
            entries.update(json.loads((cdk_out / extra).read_text()))
        for entry in entries.get(f"/{stack}", []):
            if entry.get("type") == METADATA_TYPE and isinstance(entry.get("data"), dict):
                found[stack] = entry["data"]
    return found
