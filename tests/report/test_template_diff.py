"""What a deploy replaces, from two synthesized templates and CloudFormation's update rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_cli.report import render, template_diff
from tests.conftest import MINIMAL, Synth, synth, write_configs

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


def test_the_cli_passes_base_cdk_out_on(
    assemblies: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make report BASE_CDK_OUT=...` (pr.yml): the report and the comment both hold the template changes."""
    from lmi_cli.report.__main__ import main

    head, base_out, head_out = assemblies
    report, comment = tmp_path / "report.md", tmp_path / "comment.md"
    args = ["--configs", str(head), "--cdk-out", str(head_out), "--region", "us-east-1"]
    assert main([*args, "--base-cdk-out", str(base_out), "--output", str(report), "--comment", str(comment)]) == 0
    for text in (report.read_text(), comment.read_text()):
        assert f"### Template changes against `{base_out}`\n\n- **lmi-m1**\n  - replaces: EndpointConfig " in text
    assert main([*args, "--base-cdk-out", str(tmp_path / "nowhere")]) == 1
    assert (
        capsys.readouterr().err
        == f"--base-cdk-out {tmp_path / 'nowhere'} does not exist (allowed: a synth of the base)\n"
    )


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


def test_replacement_follows_the_registry_schemas(tmp_path: Path) -> None:
    """createOnlyProperties from cfn-lint's schemas: any type, nested paths, custom resources, every region."""
    import json

    def changes(before: dict[str, object], after: dict[str, object], region: str = "us-east-1") -> list[str]:
        paths = []
        for name, resources in (("base", before), ("head", after)):
            path = tmp_path / f"{name}.template.json"
            path.write_text(json.dumps({"Resources": resources}))
            paths.append(path)
        return [f"{c.logical_id} {c.action}" for c in template_diff.stack_changes(*paths, region)]

    def resource(kind: str, **properties: object) -> dict[str, object]:
        return {"Type": kind, "Properties": properties}

    component = resource("AWS::SageMaker::InferenceComponent", EndpointName="pool-a", InferenceComponentName="c")
    moved = resource("AWS::SageMaker::InferenceComponent", EndpointName="pool-b", InferenceComponentName="c")
    assert changes({"C": component}, {"C": moved}) == ["C update"]  # no create-only property at all
    function = resource("AWS::Lambda::Function", FunctionName="f", Timeout=60)
    assert changes({"F": function}, {"F": {**function, "Properties": {"FunctionName": "g", "Timeout": 60}}}) == [
        "F replace"
    ]
    endpoint = resource("AWS::EC2::VPCEndpoint", DnsOptions={"PrivateDnsPreference": "A", "DnsRecordIpType": "ipv4"})
    nested_kept = resource("AWS::EC2::VPCEndpoint", DnsOptions={"PrivateDnsPreference": "A", "DnsRecordIpType": "dualstack"})  # fmt: skip
    nested_changed = resource("AWS::EC2::VPCEndpoint", DnsOptions={"PrivateDnsPreference": "B", "DnsRecordIpType": "ipv4"})  # fmt: skip
    assert changes({"V": endpoint}, {"V": nested_kept}) == ["V update"]
    assert changes({"V": endpoint}, {"V": nested_changed}) == ["V replace"]
    conditional = resource("AWS::EC2::VPCEndpoint", DnsOptions={"Fn::If": ["C", {"PrivateDnsPreference": "B"}, {}]})
    assert changes({"V": endpoint}, {"V": conditional}) == ["V replace"]  # an intrinsic: judged as a whole
    custom = resource("Custom::AotPreparation", ServiceToken="arn:a", ContentHash="1")
    assert changes({"A": custom}, {"A": resource("Custom::AotPreparation", ServiceToken="arn:a", ContentHash="2")}) == [
        "A update"  # the handler decides what an update does
    ]
    assert changes({"A": custom}, {"A": resource("Custom::AotPreparation", ServiceToken="arn:b", ContentHash="1")}) == [
        "A update"  # refused by CloudFormation, not replaced (test_a_new_service_token_fails_the_deploy)
    ]
    renamed = {"F": {**function, "Properties": {"FunctionName": "g", "Timeout": 60}}}
    assert changes({"F": function}, renamed, region="xx-nowhere-1") == ["F replace"]  # no schemas: us-east-1's


