"""The model.tar.gz that carries serving.properties and the code directory. Pure Python (no aws_cdk).

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
