"""Values that would leak a secret or change on the way to the container: dynamic references anywhere, tokens in
env:, strict types; and the look-alikes that are fine (every rule both ways). The catalog (bad_configs/232-252)
holds one file per incident; these cover the shapes a file cannot show one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lmi_core.checks import run_document_checks
from lmi_core.checks.references import CDK_TOKEN, DYNAMIC_REFERENCE
from lmi_core.config.blocks import looks_like_token
from lmi_core.issues import Issue
from lmi_core.kinds import validate_config
from lmi_core.loader import load_file
from tests.conftest import MINIMAL
from tests.unit.helpers import errors_for, merged

REFERENCE = "holds a CloudFormation dynamic reference ({{resolve:...}})"


@pytest.mark.parametrize(
    "text",
    [
        "{{resolve:secretsmanager:prod/db:SecretString:password}}",
        "{{resolve:ssm:/a/b}}",
        "{{resolve:ssm-secure:/a/b:1}}",
        "pre{{resolve:x}}post",
        "{{ resolve:ssm:/a }}",
        "{{RESOLVE:ssm:/a}}",
    ],
)
def test_dynamic_reference_shapes_are_found(text: str) -> None:
    assert DYNAMIC_REFERENCE.search(text)


@pytest.mark.parametrize("text", ["{{name}}", "{resolve:ssm:/a}", "resolve:ssm", "{{ model }}: resolve later"])
def test_text_that_only_resembles_a_reference_is_not_one(text: str) -> None:
    assert not DYNAMIC_REFERENCE.search(text)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("${Token[TOKEN.12]}", True),
        ("x-${Token[AWS.AccountId.6]}-y", True),
        ("#{Token[TOKEN.7]}", True),
        ("-1.8881545897087626e+289", True),
        ("${TOKEN}", False),
        ("Token[1]", False),
        ("-1.8e+289", False),
        ("{{model}}", False),
    ],
)
def test_cdk_token_markers_are_found(text: str, token: bool) -> None:
    assert bool(CDK_TOKEN.search(text)) is token


def test_every_string_of_a_broken_document_is_searched() -> None:
    """Keys and list items too, and before pydantic: a file whose shape is broken still gets the message."""
    document: dict[str, Any] = {
        "name": 7,
        "adapters": [{"name": "a", "source": "s3://b/{{resolve:ssm:/x}}/"}],
        "tags": {"{{resolve:ssm:/k}}": "v"},
        "serving": {"option.x": ["ok", {"deep": "{{resolve:ssm:/y}}"}]},
    }
    fields = sorted(f.field for f in run_document_checks(document) if REFERENCE in f.message)
    assert fields == ["adapters.0.source", "serving.option.x.1.deep", "tags.{{resolve:ssm:/k}}"]


def test_a_reference_is_one_message_per_field(tmp_path: Path) -> None:
    """The tag check would also refuse its braces: the reference says it all."""
    errors = errors_for(tmp_path, {"tags": {"team": "{{resolve:ssm:/team}}"}})
    assert len(errors) == 1 and errors[0].startswith(f"tags.team: {REFERENCE}")


@pytest.mark.parametrize(
    "value",
    [
        "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAIOSFODNN7EXAMPLE",
        "sk-proj-" + "a1" * 12,
        "ghp_" + "0123456789abcdefghijABCDEFGHIJ012345",
        "Bearer hf_" + "x" * 34,
        "token=ghp_" + "y" * 36,
    ],
)
def test_credentials_in_env_are_refused(tmp_path: Path, value: str) -> None:
    assert looks_like_token(value)
    assert errors_for(tmp_path, {"env": {"UPSTREAM": value}}) == [
        "env.UPSTREAM: looks like a credential (a token or access key): env: is in the repo and the template "
        "(allowed: secrets: {UPSTREAM: <name or ARN of a Secrets Manager secret holding it>})"
    ]


@pytest.mark.parametrize(
    "value",
    [
        "mask-filling-and-other-long-task-names",  # `sk-` inside a word
        "ASIA_PACIFIC_SOUTHEAST_ONE",  # not 16 uppercase letters and digits
        "AKIA",
        "hf_transfer",
        "my-ghp_prefix",
        "https://huggingface.co/meta-llama",
    ],
)
def test_values_that_only_resemble_credentials_are_accepted(tmp_path: Path, value: str) -> None:
    assert not looks_like_token(value)
    assert errors_for(tmp_path, {"env": {"UPSTREAM": value}}) == []


@pytest.mark.parametrize(
    ("value", "container_gets"),
    [(8080, "8080"), (True, "true"), (False, "false"), ("1.10", "1.10")],
)
def test_env_integers_booleans_and_quoted_text_are_kept(tmp_path: Path, value: object, container_gets: str) -> None:
    config = validate_config(merged(yaml.safe_load(MINIMAL), {"env": {"V": value}}))
    assert config.env == {"V": container_gets}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"instance": {"count": True}}, "instance.count: is true (allowed: a whole number, like 2)"),
        ({"instance": {"count": 2.0}}, "instance.count: is 2.0 (allowed: a whole number, like 2)"),
        ({"instance": {"count": "2"}}, "instance.count: is the text '2' (allowed: a whole number, like 2)"),
        ({"instance": {"count": [1]}}, "instance.count: is a list (allowed: a whole number, like 2)"),
        ({"model": {"parameters": True}}, "model.parameters: is true (allowed: a number, like 0.9)"),
        ({"tags": {"team": 7}}, "tags.team: is 7 (allowed: text; quote it)"),
        ({"tags": ["team"]}, "tags: is a list (allowed: a mapping of key: value)"),
        ({"serving_passthrough": "option.x"}, "serving_passthrough: is the text 'option.x' (allowed: a list, like [a, b])"),
        ({"autoscaling": {"min": 1, "max": 2, "target_invocations_per_instance": False}}, "autoscaling.target_invocations_per_instance: is false (allowed: a whole number, like 2)"),
    ],
)  # fmt: skip
def test_strict_types_say_what_is_allowed(tmp_path: Path, patch: dict[str, Any], message: str) -> None:
    assert errors_for(tmp_path, patch) == [message]


def test_a_control_character_in_a_file_name_stays_on_one_line() -> None:
    issue = Issue("configs/m\n1.yaml", 3, "name", "is required")
    assert str(issue) == "configs/m\\n1.yaml:3: name: is required"


def test_a_stage_override_gets_one_message_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "m1.yaml"
    path.write_text(MINIMAL + 'stages:\n  prod:\n    tags: {team: "${Token[TOKEN.1]}"}\n')
    _, issues = load_file(path, stage="prod")
    assert [(i.line, i.field) for i in issues if i.severity == "error"] == [(9, "stages.prod.tags.team")]
