"""serving.properties rendering and the reproducible model.tar.gz."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from lmi_core.bundle import ModelBundle, build_model_tarball, write_model_bundle
from lmi_core.serving_properties import render as render_serving_properties


def test_render_puts_engine_and_model_id_first_then_sorted() -> None:
    text = render_serving_properties(
        {
            "option.tensor_parallel_degree": 4,
            "engine": "Python",
            "option.dtype": "fp16",
            "option.trust_remote_code": True,
        },
        "Qwen/Qwen2.5-32B-Instruct",
    )
    assert text == (
        "engine=Python\n"
        "option.model_id=Qwen/Qwen2.5-32B-Instruct\n"
        "option.dtype=fp16\n"
        "option.tensor_parallel_degree=4\n"
        "option.trust_remote_code=true\n"
    )


def test_render_without_model_id_leaves_it_to_the_environment() -> None:
    assert "option.model_id" not in render_serving_properties({"engine": "Python"}, None)


def test_render_is_independent_of_key_order() -> None:
    a = render_serving_properties({"option.dtype": "fp16", "engine": "Python"}, "s3://b/p/")
    b = render_serving_properties({"engine": "Python", "option.dtype": "fp16"}, "s3://b/p/")
    assert a == b


def test_render_rejects_multiline_values() -> None:
    with pytest.raises(ValueError, match="one line"):
        render_serving_properties({"option.x": "a\nengine=DeepSpeed"}, None)


def test_tarball_has_serving_properties_at_root_with_neutral_metadata() -> None:
    data = build_model_tarball({"serving.properties": b"engine=Python\n"})
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["serving.properties"]
        member = members[0]
        assert (member.mtime, member.uid, member.gid, member.uname, member.gname) == (0, 0, 0, "", "")
        assert member.mode == 0o644
        assert tar.extractfile(member).read() == b"engine=Python\n"  # type: ignore[union-attr]


def test_tarball_gzip_header_has_no_time_or_name() -> None:
    data = build_model_tarball({"serving.properties": b"x=1\n"})
    assert data[:2] == b"\x1f\x8b"
    assert data[4:8] == b"\x00\x00\x00\x00"  # MTIME
    assert data[3] & 0x08 == 0  # FNAME flag unset
    assert gzip.decompress(data)


def test_tarball_bytes_are_reproducible(tmp_path: Path) -> None:
    first = write_model_bundle(tmp_path / "a", "engine=Python\n").path.read_bytes()
    second = write_model_bundle(tmp_path / "b", "engine=Python\n").path.read_bytes()
    assert first == second
    assert write_model_bundle(tmp_path / "c", "engine=MPI\n").path.read_bytes() != first


def test_the_bundle_is_named_by_its_tar_not_by_the_compressed_bytes(tmp_path: Path) -> None:
    """zlib and zlib-ng compress the same tar to different bytes: the asset hash must not see that."""
    from aws_cdk import App, Stack

    from lmi_constructs.model import bundle_asset

    bundle = write_model_bundle(tmp_path / "a", "engine=Python\n", {"model.py": b"x = 1\n" * 5000})
    tar = gzip.decompress(bundle.path.read_bytes())
    assert bundle.content_sha256 == hashlib.sha256(tar).hexdigest()
    other = tmp_path / "b" / "model.tar.gz"  # the same tar, compressed otherwise
    other.parent.mkdir()
    other.write_bytes(gzip.compress(tar, compresslevel=1, mtime=0))
    assert other.read_bytes() != bundle.path.read_bytes()
    app = App(outdir=str(tmp_path / "out"))
    hashes = {
        bundle_asset(Stack(app, f"S{index}"), ModelBundle(path, bundle.content_sha256)).asset_hash
        for index, path in enumerate((bundle.path, other))
    }
    assert len(hashes) == 1


def test_tarball_entries_sorted() -> None:
    data = build_model_tarball({"b.txt": b"b", "a.txt": b"a", "serving.properties": b"x=1\n"})
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        assert tar.getnames() == ["a.txt", "b.txt", "serving.properties"]
