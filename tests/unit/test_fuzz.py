"""Random and mutated YAML never crashes the loader: only ConfigError, and every message names the file.
Arbitrary bytes and YAML-ish token soup through `make validate`'s entry point never reach its catch-all."""

from __future__ import annotations

import copy
import io
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmi_cli import validate
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import EXAMPLES
from tests.unit.helpers import paths_of

SEEDS = [yaml.safe_load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = paths_of(data)
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            parent.pop(path[-1], None)
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(values)
        if not isinstance(data, dict) or not data:
            break
    return data


def check(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_configs([path])
        except ConfigError as exc:
            assert exc.issues
            for issue in exc.issues:
                assert str(issue).startswith(str(path)), str(issue)
                assert "\n" not in str(issue)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_examples_fail_cleanly(data: Any) -> None:
    check(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_fails_cleanly(text: str) -> None:
    check(text)


@settings(max_examples=150, deadline=None)
@given(values)
def test_random_documents_fail_cleanly(data: Any) -> None:
    check(yaml.safe_dump(data, allow_unicode=True))


# YAML syntax, tags, anchors, YAML 1.1 surprises and hostile characters, to be strung together at random
TOKENS = [
    *"-:[]{},?&*!|>'\"#%@`\t\n\r ",
    "  ", "\n  ", "\n    ", "- ", ": ", "? ", "---\n", "...\n", "&a ", "*a", "&b ", "*b", "!!str ", "!!int ",
    "!!binary ", "!!python/object/apply:os.system ", "!foo ", "! ", "<<: ", "name: m1\n", "kind: realtime\n",
    "serving:\n  ", "option.model_id", "code: ", "..", "tags:\n  ", "x", "010", "0o10", "0x1f", "15:00", "yes", "no",
    "on", "y", "true", "~", "null", "1e5", ".inf", ".nan", "1_000", "2026-01-01", "0.5", "-3", "9" * 50,
    "\ufeff", "\u202e", "\u200b", "é", "\x00", "\x07", "\x1b", "\x85", "\u2028", "%YAML 1.1\n", "%TAG !! tag:yaml.org,2002:python/\n",
    "\\",
]  # fmt: skip
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def check_entry_point(content: bytes) -> None:
    """`python -m lmi_cli.validate FILE`: exit 0 or 1 with lines naming the file; never the catch-all's 2."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(content)
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            code = validate.main([str(path)])
        lines = err.getvalue().splitlines()
        assert code in (0, 1), lines
        assert all(line.startswith(str(path)) for line in lines if code == 1 and line != lines[-1]), lines


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_reach_the_catch_all(content: bytes) -> None:
    check_entry_point(content)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_random_yaml_tokens_never_reach_the_catch_all(text: str) -> None:
    check_entry_point(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(["", "!!binary ", "&x ", "'", "010", "no", "\u202e", "\x1b"]))
def test_mutated_examples_with_hostile_insertions_fail_cleanly(data: Any, insertion: str) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    middle = len(text) // 2
    check_entry_point((text[:middle] + insertion + text[middle:]).encode("utf-8"))
