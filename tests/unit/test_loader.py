"""The loader: every error of every file at once, with file, line, field and what is allowed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import EXAMPLES, MINIMAL


def test_examples_load_in_file_order() -> None:
    paths = [c.path for c in load_configs([EXAMPLES])]
    assert paths == sorted(paths) and len(paths) >= 3


def test_all_errors_of_all_files_at_once(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir(
        {
            "a.yaml": MINIMAL.replace("count: 1", "count: 1, typ: x").replace("name: m1", "name: a1"),
            "b.yaml": MINIMAL.replace("kind: realtime", "kind: realtim").replace("name: m1", "name: b1"),
            "c.yaml": MINIMAL.replace("name: m1", "name: c1").replace("ml.g5.2xlarge", "ml.g5.2xlarg"),
        }
    )
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0] == (
        f"{directory}/a.yaml:6: instance.typ: unknown key (did you mean 'type'?) "
        "(allowed: type, count, startup_health_check_timeout, model_data_download_timeout, inference_ami_version, "
        "volume_size_gb, accelerators, nvme)"
    )
    assert lines[1].startswith(f"{directory}/b.yaml:2: kind: 'realtim' is not a kind (did you mean 'realtime'?)")
    assert lines[2].startswith(f"{directory}/c.yaml:6: instance.type: 'ml.g5.2xlarg' is not in the instance catalog")


def test_duplicate_names_across_files(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"one.yaml": MINIMAL, "two.yaml": MINIMAL})
    with pytest.raises(ConfigError, match=r"two\.yaml:1: name: 'm1' is already used by .*one\.yaml"):
        load_configs([directory])


def test_unique_names_pass(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"one.yaml": MINIMAL, "two.yaml": MINIMAL.replace("name: m1", "name: m2")})
    assert [c.config.name for c in load_configs([directory])] == ["m1", "m2"]


def test_duplicate_yaml_key_is_an_error(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"one.yaml": MINIMAL + "name: m9\n"})
    with pytest.raises(ConfigError, match=r"one\.yaml:7: name: duplicate key"):
        load_configs([directory])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [unclosed\n", "is not valid YAML"),
        ("", "must be a YAML mapping"),
        ("- a\n- b\n", "must be a YAML mapping"),
    ],
)
def test_unparseable_files(config_dir: Callable[[dict[str, str]], Path], text: str, expected: str) -> None:
    directory = config_dir({"bad.yaml": text})
    with pytest.raises(ConfigError, match=expected):
        load_configs([directory])


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_configs([tmp_path / "nope"])


def test_a_missing_path_is_worded_for_where_it_was_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the directory cdk.json (or the CDK context) names is set with model_configs; a path on the command
    line is a file or directory the user typed."""
    from lmi_core import settings

    configured, typed = tmp_path / "configs", tmp_path / "typo.yaml"
    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"context": {"model_configs": str(configured)}}))
    monkeypatch.setattr(settings, "CDK_JSON", cdk_json)
    monkeypatch.delenv(settings.CONTEXT_ENV, raising=False)
    with pytest.raises(ConfigError) as caught:
        load_configs([configured, typed])
    assert [str(issue) for issue in caught.value.issues] == [
        f"{configured}: does not exist (allowed: a directory of model configs; set it with the CDK context "
        "model_configs=DIR)",
        f"{typed}: does not exist (allowed: a model YAML file or a directory of them)",
    ]
    monkeypatch.setenv(settings.CONTEXT_ENV, json.dumps({"model_configs": str(typed)}))  # synth, -c model_configs
    with pytest.raises(ConfigError, match="set it with the CDK context model_configs=DIR"):
        load_configs([typed])


@pytest.mark.parametrize("name", ["a" * 300, "a" * 300 + "/m.yaml", "ok/" + "b" * 300 + ".yaml"])
def test_a_name_too_long_for_the_system_is_one_line(tmp_path: Path, name: str) -> None:
    """ENAMETOOLONG is no missing file (pathlib raises it from is_dir): one line, not an internal error."""
    (tmp_path / "ok").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_configs([tmp_path / name])
    assert [str(issue) for issue in caught.value.issues] == [f"{tmp_path / name}: cannot be read: File name too long"]


def test_validate_refuses_a_name_too_long_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    from lmi_cli.validate import main

    assert main(["a" * 300, "--no-cache"]) == 1
    assert capsys.readouterr().err.splitlines() == [f"{'a' * 300}: cannot be read: File name too long", "1 error(s)"]


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"holds no model configs"):
        load_configs([tmp_path])


def test_serving_errors_reported_even_when_structure_is_broken(config_dir: Callable[[dict[str, str]], Path]) -> None:
    text = MINIMAL.replace("count: 1", "count: one") + "serving_passthrough: []\n"
    text = text.replace("option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: 1, option.dtpye: fp16")
    with pytest.raises(ConfigError) as caught:
        load_configs([config_dir({"m.yaml": text})])
    message = str(caught.value)
    assert "instance.count: is the text 'one' (allowed: a whole number, like 2)" in message
    assert "serving.option.dtpye: unknown LMI option (did you mean 'option.dtype'?)" in message


def test_every_message_is_one_line_naming_the_file(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"x.yaml": "name: X\nkind: 3\nmodel: 4\n"})
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    for issue in caught.value.issues:
        assert "\n" not in str(issue)
        assert str(issue).startswith(f"{directory}/x.yaml")


