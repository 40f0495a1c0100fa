"""A refused value is shown as the file wrote it (null, true, a list), at most 40 characters, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_core.issues import quoted, shown
from lmi_core.loader import load_file
from tests.conftest import MINIMAL, MINIMAL_COMPONENT

BATCH = (Path(__file__).parents[2] / "examples" / "qwen25-7b-batch.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace("kind: realtime", "kind: null"), "2: kind: null is not a kind (allowed: realtime"),
        (MINIMAL.replace("image: lmi", "image: true"), "4: container.image: true is not allowed (allowed: 'lmi',"),
        (
            BATCH.replace("split_type: Line", "split_type: null"),
            "batch.split_type: null is not allowed (allowed: 'None',",
        ),
        (
            MINIMAL + "vpc: {subnet_ids: ['', x, 'y', z], security_group_ids: [sg-0123abcd]}\n",
            "7: vpc.subnet_ids: '', 'x', 'y', ... are not subnet ids (allowed: subnet-0123abcd...)",
        ),
        (
            MINIMAL_COMPONENT.replace("endpoint: pool-g5-48xl", "endpoint: Pool_A"),
            "3: endpoint: 'Pool_A' is not allowed (allowed: lowercase letters, digits and single hyphens",
        ),
    ],
)
def test_a_refused_value_is_shown_as_written(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    _, issues = load_file(path)
    errors = [str(issue).removeprefix(f"{path}:") for issue in issues if issue.severity == "error"]
    assert any(expected in error for error in errors), errors


def test_a_degree_out_of_range_is_said_once_not_again_by_the_checks_that_use_it(tmp_path: Path) -> None:
    path = tmp_path / "c1.yaml"
    path.write_text(MINIMAL_COMPONENT.replace("option.tensor_parallel_degree: 1", "option.tensor_parallel_degree: -1"))
    _, issues = load_file(path)
    assert [str(issue).removeprefix(f"{path}:") for issue in issues if issue.severity == "error"] == [
        "6: serving.option.tensor_parallel_degree: -1 is out of range (allowed: 1..2147483647)"
    ]


def test_quoted_and_shown_cut_long_text_and_name_other_values() -> None:
    assert quoted("a" * 41) == repr("a" * 40 + "…")
    assert quoted("Line") == "'Line'"
    assert [quoted(v) for v in (None, True, [1], {"a": 1}, 7)] == ["null", "true", "a list", "a mapping", "7"]
    assert shown("x") == "the text 'x'"
