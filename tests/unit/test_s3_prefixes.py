"""S3 locations across models (lmi_core/checks/s3_prefixes.py): no output reaches weights or a batch input.
The incidents themselves are catalog projects (tests/catalog/bad_projects/300-305); here: how locations
compare, compliant projects, cycles of any length, stage overrides, and that every kind lists every S3 URI
its config holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lmi_core.config import s3
from lmi_core.issues import ConfigError
from lmi_core.kinds import KINDS, kind_of
from lmi_core.loader import load_configs, load_stages
from tests.conftest import EXAMPLES

Dir = Callable[[dict[str, str]], Path]
ALLOWED = "(allowed: a prefix apart from every model's inputs and weights)"
LOOP = "whose results start this model's jobs again: a loop"


def batch(name: str, input: str, output: str, model: str | None = None) -> str:
    model = model or f"s3://models-abc/{name}/"
    return f"""\
name: {name}
kind: batch
model: {{id: "{model}"}}
container: {{image: lmi, tag: 0.36.0-lmi27.0.0-cu130}}
serving: {{engine: Python, option.tensor_parallel_degree: 1}}
instance: {{type: ml.g5.2xlarge, count: 1}}
batch: {{input: "{input}", output: "{output}"}}
"""


def async_(name: str, output: str, failure: str, model: str | None = None) -> str:
    model = model or f"s3://models-abc/{name}/"
    return f"""\
name: {name}
kind: async
model: {{id: "{model}"}}
container: {{image: lmi, tag: 0.36.0-lmi27.0.0-cu130}}
serving: {{engine: Python, option.tensor_parallel_degree: 1}}
instance: {{type: ml.g5.2xlarge, count: 1}}
async: {{output: "{output}", failure: "{failure}"}}
autoscaling: {{min: 1, max: 2, target_backlog_per_instance: 5}}
"""


def realtime(name: str, model: str) -> str:
    return f"""\
name: {name}
kind: realtime
model: {{id: "{model}"}}
container: {{image: lmi, tag: 0.36.0-lmi27.0.0-cu130}}
serving: {{engine: Python, option.tensor_parallel_degree: 1}}
instance: {{type: ml.g5.2xlarge, count: 1}}
"""


def errors(directory: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_configs([directory], **kwargs)
    return [f"{Path(i.file).name}:{i.line}: {i.field}: {i.message}" for i in caught.value.issues]


# ---------------------------------------------------------------- how two locations lie


@pytest.mark.parametrize(
    ("uri", "other", "expected"),
    [
        ("s3://b-abc/x/", "s3://b-abc/x/", "equal"),
        ("s3://b-abc/x/y/", "s3://b-abc/x/", "inside"),
        ("s3://b-abc/x/", "s3://b-abc/x/y/", "containing"),
        ("s3://b-abc/x/", "s3://b-abc/x/a.tar.gz", "containing"),  # an adapter archive under an output
        ("s3://b-abc/x/", "s3://b-abc/xy/", None),  # siblings sharing characters
        ("s3://b-abc/xy/", "s3://b-abc/x/", None),
        ("s3://b-abc/x/", "s3://b-abc/x.tar.gz", None),  # an object whose key starts like the prefix
        ("s3://b-abc/x/out/", "s3://b-abc/x/in/", None),  # same bucket, different prefixes
        ("s3://b-abc/x/", "s3://c-abc/x/", None),  # same key, another bucket
        ("s3://b-abc/X/", "s3://b-abc/x/", None),  # keys are case-sensitive
    ],
)
def test_overlap_compares_bucket_and_whole_key_segments(uri: str, other: str, expected: str | None) -> None:
    assert s3.overlap(uri, other) == expected


# ---------------------------------------------------------------- projects


def test_outputs_apart_from_every_input_and_weights_pass(config_dir: Dir) -> None:
    """One bucket for everything, prefixes side by side, sharing characters; models reading the same weights."""
    directory = config_dir(
        {
            "a.yaml": batch("a", "s3://data-abc/a/in/", "s3://data-abc/a/inx/", model="s3://data-abc/models/m/"),
            "b.yaml": batch("b", "s3://data-abc/a/inx-b/", "s3://data-abc/b/out/", model="s3://data-abc/models/m/"),
            "c.yaml": async_("c", "s3://data-abc/models-out/", "s3://data-abc/models/m-failures/"),
            "d.yaml": realtime("d", "s3://data-abc/models/m/"),
        }
    )
    assert [loaded.config.name for loaded in load_configs([directory])] == ["a", "b", "c", "d"]


def test_a_cycle_of_three_batch_models_is_a_loop_for_each(config_dir: Dir) -> None:
    directory = config_dir(
        {
            "a.yaml": batch("a", "s3://data-abc/1/", "s3://data-abc/2/"),
            "b.yaml": batch("b", "s3://data-abc/2/", "s3://data-abc/3/"),
            "c.yaml": batch("c", "s3://data-abc/3/", "s3://data-abc/1/"),
        }
    )
    found = errors(directory)
    assert found == [
        f"a.yaml:7: batch.output: s3://data-abc/2/ is batch.input s3://data-abc/2/ of model 'b' (each result starts "
        f"a transform job of that model, {LOOP}) {ALLOWED}",
        f"b.yaml:7: batch.output: s3://data-abc/3/ is batch.input s3://data-abc/3/ of model 'c' (each result starts "
        f"a transform job of that model, {LOOP}) {ALLOWED}",
        f"c.yaml:7: batch.output: s3://data-abc/1/ is batch.input s3://data-abc/1/ of model 'a' (each result starts "
        f"a transform job of that model, {LOOP}) {ALLOWED}",
    ]


def test_a_chain_without_a_cycle_is_a_trigger_not_a_loop(config_dir: Dir) -> None:
    directory = config_dir(
        {
            "a.yaml": batch("a", "s3://data-abc/1/", "s3://data-abc/2/"),
            "b.yaml": batch("b", "s3://data-abc/2/sub/", "s3://data-abc/3/"),
        }
    )
    assert errors(directory) == [
        f"a.yaml:7: batch.output: s3://data-abc/2/ contains batch.input s3://data-abc/2/sub/ of model 'b' (each "
        f"object it writes there starts a transform job of that model) {ALLOWED}"
    ]


def test_async_results_inside_a_batch_input_start_its_jobs(config_dir: Dir) -> None:
    directory = config_dir(
        {
            "a.yaml": async_("a", "s3://data-abc/in/async/", "s3://data-abc/failures/"),
            "b.yaml": batch("b", "s3://data-abc/in/", "s3://data-abc/out/"),
        }
    )
    assert errors(directory) == [
        f"a.yaml:7: async.output: s3://data-abc/in/async/ is inside batch.input s3://data-abc/in/ of model 'b' "
        f"(each result starts a transform job of that model) {ALLOWED}"
    ]


def test_an_output_inside_its_own_input_is_reported_once(config_dir: Dir) -> None:
    """The batch kind's own check says it; the project check does not repeat it."""
    directory = config_dir({"a.yaml": batch("a", "s3://data-abc/in/", "s3://data-abc/in/out/")})
    assert errors(directory) == [
        "a.yaml:7: batch.output: is inside batch.input: every result would start another transform job "
        "(use a sibling prefix)"
    ]