def test_yaml_in_a_sub_folder_is_an_error_unless_a_code_folder(config_dir: Callable[[dict[str, str]], Path]) -> None:
    with_code = MINIMAL.replace("name: m1", "name: coded") + "code: handlers\n"
    directory = config_dir({"a.yaml": MINIMAL.replace("name: m1", "name: a1"), "coded.yaml": with_code})
    (directory / "handlers").mkdir()
    (directory / "handlers" / "model.py").write_text("def handle(inputs):\n    return None\n")
    (directory / "handlers" / "prompts.yaml").write_text("greeting: hi\n")  # part of a code: bundle
    (directory / ".hidden").mkdir()
    (directory / ".hidden" / "x.yaml").write_text("name: x\n")
    assert [c.config.name for c in load_configs([directory])] == ["a1", "coded"]
    (directory / "team-b").mkdir()
    (directory / "team-b" / "b.yaml").write_text(MINIMAL.replace("name: m1", "name: b1"))
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    (line,) = str(caught.value).splitlines()
    assert line == (
        f"{directory / 'team-b' / 'b.yaml'}: is in a sub-folder of {directory}, and only its top level is read "
        f"(allowed: move it to {directory}/, or keep it in a folder that a config names in `code:`)"
    )


def test_yaml_in_sub_folders_is_listed_up_to_a_cap_then_counted(config_dir: Callable[[dict[str, str]], Path]) -> None:
    from lmi_core.loader.discovery import MAX_LISTED

    directory = config_dir({"a.yaml": MINIMAL})
    for index in range(MAX_LISTED + 5):
        (directory / f"team-{index:02}").mkdir()
        (directory / f"team-{index:02}" / "x.yaml").write_text("name: x\n")
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_LISTED + 1
    assert lines[0] == (
        f"{directory}: holds {MAX_LISTED + 5} YAML files in sub-folders, which are never read; the first "
        f"{MAX_LISTED} are listed (allowed: model configs at {directory}/ itself, or in a folder that a config names "
        "in `code:`)"
    )
    assert all("is in a sub-folder" in line for line in lines[1:])


def test_a_wide_directory_is_walked_only_up_to_a_cap(
    config_dir: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`validate /` walked the whole disk; the search for misplaced configs now stops after MAX_WALKED entries."""
    from lmi_core.loader import discovery

    monkeypatch.setattr(discovery, "MAX_WALKED", 50)
    directory = config_dir({"a.yaml": MINIMAL})
    (directory / "data").mkdir()
    for index in range(60):
        (directory / "data" / f"f{index:02}.bin").write_bytes(b"")
    (directory / "data" / "zz").mkdir()
    (directory / "data" / "zz" / "never-reached.yaml").write_text("name: x\n")
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    assert str(caught.value).splitlines() == [
        f"{directory}: has over 50 files and folders in its sub-folders, so it was not searched further for YAML "
        "files that would not be read (allowed: a directory of model configs, like model_configs/)"
    ]


def test_a_code_folder_is_not_walked(
    config_dir: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lmi_core.loader import discovery

    monkeypatch.setattr(discovery, "MAX_WALKED", 10)
    directory = config_dir({"a.yaml": MINIMAL + "code: handlers\n"})
    (directory / "handlers").mkdir()
    (directory / "handlers" / "model.py").write_text("def handle(inputs):\n    return None\n")
    for index in range(20):
        (directory / "handlers" / f"prompt{index:02}.yaml").write_text("greeting: hi\n")
    assert [c.config.name for c in load_configs([directory])] == ["m1"]


def test_a_file_given_twice_is_validated_once(
    config_dir: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`validate model_configs model_configs/x.yaml`: the file does not clash with itself."""
    from lmi_cli.validate import main

    directory = config_dir({"m1.yaml": MINIMAL})
    monkeypatch.chdir(directory.parent)
    given = ["configs", "configs/m1.yaml", "./configs/", str(directory / "m1.yaml"), "configs/../configs/m1.yaml"]
    assert main(["--no-cache", *given]) == 0
    assert capsys.readouterr().out.startswith("1 model config(s) valid")
    (loaded,) = load_configs([Path(p) for p in given])
    assert loaded.path == Path("configs/m1.yaml")


def test_a_symlink_given_beside_its_target_is_still_refused(config_dir: Callable[[dict[str, str]], Path]) -> None:
    directory = config_dir({"m1.yaml": MINIMAL})
    (directory.parent / "link.yaml").symlink_to(directory / "m1.yaml")
    with pytest.raises(ConfigError, match=r"link.yaml: is a symlink"):
        load_configs([directory, directory.parent / "link.yaml"])


def test_the_recorded_digest_is_of_the_bytes_validated(config_dir: Callable[[dict[str, str]], Path]) -> None:
    """The report's record (inputs.model_digest) hashes what was validated, not the file read again later."""
    from lmi_core import inputs

    directory = config_dir({"m1.yaml": MINIMAL})
    (loaded,) = load_configs([directory])
    validated = inputs.model_digest(loaded)
    (directory / "m1.yaml").write_text(MINIMAL.replace("count: 1", "count: 2"))  # edited during synth
    assert inputs.model_digest(loaded) == validated
    assert loaded.raw == MINIMAL.encode()
