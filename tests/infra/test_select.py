"""`-c models=a,b`: the shared stack plus the named models and the stacks they depend on; every file is
still validated, and an unknown name is a one-line error before CDK starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import build_app
from lmi_core import naming
from lmi_core.issues import ConfigError
from tests.conftest import EXAMPLES, Synth, fixture_context, synth


def stacks_built(tmp_path: Path, models: str) -> set[str]:
    app = build_app(fixture_context(model_configs=str(EXAMPLES), models=models), outdir=str(tmp_path))
    return {child.node.id for child in app.node.children if child.node.id.startswith("lmi-")}


def test_one_model_builds_it_and_the_shared_stack(tmp_path: Path) -> None:
    assert stacks_built(tmp_path, "llama3-8b-chat") == {naming.SHARED_STACK, "lmi-llama3-8b-chat"}


def test_a_component_brings_its_endpoint(tmp_path: Path) -> None:
    built = stacks_built(tmp_path, "llama3-8b-ic, smollm2-serverless")
    assert built == {naming.SHARED_STACK, "lmi-llama3-8b-ic", "lmi-pool-g5-48xl", "lmi-smollm2-serverless"}


def test_unknown_model_is_one_line_error() -> None:
    with pytest.raises(ConfigError) as raised:
        build_app(fixture_context(model_configs=str(EXAMPLES), models="llama3-8b-chat,llama3-8b-chatt"))
    (issue,) = raised.value.issues
    assert str(issue).startswith(
        "cdk context: models: unknown model 'llama3-8b-chatt' (did you mean 'llama3-8b-chat'?)"
    )
    assert "\n" not in str(issue)


def test_selection_still_validates_every_file(tmp_path: Path) -> None:
    """A broken file that is not selected still fails the run (cross-file checks need every file)."""
    configs = tmp_path / "configs"
    configs.mkdir()
    for example in ("llama3-8b-chat.yaml", "smollm2-serverless.yaml"):
        (configs / example).write_text((EXAMPLES / example).read_text())
    shutil.copytree(EXAMPLES / "code", configs / "code")
    broken = (EXAMPLES / "smollm2-serverless.yaml").read_text().replace("kind: serverless", "kind: serverles")
    (configs / "smollm2-serverless.yaml").write_text(broken)
    with pytest.raises(ConfigError) as raised:
        build_app(fixture_context(model_configs=str(configs), models="llama3-8b-chat"), outdir=str(tmp_path / "out"))
    assert {Path(issue.file).name for issue in raised.value.issues} == {"smollm2-serverless.yaml"}


@pytest.mark.slow
def test_the_shared_stack_is_the_same_whatever_models_are_synthesized(examples: Synth, tmp_path: Path) -> None:
    """`make deploy MODEL=x` deploys the shared stack too: from a synth of x alone it must not lose (or reorder)
    the outputs that other deployed model stacks read. The serverless example uses the key but no alarm topic."""
    selected = synth(EXAMPLES, tmp_path, models="smollm2-serverless")
    assert set(selected.templates) == {naming.SHARED_STACK, "lmi-smollm2-serverless"}
    assert selected.templates[naming.SHARED_STACK] == examples.templates[naming.SHARED_STACK]
    assert list(selected.templates[naming.SHARED_STACK]["Outputs"]) == [
        "InUse", "PublishOutputRefSharedAlarmsTopicB9CB5C4BFFA18E8A", "PublishOutputFnGetAttSharedKey204AD1D7Arn9B3AA009"
    ]  # fmt: skip