def test_a_new_aot_content_hash_replaces_the_job_and_what_reads_its_output(tmp_path: Path) -> None:
    """The handler returns a new physical id for new content (naming.AOT_CONTENT_PROPERTIES): a replacement,
    and the Model that reads OutputPrefix in its container is replaced with it."""
    import json

    from lmi_core import naming

    def stack(name: str, **job: str) -> Path:
        resources = {
            "Job": {"Type": naming.AOT_RESOURCE_TYPE, "Properties": {"ServiceToken": "arn:p", **job}},
            "M": {"Type": "AWS::SageMaker::Model", "Properties": {"PrimaryContainer": {"Environment": {
                "OPTION_MODEL_ID": {"Fn::GetAtt": ["Job", "OutputPrefix"]}}}}},
        }  # fmt: skip
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps({"Resources": resources}))
        return path

    base = stack("base", InstanceType="ml.inf2.xlarge", MaxRuntimeSeconds="86400")
    moved = stack("moved", InstanceType="ml.inf2.8xlarge", MaxRuntimeSeconds="86400")
    assert [(c.logical_id, c.action) for c in template_diff.stack_changes(base, moved)] == [
        ("M", "replace"), ("Job", "replace")
    ]  # fmt: skip
    longer = stack("longer", InstanceType="ml.inf2.xlarge", MaxRuntimeSeconds="3600")
    assert [(c.logical_id, c.action) for c in template_diff.stack_changes(base, longer)] == [("Job", "update")]


def test_every_reference_form_carries_a_replacement(tmp_path: Path) -> None:
    """Ref, Fn::GetAtt (list or `Id.Attr`), Fn::Sub `${Id}` / `${Id.Attr}` (also in its variables), inside Fn::Join."""
    import json

    def changes(reference: object, name: str = "r2") -> list[tuple[str, str]]:
        paths = []
        for side, role_name in (("base", "r1"), ("head", name)):
            resources = {
                "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": role_name}},
                "M": {"Type": "AWS::SageMaker::Model", "Properties": {"ExecutionRoleArn": reference}},
            }
            path = tmp_path / f"{side}.template.json"
            path.write_text(json.dumps({"Resources": resources}))
            paths.append(path)
        return [(c.logical_id, c.action) for c in template_diff.stack_changes(*paths)]

    for reference in (
        {"Ref": "Role"},
        {"Fn::GetAtt": ["Role", "Arn"]},
        {"Fn::GetAtt": "Role.Arn"},
        {"Fn::Sub": "${Role.Arn}"},
        {"Fn::Sub": "arn:${AWS::Partition}:iam::1:role/${Role}"},
        {"Fn::Sub": ["${A}", {"A": {"Fn::GetAtt": ["Role", "Arn"]}}]},
        {"Fn::Join": ["", [{"Ref": "Role"}]]},
    ):
        assert changes(reference) == [("Role", "replace"), ("M", "replace")], reference
    for unrelated in ({"Fn::Sub": "${Roles.Arn}"}, {"Fn::GetAtt": "Roles.Arn"}, "Role"):
        assert changes(unrelated) == [("Role", "replace")], unrelated


def test_a_key_that_starts_like_ref_is_not_an_intrinsic(tmp_path: Path) -> None:
    import json

    paths = []
    for side, token in (("base", "1"), ("head", "2")):
        endpoint = {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"DnsOptions": {"RefreshToken": token}}}
        path = tmp_path / f"{side}.template.json"
        path.write_text(json.dumps({"Resources": {"V": endpoint}}))
        paths.append(path)
    assert [(c.logical_id, c.action) for c in template_diff.stack_changes(*paths)] == [("V", "update")]


