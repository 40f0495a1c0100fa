"""Synth works in every region of the SDK's image table, with that region's ECR account and DNS suffix."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lmi_core.facts.images import REGIONS, image_uri
from tests.conftest import MINIMAL, write_configs

TAG = "0.33.0-lmi15.0.0-cu128"


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app with a shared and a model stack in each region (one synth for all 44)."""
    from aws_cdk import App, Environment

    from lmi_core.loader import load_configs
    from stacks.model_stack import ModelStack
    from stacks.shared_stack import SharedStack

    (loaded,) = load_configs([write_configs(tmp_path_factory.mktemp("configs"), {"m1.yaml": MINIMAL})])
    app = App(
        outdir=str(tmp_path_factory.mktemp("regions-out")),
        builtin_cloud_formation_validation=False,  # runs once, on the examples (conftest)
        context={"@aws-cdk/core:enablePartitionLiterals": True},  # as in cdk.json
    )
    for region in REGIONS:
        env = Environment(account="123456789012", region=region)
        shared = SharedStack(app, f"shared-{region}", env=env)
        ModelStack(app, f"model-{region}", loaded=loaded, shared=shared.resources, env=env).add_stack_dependency(shared)
    return app.synth()


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_image_from_the_regions_registry(assembly: Any, region: str) -> None:
    template = assembly.get_stack_by_name(f"model-{region}").template
    (model,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Model"]
    uri = model["Properties"]["PrimaryContainer"]["Image"]
    assert uri == image_uri(region, TAG)
    assert uri.startswith(f"{REGIONS[region].account}.dkr.ecr.{region}.{REGIONS[region].dns_suffix}/")


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_bucket_arns_are_in_the_regions_partition(assembly: Any, region: str) -> None:
    """Buckets known by name (NamedBucket) get the stack's partition, a literal once the region is known."""
    template = assembly.get_stack_by_name(f"model-{region}").template
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    text = json.dumps(policy["Properties"]["PolicyDocument"])
    s3_arns = re.findall(r'"(arn:[^:"]*:s3:::[^"]*)"', text)
    assert s3_arns, "the model reads its weights from S3"
    assert text.count(":s3:::") == len(s3_arns)  # every S3 ARN is a literal, none a join around a Ref
    assert {arn.split(":")[1] for arn in s3_arns} == {REGIONS[region].partition}


def resolved(value: Any, region: str) -> Any:
    """A template value with the pseudo parameters of `region` filled in and Fn::Join applied."""
    pseudo = {
        "AWS::Region": region,
        "AWS::URLSuffix": REGIONS[region].dns_suffix,
        "AWS::Partition": REGIONS[region].partition,
    }
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in pseudo:
        return pseudo[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolved(part, region)) for part in parts)
    return value


@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1"])
def test_the_key_lets_cloudwatch_logs_of_the_regions_partition_use_it(assembly: Any, region: str) -> None:
    """The Logs service principal is regional and carries the partition's DNS suffix (.amazonaws.com.cn in
    China): with a literal amazonaws.com, no encrypted log group could be created there."""
    template = assembly.get_stack_by_name(f"shared-{region}").template
    (key,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    services = [
        resolved(statement["Principal"]["Service"], region)
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in statement.get("Principal", {})
    ]
    assert f"logs.{region}.{REGIONS[region].dns_suffix}" in services
