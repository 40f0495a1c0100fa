"""serving.properties and the model.tar.gz that carries it. Pure Python (no aws_cdk).

SageMaker wants a tar.gz with serving.properties at its root; CDK assets would zip a
directory, so the archive is built here, byte-reproducibly: sorted entries, mtime 0,
uid/gid 0, no user names, gzip header without name or time.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Union

ServingValue = Union[bool, int, float, str]

# Keys written first, in this order; the rest follow sorted, so YAML key order does not matter.
_LEADING_KEYS = ("engine", "option.model_id")


def _format(value: ServingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"serving.properties values must be one line, got {text!r}")
    return text


def render_serving_properties(serving: Mapping[str, ServingValue], model_id: str | None) -> str:
    """The serving.properties text. `model_id=None` leaves option.model_id out: it is then set at
    deploy time through the OPTION_MODEL_ID environment variable (a CloudFormation token)."""
    values: dict[str, ServingValue] = dict(serving)
    if model_id is not None:
        values["option.model_id"] = model_id
    ordered = [key for key in _LEADING_KEYS if key in values] + sorted(k for k in values if k not in _LEADING_KEYS)
    return "".join(f"{key}={_format(values[key])}\n" for key in ordered)


def build_model_tarball(files: Mapping[str, bytes]) -> bytes:
    """A reproducible tar.gz of `{archive name: content}`; names sorted, all at the root."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            content = files[name]
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return compressed.getvalue()


def write_model_bundle(directory: Path, serving_properties: str, code: Mapping[str, bytes] | None = None) -> Path:
    """Write model.tar.gz (serving.properties + the code directory's files) into `directory`."""
    files = dict(code or {})
    if "serving.properties" in files:
        raise ValueError("the code directory must not hold serving.properties")
    files["serving.properties"] = serving_properties.encode("utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.tar.gz"
    path.write_bytes(build_model_tarball(files))
    return path
