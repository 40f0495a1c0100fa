"""The cpu-full image's Python lacks what LMI's default handler imports (torch, transformers, peft): the bundle
adds transformers and peft from 0.35, a code: requirements.txt must name them, and older tags are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_core.facts.cpu_image import default_handler_requirements
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from lmi_core.loader.code_bundle import requirement_names

HANDLER = "def handle(inputs):\n    return None\n"
FORMATTER = "from djl_python.input_parser import input_formatter\n\n@input_formatter\ndef f(payload, **kw):\n    return payload\n"
CPU = """\
name: cpu1
kind: serverless
model: {id: HuggingFaceTB/SmolLM2-135M-Instruct}
container: {image: cpu, tag: TAG}
serving: {engine: Python, option.rolling_batch: disable}
serverless: {memory_mb: 4096, max_concurrency: 2}
"""


def write(directory: Path, tag: str, code: dict[str, str] | None = None) -> Path:
    text = CPU.replace("TAG", tag)
    if code is not None:
        text += "code: code/cpu1\n"
        for name, content in code.items():
            (directory / "code" / "cpu1").mkdir(parents=True, exist_ok=True)
            (directory / "code" / "cpu1" / name).write_text(content)
    (directory / "cpu1.yaml").write_text(text)
    return directory


def errors(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    return [f"{i.field}: {i.message}" for i in caught.value.issues]


def test_own_requirements_must_install_the_handlers_packages(tmp_path: Path) -> None:
    directory = write(tmp_path, "0.36.0-cpu-full", {"model.py": FORMATTER, "requirements.txt": "peft==0.15.1\n"})
    assert errors(directory) == [
        "code: requirements.txt does not install transformers, which LMI's default handler imports and the "
        "0.36.0-cpu-full image lacks (allowed: add transformers==4.57.1, peft==0.15.1)"
    ]


def test_own_requirements_that_install_them_are_kept(tmp_path: Path) -> None:
    requirements = "Transformers[torch]==4.57.1\npeft==0.15.1  # adapters\n"
    (loaded,) = load_configs([write(tmp_path, "0.36.0-cpu-full", {"requirements.txt": requirements})])
    assert loaded.code is not None and loaded.code.files["requirements.txt"] == requirements.encode()


def test_an_old_cpu_image_is_accepted_with_a_handler_of_its_own(tmp_path: Path) -> None:
    (loaded,) = load_configs([write(tmp_path, "0.29.0-cpu-full", {"model.py": HANDLER})])
    assert loaded.code is not None and loaded.code.custom_handler


@pytest.mark.parametrize(
    ("flavour", "tag", "custom", "files", "added"),
    [
        ("cpu", "0.36.0-cpu-full", False, {}, True),
        ("cpu", "0.35.0-cpu-full", False, {"model.py": b"x"}, True),  # a formatter: the default handler serves
        ("cpu", "0.36.0-cpu-full", True, {"model.py": b"x"}, False),  # its own handle()
        ("cpu", "0.36.0-cpu-full", False, {"requirements.txt": b"x"}, False),  # its own requirements (checked)
        ("cpu", "0.29.0-cpu-full", False, {}, False),  # refused by the check instead
        ("lmi", "0.36.0-lmi27.0.0-cu130", False, {}, False),
        ("cpu", None, False, {}, False),  # an image by uri
    ],
)
def test_what_the_bundle_adds(
    flavour: str, tag: str | None, custom: bool, files: dict[str, bytes], added: bool
) -> None:
    text = default_handler_requirements(flavour, tag, custom, files)
    assert (text is not None) == added
    if text is not None:
        assert text.decode().splitlines()[1:] == ["transformers==4.57.1", "peft==0.15.1"]


def test_requirement_names_reads_what_pip_installs() -> None:
    text = (
        "# pinned\nTransformers[torch]==4.57.1 \\\n    --hash=sha256:" + "a" * 64 + "\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "peft @ https://example.com/peft-0.15.1-py3-none-any.whl\nnot a requirement!!\n"
    )
    assert requirement_names(text) == {"transformers", "peft"}
