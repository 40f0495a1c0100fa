"""CDK context -> settings, checked before CDK starts: one line per bad value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_core.settings import context_from_environment, parse_settings
from tests.conftest import MINIMAL, REPO, fixture_context, write_configs


def test_defaults() -> None:
    settings, issues = parse_settings({})
    assert issues == []
    assert (settings.config_dir, settings.stage, settings.strict, settings.region) == (
        Path("model_configs"),
        "dev",
        False,
        None,
    )


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"region": "xx-nowhere-1"}, "cdk context: region: 'xx-nowhere-1' has no LMI image registry (allowed: one of the 44 regions in lmi_core/facts/images.py)"),
        ({"account": "12345"}, "cdk context: account: '12345' is not an AWS account id (allowed: 12 digits)"),
        ({"account": "١٢٣٤٥٦٧٨٩٠١٢"}, "cdk context: account: '١٢٣٤٥٦٧٨٩٠١٢' is not an AWS account id (allowed: 12 digits)"),
        ({"account": "123456789012\n"}, "cdk context: account: '123456789012\\n' is not an AWS account id (allowed: 12 digits)"),
        ({"stage_targets": {"prod": {"account": "１２３４５６７８９０１２"}}}, "cdk context: stage_targets.prod.account: '１２３４５６７８９０１２' is not an AWS account id (allowed: 12 digits)"),
        ({"strict_warnings": "yes"}, "cdk context: strict_warnings: 'yes' is not allowed (allowed: true, false)"),
        ({"tree_metadata": "on"}, "cdk context: tree_metadata: 'on' is not allowed (allowed: true, false)"),
        ({"alarm_emails": "oncall@example.com,not an address"}, "cdk context: alarm_emails: 'not an address' is not an email address (allowed: name@example.com)"),
        ({"alarm_emails": {"to": "a@example.com"}}, "cdk context: alarm_emails: must be a comma-separated string or a list of email addresses (allowed: e.g. ml-oncall@example.com)"),
        ({"allowed_buckets": "acme-models,Acme_Batch"}, "cdk context: allowed_buckets: 'Acme_Batch' is not a bucket name or prefix (allowed: S3 bucket names, each may end in * to allow every bucket that starts with it, like acme-ml-*; leave the key out to allow any bucket)"),
        ({"allowed_buckets": ["*"]}, "cdk context: allowed_buckets: '*' is not a bucket name or prefix (allowed: S3 bucket names, each may end in * to allow every bucket that starts with it, like acme-ml-*; leave the key out to allow any bucket)"),
        ({"allowed_buckets": " , "}, "cdk context: allowed_buckets: is empty (allowed: S3 bucket names, each may end in * to allow every bucket that starts with it, like acme-ml-*; leave the key out to allow any bucket)"),
        ({"allowed_buckets": {"b": 1}}, "cdk context: allowed_buckets: must be a comma-separated string or a list of bucket names (allowed: e.g. acme-models,acme-batch-*)"),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_each(context: dict[str, str], message: str) -> None:
    _, issues = parse_settings(context)
    assert [str(i) for i in issues] == [message]


def test_alarm_emails_from_a_string_or_a_list() -> None:
    for value in (
        "ml-oncall@example.com, team+alarms@example.co.uk",
        ["ml-oncall@example.com", "team+alarms@example.co.uk"],
    ):
        settings, issues = parse_settings({"alarm_emails": value})
        assert issues == [] and settings.alarm_emails == ("ml-oncall@example.com", "team+alarms@example.co.uk")
    assert parse_settings({})[0].alarm_emails == ()


def test_allowed_buckets_from_a_string_or_a_list() -> None:
    for value in ("acme-models, acme-batch-*", ["acme-models", "acme-batch-*"]):
        settings, issues = parse_settings({"allowed_buckets": value})
        assert issues == [] and settings.allowed_buckets == ("acme-models", "acme-batch-*")
    assert parse_settings({})[0].allowed_buckets is None  # any bucket


@pytest.mark.parametrize(
    "region", ["ap-southeast-7", "mx-central-1", "us-gov-west-1", "cn-northwest-1", "eusc-de-east-1"]
)
def test_every_sdk_region_is_accepted(region: str) -> None:
    settings, issues = parse_settings({"region": region, "account": "123456789012"})
    assert issues == [] and settings.region == region


def test_context_from_the_cli_environment(tmp_path: Path) -> None:
    overflow = tmp_path / "overflow.json"
    overflow.write_text(json.dumps({"stage": "prod"}))
    environ = {"CDK_CONTEXT_JSON": json.dumps({"region": "eu-west-1"}), "CONTEXT_OVERFLOW_LOCATION_ENV": str(overflow)}
    assert context_from_environment(environ) == {"region": "eu-west-1", "stage": "prod"}
    assert context_from_environment({}) == {}


GITHUB_REPO_MESSAGE = (
    "is not one GitHub repository (allowed: owner/name; the owner 1-39 letters, digits or inner hyphens, the name "
    "up to 100 letters, digits, '.', '-' or '_'; no wildcards)"
)


@pytest.mark.parametrize(
    "value",
    [
        "acme/llm-serving",
        "a/b",
        "Octo-Org/octo.repo_2",
        "a" * 39 + "/" + "r" * 100,
        "a-" * 19 + "a/x",
        "acme/.github",
        "x-1/..a",
    ],
)
def test_github_repo_accepts_owner_slash_name(value: str) -> None:
    settings, issues = parse_settings({"github_repo": value})
    assert issues == [] and settings.github_repo == value


@pytest.mark.parametrize(
    "value",
    [
        "*",  # every repository on GitHub could assume the deploy role
        "acme/*",
        "*/llm-serving",
        "acme/llm-?",
        "acme",
        "acme/",
        "/llm-serving",
        "acme/llm/serving",
        "-acme/x",
        "acme-/x",
        "ac--me/x",
        "a" * 40 + "/x",
        "a-" * 20 + "a/x",  # 41 characters, hyphens and all
        "acme/" + "r" * 101,
        "acme/.",
        "acme/..",
        "acme/llm serving",
        "acme/llm:serving",
        "acme@123/llm",
        "acme/llm\nserving",
    ],
)
def test_github_repo_rejects_wildcards_and_other_shapes(value: str) -> None:
    _, issues = parse_settings({"github_repo": value})
    assert [str(i) for i in issues] == [f"cdk context: github_repo: {value!r} {GITHUB_REPO_MESSAGE}"]
    assert "\n" not in str(issues[0])


def test_synth_refuses_a_wildcard_repository_before_writing_anything(tmp_path: Path) -> None:
    context = fixture_context()
    context.update(model_configs=str(write_configs(tmp_path / "configs", {"m1.yaml": MINIMAL})), github_repo="*")
    outdir = tmp_path / "out"
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"cdk context: github_repo: '*' {GITHUB_REPO_MESSAGE}"
    assert not outdir.exists() or not any(outdir.iterdir())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=160) | st.from_regex(r"[A-Za-z0-9*?-]{0,41}/[A-Za-z0-9._*?\[\] -]{0,101}", fullmatch=True))
def test_an_accepted_repository_is_exactly_one_owner_and_name(value: str) -> None:
    settings_, issues = parse_settings({"github_repo": value})
    if issues:
        assert [i.field for i in issues] == ["github_repo"] and "\n" not in str(issues[0])
        return
    if value == "":  # no repository: no OIDC stack
        assert settings_.github_repo is None
        return
    owner, name = value.split("/")
    assert settings_.github_repo == value
    assert 1 <= len(owner) <= 39 and 1 <= len(name) <= 100
    assert not set("*?[] :@") & set(value)  # nothing IAM's StringLike or GitHub's sub would read specially


# ---------------------------------------------------------------- malformed cdk.json and context: one line, exit 1

CDK_JSON_ALLOWED = '(allowed: one JSON object, like {"app": "...", "context": {"key": value, ...}})'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"context": {"model_configs": "model_configs",}}', f"1: is not valid JSON: Expecting property name enclosed in double quotes (column 47) {CDK_JSON_ALLOWED}"),
        ("", f" is empty {CDK_JSON_ALLOWED}"),
        ("\n  \n", f" is empty {CDK_JSON_ALLOWED}"),
        ("[1]", f" is a JSON array, not an object {CDK_JSON_ALLOWED}"),
        ('{"context": "x"}', ' context: is a JSON string, not an object (allowed: {"key": value, ...})'),
        ('{"context": [1]}', ' context: is a JSON array, not an object (allowed: {"key": value, ...})'),
        ("[" * 100_000, " is not valid JSON: it nests too deeply " + CDK_JSON_ALLOWED),
    ],
)  # fmt: skip
def test_a_malformed_cdk_json_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    from lmi_core.issues import ConfigError
    from lmi_core.settings import project_context

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(text)
    with pytest.raises(ConfigError) as caught:
        project_context(cdk_json)
    assert [str(issue) for issue in caught.value.issues] == [f"{cdk_json}:{message}"]


def test_a_cdk_json_that_is_not_utf8_or_too_large_is_one_line(tmp_path: Path) -> None:
    from lmi_core.issues import ConfigError
    from lmi_core.settings import MAX_CDK_JSON_BYTES, project_context

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_bytes(b'{"context": {"region": "caf\xe9"}}')
    with pytest.raises(ConfigError, match=r"cdk.json: cannot be read: it is not UTF-8 text \(byte 27\)"):
        project_context(cdk_json)
    cdk_json.write_text(" " * MAX_CDK_JSON_BYTES + "{}")
    with pytest.raises(ConfigError, match=r"cdk.json: is 1,048,578 bytes \(allowed: at most 1,048,576\)"):
        project_context(cdk_json)
    cdk_json.write_bytes(b'\xef\xbb\xbf{"context": {"region": "eu-west-1"}}')  # a BOM, as some editors write
    assert project_context(cdk_json) == {"region": "eu-west-1"}


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("lmi_cli.validate", ("--no-cache",)),
        ("lmi_cli.validate", ("--no-cache", "model_configs")),
        ("lmi_cli.config_dir", ()),
        ("lmi_cli.stack_name", ("m1",)),
        ("lmi_cli.report", ("--cdk-out", ".")),
        ("lmi_cli.invoke", ("m1", "--endpoint", "e1")),
    ],
)
def test_every_tool_that_reads_cdk_json_refuses_a_malformed_one_in_one_line(
    tmp_path: Path, module: str, args: tuple[str, ...]
) -> None:
    """The pre-commit hook, pr.yml, the Makefile's stack name, the report and invoke: exit 1, no traceback."""
    from tests.conftest import fixture_command

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text('{"context": {"model_configs": "model_configs",}}')
    result = subprocess.run(
        fixture_command(cdk_json, module, *args), check=False, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{cdk_json}:1: is not valid JSON: Expecting property name enclosed in double quotes" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CDK_CONTEXT_JSON": '{"a":'}, "cdk context: CDK_CONTEXT_JSON: is not valid JSON: Expecting value (line 1, column 6) (allowed: one JSON object, like {key: value, ...})"),
        ({"CDK_CONTEXT_JSON": '"x"'}, "cdk context: CDK_CONTEXT_JSON: is a JSON string, not an object (allowed: one JSON object, like {key: value, ...})"),
    ],
)  # fmt: skip
def test_a_malformed_cli_context_is_one_line(environ: dict[str, str], message: str) -> None:
    from lmi_core.issues import ConfigError

    with pytest.raises(ConfigError) as caught:
        context_from_environment(environ)
    assert [str(issue) for issue in caught.value.issues] == [message]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage_targets": {"prod": {"region": ["us-east-1"]}}}, "stage_targets.prod.region: is a JSON array (allowed: one region name, like us-east-1: one of the 44 regions in lmi_core/facts/images.py)"),
        ({"stage_targets": {"prod": {"region": {"name": "us-east-1"}}}}, "stage_targets.prod.region: is a JSON object (allowed: one region name, like us-east-1: one of the 44 regions in lmi_core/facts/images.py)"),
        ({"stage_targets": {"prod": {"account": ["123456789012"]}}}, "stage_targets.prod.account: a JSON array is not an AWS account id (allowed: 12 digits)"),
        ({"stage_targets": {"prod": {"account": True}}}, "stage_targets.prod.account: a JSON boolean is not an AWS account id (allowed: 12 digits)"),
        ({"stage_targets": '{"prod": {"region": ["us-east-1"]}}'}, "stage_targets.prod.region: is a JSON array (allowed: one region name, like us-east-1: one of the 44 regions in lmi_core/facts/images.py)"),
        ({"stage_targets": "[" * 100_000}, "stage_targets: must be a mapping (allowed: {stage: {account: '123456789012', region: eu-west-1}})"),
        ({"region": ["us-east-1"]}, "region: is a JSON array (allowed: a region name, like us-east-1)"),
        ({"account": {"id": "123456789012"}}, "account: is a JSON object (allowed: 12 digits, quoted)"),
        ({"stages": ["dev", "prod"]}, "stages: is a JSON array (allowed: a comma-separated string, like dev,prod)"),
        ({"stage": ["prod"]}, "stage: is a JSON array (allowed: one stage name)"),
        ({"strict_warnings": [True]}, "strict_warnings: is a JSON array (allowed: true or false)"),
        ({"model_configs": {"dir": "x"}}, "model_configs: is a JSON object (allowed: a directory, like model_configs)"),
        ({"model_configs": True}, "model_configs: is the JSON boolean true (allowed: a directory, like model_configs)"),
        ({"model_configs": 10**60}, f"model_configs: is the JSON number {'1' + '0' * 39}… (allowed: a directory, like model_configs)"),
        ({"stage": True}, "stage: is the JSON boolean true (allowed: one stage name)"),
        ({"models": 7}, "models: is the JSON number 7 (allowed: a comma-separated string of model names)"),
        ({"models": False}, "models: is the JSON boolean false (allowed: a comma-separated string of model names)"),
        ({"stages": 1.5}, "stages: is the JSON number 1.5 (allowed: a comma-separated string, like dev,prod)"),
        ({"account": 123456789012}, "account: is the JSON number 123456789012 (allowed: 12 digits, quoted)"),
        ({"strict_warnings": 1}, "strict_warnings: is the JSON number 1 (allowed: true or false)"),
    ],
)  # fmt: skip
def test_a_setting_of_the_wrong_json_type_is_one_line(context: dict[str, object], message: str) -> None:
    _, issues = parse_settings(context)
    assert [str(i) for i in issues] == [f"cdk context: {message}"]


