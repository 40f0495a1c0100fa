"""`code:` directories: checks both ways, and the bundle they produce."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from lmi_core.bundle import build_model_tarball, write_model_bundle
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from lmi_core.loader.code_bundle import check_requirements, read_code
from tests.conftest import EXAMPLES, MINIMAL

HANDLER = "def handle(inputs):\n    return None\n"
FORMATTER = "from djl_python.input_parser import input_formatter\n\n@input_formatter\ndef f(payload, tokenizer=None, **kw):\n    return payload\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "model_configs").mkdir()
    return tmp_path


def write(project: Path, code_files: dict[str, str], *, code: str = "code/m1", extra: str = "") -> Path:
    for name, text in code_files.items():
        path = project / "model_configs" / code / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    config = project / "model_configs" / "m1.yaml"
    config.write_text(MINIMAL + f"code: {code}\n" + extra)
    return config


def errors(config: Path) -> list[str]:
    try:
        load_configs([config])
    except ConfigError as exc:
        return [f"{i.field}: {i.message}" for i in exc.issues]
    return []


def test_formatter_only_model_py_keeps_lmi_default_entry_point(project: Path) -> None:
    config = write(project, {"model.py": FORMATTER, "requirements.txt": "jinja2==3.1.6\n"})
    (loaded,) = load_configs([config])
    assert loaded.code is not None
    assert list(loaded.code.files) == ["model.py", "requirements.txt"]
    assert loaded.code.entry_point is None  # an explicit entryPoint would disable LMI's vLLM fallback


def test_model_py_with_handle_becomes_the_entry_point(project: Path) -> None:
    (loaded,) = load_configs([write(project, {"model.py": HANDLER})])
    assert loaded.code is not None and loaded.code.entry_point == "model.py"


def test_missing_directory(project: Path) -> None:
    config = project / "model_configs" / "m1.yaml"
    config.write_text(MINIMAL + "code: code/nothing\n")
    assert errors(config) == [
        "code: 'code/nothing' is not a directory (allowed: a directory relative to this YAML file, like code/<model>)"
    ]


def test_directory_escaping_the_project(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    config = write(project, {"model.py": HANDLER}, code="../../outside")
    assert errors(config)[0].startswith("code: '../../outside' leaves the project directory")


def test_symlink_out_of_the_project(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    secret = tmp_path_factory.mktemp("elsewhere") / "credentials"
    secret.write_text("x")
    config = write(project, {"model.py": HANDLER})
    os.symlink(secret, project / "model_configs" / "code" / "m1" / "creds")
    assert errors(config) == ["code: creds is a symlink (allowed: regular files and directories; copy the file in)"]


def test_entry_file_must_compile(project: Path) -> None:
    config = write(project, {"model.py": "def handle(:\n"})
    assert errors(config) == ["code: model.py does not compile: invalid syntax (line 1)"]


def test_configured_entry_point_must_exist(project: Path) -> None:
    config = write(project, {"model.py": HANDLER}, extra="")
    config.write_text(
        config.read_text().replace(
            "option.tensor_parallel_degree: 1}", "option.tensor_parallel_degree: 1, option.entryPoint: serve.py}"
        )
    )
    assert errors(config) == [
        "serving.option.entryPoint: serve.py is not in the code directory (allowed: a .py file it holds, like model.py)"
    ]


def test_an_entry_point_path_without_py_must_be_in_the_code_directory(project: Path) -> None:
    """`pkg/serve` names a file (it has a /), not a module of the container: it must ship in code:."""
    config = write(project, {"model.py": HANDLER})
    config.write_text(
        config.read_text().replace(
            "option.tensor_parallel_degree: 1}", "option.tensor_parallel_degree: 1, option.entryPoint: pkg/serve}"
        )
    )
    assert errors(config) == [
        "serving.option.entryPoint: pkg/serve is not in the code directory code/m1 (allowed: a file it holds, like "
        "model.py)"
    ]


def test_generated_file_conflict(project: Path) -> None:
    config = write(project, {"model.py": HANDLER, "serving.properties": "engine=Python\n"})
    assert errors(config) == [
        "code: serving.properties would overwrite the generated one: put its keys under serving: instead"
    ]


def test_size_cap_names_the_largest_files(project: Path) -> None:
    config = write(
        project,
        {"model.py": HANDLER, "weights.bin": "x" * (2 * 1024 * 1024), "vocab.txt": "y" * 1024},
        extra="code_max_mb: 1\n",
    )
    (message,) = errors(config)
    assert message.startswith(
        "code: holds 2.0 MB, over the 1 MB cap (largest: weights.bin (2.0 MB), vocab.txt (0.0 MB), model.py"
    )
    assert message.endswith("weights belong in S3")


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("jinja2==3.1.6", True),
        ("numpy===2.1.0", True),
        ("tokenizers[extra]==0.21.0 ; python_version >= '3.10'", True),
        ("mylib @ https://example.com/mylib-1.0-py3-none-any.whl", True),
        ("--index-url https://pypi.example.com/simple", True),
        ("-i https://pypi.example.com/simple", True),
        ("--find-links=https://example.com/wheels/", True),
        ("# a comment", True),
        ("jinja2", False),
        ("jinja2>=3.1", False),
        ("jinja2==3.*", False),
        ("mylib @ http://example.com/mylib.whl", False),
        ("-e git+https://github.com/x/y", False),
        ("-r other.txt", False),
        ("--index-url http://pypi.example.com/simple", False),
        ("-ihttp://pypi.example.com/simple", False),
        ("--find-links ./wheels", False),
        ("-f file:///tmp/wheels", False),
        ("--index-url https://user:token@pypi.example.com/simple", False),
        ("mylib @ https://user:token@example.com/mylib.whl", False),
        ("--trusted-host pypi.example.com", False),
        ("not a requirement!!", False),
        (f"jinja2==3.1.6 --hash=sha256:{'a' * 64}", True),
        (f"jinja2==3.1.6 --hash=sha256:{'a' * 63}", False),
        (f"jinja2 --hash=sha256:{'a' * 64}", False),  # hashes do not pin a version
        (f"jinja2==3.1.6 --hash=md5:{'a' * 32}", False),
    ],
)
def test_requirements_lines(line: str, ok: bool) -> None:
    assert (list(check_requirements(line)) == []) is ok


def test_extra_index_url_warns_of_dependency_confusion() -> None:
    (finding,) = check_requirements("--extra-index-url https://pypi.example.com/simple\n")
    assert finding.severity == "warning"
    assert "dependency confusion" in finding.message
    assert [f.severity for f in check_requirements("--extra-index-url http://pypi.example.com/simple")] == ["error"]


def test_trusted_host_is_refused_by_name() -> None:
    (finding,) = check_requirements("--trusted-host pypi.example.com")
    assert finding.message == (
        "requirements.txt line 1: --trusted-host turns off certificate checks for pypi.example.com "
        "(allowed: https indexes with valid certificates)"
    )


def test_pip_compile_generate_hashes_output_is_accepted() -> None:
    """What `pip-compile --generate-hashes` writes: continuation lines and per-requirement --hash options."""
    text = (
        "#\n# This file is autogenerated by pip-compile\n#\n"
        f"jinja2==3.1.6 \\\n    --hash=sha256:{'a' * 64} \\\n    --hash=sha256:{'b' * 64}\n"
        "    # via -r requirements.in\n"
        f"markupsafe==3.0.2 \\\n    --hash=sha256:{'c' * 64}\n"
    )
    assert list(check_requirements(text)) == []
    (finding,) = check_requirements(text.replace("markupsafe==3.0.2", "markupsafe>=3"))
    assert finding.message == "requirements.txt line 8: markupsafe is not pinned (allowed: markupsafe==<version>)"


def test_an_unparsable_requirement_is_one_line() -> None:
    (finding,) = check_requirements("not a requirement!!")
    assert "\n" not in finding.message and finding.message.endswith("(allowed: name==version)")


def test_requirements_error_names_line(project: Path) -> None:
    config = write(project, {"model.py": HANDLER, "requirements.txt": "jinja2==3.1.6\nregex\n"})
    assert errors(config) == ["code: requirements.txt line 2: regex is not pinned (allowed: regex==<version>)"]


def test_bundle_holds_exactly_the_code_and_serving_properties(project: Path, tmp_path: Path) -> None:
    config = write(
        project, {"model.py": HANDLER, "lib/helpers.py": "X = 1\n", "__pycache__/model.cpython-311.pyc": "junk"}
    )
    (loaded,) = load_configs([config])
    assert loaded.code is not None
    bundle = write_model_bundle(tmp_path / "b", "engine=Python\n", loaded.code.files).path.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
        assert tar.getnames() == ["lib/helpers.py", "model.py", "serving.properties"]
        assert tar.extractfile("model.py").read() == HANDLER.encode()  # type: ignore[union-attr]
        assert tar.extractfile("lib/helpers.py").read() == b"X = 1\n"  # type: ignore[union-attr]


def test_bundle_changes_with_code_only(project: Path) -> None:
    config = write(project, {"model.py": HANDLER})

    def bundle() -> bytes:
        (loaded,) = load_configs([config])
        assert loaded.code is not None
        return build_model_tarball({**loaded.code.files, "serving.properties": b"engine=Python\n"})

    first = bundle()
    (project / "README.md").write_text("unrelated change")
    assert bundle() == first
    (project / "model_configs" / "code" / "m1" / "model.py").write_text(HANDLER + "# changed\n")
    assert bundle() != first


def test_example_handler_checks_out() -> None:
    bundle, problems = read_code(EXAMPLES / "llama3-8b-chat.yaml", "code/chat-formatter", {}, 20)
    assert problems == []
    assert bundle is not None and list(bundle.files) == ["model.py"] and bundle.entry_point is None


# ---------------------------------------------------------------- async mode awaits handle()

V27_DEFAULT = """\
name: m1
kind: realtime
model: {id: "s3://bucket/models/m1/"}
container: {image: lmi, tag: 0.36.0-lmi27.0.0-cu130}
serving: {engine: Python, option.tensor_parallel_degree: 1}
instance: {type: ml.g5.2xlarge, count: 1}
"""
JSONLINES_HANDLER = (EXAMPLES / "code" / "jsonlines-batch" / "model.py").read_text()  # a plain `def handle`
ASYNC_HANDLER = "async def handle(inputs):\n    return None\n"
SYNC_IN_ASYNC_MODE = (
    "code: model.py defines a plain `def handle`, but with option.rolling_batch unset LMI V27 runs a "
    "text-generation model in async mode, which awaits handle(inputs): every request fails with a TypeError "
    "(allowed: `async def handle`, or serving: option.rolling_batch: disable)"
)


def write_config(project: Path, handler: str, config: str) -> Path:
    code = project / "model_configs" / "code" / "m1"
    code.mkdir(parents=True)
    (code / "model.py").write_text(handler)
    path = project / "model_configs" / "m1.yaml"
    path.write_text(config + "code: code/m1\n")
    return path


def test_a_plain_def_handle_is_refused_where_async_mode_is_the_default(project: Path) -> None:
    """The batch example's handler on a realtime model of LMI V27 without option.rolling_batch: disable."""
    assert errors(write_config(project, JSONLINES_HANDLER, V27_DEFAULT)) == [SYNC_IN_ASYNC_MODE]


