"""The model.tar.gz that carries serving.properties and the code directory. Pure Python (no aws_cdk).

SageMaker wants a tar.gz with serving.properties at its root; CDK assets would zip a
directory, so the archive is built here, byte-reproducibly: sorted entries, mtime 0,
uid/gid 0, no user names, gzip header without name or time. The compressed bytes still depend on the
zlib Python links (zlib-ng compresses differently), so the asset is named by the hash of the tar itself.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelBundle:
    path: Path  # model.tar.gz
    content_sha256: str  # of the uncompressed tar: the same whichever zlib compressed it


def build_model_tarball(files: Mapping[str, bytes]) -> bytes:
    """A reproducible tar.gz of `{archive name: content}`; names sorted, all at the root."""
    return _gzip(_tar(files))


def _tar(files: Mapping[str, bytes]) -> bytes:
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
    return raw.getvalue()


def _gzip(data: bytes) -> bytes:
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return compressed.getvalue()


def write_model_bundle(
    directory: Path, serving_properties: str, code: Mapping[str, bytes] | None = None
) -> ModelBundle:
    """Write model.tar.gz (serving.properties + the code directory's files) into `directory`."""
    files = dict(code or {})
    if "serving.properties" in files:
        raise ValueError("the code directory must not hold serving.properties")
    files["serving.properties"] = serving_properties.encode("utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.tar.gz"
    tar = _tar(files)
    path.write_bytes(_gzip(tar))
    return ModelBundle(path, hashlib.sha256(tar).hexdigest())