def test_moving_a_component_to_another_endpoint_comes_with_a_caution(tmp_path: Path) -> None:
    import json

    paths = []
    for side, pool in (("base", "pool-a"), ("head", "pool-b")):
        component = {"Type": "AWS::SageMaker::InferenceComponent", "Properties": {"EndpointName": pool}}
        path = tmp_path / f"{side}.template.json"
        path.write_text(json.dumps({"Resources": {"C": component}}))
        paths.append(path)
    said = template_diff.summary(template_diff.stack_changes(*paths), None)
    assert said[0] == "updates in place: InferenceComponent C (EndpointName)"
    assert said[1].startswith("caution: CloudFormation updates a component's EndpointName in place, but SageMaker's")


def plain_stacks(
    tmp_path: Path, before: dict[str, object], after: dict[str, object]
) -> list[template_diff.ResourceChange]:
    import json

    paths = []
    for side, resources in (("base", before), ("head", after)):
        path = tmp_path / f"{side}.template.json"
        path.write_text(json.dumps({"Resources": resources}))
        paths.append(path)
    return template_diff.stack_changes(*paths)


def cautions(changes: list[template_diff.ResourceChange]) -> list[str]:
    return [line for line in template_diff.summary(changes, None) if line.startswith("caution: ")]


def test_renaming_a_component_in_place_comes_with_a_caution(tmp_path: Path) -> None:
    def component(name: str) -> dict[str, object]:
        return {"Type": "AWS::SageMaker::InferenceComponent", "Properties": {"InferenceComponentName": name}}

    changes = plain_stacks(tmp_path, {"C": component("a")}, {"C": component("b")})
    assert [(c.logical_id, c.action, c.properties) for c in changes] == [("C", "update", ("InferenceComponentName",))]
    assert cautions(changes) == [f"caution: {template_diff.COMPONENT_RENAME}"]


