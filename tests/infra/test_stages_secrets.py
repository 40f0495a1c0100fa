"""Stages and secrets, synthesized: the prod stage of the stage-override and secret examples, with a
sentinel secret that exists (in moto) so a resolved value would be caught anywhere under cdk.out."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from lmi_cli.report import render
from tests.conftest import EXAMPLES, Synth, synth
from tests.nag.test_nag import violations

SECRET_NAME = "lmi-test-sentinel-secret"
SECRET_VALUE = "hf_SENTINELvalue0123456789abcdefNEVERinCDKOUT"
REFERENCE = f"{{{{resolve:secretsmanager:{SECRET_NAME}:SecretString:::}}}}"


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("staged-configs")
    shutil.copy(EXAMPLES / "qwen25-7b-staged.yaml", directory)
    gated = (EXAMPLES / "llama31-8b-gated.yaml").read_text().replace("HF_TOKEN: hf-token", f"HF_TOKEN: {SECRET_NAME}")
    (directory / "llama31-8b-gated.yaml").write_text(gated)
    return directory


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory, configs: Path) -> Iterator[Synth]:
    with mock_aws():
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name=SECRET_NAME, SecretString=SECRET_VALUE
        )
        yield synth(configs, tmp_path_factory.mktemp("staged-out"), stage="prod")


def model_environment(template: dict[str, object]) -> dict[str, str]:
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]  # type: ignore[attr-defined]
    env: dict[str, str] = model["Properties"]["PrimaryContainer"]["Environment"]
    return env


def test_prod_names_carry_the_stage(prod: Synth) -> None:
    assert sorted(prod.templates) == ["lmi-llama31-8b-gated-prod", "lmi-qwen25-7b-staged-prod", "lmi-shared-prod"]
    endpoint = prod.stack("lmi-qwen25-7b-staged-prod").node.find_child("Serving")
    assert endpoint.node.find_child("Endpoint").endpoint_name == "qwen25-7b-staged-prod"
    shared = prod.templates["lmi-shared-prod"]["Resources"]
    buckets = sorted(
        r["Properties"]["BucketName"]["Fn::Join"][1][0] for r in shared.values() if r["Type"] == "AWS::S3::Bucket"
    )
    assert buckets == [
        "lmi-access-logs-prod-",
        "lmi-aot-artifacts-prod-",
        "lmi-async-payloads-prod-",
        "lmi-data-capture-prod-",
    ]


def test_prod_merges_the_override(prod: Synth) -> None:
    resources = prod.templates["lmi-qwen25-7b-staged-prod"]["Resources"]
    (config,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 2
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 20
    (target,) = [
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
    ]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 4)


def test_prod_is_nag_clean(prod: Synth) -> None:
    assert violations(prod.outdir) == []


def test_the_secret_is_a_dynamic_reference_only(prod: Synth) -> None:
    environment = model_environment(prod.templates["lmi-llama31-8b-gated-prod"])
    assert environment == {"TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": REFERENCE}


def test_the_secret_value_is_in_no_file_under_cdk_out(prod: Synth) -> None:
    files = [path for path in prod.outdir.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".template.json") for path in files)
    for path in files:
        data = path.read_bytes()
        assert SECRET_VALUE.encode() not in data, path
        # the secret's name appears only inside the dynamic reference
        assert data.count(SECRET_NAME.encode()) == data.count(REFERENCE.encode()), path


def test_the_execution_role_gets_no_secrets_manager_access(prod: Synth) -> None:
    template = prod.templates["lmi-llama31-8b-gated-prod"]
    actions = re.findall(r'"(secretsmanager:[A-Za-z*]+)"', str(template).replace("'", '"'))
    assert actions == []  # CloudFormation resolves the reference; the container never reads Secrets Manager


def test_the_report_does_not_print_the_secret(prod: Synth, configs: Path) -> None:
    report = render(configs, prod.outdir, "us-east-1")
    assert "llama31-8b-gated" in report
    assert SECRET_VALUE not in report


# Names unique per account and region that the templates set (everything else is named by CloudFormation).
PHYSICAL_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::SageMaker::InferenceComponent": "InferenceComponentName",
    "AWS::ApplicationAutoScaling::ScalableTarget": "ResourceId",  # endpoint/<name>/variant/...
    "Custom::LmiAotPreparation": "ModelName",  # names the AOT jobs and their output prefix
}


def physical_names(synthesized: Synth) -> set[str]:
    """Every stack name and every physical name the templates set, as JSON text."""
    names = set(synthesized.templates)
    for template in synthesized.templates.values():
        for resource in template.get("Resources", {}).values():
            key = PHYSICAL_NAMES.get(resource["Type"])
            if key is not None and key in resource.get("Properties", {}):
                value = resource["Properties"][key]
                if not _refers_to_a_resource(value, template):  # those are unique per deploy already
                    names.add(json.dumps(value, sort_keys=True))
    return names


def _refers_to_a_resource(node: object, template: dict[str, object]) -> bool:
    """A name that embeds a Ref to a resource of its own stack (a CloudFormation-generated name)."""
    if isinstance(node, list):
        return any(_refers_to_a_resource(item, template) for item in node)
    if isinstance(node, dict):
        if set(node) == {"Ref"}:
            return node["Ref"] in template.get("Resources", {})  # type: ignore[operator]
        return any(_refers_to_a_resource(item, template) for item in node.values())
    return False


@pytest.fixture(scope="module")
def every_example_in_prod(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    configs = tmp_path_factory.mktemp("examples-prod")
    shutil.copytree(EXAMPLES / "code", configs / "code")
    for path in EXAMPLES.glob("*.yaml"):  # the team's own buckets instead of the placeholders
        (configs / path.name).write_text(path.read_text().replace("s3://my-", "s3://acme-"))
    return synth(configs, tmp_path_factory.mktemp("examples-prod-out"), stage="prod")


def test_dev_and_prod_share_an_account_without_a_name_collision(examples: Synth, every_example_in_prod: Synth) -> None:
    dev, prod = physical_names(examples), physical_names(every_example_in_prod)
    assert len(dev) == len(prod) > 50
    assert dev & prod == set()