def test_an_output_over_its_own_weights_in_a_stage_override(config_dir: Dir) -> None:
    """Stages merge before the checks: dev passes, prod's override writes over the weights, at its own line."""
    text = async_("a", "s3://data-abc/out/", "s3://data-abc/failures/", model="s3://data-abc/models/a/")
    directory = config_dir({"a.yaml": text + 'stages:\n  prod:\n    async: {output: "s3://data-abc/models/"}\n'})
    assert load_configs([directory])  # dev
    expected = (
        f"a.yaml:11: stages.prod.async.output: s3://data-abc/models/ contains its own model.id s3://data-abc/models/a/ "
        f"(its role could overwrite those weights) {ALLOWED}"
    )
    assert errors(directory, stage="prod") == [expected]
    with pytest.raises(ConfigError) as caught:
        load_stages([directory])
    assert [f"{Path(i.file).name}:{i.line}: {i.field}: {i.message}" for i in caught.value.issues] == [expected]


def test_an_override_is_named_as_written_on_both_sides_of_a_shared_output(config_dir: Dir) -> None:
    """b's prod override takes a's output: each message names the field where its file sets it."""
    override = 'stages:\n  prod:\n    batch: {output: "s3://data-abc/a/out/"}\n'
    directory = config_dir(
        {
            "a.yaml": batch("a", "s3://data-abc/a/in/", "s3://data-abc/a/out/"),
            "b.yaml": batch("b", "s3://data-abc/b/in/", "s3://data-abc/b/out/") + override,
        }
    )
    assert load_configs([directory])  # dev
    mine = "(each model's role could overwrite the other's results) (allowed: a prefix of this model's own)"
    assert errors(directory, stage="prod") == [
        f"a.yaml:7: batch.output: s3://data-abc/a/out/ is stages.prod.batch.output s3://data-abc/a/out/ of model 'b' "
        f"{mine}",
        f"b.yaml:10: stages.prod.batch.output: s3://data-abc/a/out/ is batch.output s3://data-abc/a/out/ of model 'a' "
        f"{mine}",
    ]


# ---------------------------------------------------------------- every S3 URI is listed by its kind


def _configs() -> list[Any]:
    """Every example (each kind, adapters included), and an async model with its own result prefixes."""
    examples = [loaded.config for loaded in load_configs([EXAMPLES])]
    asynchronous = KINDS["async"].config.model_validate(
        yaml.safe_load(async_("x", "s3://data-abc/out/", "s3://data-abc/failures/"))
    )
    return [*examples, asynchronous]


def test_every_s3_uri_of_a_config_is_one_its_kind_lists() -> None:
    """A new S3 field in a kind's config fails here until its kind's `s3_uses` says what the model does there."""
    configs = _configs()
    for config in configs:
        held = set(s3.uris_in(config.model_dump(mode="python", by_alias=True)))
        listed = {(use.field, use.uri) for use in kind_of(config).s3_uses(config)}
        assert held == listed, config.name
    assert {config.kind for config in configs} == set(KINDS)
    assert any(use.access == "output" for config in configs for use in kind_of(config).s3_uses(config))
