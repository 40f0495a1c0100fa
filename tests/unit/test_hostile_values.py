"""Hostile values never reach serving.properties, IAM or Step Functions with a meaning of their own; and values
that look odd but are fine are accepted (every rule both ways)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmi_core import aot, naming
from lmi_core.checks import ProjectFile, run_document_checks
from lmi_core.checks.names import derived_names_distinct
from lmi_core.config import s3
from lmi_core.facts import images
from lmi_core.loader import load_configs, load_file
from lmi_core.serving_properties import format_value, render
from tests.conftest import MINIMAL
from tests.unit.helpers import errors_for, issues_for, merged, paths_of

# ---------------------------------------------------------------- java.util.Properties.load, as the JDK reads it


def java_properties(text: str) -> dict[str, str]:
    """java.util.Properties.load(Reader): logical lines (a line ending in an odd number of backslashes goes on),
    comments (# !), the key up to an unescaped '=', ':' or whitespace, and escapes (\\t \\n \\uXXXX \\x = x)."""
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    logical: list[str] = []
    pending: str | None = None
    for raw in physical:
        line = raw.lstrip(" \t\f")  # leading white space of every natural line is dropped
        if pending is None and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        joined = (pending or "") + line
        if trailing % 2 == 1:
            pending = joined[:-1]
        else:
            logical.append(joined)
            pending = None
    if pending is not None:
        logical.append(pending)

    def unescape(raw: str) -> str:
        out, i = [], 0
        while i < len(raw):
            c = raw[i]
            if c == "\\" and i + 1 < len(raw):
                n = raw[i + 1]
                if n == "u":
                    out.append(chr(int(raw[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(n, n))
                i += 2
                continue
            out.append(c)
            i += 1
        return "".join(out)

    result: dict[str, str] = {}
    for line in logical:
        i = 0
        while i < len(line) and not (line[i] in "=: \t\f" and (i == 0 or line[i - 1] != "\\")):
            i += 2 if line[i] == "\\" else 1
        key, rest = line[:i], line[i:].lstrip(" \t\f")
        if rest[:1] in ("=", ":"):
            rest = rest[1:].lstrip(" \t\f")
        result[unescape(key)] = unescape(rest)
    return result


def test_the_parser_reads_java_properties_as_the_jdk_does() -> None:
    # Each case as documented for java.util.Properties.load(Reader).
    assert java_properties("a=b\n# c=d\n  ! e\nf : g\nh i\n") == {"a": "b", "f": "g", "h": "i"}
    assert java_properties("a=b\\\n   c\n") == {"a": "bc"}
    assert java_properties("a\\ b=c\\u0041\nx=\\\\\n") == {"a b": "cA", "x": "\\"}


# ---------------------------------------------------------------- serving.properties: no value adds a line

KNOWN = ["engine", "option.dtype", "option.max_model_len", "option.rolling_batch", "option.chat_template"]
serving_keys = st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=12))
serving_values = st.one_of(st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True), st.text(max_size=20))
servings = st.dictionaries(serving_keys, serving_values, max_size=5)


@settings(max_examples=400, deadline=None)
@given(servings, st.text(max_size=20))
def test_no_value_can_add_a_line_to_serving_properties(serving: dict[str, Any], model_id: str) -> None:
    """Whatever the renderer writes, Java reads back exactly: the keys given, each with its own value."""
    try:
        text = render(serving, model_id)
    except ValueError:
        return  # refused: nothing is written
    expected = {key: format_value(value) for key, value in {**serving, "option.model_id": model_id}.items()}
    assert java_properties(text) == expected
    assert text.count("\n") == len(expected)


@settings(max_examples=300, deadline=None)
@given(servings)
def test_what_validation_accepts_the_renderer_writes(serving: dict[str, Any]) -> None:
    """The checks catch every key and value the renderer would refuse, so synth never fails on one."""
    document = {"serving": serving, "serving_passthrough": list(serving)}
    problems = [f for f in run_document_checks(document) if f.field.startswith("serving") and f.severity == "error"]
    if not problems:
        render(serving, "s3://my-models/m/")


def test_a_quoted_number_means_the_same_everywhere(tmp_path: Path) -> None:
    def loaded(value: object) -> Any:
        patch = {
            "container": {"image": "lmi", "tag": "0.32.0-lmi14.0.0-cu126"},
            "instance": {"type": "ml.g5.12xlarge"},
            "serving": {"option.tensor_parallel_degree": value, "option.max_model_len": value},
            "aot": {"mode": ["quantize-awq"]},
        }
        path = tmp_path / f"{type(value).__name__}.yaml"
        path.write_text(yaml.safe_dump(merged(yaml.safe_load(MINIMAL), patch)))
        config, issues = load_file(path)
        assert config is not None, issues
        return config.config

    plain, quoted = loaded(2), loaded("2")
    assert aot.plan(plain) == aot.plan(quoted)
    assert render(plain.serving) == render(quoted.serving)


# ---------------------------------------------------------------- S3 URIs and images: no wildcard reaches IAM

UNSAFE_IN_POLICIES = set("*?$'\"{}\\") | set(string.whitespace)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_an_accepted_s3_uri_carries_nothing_iam_or_step_functions_would_read(bucket: str, key: str) -> None:
    try:
        parsed_bucket, parsed_key = s3.parse(f"s3://{bucket}/{key}")
    except ValueError:
        return
    text = parsed_bucket + parsed_key
    assert not (set(text) & UNSAFE_IN_POLICIES)
    assert all(c.isprintable() for c in text)
    assert not any(pattern.match(parsed_bucket) for pattern in s3.SHARED_BUCKETS.values())


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda repo, tag: f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repo}:{tag}",
            st.text(max_size=20),
            st.text(max_size=12),
        ),
    )
)
def test_an_accepted_image_uri_names_exactly_one_repository(uri: str) -> None:
    try:
        image = images.parse_image_uri(uri)
    except ValueError:
        return
    assert not (set(image.repository_arn) & UNSAFE_IN_POLICIES)
    assert image.tag != "latest" and (image.tag or image.digest)
    assert uri.startswith(f"{image.account}.dkr.ecr.{image.region}.") and f"/{image.repository}" in uri


