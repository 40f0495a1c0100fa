"""No accepted YAML value adds a state to the Step Functions definition or a wildcard to an IAM policy: one synth
of models whose values use every character the checks let through, plus a property test of the one function
that writes values into a States Language intrinsic."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Synth, synth
from tests.template_lint import lint_errors

# Every character an S3 key may hold after validation, in the batch paths; the input near the longest URI allowed.
INPUT = "s3://data.bkt-1/in=x/(a)/b+c@d,e:f!_g/" + "a-long-prefix/" * 68
OUTPUT = "s3://data.bkt-1/out=x/(a)/b+c@d,e:f!_g/"
NAME = "batch-with-a-name-of-forty-characters-x1"  # 40: the job prefix is cut and hashed

BATCH = f"""\
name: {NAME}
kind: batch
model: {{id: "s3://my.models-2/team=search/(v1)/llama_3.1+awq@2,final:ok!/"}}
container: {{image: lmi, tag: 0.33.0-lmi15.0.0-cu128}}
serving: {{engine: Python, option.rolling_batch: vllm}}
instance: {{type: ml.g5.2xlarge, count: 1}}
batch: {{input: "{INPUT}", output: "{OUTPUT}"}}
data_capture: {{}}
tags: {{"équipe": "recherche et développement", "cost-center": "4711"}}
"""
ASYNC = """\
name: async-odd-paths
kind: async
model: {id: "s3://my.models-2/a=b/(c)/"}
container: {uri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/llm-serving:2026.11.1"}
serving: {engine: Python}
instance: {type: ml.g5.2xlarge, count: 1}
async: {output: "s3://results.bkt/out=1/", failure: "s3://results.bkt/fail+1/"}
"""
STATES = {"InputGiven", "WholeInputPrefix", "RunTransformJob", "NotifyFailure", "TransformFailed", "Done"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    configs = tmp_path_factory.mktemp("hostile-configs")
    (configs / "batch.yaml").write_text(BATCH)
    (configs / "async.yaml").write_text(ASYNC)
    return synth(configs, tmp_path_factory.mktemp("hostile-out"))


def flatten(node: Any) -> str:
    """A template value as text: literal parts kept, every intrinsic a placeholder without '*' or '?'."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, parts = node["Fn::Join"]
        return str(delimiter).join(flatten(part) for part in parts)
    return "<ref>"


def format_literal(expression: str) -> tuple[str, str]:
    """`States.Format('<literal>', <argument>)` -> (literal unescaped, argument), as Step Functions reads it."""
    head = "States.Format('"
    assert expression.startswith(head)
    literal, i, placeholders = [], len(head), 0
    while expression[i] != "'":
        if expression[i] == "\\":  # an escaped character stands for itself
            literal.append(expression[i + 1])
            i += 2
        elif expression[i : i + 2] == "{}":
            literal.append("{}")
            placeholders += 1
            i += 2
        elif expression[i] in "{}":
            raise AssertionError(f"stray brace in {expression!r}")
        else:
            literal.append(expression[i])
            i += 1
    assert placeholders == 1, expression
    rest = expression[i + 1 :]
    assert rest.startswith(", ") and rest.endswith(")") and "'" not in rest
    return "".join(literal), rest[2:-1]


def test_the_templates_pass_cfn_lint(hostile: Synth) -> None:
    """Also with the longest values: a 1,000-character batch input once overflowed the rule's 512-character Description."""
    assert len(INPUT) == 990
    problems = {name: lint_errors(json.dumps(t)) for name, t in hostile.templates.items()}
    assert problems == {name: [] for name in hostile.templates}


def test_no_value_adds_a_state(hostile: Synth) -> None:
    template = hostile.templates[f"lmi-{NAME}"]
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    definition = json.loads(flatten(machine["Properties"]["DefinitionString"]))
    assert set(definition["States"]) == STATES
    parameters = definition["States"]["RunTransformJob"]["Parameters"]
    assert format_literal(parameters["TransformOutput"]["S3OutputPath.$"]) == (f"{OUTPUT}{{}}/", "$$.Execution.Name")
    from lmi_core import naming

    assert format_literal(parameters["TransformJobName.$"]) == (
        f"{naming.transform_job_prefix(NAME)}-{{}}",
        "States.UUID()",
    )
    assert definition["States"]["WholeInputPrefix"]["Result"] == INPUT


def test_no_value_adds_a_wildcard_to_a_policy(hostile: Synth) -> None:
    checked = 0
    for name, template in hostile.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                continue
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                listed = statement.get("Resource", [])
                for arn in listed if isinstance(listed, list) else [listed]:
                    text = flatten(arn)
                    checked += 1
                    # the one wildcard a grant holds is the trailing one the construct wrote
                    assert text.count("*") <= 1 and (text.endswith("*") or "*" not in text), (name, text)
                    assert "?" not in text and "${" not in text, (name, text)
    assert checked > 20


def test_the_image_pull_grant_names_exactly_the_repository(hostile: Synth) -> None:
    template = hostile.templates["lmi-async-odd-paths"]
    pulls = [
        statement["Resource"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:BatchGetImage" in statement["Action"]
    ]
    assert pulls == ["arn:aws:ecr:eu-west-1:123456789012:repository/team/llm-serving"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=5))
def test_states_format_keeps_any_text_inside_its_literal(before: str, after: str) -> None:
    from lmi_constructs.batch_transform import states_format

    assert format_literal(states_format(before, "$$.Execution.Name", after)) == (
        f"{before}{{}}{after}",
        "$$.Execution.Name",
    )


def test_no_acknowledgement_comes_from_a_value() -> None:
    """A value that would put a wildcard into a grant is an error at synth, never an acknowledged finding."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    from lmi_constructs.scoped_policy import S3Location, ScopedPolicy

    stack = Stack(App(), "Probe")
    bucket = s3.Bucket.from_bucket_name(stack, "Bucket", "data-bkt")
    with pytest.raises(ValueError, match="wildcard"):
        S3Location(bucket, "team/*/")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    policy = ScopedPolicy(stack, "Policy", role=role, description="probe")
    with pytest.raises(ValueError, match="a value brought in"):
        policy.allow(["s3:GetObject"], ["arn:aws:s3:::data-bkt/*/x/*"], reason=textwrap.fill("a reason " * 4))
    assert policy.acknowledgements.reasons() == {}


def test_examples_still_acknowledge_only_trailing_wildcards(examples: Synth) -> None:
    for name, template in examples.templates.items():
        for logical_id, resource in template["Resources"].items():
            for entry in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                rule = str(entry.get("id", ""))
                if rule.startswith("AwsSolutions-IAM5[Resource::"):
                    resource_text = rule.removeprefix("AwsSolutions-IAM5[Resource::").removesuffix("]")
                    assert resource_text.count("*") == 1 and resource_text.endswith("*"), (name, logical_id, rule)