@pytest.mark.parametrize(
    ("handler", "config"),
    [
        (ASYNC_HANDLER, V27_DEFAULT),
        (JSONLINES_HANDLER, V27_DEFAULT.replace("option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: 1, option.rolling_batch: disable")),
        (JSONLINES_HANDLER, V27_DEFAULT.replace("option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: 1, batch_size: 4")),
        (JSONLINES_HANDLER, V27_DEFAULT.replace('m1/"}', 'm1/", task: text-embedding}')),
        (JSONLINES_HANDLER, V27_DEFAULT.replace("0.36.0-lmi27.0.0-cu130", "0.34.0-lmi16.0.0-cu128")),  # auto -> vllm rolling batch
        (FORMATTER, V27_DEFAULT),  # no handle(): LMI's own async handler
    ],
    ids=["async-def", "rolling-batch-disable", "dynamic-batching", "not-text-generation", "v16", "formatter-only"],
)  # fmt: skip
def test_a_handler_that_fits_the_mode_is_accepted(project: Path, handler: str, config: str) -> None:
    assert errors(write_config(project, handler, config)) == []


def test_an_explicit_async_mode_awaits_handle_on_older_releases_too(project: Path) -> None:
    config = MINIMAL.replace(
        "option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: 1, option.async_mode: true"
    )
    assert errors(write_config(project, HANDLER, config)) == [
        "code: model.py defines a plain `def handle`, but option.async_mode is true, which awaits handle(inputs): "
        "every request fails with a TypeError (allowed: `async def handle`, or drop option.async_mode)"
    ]


