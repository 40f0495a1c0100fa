"""cdk.json's `allowed_buckets`: a model YAML may name only those buckets (its roles read and write there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmi_cli.validate import main
from lmi_core import settings as settings_module
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import EXAMPLES, MINIMAL, fixture_context, write_configs

BATCH = (
    (EXAMPLES / "qwen25-7b-batch.yaml")
    .read_text()
    .replace("output: s3://my-batch-data/summaries/output/", "output: s3://other-team-data/summaries/output/")
)
ALLOWED = "(allowed: my-batch-*, bucket)"


def test_every_bucket_the_roles_reach_must_be_allowed(tmp_path: Path) -> None:
    directory = write_configs(tmp_path / "configs", {"b.yaml": BATCH, "m.yaml": MINIMAL})
    with pytest.raises(ConfigError) as raised:
        load_configs([directory], allowed_buckets=("my-batch-*", "bucket"))
    assert [str(issue) for issue in raised.value.issues] == [
        f"{directory / 'b.yaml'}:29: batch.output: bucket 'other-team-data' is not one of cdk.json's allowed_buckets "
        f"{ALLOWED}"
    ]  # MINIMAL reads s3://bucket/models/m1/: allowed by name
    assert len(load_configs([directory])) == 2  # unset: any bucket


def test_a_prefix_allows_only_buckets_that_start_with_it(tmp_path: Path) -> None:
    directory = write_configs(tmp_path / "configs", {"m.yaml": MINIMAL})
    with pytest.raises(ConfigError, match=r"model\.id: bucket 'bucket' is not one of"):
        load_configs([directory], allowed_buckets=("buck",))  # a name, not a prefix
    assert len(load_configs([directory], allowed_buckets=("buck*",))) == 1


def test_validate_reads_them_from_cdk_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = write_configs(tmp_path / "configs", {"b.yaml": BATCH})
    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"context": fixture_context(allowed_buckets="my-batch-*,bucket")}))
    monkeypatch.setattr(settings_module, "CDK_JSON", cdk_json)
    assert main([str(directory), "--no-cache"]) == 1
    assert f"batch.output: bucket 'other-team-data' is not one of cdk.json's allowed_buckets {ALLOWED}" in (
        capsys.readouterr().err
    )


def test_any_s3_uri_in_the_yaml_counts_not_only_the_granted_ones(tmp_path: Path) -> None:
    """A location the container reads by itself (with the model's role) names a bucket too."""
    directory = write_configs(
        tmp_path / "configs", {"m.yaml": MINIMAL + 'env: {EXTRA_WEIGHTS: "s3://elsewhere/draft/"}\n'}
    )
    with pytest.raises(ConfigError) as raised:
        load_configs([directory], allowed_buckets=("bucket",))
    assert [issue.field for issue in raised.value.issues] == ["env.EXTRA_WEIGHTS"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("""env: {ARGS: "--draft=s3://other-team/draft/"}\n""", "env.ARGS"),
        ("""env: {X: "S3://Other-Team/x/"}\n""", "env.X"),
        ("""env: {X: "s3://other-team"}\n""", "env.X"),
        ("""env: {X: "s3://other-team/*"}\n""", "env.X"),
    ],
)
def test_a_bucket_inside_a_string_counts(tmp_path: Path, extra: str, field: str) -> None:
    directory = write_configs(tmp_path / "configs", {"m.yaml": MINIMAL + extra})
    with pytest.raises(ConfigError) as raised:
        load_configs([directory], allowed_buckets=("bucket",))
    assert [(issue.field, "'other-team'" in issue.message) for issue in raised.value.issues] == [(field, True)]


def test_a_draft_model_in_speculative_config_json_counts(tmp_path: Path) -> None:
    draft = '{"model": "s3://other-team/draft/", "num_speculative_tokens": 5}'
    text = MINIMAL.replace(
        "option.tensor_parallel_degree: 1}", f"option.tensor_parallel_degree: 1, option.speculative_config: '{draft}'}}"
    )
    directory = write_configs(tmp_path / "configs", {"m.yaml": text})
    with pytest.raises(ConfigError) as raised:
        load_configs([directory], allowed_buckets=("bucket",))
    assert [issue.field for issue in raised.value.issues] == ["serving.option.speculative_config"]