@pytest.mark.parametrize("key", ["strict_warnings", "cfn_validate", "tree_metadata"])
def test_a_flag_is_a_json_boolean_or_the_text_true_or_false(key: str) -> None:
    """cdk.json gives `true`; `-c key=true` gives the text."""
    attribute = {"strict_warnings": "strict"}.get(key, key)
    for value, expected in ((True, True), (False, False), ("true", True), ("TRUE", True), ("false", False)):
        settings_, issues = parse_settings({key: value})
        assert issues == [] and getattr(settings_, attribute) is expected, value


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "x" * 300}, f"stage: '{'x' * 40}…' is not a stage of this app (allowed: dev, prod; add it to the context `stages`)"),
        ({"region": "r" * 300}, f"region: '{'r' * 40}…' has no LMI image registry (allowed: one of the 44 regions in lmi_core/facts/images.py)"),
        ({"stages": "dev," + "P" * 300}, f"stages: '{'P' * 40}…' are not stage names (allowed: [a-z][a-z0-9]*, 1..10 characters, comma-separated)"),
        ({"cfn_validate": "t" * 300}, f"cfn_validate: '{'t' * 40}…' is not allowed (allowed: true, false)"),
    ],
)  # fmt: skip
def test_a_long_value_is_echoed_shortened(context: dict[str, object], message: str) -> None:
    _, issues = parse_settings(context)
    assert [str(i) for i in issues] == [f"cdk context: {message}"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_python_reads_but_json_has_not_are_refused(tmp_path: Path, constant: str) -> None:
    """`"stages": NaN` became a stage named nan: cdk.json is JSON, and JSON has no NaN."""
    from lmi_core.issues import ConfigError
    from lmi_core.settings import project_context

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(f'{{"context": {{"stages": {constant}}}}}')
    with pytest.raises(ConfigError) as caught:
        project_context(cdk_json)
    assert [str(issue) for issue in caught.value.issues] == [
        f"{cdk_json}: is not valid JSON: {constant} is not a JSON number {CDK_JSON_ALLOWED}"
    ]
    with pytest.raises(ConfigError, match=f"CDK_CONTEXT_JSON: is not valid JSON: {constant} is not a JSON number"):
        context_from_environment({"CDK_CONTEXT_JSON": f'{{"stages": {constant}}}'})


def test_a_number_too_long_for_python_is_one_line(tmp_path: Path) -> None:
    from lmi_core.issues import ConfigError
    from lmi_core.settings import project_context

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text('{"context": {"account": ' + "1" * 5000 + "}}")
    with pytest.raises(ConfigError) as caught:
        project_context(cdk_json)
    assert [str(issue) for issue in caught.value.issues] == [
        f"{cdk_json}: is not valid JSON: a number has over 4,300 digits {CDK_JSON_ALLOWED}"
    ]


@pytest.mark.parametrize(
    ("model_configs", "expected"),
    [
        (True, "cdk context: model_configs: is the JSON boolean true (allowed: a directory, like model_configs)"),
        ("m" * 300, f"{'m' * 300}: cannot be read: File name too long"),
    ],
)
def test_validate_refuses_a_configured_directory_that_is_no_path_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    model_configs: object,
    expected: str,
) -> None:
    """`"model_configs": true` was read as the directory True; 300 characters were an internal error (exit 2)."""
    from lmi_cli.validate import main
    from lmi_core import settings as settings_module

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"context": {"model_configs": model_configs}}))
    monkeypatch.setattr(settings_module, "CDK_JSON", cdk_json)
    assert main(["--no-cache"]) == 1
    assert capsys.readouterr().err.splitlines() == [expected, "1 error(s)"]


def test_config_dir_refuses_a_model_configs_that_is_not_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lmi_core import settings as settings_module
    from lmi_core.issues import ConfigError

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"context": {"model_configs": ["a", "b"]}}))
    monkeypatch.setattr(settings_module, "CDK_JSON", cdk_json)
    with pytest.raises(ConfigError, match=r"cdk context: model_configs: is a JSON array"):
        settings_module.project_config_dir()
