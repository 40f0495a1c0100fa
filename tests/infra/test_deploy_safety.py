"""What is deployed stays safe across deploys: key policy and grant conditions, log groups that never
block a later create, a shared stack that cannot be deleted under its models, autoscaled counts kept
across updates, and batch logs scoped where SageMaker writes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from aws_cdk.assertions import Match, Template

from lmi_core import naming
from stacks.shared_stack import in_use_export
from tests.conftest import Synth
from tests.kms_access import missing_key_grants


def statements(templates: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement of every policy (managed, inline, key, topic) in every template."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "Effect" in node and "Action" in node:
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for name, template in templates.items():
        for statement in walk(template.get("Resources", {})):
            yield name, statement


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_cloudwatch_may_use_the_key_only_for_this_account(examples: Synth) -> None:
    Template.from_stack(examples.stack(naming.SHARED_STACK)).has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Resource": "*",
                        }
                    ]
                )
            }
        },
    )
    cloudwatch = [
        s for _, s in statements(examples.templates) if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch and all("aws:SourceAccount" in json.dumps(s.get("Condition")) for s in cloudwatch)


def test_alarms_may_publish_to_the_alarm_topic_they_notify(examples: Synth) -> None:
    """A topic policy replaces SNS's default one: without an Allow for CloudWatch no alarm e-mail was ever sent.
    Every SNS alarm action in the examples names the shared alarm topic, whose policy lets this account's
    alarms publish."""
    shared = examples.templates[naming.SHARED_STACK]["Resources"]
    (topic_id,) = [k for k, r in shared.items() if r["Type"] == "AWS::SNS::Topic" and k.startswith("SharedAlarms")]
    (policy,) = [
        r["Properties"]["PolicyDocument"]
        for r in shared.values()
        if r["Type"] == "AWS::SNS::TopicPolicy" and r["Properties"]["Topics"] == [{"Ref": topic_id}]
    ]
    (allow,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert (allow["Principal"], allow["Action"], allow["Resource"]) == (
        {"Service": "cloudwatch.amazonaws.com"}, "sns:Publish", {"Ref": topic_id}
    )  # fmt: skip
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":alarm:*" in json.dumps(allow["Condition"]["ArnLike"]["aws:SourceArn"])
    notified = [
        json.dumps(action)
        for template in examples.templates.values()
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        for action in resource["Properties"].get("AlarmActions", [])
        if ":autoscaling:" not in json.dumps(action) and "Ref" not in action  # scaling policies are Refs
    ]
    assert notified and all(topic_id in action for action in notified)  # its Ref, or the output of it


def test_every_create_grant_is_for_an_aws_resource(examples: Synth) -> None:
    grants = [(name, s) for name, s in statements(examples.templates) if "kms:CreateGrant" in actions(s)]
    assert grants, "the batch state machine grants the transform job's key use"
    for name, statement in grants:
        assert statement.get("Condition", {}).get("Bool") == {"kms:GrantIsForAWSResource": "true"}, name


def test_every_put_metric_data_names_its_namespaces(examples: Synth) -> None:
    puts = [(name, s) for name, s in statements(examples.templates) if "cloudwatch:PutMetricData" in actions(s)]
    assert len(puts) >= len(examples.templates) - 1  # every model role (the shared stack has none)
    for name, statement in puts:
        namespaces = statement.get("Condition", {}).get("StringLike", {}).get("cloudwatch:namespace")
        assert namespaces and not any(n in ("*", "") for n in namespaces), name
        # AWS/SageMaker holds the service's invocation metrics, which scaling and alarms read: no forging
        assert namespaces == ["/aws/sagemaker/*"], name


def log_groups(examples: Synth) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, template in examples.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == "AWS::Logs::LogGroup":
                yield name, logical_id, resource


def test_no_log_group_can_block_a_later_create(examples: Synth) -> None:
    """A literal name plus Retain means "already exists" on the next create (a failed first deploy,
    `aot:` removed and added again, a model destroyed and deployed again)."""
    found = list(log_groups(examples))
    assert {"lmi-qwen25-7b-batch", "lmi-qwen25-32b-awq"} <= {name for name, _, _ in found}
    for name, logical_id, resource in found:
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate", (name, logical_id)
        assert resource["UpdateReplacePolicy"] == "Retain", (name, logical_id)
        group_name = resource["Properties"].get("LogGroupName")
        if group_name is None:
            continue  # CloudFormation names it, with a random suffix
        # Step Functions needs /aws/vendedlogs/: the rest is another resource's generated name
        prefix, suffix = group_name["Fn::Join"][1]
        assert prefix == "/aws/vendedlogs/states/", (name, logical_id)
        assert set(suffix) == {"Ref"} and suffix["Ref"] in examples.templates[name]["Resources"], (name, logical_id)


def test_sagemaker_log_groups_are_never_created_by_a_stack(examples: Synth) -> None:
    for name, logical_id, resource in log_groups(examples):
        assert "/aws/sagemaker/" not in json.dumps(resource), (name, logical_id)


def test_aot_logs_go_to_the_unnamed_groups(examples: Synth) -> None:
    template = Template.from_stack(examples.stack("lmi-qwen25-32b-awq"))
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Description": Match.string_like_regexp("AOT job")}}
    )
    assert len(functions) == 2
    for function in functions.values():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]
        (logical_id,) = group.values()
        assert template.to_json()["Resources"][logical_id]["Type"] == "AWS::Logs::LogGroup"
        assert "LogGroupName" not in template.to_json()["Resources"][logical_id]["Properties"]


def test_the_shared_stack_cannot_be_deleted_under_its_models(examples: Synth) -> None:
    export = in_use_export(naming.SHARED_STACK)
    Template.from_stack(examples.stack(naming.SHARED_STACK)).has_output(
        "InUse", {"Value": naming.SHARED_STACK, "Export": {"Name": export}}
    )
    models = [name for name in examples.templates if name != naming.SHARED_STACK]
    assert len(models) >= 10
    for name in models:
        Template.from_stack(examples.stack(name)).has_output("SharedStackInUse", {"Value": {"Fn::ImportValue": export}})


def autoscaled_instance_counts(template: dict[str, Any]) -> bool:
    return any(
        r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
        and r["Properties"]["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
        for r in template["Resources"].values()
    )


def test_an_update_keeps_the_autoscaled_instance_count(examples: Synth) -> None:
    seen = {True: 0, False: 0}
    for name, template in examples.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::SageMaker::Endpoint":
                continue
            properties = resource["Properties"]
            scaled = autoscaled_instance_counts(template)
            seen[scaled] += 1
            if scaled:
                assert properties["RetainAllVariantProperties"] is True, name
                assert properties["ExcludeRetainedVariantProperties"] == [{"VariantPropertyType": "DesiredWeight"}]
            else:  # a fixed count (or serverless): the config's count is the truth
                assert "RetainAllVariantProperties" not in properties, name
    assert seen[True] >= 3 and seen[False] >= 1
    Template.from_stack(examples.stack("lmi-llama3-8b-chat")).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "RetainAllVariantProperties": True,
            "DeploymentConfig": Match.object_like({"BlueGreenUpdatePolicy": Match.any_value()}),
        },
    )


def test_batch_logs_where_sagemaker_writes_them(examples: Synth) -> None:
    template = examples.templates["lmi-qwen25-7b-batch"]
    text = json.dumps(template)
    assert "TransformJobs/" not in text  # there is no per-model group under /aws/sagemaker/TransformJobs
    prefix = naming.transform_log_stream_prefix("qwen25-7b-batch")
    group = ":log-group:/aws/sagemaker/TransformJobs"
    log_statements = [s for _, s in statements({"b": template}) if "logs:PutLogEvents" in actions(s)]
    resources = json.dumps([s["Resource"] for s in log_statements])
    assert f'{group}"' in resources and f"{group}:log-stream:{prefix}*" in resources
    assert f"{group}:log-stream:*" not in resources  # not every model's streams
    assert prefix == naming.transform_job_name("qwen25-7b-batch", "")


def test_every_reader_and_writer_of_a_shared_kms_bucket_may_use_its_key(examples: Synth) -> None:
    """The serving roles of the AOT examples read the prepared weights from the KMS-encrypted artifacts bucket."""
    templates = examples.templates
    aot_readers = {
        name
        for name, statement in statements(templates)
        if "s3:GetObject" in actions(statement) and "lmi-aot-artifacts-" in json.dumps(statement["Resource"])
    }
    assert len(aot_readers) >= 4  # the four AOT examples: checked, not skipped
    assert [f"{name} {p}" for name, template in templates.items() for p in missing_key_grants(template)] == []


def test_every_versioned_shared_bucket_expires_its_noncurrent_versions(examples: Synth) -> None:
    """An expired or overwritten object of a versioned bucket stays as a noncurrent version unless a rule ends it."""
    resources = examples.templates[naming.SHARED_STACK]["Resources"]
    buckets = {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    assert len(buckets) == 4
    for key, bucket in buckets.items():
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}, key
        rules = bucket["LifecycleConfiguration"]["Rules"]
        assert any("NoncurrentDays" in rule.get("NoncurrentVersionExpiration", {}) for rule in rules), key


def test_no_named_resource_is_kept_after_a_failed_first_create(examples: Synth) -> None:
    """DeletionPolicy Retain keeps a resource even when its first create rolls back: with a fixed name (the
    shared buckets: lmi-<purpose>-<account>-<region>), every retry then fails with "already exists"."""
    checked = 0
    for name, template in examples.templates.items():
        for logical_id, resource in template["Resources"].items():
            short = resource["Type"].rsplit("::", 1)[-1]
            named = any(key in resource.get("Properties", {}) for key in (f"{short}Name", "Name"))
            if resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate") and named:
                assert resource["DeletionPolicy"] == "RetainExceptOnCreate", (name, logical_id)
                checked += 1
    assert checked >= 4  # at least the shared stack's four buckets


def test_a_component_endpoint_cannot_be_deleted_under_its_components(examples: Synth) -> None:
    """A component's stack attaches a policy to the endpoint's role by name and places copies on its endpoint:
    deleting the endpoint's stack first would leave the components without either, and no diff to notice."""
    host = "lmi-pool-g5-48xl"
    Template.from_stack(examples.stack(host)).has_output(
        "InUse", {"Value": host, "Export": {"Name": in_use_export(host)}}
    )
    components = [
        name
        for name, template in examples.templates.items()
        if any(r["Type"] == "AWS::SageMaker::InferenceComponent" for r in template["Resources"].values())
    ]
    assert len(components) >= 3
    for name in components:
        outputs = examples.templates[name]["Outputs"]
        assert outputs["PoolG548xlStackInUse"]["Value"] == {"Fn::ImportValue": in_use_export(host)}, name
    for name, template in examples.templates.items():  # only endpoints that host components export a guard
        assert ("InUse" in template.get("Outputs", {})) == (name in (host, naming.SHARED_STACK)), name
