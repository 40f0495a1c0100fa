"""The report of a large inventory: 200 models fit in one PR comment, and a longer report is cut to fit with
a pointer to the full one. The cloud assembly is assembled from one synthesized model (no 200-model synth)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmi_cli.report import COMMENT_LIMIT, render
from lmi_core import inputs, naming
from lmi_core.loader import load_configs
from tests.conftest import MINIMAL, Synth
from tests.report.test_report import git

MODELS = 200
TEMPLATE_OF = "llama3-8b-chat"  # a realtime example: model, endpoint config, endpoint, scaling, alarms


def config(name: str, instance: str = "ml.g5.2xlarge") -> str:
    return (
        MINIMAL.replace("name: m1", f"name: {name}").replace("ml.g5.2xlarge", instance)
        + "autoscaling: {min: 1, max: 3, target_invocations_per_instance: 10}\n"
        + "data_capture: {sampling_percent: 10, mode: InputAndOutput}\n"
        + "tags: {team: search, cost-center: ml-platform}\n"
    )


def fake_assembly(configs: Path, examples: Synth, outdir: Path) -> None:
    """One stack per model from the example's template, with the input digests a real synth records."""
    outdir.mkdir()
    example = (examples.outdir / f"{naming.stack_name(TEMPLATE_OF)}.template.json").read_text()
    shutil.copy(examples.outdir / f"{naming.SHARED_STACK}.template.json", outdir)
    artifacts = {naming.SHARED_STACK: {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                                       "metadata": {f"/{naming.SHARED_STACK}": [
                                           {"type": inputs.METADATA_TYPE, "data": inputs.project_record("dev")}]}}}  # fmt: skip
    for loaded in load_configs([configs]):
        stack = naming.stack_name(loaded.config.name)
        (outdir / f"{stack}.template.json").write_text(example.replace(TEMPLATE_OF, loaded.config.name))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "metadata": {f"/{stack}": [{"type": inputs.METADATA_TYPE, "data": inputs.model_record(loaded)}]},
        }
    (outdir / "manifest.json").write_text(json.dumps({"version": "1", "artifacts": artifacts}))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory, examples: Synth) -> tuple[Path, Path]:
    """200 models; against the base commit 20 changed their instance type, 5 are new and 5 were removed."""
    root = tmp_path_factory.mktemp("large")
    configs = root / "model_configs"
    configs.mkdir()
    names = [f"team-search-qwen25-7b-instruct-{i:03d}" for i in range(MODELS)]
    for name in names[:-5] + [f"retired-model-{i}" for i in range(5)]:
        (configs / f"{name}.yaml").write_text(config(name))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    for i in range(5):
        (configs / f"retired-model-{i}.yaml").unlink()
    for name in names[-5:]:
        (configs / f"{name}.yaml").write_text(config(name))
    for name in names[:20]:
        (configs / f"{name}.yaml").write_text(config(name, "ml.g6e.2xlarge"))
    fake_assembly(configs, examples, root / "cdk.out")
    return configs, root / "cdk.out"


def test_200_models_fit_in_one_comment(large: tuple[Path, Path]) -> None:
    configs, cdk_out = large
    full = render(configs, cdk_out, "us-east-1", "HEAD", limit=None)
    comment = render(configs, cdk_out, "us-east-1", "HEAD", limit=COMMENT_LIMIT)
    assert comment == full, "200 models must fit without cutting anything"
    assert len(full) <= COMMENT_LIMIT
    assert f"{MODELS} model(s)" in full and "> **Stale:**" not in full
    assert full.count("\n| team-search-qwen25-7b-instruct-") == 2 * MODELS  # the models table and the cost table
    assert "- **added (5)**" in full and "- **removed (5)**: retired-model-0, " in full
    assert full.count("  aws cloudformation delete-stack --stack-name lmi-retired-model-") == 5
    assert "- **20 models** (team-search-qwen25-7b-instruct-000, " in full  # the same change, grouped
    assert "`instance.type`: `ml.g5.2xlarge` → `ml.g6e.2xlarge`" in full
    nag = full.split("## cdk-nag acknowledgements", 1)[1].split("<details>", 1)[0]
    assert len([line for line in nag.splitlines() if line.startswith("| `")]) < 40  # per rule, not per resource


def test_a_longer_report_is_cut_to_fit_and_says_where_the_rest_is(large: tuple[Path, Path]) -> None:
    configs, cdk_out = large
    limit = 20_000
    full = render(configs, cdk_out, "us-east-1", "HEAD")
    cut = render(configs, cdk_out, "us-east-1", "HEAD", limit=limit, full_report="report.md in the artifact")
    assert len(full) > limit >= len(cut)
    assert "The full report did not fit in one comment: see report.md in the artifact." in cut
    assert "## Changes against `HEAD`" in cut and "**Monthly cost change:**" in cut  # what a reviewer needs first
    assert "| **total** |" in cut
    assert "Left out here" in cut