def test_the_last_definition_of_handle_is_the_one_lmi_calls(project: Path) -> None:
    assert errors(write_config(project, ASYNC_HANDLER + HANDLER, V27_DEFAULT)) == [SYNC_IN_ASYNC_MODE]
    (loaded,) = load_configs([write_config(project / "b", HANDLER + ASYNC_HANDLER, V27_DEFAULT)])
    assert loaded.code is not None and loaded.code.entry_point == "model.py" and not loaded.code.sync_handler


@pytest.mark.parametrize(
    ("config", "turn_on"),
    [
        (V27_DEFAULT.replace("option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: 1, option.rolling_batch: disable"), (27, True)),
        (V27_DEFAULT.replace("0.36.0-lmi27.0.0-cu130", "0.34.0-lmi16.0.0-cu128"), (16, True)),  # auto: rolling batch
        (V27_DEFAULT.replace("0.36.0-lmi27.0.0-cu130", "0.32.0-lmi14.0.0-cu126"), (14, False)),  # no async mode yet
    ],
    ids=["v27-rolling-batch-disable", "v16", "v14"],
)  # fmt: skip
def test_an_async_def_handle_is_refused_where_lmi_does_not_await_it(
    project: Path, config: str, turn_on: tuple[int, bool]
) -> None:
    """In sync mode LMI calls handle() and gets a coroutine back: "Invalid output type" for every request."""
    release, can_turn_on = turn_on
    allowed = "a plain `def handle`" + (", or serving: option.async_mode: true" if can_turn_on else "")
    assert errors(write_config(project, ASYNC_HANDLER, config)) == [
        f"code: model.py defines `async def handle`, but LMI V{release} runs this model in sync mode, which calls "
        f"handle() without awaiting it: every request fails with Invalid output type (allowed: {allowed})"
    ]


def test_a_requirement_whose_markers_nest_too_deeply_is_one_line(project: Path) -> None:
    """packaging's marker parser recursed until RecursionError: the checker's catch-all, exit 2."""
    nested = "pkg==1.0; " + "(" * 3000 + 'python_version > "3"' + ")" * 3000
    config = write(project, {"model.py": HANDLER, "requirements.txt": f"jinja2==3.1.6\n{nested}\n"})
    (message,) = errors(config)
    assert message.startswith("code: requirements.txt line 2: cannot parse 'pkg==1.0; (((")
    assert message.endswith(": its markers nest too deeply (allowed: name==version)")


def test_an_async_def_handle_is_left_alone_where_the_architecture_decides(project: Path) -> None:
    """model.task stands in for LMI's config.json test: an embedding task may still be a ForCausalLM model, which
    LMI V27 runs in async mode. Only the plain-def check may rely on the task (it skips), this one may not."""
    config = V27_DEFAULT.replace('m1/"}', 'm1/", task: text-embedding}')
    assert errors(write_config(project, ASYNC_HANDLER, config)) == []
