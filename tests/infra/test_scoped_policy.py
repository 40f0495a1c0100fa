"""ScopedPolicy sends statements and acknowledgements either one by one or gathered in `batch()`:
the template is the same both ways, reasons for one finding are joined either way, and a reason that
comes after its acknowledgement was sent as plain text is an error, never dropped."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from lmi_constructs.scoped_policy import S3Location, ScopedPolicy

MINIMIZE = {"@aws-cdk/aws-iam:minimizePolicies": True}  # as in cdk.json: aws-cdk-lib merges statements
WHY_TOKEN = "GetAuthorizationToken has no resource-level scope at all."
WHY_METRICS = "PutMetricData has no resource-level scope; a namespace condition limits it."
WHY_PREFIX = "Objects under the prefix get names that are not known at synth."


def _grant_first(policy: ScopedPolicy) -> None:
    policy.allow(["ecr:GetAuthorizationToken"], ["*"], reason=WHY_TOKEN)
    policy.allow(["s3:GetObject"], ["arn:aws:s3:::bundles/model.tar.gz"])
    policy.allow(
        ["cloudwatch:PutMetricData"],
        ["*"],
        reason=WHY_METRICS,
        conditions={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}},
    )


def _grant_rest(policy: ScopedPolicy, weights: S3Location) -> None:
    policy.allow_prefix(weights, ["s3:GetObject"], reason=WHY_PREFIX)
    policy.allow(["s3:GetObject"], ["arn:aws:s3:::bundles/tokenizer.json"])  # merged with the first GetObject


def _grant(policy: ScopedPolicy, weights: S3Location) -> None:
    _grant_first(policy)
    _grant_rest(policy, weights)


def _probe() -> tuple[Stack, iam.Role, S3Location]:
    """A stack with a role and a weights prefix for a policy to grant on."""
    stack = Stack(App(context=MINIMIZE), "Probe")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    return stack, role, S3Location(s3.Bucket.from_bucket_name(stack, "Weights", "my-weights"), "llama/")


def _synth(build: Callable[[ScopedPolicy, S3Location], None]) -> tuple[dict[str, Any], dict[str, str]]:
    """The template, and the acknowledgements recorded on the managed policy (rule id -> resolved reason)."""
    stack, role, weights = _probe()
    policy = ScopedPolicy(stack, "Policy", role=role, description="probe")
    build(policy, weights)
    template = dict(Template.from_stack(stack).to_json())
    acknowledged = {
        rule_id: stack.resolve(reason)
        for entry in policy.policy.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule_id, reason in entry.data.items()
    }
    return template, acknowledged


def _batched(policy: ScopedPolicy, weights: S3Location) -> None:
    with policy.batch():
        _grant(policy, weights)


def _half_batched(policy: ScopedPolicy, weights: S3Location) -> None:
    with policy.batch():
        _grant_first(policy)
    with policy.batch():  # the policy exists: these are added to it
        _grant_rest(policy, weights)


def test_batched_statements_make_the_same_template() -> None:
    one_by_one, acknowledged = _synth(_grant)
    (policy,) = [r for r in one_by_one["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {"Action": "s3:GetObject", "Effect": "Allow", "Resource": [
        "arn:aws:s3:::bundles/model.tar.gz", "arn:aws:s3:::bundles/tokenizer.json",
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-weights/llama/*"]]},
    ]} in statements  # fmt: skip
    assert acknowledged == {
        "Annotation::AwsSolutions-IAM5[Resource::*]": f"{WHY_TOKEN} {WHY_METRICS}",
        "Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::my-weights/llama/*]": WHY_PREFIX,
    }
    assert _synth(_batched) == (one_by_one, acknowledged)
    assert _synth(_half_batched) == (one_by_one, acknowledged)


def test_a_reason_after_its_acknowledgement_was_sent_is_an_error() -> None:
    stack, role, _ = _probe()
    policy = ScopedPolicy(stack, "Policy", role=role, description="probe")
    with policy.batch():
        policy.allow(["ecr:GetAuthorizationToken"], ["*"], reason=WHY_TOKEN)
    policy.allow(["ecr:GetAuthorizationToken"], ["*"], reason=WHY_TOKEN)  # the same reason again: nothing to add
    with pytest.raises(ValueError, match=r"AwsSolutions-IAM5\[Resource::\*\] is acknowledged already"):
        policy.allow(["cloudwatch:PutMetricData"], ["*"], reason=WHY_METRICS)


@pytest.mark.parametrize(
    "build",
    [
        lambda aws: f"arn:{aws.partition}:s3:::lmi-data-capture-{aws.account_id}-{aws.region}/capture/m1/*",
        lambda aws: aws.partition,
        lambda aws: f"{aws.account_id}.dkr.ecr.{aws.region}.{aws.url_suffix}/djl-inference:*",
    ],
)
def test_pseudo_parameters_are_named_in_python_as_a_resolve_names_them(build: Callable[[Any], str]) -> None:
    """nag_label names AWS::Partition, ::Region, ::AccountId and ::URLSuffix without a resolve; the result is
    the resolved template's text, flattened (what cdk-nag puts in a finding id)."""
    from lmi_constructs.nag import _flatten, nag_label
    from lmi_constructs.tokens import AWS

    stack = Stack(App(), "Labels")
    value = build(AWS)
    assert "Token[" not in AWS.labelled(value)
    assert nag_label(stack, value) == AWS.labelled(value) == _flatten(stack.resolve(value))


def test_other_tokens_are_still_resolved() -> None:
    from lmi_constructs.nag import nag_label

    stack = Stack(App(), "Labels")
    bucket = s3.Bucket(stack, "Owned")
    assert nag_label(stack, f"{bucket.bucket_arn}/*") == "<Owned132ED500.Arn>/*"


def test_gathered_policies_send_one_batch_after_the_block_with_the_same_template() -> None:
    """A policy created inside `ScopedPolicy.gathered()` keeps gathering after its own batch ends (a model's
    policy, then the grants its endpoint adds), and sends everything when the block ends: the template is
    the one the separate batches give."""

    def build(gather: bool) -> dict[str, Any]:
        stack, role, weights = _probe()
        context = ScopedPolicy.gathered() if gather else contextlib.nullcontext()
        with context:
            policy = ScopedPolicy(stack, "Policy", role=role, description="probe")
            with policy.batch():
                _grant(policy, weights)
            assert (policy.node.try_find_child("Policy") is None) == gather  # not sent yet while gathering
            with policy.batch():
                policy.allow(["kms:Encrypt"], ["arn:aws:kms:eu-west-1:111122223333:key/k"])
        assert policy.node.try_find_child("Policy") is not None
        return Template.from_stack(stack).to_json()

    assert build(gather=True) == build(gather=False)


def test_once_per_object_makes_one_value_per_owner_and_keeps_no_owner_alive() -> None:
    import gc
    import weakref

    from lmi_constructs.tokens import once_per_object

    class Owner:
        pass

    calls: list[str] = []

    @once_per_object
    def make(owner: Owner) -> object:
        calls.append(type(owner).__name__)
        return object()

    first, second = Owner(), Owner()
    assert make(first) is make(first)
    assert make(second) is not make(first)
    assert len(calls) == 2
    first_ref = weakref.ref(first)
    del first
    gc.collect()
    assert first_ref() is None  # the table holds its owners weakly
