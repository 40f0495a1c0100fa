"""`--payload`: a regular JSON file, read up to the request limit of what is invoked; every refusal is one line
naming the file, before any AWS call (invoke and loadtest share the reading)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmi_cli.invoke import (
    ASYNC_PAYLOAD_BYTES,
    SERVERLESS_PAYLOAD_BYTES,
    SYNC_PAYLOAD_BYTES,
    InvokeError,
    Target,
    payload_limit,
    read_payload,
)
from lmi_cli.invoke.__main__ import main
from tests.conftest import REPO

SHAPE = '(allowed: one JSON object in UTF-8, like {"inputs": "..."})'


def refusal(capsys: pytest.CaptureFixture[str], payload: Path | str) -> str:
    """invoke's one line for `payload`, sent to an endpoint named on the command line (no stack lookup)."""
    assert main(["m1", "--endpoint", "e1", "--payload", str(payload)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.rstrip("\n")


def test_a_device_is_refused_without_reading_it(capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/zero was read without end (6.4 GB in 5 s)."""
    assert refusal(capsys, "/dev/zero") == (
        "invoke m1: --payload /dev/zero: is not a regular file (allowed: a JSON file; not a FIFO, device or folder)"
    )


def test_a_fifo_and_a_folder_are_refused_without_blocking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # no writer: an open for reading would wait for one
    assert refusal(capsys, fifo).endswith(
        f"--payload {fifo}: is not a regular file (allowed: a JSON file; not a FIFO, device or folder)"
    )
    assert "is not a regular file" in refusal(capsys, tmp_path)
    assert refusal(capsys, tmp_path / "missing.json") == (
        f"invoke m1: --payload {tmp_path / 'missing.json'}: cannot be read: No such file or directory"
    )


def test_a_payload_over_invoke_endpoints_limit_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = tmp_path / "big.json"
    with payload.open("wb") as file:
        file.truncate(SYNC_PAYLOAD_BYTES + 1)  # sparse: its size is all that is looked at
    assert refusal(capsys, payload) == (
        f"invoke m1: --payload {payload}: is 6,291,457 bytes (allowed: at most 6,291,456 for InvokeEndpoint)"
    )
    with payload.open("wb") as file:
        file.truncate(ASYNC_PAYLOAD_BYTES + 1)  # over every limit: refused before the target is looked up
    assert main(["nothing-deployed", "--payload", str(payload)]) == 1
    assert capsys.readouterr().err == (
        f"invoke nothing-deployed: --payload {payload}: is 1,073,741,825 bytes (allowed: at most 1,073,741,824 "
        "for an async request)\n"
    )


def test_each_kind_has_its_own_limit() -> None:
    def target(kind: str, invocation: str) -> Target:
        return Target("m1", kind, invocation, {})  # type: ignore[arg-type]

    assert payload_limit(target("realtime", "endpoint")) == (SYNC_PAYLOAD_BYTES, "InvokeEndpoint")
    assert payload_limit(target("component", "component")) == (SYNC_PAYLOAD_BYTES, "InvokeEndpoint")
    assert payload_limit(target("serverless", "endpoint")) == (SERVERLESS_PAYLOAD_BYTES, "a serverless endpoint")
    assert payload_limit(target("async", "async")) == (ASYNC_PAYLOAD_BYTES, "an async request")


def test_the_sync_limit_is_botocores() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker-runtime")
    body = model.operation_model("InvokeEndpoint").input_shape.members["Body"]
    assert body.metadata["max"] == SYNC_PAYLOAD_BYTES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"inputs": "hi",}', "{path}:1: is not valid JSON: Expecting property name enclosed in double quotes (column 17) " + SHAPE),
        ('{\n  "inputs": hi\n}', "{path}:2: is not valid JSON: Expecting value (column 13) " + SHAPE),
        ("", "--payload {path}: is empty " + SHAPE),
        ('["hi"]', "--payload {path}: is a JSON array, not an object " + SHAPE),
        ('"hi"', "--payload {path}: is a JSON string, not an object " + SHAPE),
        ("[" * 100_000, "--payload {path}: is not valid JSON: it nests too deeply " + SHAPE),
    ],
)  # fmt: skip
def test_a_payload_that_is_not_a_json_object_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    payload = tmp_path / "request.json"
    payload.write_text(text)
    assert refusal(capsys, payload) == "invoke m1: " + message.replace("{path}", str(payload))


def test_non_utf8_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payload = tmp_path / "latin1.json"
    payload.write_bytes('{"inputs": "café"}'.encode("latin-1"))
    assert refusal(capsys, payload) == f"invoke m1: --payload {payload}: is not UTF-8 text (byte 15) {SHAPE}"


def test_the_limit_holds_for_the_body_as_sent(tmp_path: Path) -> None:
    """json.dumps writes non-ASCII text as \\uXXXX: a file under the limit can be over it as sent."""
    payload = tmp_path / "accents.json"
    payload.write_text('{"inputs": "' + "é" * 40 + '"}', encoding="utf-8")
    assert read_payload(payload, 254, "a test") == {"inputs": "é" * 40}
    with pytest.raises(InvokeError, match=r"is 254 bytes as sent \(allowed: at most 250 for a test\)"):
        read_payload(payload, 250, "a test")


def test_loadtest_refuses_a_device_payload_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lmi_cli.invoke.loadtest", "m1", "--endpoint", "e1", "--payload", "/dev/zero",
         "--report-dir", str(tmp_path), "--configs", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        "loadtest m1: --payload /dev/zero: is not a regular file (allowed: a JSON file; not a FIFO, device or folder)\n"
    )