# ---------------------------------------------------------------- names: no truncation makes two models one

VALID_NAMES = st.from_regex(r"^[a-z0-9](-?[a-z0-9]){0,39}$", fullmatch=True)


@given(VALID_NAMES, VALID_NAMES)
def test_two_names_never_share_a_job_prefix(first: str, second: str) -> None:
    if first == second:
        return
    for what, prefix in naming.job_name_prefixes(first).items():
        assert prefix != naming.job_name_prefixes(second)[what]


@given(VALID_NAMES, VALID_NAMES)
def test_two_names_never_share_a_physical_name(first: str, second: str) -> None:
    if first == second:
        return
    assert not set(naming.physical_names(first).values()) & set(naming.physical_names(second).values())


def test_names_that_share_their_first_30_characters_get_distinct_jobs() -> None:
    common = "team-search-llama31-8b-instruct-"  # 32 characters
    first, second = f"{common}a", f"{common}b"
    files = [ProjectFile("a.yaml", first), ProjectFile("b.yaml", second)]
    assert list(derived_names_distinct(files)) == []
    assert naming.transform_job_prefix(first) != naming.transform_job_prefix(second)
    assert naming.aot_job_prefix(first) != naming.aot_job_prefix(second)


# ---------------------------------------------------------------- accepted: odd-looking values that are fine

ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("bucket-with-dots", {"model": {"id": "s3://my.models-2/llama/v1/"}}),
    ("bucket-63-characters", {"model": {"id": f"s3://{'a' * 63}/m/"}}),
    ("key-punctuation", {"model": {"id": "s3://my-models/team=search/(v1)/llama_3.1+awq@2,final:ok!/"}}),
    ("bucket-like-but-not-shared", {"model": {"id": "s3://lmi-data-capture-archive/m/"}}),
    ("hub-id", {"model": {"id": "meta-llama/Llama-3.1-8B-Instruct"}}),
    ("quoted-integers", {"serving": {"option.tensor_parallel_degree": "1", "option.max_model_len": "8192"}}),
    ("utilization-one", {"serving": {"option.gpu_memory_utilization": 1}}),
    ("json-value", {"serving": {"option.speculative_config": '{"model": "x", "num_speculative_tokens": 5}'}}),
    ("server-key", {"serving": {"gpu.maxWorkers": 1, "max_batch_delay": 0}}),
    ("passthrough-key", {"serving": {"option.new_flag": "on"}, "serving_passthrough": ["option.new_flag"]}),
    ("container-module-entry", {"serving": {"option.entryPoint": "djl_python.huggingface"}}),
    ("ecr-uri-tag", {"container": {"image": None, "tag": None, "uri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/llm-serving:2026.11.1"}}),
    ("ecr-uri-digest", {"container": {"image": None, "tag": None, "uri": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/llm@sha256:{'ab' * 32}"}}),
    ("ecr-uri-china", {"container": {"image": None, "tag": None, "uri": "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/llm:1"}}),
    ("tags-unicode", {"tags": {"équipe": "recherche et développement", "cost-center": "4711", "owner": "a@b.c"}}),
    ("tags-49", {"tags": {f"t{i}": "v" for i in range(49)}}),
    ("gpu-ami", {"instance": {"inference_ami_version": "al2023-ami-sagemaker-inference-gpu-4-1"}}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "patch"), ACCEPTED, ids=[c for c, _ in ACCEPTED])
def test_accepted(tmp_path: Path, case: str, patch: dict[str, Any]) -> None:
    assert errors_for(tmp_path, patch) == []


REJECTED: list[tuple[str, dict[str, Any], str]] = [
    ("bucket-too-long", {"model": {"id": f"s3://{'a' * 64}/m/"}}, "is 64 characters (allowed: 3..63)"),
    ("bucket-ends-with-hyphen", {"model": {"id": "s3://models-/m/"}}, "must start and end with a letter or digit"),
    ("utilization-zero", {"serving": {"option.gpu_memory_utilization": 0}}, "out of range (allowed: more than 0"),
    ("bool-as-integer", {"serving": {"option.max_model_len": True}}, "true is not a whole number (allowed: a whole number, 1..2147483647)"),
    ("negative-degree", {"serving": {"option.pipeline_parallel_degree": -1}}, "-1 is out of range (allowed: 1.."),
    ("two-spellings", {"serving": {"option.dtype": "fp16", "OPTION.dtype": "bf16"}, "serving_passthrough": ["OPTION.dtype"]}, "is option.dtype spelled differently"),
    ("uri-http", {"container": {"image": None, "tag": None, "uri": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:1"}}, "is not an ECR image URI"),
    ("neuron-ami-on-gpu", {"instance": {"inference_ami_version": "al2-ami-sagemaker-inference-neuron-2"}}, "has no GPU driver"),
    ("tag-key-empty", {"tags": {"": "v"}}, "key is 0 characters (allowed: 1..128)"),
    ("tag-empty-value", {"tags": {"reviewed": ""}}, "CloudFormation refuses an empty tag value on the stack's alarms (allowed: 1..256)"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "patch", "expected"), REJECTED, ids=[c for c, _, _ in REJECTED])
def test_rejected(tmp_path: Path, case: str, patch: dict[str, Any], expected: str) -> None:
    assert any(expected in e for e in errors_for(tmp_path, patch)), errors_for(tmp_path, patch)


def test_hub_model_in_a_vpc_warns_and_an_s3_model_does_not(tmp_path: Path) -> None:
    vpc = {"vpc": {"subnet_ids": ["subnet-0123abcd"], "security_group_ids": ["sg-0123abcd"]}}
    hub = issues_for(tmp_path, {**vpc, "model": {"id": "Qwen/Qwen2.5-7B-Instruct"}})
    assert [(i.field, i.severity) for i in hub] == [("model.id", "warning")]
    assert "NAT gateway" in hub[0].message
    assert issues_for(tmp_path, vpc) == []


def test_reserved_and_colliding_names_across_files(tmp_path: Path) -> None:
    base = yaml.safe_load(MINIMAL)
    for name in ("github-oidc", "x", "aot-x", "x-framework"):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({**base, "name": name}))
    from lmi_core.issues import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_configs([tmp_path])
    messages = sorted(f"{Path(i.file).name}: {i.message}" for i in caught.value.issues)
    # Log groups a stack owns are named from CloudFormation-generated names, so aot-x and x-framework
    # no longer collide with x's; only the reserved name is left.
    assert messages == [
        "github-oidc.yaml: 'github-oidc' is reserved: its stack would be lmi-github-oidc, the project's own (allowed: any other name; reserved: github-oidc, shared)",
    ]  # fmt: skip


def test_inference_amis_are_botocore_enum() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    assert tuple(model.shape_for("ProductionVariantInferenceAmiVersion").enum) == images.INFERENCE_AMI_VERSIONS


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=140), st.text(max_size=300), max_size=3))
def test_accepted_tags_are_ones_sagemaker_takes(tags: dict[str, str]) -> None:
    import botocore.session
    import regex

    from lmi_core.checks.tags import tags_sagemaker_accepts
    from lmi_core.kinds.realtime import RealtimeConfig

    config = RealtimeConfig.model_validate({**yaml.safe_load(MINIMAL), "tags": tags})
    if list(tags_sagemaker_accepts(config, None)):  # type: ignore[arg-type]
        return
    model = botocore.session.get_session().get_service_model("sagemaker")
    for text, shape in [(k, "TagKey") for k in tags] + [(v, "TagValue") for v in tags.values()]:
        metadata = model.shape_for(shape).metadata
        assert metadata["min"] <= len(text) <= metadata["max"]
        assert regex.fullmatch(metadata["pattern"], text)
        assert not text.lower().startswith(("aws:", naming.PROJECT_TAG_PREFIX))
    for value in tags.values():  # the stacks' other tagged resources: their CloudFormation registry schemas
        assert all(low <= len(value) <= high for low, high in TAG_VALUE_LENGTHS.values())


def _tag_value_lengths() -> dict[str, tuple[int, int]]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    lengths = {}
    for resource in (
        "AWS::CloudWatch::Alarm", "AWS::SageMaker::InferenceComponent", "AWS::StepFunctions::StateMachine",
        "AWS::SageMaker::Endpoint", "AWS::IAM::Role", "AWS::Logs::LogGroup",
    ):  # fmt: skip
        definitions = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource).schema["definitions"]
        value = next(d["properties"]["Value"] for name, d in definitions.items() if name in ("Tag", "TagsEntry"))
        lengths[resource] = (value.get("minLength", 0), value["maxLength"])
    return lengths


