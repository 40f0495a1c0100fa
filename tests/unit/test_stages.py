"""Stages: per-stage overrides merged before validation, stage settings, stage-carrying names, placeholders."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from lmi_cli.validate import main
from lmi_core import naming
from lmi_core.config import s3
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs, load_stages
from lmi_core.loader.stages import deep_merge
from lmi_core.settings import StageTarget, parse_settings
from tests.conftest import MINIMAL, REPO

Dir = Callable[[dict[str, str]], Path]

STAGED = (
    MINIMAL
    + """\
stages:
  prod:
    instance: {count: 3}
    autoscaling: {min: 3, max: 6, target_invocations_per_instance: 5}
    data_capture: {sampling_percent: 5}
"""
)


def errors(directory: Path, **kwargs: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_configs([directory], **kwargs)  # type: ignore[arg-type]
    return [str(issue).split(": ", 1)[1] for issue in caught.value.issues]


# ---------------------------------------------------------------- merge


def test_deep_merge_merges_mappings_replaces_the_rest_and_null_removes() -> None:
    base = {"instance": {"type": "t", "count": 1}, "tags": {"a": "1"}, "adapters": [1, 2], "autoscaling": {"min": 1}}
    override = {"instance": {"count": 2}, "adapters": [3], "autoscaling": None, "tags": {"b": "2"}}
    assert deep_merge(base, override) == {
        "instance": {"type": "t", "count": 2},
        "tags": {"a": "1", "b": "2"},
        "adapters": [3],
    }
    assert base["instance"] == {"type": "t", "count": 1}  # the base is not modified


def test_each_stage_sees_its_own_merge(config_dir: Dir) -> None:
    directory = config_dir({"m.yaml": STAGED})
    (dev,) = load_configs([directory])
    (prod,) = load_configs([directory], stage="prod")
    assert dev.config.instance.count == 1 and dev.config.autoscaling is None  # type: ignore[attr-defined]
    assert prod.config.instance.count == 3 and prod.config.instance.type == "ml.g5.2xlarge"  # type: ignore[attr-defined]
    assert prod.config.autoscaling.max == 6 and prod.config.data_capture.sampling_percent == 5  # type: ignore[attr-defined]
    assert prod.warnings == ()  # data capture is on in prod: no stage warning


def test_an_error_in_an_override_points_at_its_line_and_names_the_stage(config_dir: Dir) -> None:
    text = STAGED.replace("instance: {count: 3}", "instance: {count: 0}").replace("min: 3,", "minn: 3,")
    directory = config_dir({"m.yaml": text})
    with pytest.raises(ConfigError) as caught:
        load_configs([directory], stage="prod")
    lines = [str(issue) for issue in caught.value.issues]
    assert lines == [
        f"{directory}/m.yaml:9: stages.prod.instance.count: 0 is out of range (allowed: 1..100)",
        f"{directory}/m.yaml:10: stages.prod.autoscaling.min: is required",
        f"{directory}/m.yaml:10: stages.prod.autoscaling.minn: unknown key (did you mean 'min'?) (allowed: min, max, "
        "target_invocations_per_instance, target_backlog_per_instance, target_utilization, scale_in_cooldown, "
        "scale_out_cooldown)",
    ]
    (dev,) = load_configs([directory])  # dev does not merge the prod override
    assert dev.config.instance.count == 1  # type: ignore[attr-defined]


def test_a_problem_of_the_merge_says_which_stage(config_dir: Dir) -> None:
    # the override changes the instance; the base's tensor parallel degree no longer divides its GPUs
    text = MINIMAL.replace("option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: 4").replace(
        "ml.g5.2xlarge", "ml.g5.12xlarge"
    )
    text += "stages:\n  prod:\n    instance: {type: ml.g5.2xlarge}\n"
    directory = config_dir({"m.yaml": text})
    load_configs([directory])
    found = errors(directory, stage="prod")
    assert any(e.startswith("serving.option.tensor_parallel_degree: in stage prod: ") for e in found), found


@pytest.mark.parametrize(
    ("stages_block", "expected"),
    [
        ("stages:\n  qa: {instance: {count: 2}}\n", "stages.qa: 'qa' is not a stage of this app (allowed: dev, prod)"),
        ("stages:\n  prod: {name: other}\n", "stages.prod.name: is the same in every stage (allowed: any other field)"),
        ("stages:\n  prod: {kind: async}\n", "stages.prod.kind: is the same in every stage (allowed: any other field)"),
        (
            "stages:\n  prod: 3\n",
            "stages.prod: is 3 (allowed: a mapping of the fields that differ in this stage, like instance: {count: 2})",
        ),
        ("stages: [prod]\n", "stages: must map stage names to overrides (allowed: dev, prod)"),
    ],
)
def test_bad_stages_blocks_are_errors_in_every_stage(config_dir: Dir, stages_block: str, expected: str) -> None:
    directory = config_dir({"m.yaml": MINIMAL + stages_block})
    for stage in ("dev", "prod"):
        assert expected in errors(directory, stage=stage)


def test_a_file_without_stages_is_unchanged(config_dir: Dir) -> None:
    directory = config_dir({"m.yaml": MINIMAL})
    (dev,) = load_configs([directory])
    (prod,) = load_configs([directory], stage="prod")
    assert dev.config == prod.config


# ---------------------------------------------------------------- validate


def test_validate_checks_every_stage_by_default(config_dir: Dir, capsys: pytest.CaptureFixture[str]) -> None:
    directory = config_dir({"m.yaml": STAGED.replace("count: 3", "count: 0")})
    assert main([str(directory), "--stage", "dev"]) == 0
    assert main([str(directory)]) == 1
    err = capsys.readouterr().err
    assert "stages.prod.instance.count: 0 is out of range" in err


def test_validate_reports_a_base_error_once_for_all_stages(config_dir: Dir) -> None:
    directory = config_dir({"m.yaml": MINIMAL.replace("count: 1", "count: 0")})
    with pytest.raises(ConfigError) as caught:
        load_stages([directory])
    assert [i.field for i in caught.value.issues] == ["instance.count"]


def test_every_stage_reads_each_file_once(config_dir: Dir, monkeypatch: pytest.MonkeyPatch) -> None:
    from lmi_core import loader

    reads: list[Path] = []
    real = loader.read_yaml

    def counted(path: Path) -> object:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(loader, "read_yaml", counted)
    directory = config_dir({"m.yaml": STAGED, "n.yaml": MINIMAL.replace("name: ", "name: n", 1)})
    by_stage = load_stages([directory])
    assert sorted(by_stage) == ["dev", "prod"]
    assert sorted(p.name for p in reads) == ["m.yaml", "n.yaml"]


def test_validate_rejects_an_unknown_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples", "--stage", "qa"]) == 1
    assert "cdk context: stage: 'qa' is not a stage of this app (allowed: dev, prod" in capsys.readouterr().err


# ---------------------------------------------------------------- settings


def test_stage_settings_defaults() -> None:
    settings, issues = parse_settings({})
    assert issues == []
    assert (settings.stage, settings.stages, settings.unsuffixed_stage, settings.name_stage) == (
        "dev",
        ("dev", "prod"),
        "dev",
        None,
    )
    prod, _ = parse_settings({"stage": "prod"})
    assert prod.name_stage == "prod"
    kept, _ = parse_settings({"stage": "prod", "unsuffixed_stage": "prod"})  # a prod-only team keeps its names
    assert kept.name_stage is None


def test_stage_targets_pick_the_account_and_region() -> None:
    targets = {"prod": {"account": "111122223333", "region": "eu-west-1"}}
    settings, issues = parse_settings({"stage": "prod", "stage_targets": targets, "region": "eu-west-1"})
    assert issues == []
    assert (settings.account, settings.region) == ("111122223333", "eu-west-1")
    assert settings.stage_targets == {"prod": StageTarget("111122223333", "eu-west-1")}
    dev, issues = parse_settings({"stage_targets": '{"prod": {"account": "111122223333"}}', "account": "444455556666"})
    assert issues == [] and dev.account == "444455556666"  # JSON from -c, and dev keeps -c account


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "qa"}, "cdk context: stage: 'qa' is not a stage of this app (allowed: dev, prod; add it to the context `stages`)"),
        ({"stages": "dev,Prod"}, "cdk context: stages: 'Prod' are not stage names (allowed: [a-z][a-z0-9]*, 1..10 characters, comma-separated)"),
        ({"stages": "dev,dev"}, "cdk context: stages: 'dev,dev' names a stage twice (allowed: each stage once)"),
        ({"unsuffixed_stage": "qa"}, "cdk context: unsuffixed_stage: 'qa' is not a stage of this app (allowed: dev, prod)"),
        ({"stage_targets": {"qa": {}}}, "cdk context: stage_targets.qa: 'qa' is not a stage of this app (allowed: dev, prod)"),
        ({"stage_targets": {"prod": {"account": "1"}}}, "cdk context: stage_targets.prod.account: '1' is not an AWS account id (allowed: 12 digits)"),
        ({"stage_targets": {"prod": {"region": "xx-1"}}}, "cdk context: stage_targets.prod.region: 'xx-1' has no LMI image registry (allowed: one of the 44 regions in lmi_core/facts/images.py)"),
        ({"stage_targets": {"prod": {"acount": "1"}}}, "cdk context: stage_targets.prod: must be a mapping of account and region (allowed keys: account, region)"),
        ({"stage_targets": "[1]"}, "cdk context: stage_targets: must be a mapping (allowed: {stage: {account: '123456789012', region: eu-west-1}})"),
        ({"stage": "prod", "region": "us-east-1", "stage_targets": {"prod": {"region": "eu-west-1"}}}, "cdk context: region: 'us-east-1' contradicts stage_targets.prod.region 'eu-west-1' (allowed: eu-west-1, or leave it out)"),
        ({"stages": "sandbox,live"}, "cdk context: production_stages: is unset and no stage is named prod, so no production rule would apply (allowed: the stages that serve production, of sandbox, live, comma-separated; an empty string for none)"),
        ({"production_stages": "live"}, "cdk context: production_stages: 'live' is not a stage of this app (allowed: dev, prod)"),
        ({"production_stages": {"prod": True}}, "cdk context: production_stages: must be a comma-separated string or a list of stage names (allowed: e.g. prod or [prod])"),
    ],
)  # fmt: skip
def test_bad_stage_settings_are_one_line_each(context: dict[str, object], message: str) -> None:
    _, issues = parse_settings(context)
    assert [str(i) for i in issues] == [message]


# ---------------------------------------------------------------- names


def test_names_carry_the_stage_except_the_unsuffixed_one() -> None:
    assert naming.stack_name("m1") == naming.stack_name("m1", None) == "lmi-m1"
    assert naming.stack_name("m1", "prod") == "lmi-m1-prod"
    assert naming.shared_stack_name() == naming.SHARED_STACK == "lmi-shared"
    assert naming.shared_stack_name("prod") == "lmi-shared-prod"
    assert naming.shared_bucket_name("data-capture", "111122223333", "eu-west-1", "prod") == (
        "lmi-data-capture-prod-111122223333-eu-west-1"
    )


@pytest.mark.parametrize("stage", [None, "prod", "live", "sandbox", "s1"])
@pytest.mark.parametrize("purpose", naming.SHARED_BUCKET_PURPOSES)
def test_every_stage_s_shared_buckets_are_refused_in_a_model_yaml(purpose: str, stage: str | None) -> None:
    bucket = naming.shared_bucket_name(purpose, "111122223333", "eu-west-1", stage)
    problem = s3.bucket_problem(bucket)
    assert problem is not None and f"is this project's shared {purpose} bucket" in problem


def test_a_staged_name_must_fit(config_dir: Dir) -> None:
    long_name = "a" * 37
    directory = config_dir({"m.yaml": MINIMAL.replace("name: m1", f"name: {long_name}")})
    load_configs([directory])  # dev keeps the bare name
    assert errors(directory, stage="prod") == [
        f"name: '{long_name}' becomes '{long_name}-prod' in stage prod, 42 characters (allowed: at most 35 "
        "characters: every physical name fits SageMaker's 63 with 40)"
    ]


def test_job_names_cut_from_a_staged_name_still_differ_per_stage(config_dir: Dir) -> None:
    """AOT and transform job names keep only the first characters of `<name>-<stage>`, but end in a hash of all
    of it: a long name passes in prod, and its job prefixes (IAM grants) stay apart from the bare stage's."""
    aot = MINIMAL.replace("name: m1", f"name: {'a' * 35}") + "aot: {mode: [quantize-awq]}\n"
    batch = (REPO / "examples" / "qwen25-7b-batch.yaml").read_text()
    batch = re.sub(r"^name: .*$", f"name: {'b' * 35}", batch, flags=re.M).replace("s3://my-", "s3://acme-")
    directory = config_dir({"aot.yaml": aot, "batch.yaml": batch})
    loaded = load_configs([directory], stage="prod")  # 40 characters staged: the same limit as every model
    assert sorted(c.config.name for c in loaded) == ["a" * 35, "b" * 35]
    for name in ("a" * 35, "b" * 35):
        staged = naming.staged(name, "prod")
        for prefix in (naming.aot_job_prefix, naming.transform_job_prefix):
            bare, in_prod = prefix(name), prefix(staged)
            assert bare != in_prod and not in_prod.startswith(bare) and not bare.startswith(in_prod)
        assert len(naming.aot_job_name(staged, "f" * naming.AOT_HASH_LENGTH, attempt=99)) <= 63
        assert len(naming.transform_job_name(staged, "0" * 36)) <= 63