def test_a_new_service_token_fails_the_deploy(tmp_path: Path) -> None:
    """CloudFormation refuses it ("Modifying service token is not allowed"): no replacement, a caution; also
    when the token refers to a function the deploy replaces (its ARN changes)."""
    from lmi_core import naming

    def job(token: object, model: str = "m") -> dict[str, object]:
        return {"Type": naming.AOT_RESOURCE_TYPE, "Properties": {"ServiceToken": token, "ModelId": model}}

    def function(name: str) -> dict[str, object]:
        return {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": name}}

    said = f"caution: {template_diff.SERVICE_TOKEN_CHANGE}"
    changes = plain_stacks(tmp_path, {"A": job("arn:a")}, {"A": job("arn:b")})
    assert [(c.logical_id, c.action) for c in changes] == [("A", "update")]
    assert cautions(changes) == [said]
    token = {"Fn::GetAtt": ["F", "Arn"]}
    changes = plain_stacks(tmp_path, {"A": job(token), "F": function("f")}, {"A": job(token), "F": function("g")})
    assert [(c.logical_id, c.action) for c in changes] == [("F", "replace"), ("A", "update")]
    assert cautions(changes) == [said]
    changes = plain_stacks(tmp_path, {"A": job("arn:a")}, {"A": job("arn:a", model="n")})  # new content: a new job
    assert [(c.logical_id, c.action) for c in changes] == [("A", "replace")]
    assert cautions(changes) == []


def test_an_added_resource_named_like_a_removed_one_is_a_name_clash(tmp_path: Path) -> None:
    def named(kind: str, name: object, prop: str = "") -> dict[str, object]:
        return {"Type": kind, "Properties": {prop or template_diff.name_property(kind): name}}

    for kind, prop in (
        ("AWS::SageMaker::InferenceComponent", "InferenceComponentName"),
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::Logs::LogGroup", "LogGroupName"),
        ("AWS::Events::Rule", "Name"),
    ):
        assert template_diff.name_property(kind) == prop
        changes = plain_stacks(tmp_path, {"Old": named(kind, "x")}, {"New": named(kind, "x")})
        (said,) = cautions(changes)
        assert said.startswith(f"caution: name clash: {changes[0].describe()} is added with {prop} x, which ")
        assert 'fails with "already exists"' in said
    role = "AWS::IAM::Role"
    assert cautions(plain_stacks(tmp_path, {"Old": named(role, "x")}, {"New": named(role, "y")})) == []
    other_type = named("AWS::IAM::ManagedPolicy", "x")
    assert cautions(plain_stacks(tmp_path, {"Old": named(role, "x")}, {"New": other_type})) == []
    computed = {"Fn::Sub": "x-${AWS::Region}"}  # intrinsics are not compared
    assert cautions(plain_stacks(tmp_path, {"Old": named(role, computed)}, {"New": named(role, computed)})) == []
    kept = {"Old": named(role, "x")}  # the same logical id: no clash
    assert cautions(plain_stacks(tmp_path, kept, kept)) == []


def test_moving_adapters_to_name_keyed_ids_is_caught_as_a_name_clash(examples: Synth, tmp_path: Path) -> None:
    """A component stack deployed with position-keyed adapter ids (ServingAdapter<index>Component...), against
    today's name-keyed ones: each adapter is added under a new id with a name the old one still holds."""
    import json

    head = examples.templates["lmi-llama3-8b-ic"]
    ids = {
        r["Properties"]["InferenceComponentName"]: logical_id
        for logical_id, r in head["Resources"].items()
        if r["Type"] == "AWS::SageMaker::InferenceComponent"
        and "BaseInferenceComponentName" in r["Properties"]["Specification"]
    }
    old_ids = {
        ids["llama3-8b-sql"]: "ServingAdapter0ComponentE6C451A0",
        ids["llama3-8b-support"]: "ServingAdapter1Component2395866E",
    }
    base = {**head, "Resources": {old_ids.get(k, k): r for k, r in head["Resources"].items()}}
    (tmp_path / "base.template.json").write_text(json.dumps(base))
    (tmp_path / "head.template.json").write_text(json.dumps(head))
    changes = template_diff.stack_changes(tmp_path / "base.template.json", tmp_path / "head.template.json")
    assert sorted((c.action, c.logical_id) for c in changes) == sorted(
        [
            ("add", ids["llama3-8b-sql"]),
            ("add", ids["llama3-8b-support"]),
            *(("remove", old) for old in old_ids.values()),
        ]
    )
    clashes = cautions(changes)
    assert len(clashes) == 2
    for name, logical_id in ids.items():
        (said,) = [line for line in clashes if f" {logical_id} " in line]
        assert f"with InferenceComponentName {name}, which InferenceComponent {old_ids[logical_id]} holds" in said


def test_a_kind_change_keeps_the_endpoint_and_replaces_its_config(tmp_path: Path) -> None:
    """realtime -> async: the stack's Endpoint keeps its logical id and EndpointName and updates to a new
    EndpointConfig (what consequences() says of a kind change)."""
    from lmi_cli.report import consequences

    asynchronous = (
        MINIMAL.replace("kind: realtime", "kind: async") + "async: {max_concurrent_invocations_per_instance: 4}\n"
    )
    outs = []
    for side, text in (("base", MINIMAL), ("head", asynchronous)):
        synth(write_configs(tmp_path / side, {"m1.yaml": text}), tmp_path / f"{side}.out")
        outs.append(tmp_path / f"{side}.out")
    changes = template_diff.assembly_changes(*outs)["lmi-m1"]
    sagemaker = {(c.type, c.action) for c in changes if c.type.startswith("AWS::SageMaker::")}
    assert sagemaker == {("AWS::SageMaker::EndpointConfig", "replace"), ("AWS::SageMaker::Endpoint", "update")}
    import json

    endpoints = [
        {k: r["Properties"]["EndpointName"] for k, r in json.loads((out / "lmi-m1.template.json").read_text())["Resources"].items()
         if r["Type"] == "AWS::SageMaker::Endpoint"}
        for out in outs
    ]  # fmt: skip
    assert endpoints[0] == endpoints[1] and list(endpoints[0].values()) == ["m1"]
    verdict = consequences({"name": "m1", "kind": "realtime"}, {"name": "m1", "kind": "async"}, ["kind"], False)[0]
    assert "the stack and its Endpoint m1 stay; the EndpointConfig is replaced" in verdict