TAG_VALUE_LENGTHS = _tag_value_lengths()


def test_an_empty_tag_value_is_refused_because_an_alarm_refuses_it() -> None:
    from lmi_core.checks.tags import MIN_VALUE, tags_sagemaker_accepts
    from lmi_core.kinds.realtime import RealtimeConfig

    assert TAG_VALUE_LENGTHS["AWS::CloudWatch::Alarm"][0] == MIN_VALUE == 1
    config = RealtimeConfig.model_validate({**yaml.safe_load(MINIMAL), "tags": {"team": "", "LMI:Model": "x"}})
    findings = [f.field for f in tags_sagemaker_accepts(config, None)]  # type: ignore[arg-type]
    assert findings == ["tags.team", "tags.LMI:Model"]


# ---------------------------------------------------------------- fuzz: hostile text anywhere in the examples

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "*", "?", "s3://ab/x/", "s3://bkt/*/", "s3://bkt/a'b/", "s3://lmi-data-capture-111122223333-us-east-1/x/",
            "fp16\nengine=MPI", "x\\", "\u2028", "lmi:model", "aws:x", "latest", "2", " 2", "２", "nan", "-1",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:*", "${aws:username}", "'", '"', "{}", "#x", "a=b", "a:b",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
)  # fmt: skip