def test_a_staged_name_must_not_be_another_models_name(config_dir: Dir) -> None:
    directory = config_dir({"a.yaml": MINIMAL, "b.yaml": MINIMAL.replace("name: m1", "name: m1-prod")})
    load_configs([directory])
    assert errors(directory, stage="prod") == [
        "name: 'm1' becomes 'm1-prod' in stage prod, the name of another model (allowed: a name that does not end "
        "in -prod elsewhere)"
    ]


# ---------------------------------------------------------------- placeholders


@pytest.mark.parametrize(
    "bucket", ["my-models", "my-adapters", "my-batch-data"]
)  # amzn-s3-demo-*: S3-reserved, an error in every stage
def test_placeholder_buckets_only_in_dev(config_dir: Dir, bucket: str) -> None:
    directory = config_dir({"m.yaml": MINIMAL.replace("s3://bucket/", f"s3://{bucket}/")})
    load_configs([directory])
    assert errors(directory, stage="prod") == [
        f"model.id: s3://{bucket}/ is a placeholder bucket from the examples; stage prod would deploy it "
        "(allowed: your own bucket; placeholders only in stage dev)"
    ]


def test_a_real_bucket_deploys_in_any_stage(config_dir: Dir) -> None:
    directory = config_dir({"m.yaml": MINIMAL.replace("s3://bucket/", "s3://acme-ml-weights/")})
    assert len(load_configs([directory], stage="prod")) == 1


