"""What a deploy replaces, from two synthesized templates and CloudFormation's update rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_cli.report import render, template_diff
from tests.conftest import MINIMAL, synth, write_configs

SCALED = MINIMAL + "autoscaling: {min: 1, max: 2, target_invocations_per_instance: 5}\n"


@pytest.fixture(scope="module")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("template-diff")
    base = write_configs(root / "base", {"m1.yaml": SCALED})
    head = write_configs(root / "head", {"m1.yaml": SCALED.replace("ml.g5.2xlarge", "ml.g6e.2xlarge")})
    synth(base, root / "base.out")
    synth(head, root / "head.out")
    return head, root / "base.out", root / "head.out"


def test_instance_type_change_replaces_the_endpoint_config_and_updates_the_endpoint(
    assemblies: tuple[Path, Path, Path],
) -> None:
    _, base_out, head_out = assemblies
    changes = template_diff.assembly_changes(base_out, head_out)
    assert list(changes) == ["lmi-m1"]  # the shared stack did not change
    by_type = {c.type: c for c in changes["lmi-m1"]}
    assert by_type["AWS::SageMaker::EndpointConfig"].action == "replace"
    assert "ProductionVariants" in by_type["AWS::SageMaker::EndpointConfig"].properties
    endpoint = by_type["AWS::SageMaker::Endpoint"]  # refers to the replaced config: updated, not replaced
    assert endpoint.action == "update" and "EndpointConfigName" in endpoint.properties
    assert "AWS::SageMaker::Model" not in by_type  # same model, same container
    said = template_diff.summary(changes["lmi-m1"], "the realtime rollout")
    assert said[0].startswith("replaces: EndpointConfig ")
    assert said[-1] == "interrupts: the realtime rollout"


def test_report_shows_template_changes(assemblies: tuple[Path, Path, Path]) -> None:
    head, base_out, head_out = assemblies
    text = render(head, head_out, "us-east-1", base_cdk_out=base_out)
    section = text.split(f"### Template changes against `{base_out}`", 1)[1].split("\n## ", 1)[0]
    assert "- **lmi-m1**\n  - replaces: EndpointConfig " in section
    assert "  - interrupts: no downtime when the new fleet turns healthy" in section


def test_rules_and_references_on_plain_templates(tmp_path: Path) -> None:
    import json

    def template(name: str, resources: dict[str, object]) -> Path:
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps({"Resources": resources}))
        return path

    model = {"Type": "AWS::SageMaker::Model", "Properties": {"PrimaryContainer": {"Image": "a"}, "Tags": []}}
    config = {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {"ProductionVariants": [{"ModelName": {"Fn::GetAtt": ["M", "ModelName"]}}]}}  # fmt: skip
    endpoint = {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": {"Fn::GetAtt": ["C", "EndpointConfigName"]}, "EndpointName": "x"}}  # fmt: skip
    base = template("base", {"M": model, "C": config, "E": endpoint})
    retagged = {**model, "Properties": {**model["Properties"], "Tags": [{"Key": "t", "Value": "v"}]}}
    assert [(c.logical_id, c.action) for c in template_diff.stack_changes(base, template("tags", {"M": retagged, "C": config, "E": endpoint}))] == [("M", "update")]  # fmt: skip
    new_image = {**model, "Properties": {"PrimaryContainer": {"Image": "b"}, "Tags": []}}
    found = template_diff.stack_changes(base, template("image", {"M": new_image, "C": config, "E": endpoint}))
    assert [(c.logical_id, c.action) for c in found] == [("C", "replace"), ("M", "replace"), ("E", "update")]
    renamed = {**endpoint, "Properties": {**endpoint["Properties"], "EndpointName": "y"}}
    found = template_diff.stack_changes(base, template("renamed", {"M": model, "C": config, "E": renamed}))
    assert template_diff.summary(found, "x")[-1].startswith("interrupts: the endpoint is deleted")