EXAMPLE_DATA = [yaml.safe_load(p.read_text()) for p in sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLE_DATA), st.data())
def test_hostile_text_anywhere_fails_cleanly_or_renders_safely(seed: dict[str, Any], data: st.DataObject) -> None:
    import copy
    import tempfile

    from lmi_core.config import ModelConfig
    from lmi_core.issues import ConfigError

    document = copy.deepcopy(seed)
    document.pop("code", None)  # the bundle directory is not beside the temporary file
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths_of(document)))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(HOSTILE_TEXT)
        elif isinstance(parent, dict):
            parent[data.draw(HOSTILE_TEXT)] = data.draw(HOSTILE_TEXT)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "fuzz.yaml"
        file.write_text(yaml.safe_dump(document, allow_unicode=True))
        try:
            (loaded,) = load_configs([file])
        except ConfigError as exc:
            assert exc.issues and all(str(i).startswith(str(file)) and "\n" not in str(i) for i in exc.issues)
            return
    config = loaded.config
    if isinstance(config, ModelConfig):
        expected = {key: format_value(value) for key, value in config.serving.items()}
        assert java_properties(render(config.serving)) == expected


def test_no_two_known_keys_share_a_spelling() -> None:
    """Else a documented key would be reported as another's spelling."""
    from collections import Counter

    from lmi_core.checks.serving import _OWN_KEYS, spelling
    from lmi_core.facts import lmi_options

    counts = Counter(spelling(key) for key in lmi_options.KNOWN_KEYS | _OWN_KEYS)
    assert [key for key, count in counts.items() if count > 1] == []