def test_an_override_can_replace_a_placeholder(config_dir: Dir) -> None:
    text = MINIMAL.replace("s3://bucket/", "s3://my-models/") + "stages:\n  prod: {model: {id: 's3://acme/m1/'}}\n"
    (prod,) = load_configs([config_dir({"m.yaml": text})], stage="prod")
    assert prod.config.model.id == "s3://acme/m1/"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- production stages


@pytest.mark.parametrize(
    ("context", "production"),
    [
        ({}, ("prod",)),
        ({"stages": "sandbox,live", "production_stages": "live"}, ("live",)),
        ({"stages": "dev,staging,prod,prodeu", "production_stages": ["prod", "prodeu"]}, ("prod", "prodeu")),
        ({"stages": "dev,test", "production_stages": ""}, ()),  # an app without production, said so
    ],
)
def test_production_stages_setting(context: dict[str, object], production: tuple[str, ...]) -> None:
    settings, issues = parse_settings(context)
    assert issues == [] and settings.production_stages == production


ENDPOINT = """\
name: pool
kind: endpoint
instance: {type: ml.g5.12xlarge, count: 1}
"""


def test_production_rules_follow_production_stages_not_the_name_prod(tmp_path: Path) -> None:
    """A team whose stages are sandbox,live gets production's rules in live, none in sandbox."""
    (tmp_path / "m1.yaml").write_text(MINIMAL.replace("s3://bucket/", "s3://acme-models/"))
    (tmp_path / "pool.yaml").write_text(ENDPOINT)
    team = {"stages": ("sandbox", "live"), "unsuffixed_stage": "sandbox", "production_stages": ("live",)}
    by_stage = load_stages([tmp_path], **team)
    warned = {
        stage: sorted((c.config.name, w.message) for c in configs for w in c.warnings if w.field == "data_capture")
        for stage, configs in by_stage.items()
    }
    assert warned == {
        "sandbox": [],
        "live": [
            ("m1", "is off in stage live: no record of what the model answered"),
            ("pool", "is off in stage live: no record of what the components answered"),
        ],
    }
    (prod,) = [c for c in load_configs([tmp_path], stage="prod") if c.config.name == "m1"]  # the default: prod
    assert [w.field for w in prod.warnings] == ["data_capture"]


def test_a_name_whose_stack_in_a_stage_is_the_projects_own_is_refused(config_dir: Dir) -> None:
    """`github` in a stage named oidc would be lmi-github-oidc: synth failed on the duplicate construct."""
    directory = config_dir({"m1.yaml": MINIMAL.replace("name: m1", "name: github")})
    stages = ("dev", "oidc", "prod")
    assert errors(directory, stage="oidc", stages=stages) == [
        "name: 'github' gives stack lmi-github-oidc in stage oidc, one of the project's own stacks "
        "(allowed: a name whose stack is none of lmi-github-oidc, lmi-shared, lmi-shared-oidc, lmi-shared-prod)"
    ]
    assert [c.config.name for c in load_configs([directory], stage="prod", stages=stages)] == ["github"]
