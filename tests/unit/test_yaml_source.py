"""read_yaml: each class of hostile or careless file, both ways, plus random input that must never raise."""

from __future__ import annotations

import os
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lmi_core.issues import Finding, Severity
from lmi_core.loader import yaml_source
from lmi_core.loader.yaml_source import MAX_DEPTH, NOT_A_MAPPING, Problem, YamlDocument, read_yaml

EXPANDS = "uses anchors and aliases that expand to over 10000 values (allowed: 10000)"
DEEP = "nests deeper than 32 levels (allowed: 32)"
TAGS = "(allowed: no tag, or !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)"

CONFIG = """\
# yaml-language-server: $schema=../schema/model-config.schema.json
name: llama3-8b-chat
kind: realtime
model:
  id: s3://my-models/llama-3.1-8b-instruct/   # a comment
  task: text-generation
container: {image: lmi, tag: 0.33.0-lmi15.0.0-cu128}
serving:
  option.dtype: fp16
  option.tensor_parallel_degree: 1
  option.rolling_batch: 'no'
instance:
  type: ml.g5.2xlarge
  count: 1
adapters:
  - name: first
    weight: 0.5
  -
    name: second
    weight: -1.5e+3
tags: {team: search, launch: "2026-01-01"}
enabled: true
note: null
"""


def problem(line: int, field: str, message: str, severity: Severity = "error") -> Problem:
    return (line, Finding(field, message, severity))


def read(tmp_path: Path, content: str | bytes, **kwargs: Any) -> tuple[YamlDocument | None, list[Problem]]:
    path = tmp_path / "model.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return read_yaml(path, **kwargs)


def accepted(tmp_path: Path, content: str | bytes) -> YamlDocument:
    document, problems = read(tmp_path, content)
    assert problems == []
    assert document is not None
    return document


def rejected(tmp_path: Path, content: str | bytes) -> list[tuple[int, str, str]]:
    """(line, field, message) of each error; no document comes back."""
    document, problems = read(tmp_path, content)
    assert document is None
    return [(line, f.field, f.message) for line, f in problems]


def flagged(tmp_path: Path, content: str) -> list[tuple[int, str, str]]:
    """(line, field, message) of each error; the document still comes back."""
    document, problems = read(tmp_path, content)
    assert document is not None
    return [(line, f.field, f.message) for line, f in problems if f.severity == "error"]


# --- a compliant file ----------------------------------------------------------------------------------------


def test_compliant_config_reads_as_safe_load_with_key_lines(tmp_path: Path) -> None:
    document = accepted(tmp_path, CONFIG)
    assert document.data == yaml.safe_load(CONFIG)
    assert document.lines[("name",)] == 2
    assert document.lines[("model", "id")] == 5
    assert document.lines[("container", "tag")] == 7
    assert document.lines[("serving", "option.dtype")] == 9
    assert document.lines[("adapters", 0)] == 16
    assert document.lines[("adapters", 0, "weight")] == 17
    assert document.lines[("adapters", 1)] == 19
    assert document.lines[("adapters", 1, "name")] == 19
    assert document.lines[("note",)] == 23


def test_line_falls_back_to_nearest_ancestor_then_1(tmp_path: Path) -> None:
    document = accepted(tmp_path, CONFIG)
    assert document.line(("serving", "option.dtype")) == 9
    assert document.line(["serving", "option.missing"]) == 8
    assert document.line(("adapters", 1, "name", "deeper")) == 19
    assert document.line(("missing",)) == 1
    assert document.line(()) == 1


def test_line_endings_and_utf8_text(tmp_path: Path) -> None:
    assert accepted(tmp_path, "a: 1\r\nb: 2\r\n").lines == {("a",): 1, ("b",): 2}
    assert accepted(tmp_path, "a: 1\rb: 2\r").lines == {("a",): 1, ("b",): 2}
    document = accepted(tmp_path, "\ufeffname: café 中文 🚀\nb: 'tab\there'  # comment\twith tab\n")
    assert document.data == {"name": "café 中文 🚀", "b": "tab\there"}
    assert document.lines[("b",)] == 2


# --- 1. anchors and aliases ----------------------------------------------------------------------------------


def test_small_alias_reuse_is_fine(tmp_path: Path) -> None:
    document = accepted(
        tmp_path, "base: &base {team: search, tier: 1}\na: *base\nb: [*base, *base]\nname: &n x\nc: *n\n"
    )
    assert document.data["a"] == {"team": "search", "tier": 1}
    assert document.data["b"] == [document.data["a"]] * 2
    assert document.data["c"] == "x"
    assert document.lines[("a",)] == 2
    assert document.lines[("a", "tier")] == 1  # where the value is written


def test_billion_laughs_stops_at_the_cap(tmp_path: Path) -> None:
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    laughs += "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    assert rejected(tmp_path, laughs) == [(4, "d", EXPANDS)]


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a\n  b: *a\n", "a: &a {b: [c, {d: *a}]}\n"])
def test_recursive_alias(tmp_path: Path, text: str) -> None:
    line = text.count("\n", 0, text.index("*a")) + 1
    assert rejected(tmp_path, text) == [
        (line, "", "uses the alias `*a` inside its own anchor (a value that contains itself)")
    ]


def test_undefined_and_redefined_anchors(tmp_path: Path) -> None:
    assert rejected(tmp_path, "a: 1\nb: *x\n") == [(2, "", "uses the alias `*x` without (or before) its anchor `&x`")]
    assert rejected(tmp_path, "a: &x 1\nb: &x 2\n") == [(2, "", "defines the anchor `&x` twice (first on line 1)")]


# --- 2. nesting ----------------------------------------------------------------------------------------------


def test_nesting_up_to_the_cap_is_fine(tmp_path: Path) -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1) + "\n"
    value = accepted(tmp_path, text).data["a"]
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == "x"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, 1),
        ("a: " + "[" * 100_000 + "]" * 100_000, 1),
        ("[" * 200_000, 1),
        ("- " * 100_000 + "x", 1),
        ("{a: " * 60_000, 1),
        ("".join(" " * i + "a:\n" for i in range(40)), 33),
    ],
)
def test_deep_nesting(tmp_path: Path, text: str, line: int) -> None:
    assert rejected(tmp_path, text) == [(line, "", DEEP)]


def test_deep_nesting_through_aliases(tmp_path: Path) -> None:
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 40))
    problems = rejected(tmp_path, chain)
    assert len(problems) == 1
    assert problems[0][2] == DEEP
    assert problems[0][1].startswith("a31.0.0.")


def test_pure_python_loader_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_source, "_LOADER", yaml.SafeLoader)
    assert accepted(tmp_path, CONFIG).data == yaml.safe_load(CONFIG)
    assert rejected(tmp_path, "a: " + "[" * 100_000) == [(1, "", DEEP)]
    assert rejected(tmp_path, "a: [\n") == [
        (1, "", "is not valid YAML: expected the node content, but found '<stream end>'")
    ]


# --- 3. size and kind of file --------------------------------------------------------------------------------


def test_size_up_to_the_cap_is_fine(tmp_path: Path) -> None:
    text = "a: 1\n" + "#" * 95
    assert read(tmp_path, text, max_bytes=100)[0] is not None


def test_oversized_file_is_refused_without_opening_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(1 << 30)  # sparse: 1 GiB that takes no disk

    def no_open(*args: object) -> int:
        raise AssertionError("opened")

    monkeypatch.setattr(os, "open", no_open)
    assert read_yaml(path) == (None, [problem(0, "", "is 1,073,741,824 bytes (allowed: at most 262,144)")])
    assert read(tmp_path, "a: 1\n" + "#" * 96, max_bytes=100) == (
        None,
        [problem(0, "", "is 101 bytes (allowed: at most 100)")],
    )


def test_special_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert read_yaml(fifo) == (None, [problem(0, "", "is a named pipe (FIFO), not a regular file")])
    assert read_yaml(tmp_path) == (None, [problem(0, "", "is a directory, not a regular file")])
    assert read_yaml(Path("/dev/null")) == (None, [problem(0, "", "is a character device, not a regular file")])
    missing = read_yaml(tmp_path / "missing.yaml")
    assert missing == (None, [problem(0, "", "cannot be read: No such file or directory")])


def test_a_file_replaced_after_stat_is_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small, big, fifo = tmp_path / "small.yaml", tmp_path / "big.yaml", tmp_path / "pipe.yaml"
    small.write_text("a: 1\n")
    big.write_text("a: 1\n" + "#" * 300_000)
    os.mkfifo(fifo)
    small_status = os.stat(small)
    monkeypatch.setattr(os, "stat", lambda path: small_status)  # what stat() saw before the swap
    assert read_yaml(fifo) == (None, [problem(0, "", "is a named pipe (FIFO), not a regular file")])
    assert read_yaml(big) == (None, [problem(0, "", "is 300,005 bytes (allowed: at most 262,144)")])
    monkeypatch.setattr(os, "fstat", lambda descriptor: small_status)  # and it grew after fstat()
    assert read_yaml(big) == (None, [problem(0, "", "is over 262,144 bytes (allowed: at most 262,144)")])


def test_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    document, problems = read_yaml(tmp_path / "link.yaml")
    assert document is not None
    assert (document.data, problems) == ({"a": 1}, [])


# --- 4. documents --------------------------------------------------------------------------------------------


def test_one_document_with_markers_is_fine(tmp_path: Path) -> None:
    assert accepted(tmp_path, "%YAML 1.1\n---\na: 1\n...\n# end\n").data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "count", "line"),
    [("a: 1\n---\nb: 2\n", 2, 2), ("---\na: 1\n---\nb: 2\n---\n", 3, 3), ("a: 1\n...\n---\n" * 5, 6, 3)],
)
def test_several_documents(tmp_path: Path, text: str, count: int, line: int) -> None:
    assert rejected(tmp_path, text) == [(line, "", f"holds {count} YAML documents (allowed: one)")]


# --- 5. encodings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32"), ("utf-32-be", "UTF-32")],
)
def test_wide_encodings_with_byte_order_mark(tmp_path: Path, encoding: str, name: str) -> None:
    content = ("\ufeff" if encoding.endswith("-be") else "") + "name: x\n"
    assert rejected(tmp_path, content.encode(encoding)) == [(0, "", f"is encoded as {name}: save it as UTF-8")]


def test_utf16_without_byte_order_mark(tmp_path: Path) -> None:
    message = "contains a NUL byte: save it as UTF-8 text (not UTF-16, not binary)"
    assert rejected(tmp_path, "name: x\n".encode("utf-16-le")) == [(1, "", message)]


def test_invalid_utf8(tmp_path: Path) -> None:
    message = "is not valid UTF-8 (byte 0xe9): save it as UTF-8"
    assert rejected(tmp_path, "a: 1\nname: café\n".encode("latin-1")) == [(2, "", message)]
    assert rejected(tmp_path, b"a: 1\nb: \xed\xa0\x80\n") == [
        (2, "", "is not valid UTF-8 (byte 0xed): save it as UTF-8")
    ]


# --- 6. tags -------------------------------------------------------------------------------------------------


def test_core_tags_are_fine(tmp_path: Path) -> None:
    text = (
        "a: !!str 010\nb: !!int 5\nc: !!float 0.5\nd: !!bool true\ne: !!null ~\nf: !!seq [x]\ng: !!map {x: 1}\nh: ! t\n"
    )
    document = accepted(tmp_path, text)
    assert document.data == yaml.safe_load(text)
    assert document.data["a"] == "010"


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ('!!python/object/apply:os.system ["echo hi"]', "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!foo x", "!foo"),
        ("!<tag:example.com,2026:x> y", "tag:example.com,2026:x"),
        ("!!set {a, b}", "!!set"),
        ("!!omap [a: 1]", "!!omap"),
        ("!!timestamp 2026-01-01", "!!timestamp"),
    ],
)
def test_other_tags(tmp_path: Path, value: str, tag: str) -> None:
    assert flagged(tmp_path, f"name: x\nvalue: {value}\n") == [(2, "value", f"uses the tag `{tag}` {TAGS}")]


def test_core_tag_on_a_wrong_value(tmp_path: Path) -> None:
    assert flagged(tmp_path, "a: !!int abc\n") == [(1, "a", "`abc` is not a valid `!!int` value")]


@pytest.mark.parametrize("date", ["2026-01-01", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5"])
def test_unquoted_dates(tmp_path: Path, date: str) -> None:
    message = f'`{date}` is read by YAML 1.1 as a date: quote it ("{date}")'
    document, problems = read(tmp_path, f"a: 1\nlaunch: {date}\n")
    assert problems == [problem(2, "launch", message)]
    assert document is not None
    assert document.data["launch"] == date  # the text, never a date object
    assert accepted(tmp_path, f'launch: "{date}"\n').data == {"launch": date}


# --- 7. YAML 1.1 surprises -----------------------------------------------------------------------------------

SURPRISES = [
    ("010", '`010` is read by YAML 1.1 as the number 8: quote it ("010") or write 8'),
    ("-010", '`-010` is read by YAML 1.1 as the number -8: quote it ("-010") or write -8'),
    ("0o10", '`0o10` is read by YAML 1.2 as the number 8 (YAML 1.1: text): quote it ("0o10") or write 8'),
    ("0x1f", '`0x1f` is read by YAML 1.1 as the number 31: quote it ("0x1f") or write 31'),
    ("0b101", '`0b101` is read by YAML 1.1 as the number 5: quote it ("0b101") or write 5'),
    ("15:00", '`15:00` is read by YAML 1.1 as the number 900: quote it ("15:00") or write 900'),
    ("1:30:00", '`1:30:00` is read by YAML 1.1 as the number 5400: quote it ("1:30:00") or write 5400'),
    ("1:30.5", '`1:30.5` is read by YAML 1.1 as the number 90.5: quote it ("1:30.5") or write 90.5'),
    ("1_000", '`1_000` is read by YAML 1.1 as the number 1000: quote it ("1_000") or write 1000'),
    ("1_000.5", '`1_000.5` is read by YAML 1.1 as the number 1000.5: quote it ("1_000.5") or write 1000.5'),
    (".inf", '`.inf` is read by YAML 1.1 as the number inf: quote it (".inf") or write a finite number'),
    ("-.Inf", '`-.Inf` is read by YAML 1.1 as the number -inf: quote it ("-.Inf") or write a finite number'),
    (".nan", '`.nan` is read by YAML 1.1 as the number nan: quote it (".nan") or write a finite number'),
    ("0b_", "`0b_` is read by YAML 1.1 as a number: quote it"),
    ("1.0e+999", "`1.0e+999` is too large a number"),
    ("9" * 5000, f"`{'9' * 40}…` is too large a number"),
    ("=", '`=` has a special meaning in YAML 1.1 (`!!value`): quote it ("=")'),
] + [
    (word, f'`{word}` is read by YAML 1.1 as {value}: quote it ("{word}") or write {value}')
    for words, value in [("yes Yes YES on On ON y Y", "true"), ("no No NO off Off OFF n N", "false")]
    for word in words.split()
]


@pytest.mark.parametrize(("text", "message"), SURPRISES)
def test_yaml11_surprises_in_values(tmp_path: Path, text: str, message: str) -> None:
    document, problems = read(tmp_path, f"name: x\nvalue: {text}\n")
    assert problems == [problem(2, "value", message)]
    assert document is not None
    assert document.data["value"] == text  # kept as written
    assert accepted(tmp_path, f"value: '{text}'\n").data == {"value": text}


def test_yaml11_surprises_in_keys(tmp_path: Path) -> None:
    assert flagged(tmp_path, "name: x\nno: 1\n010: 2\n") == [
        (2, "no", '`no` is read by YAML 1.1 as false: quote it ("no") or write false'),
        (3, "010", '`010` is read by YAML 1.1 as the number 8: quote it ("010") or write 8'),
    ]


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    assert flagged(tmp_path, "base: &b {x: 1}\nchild:\n  <<: *b\n") == [(3, "child.<<", yaml_source.MERGE_KEY)]
    assert flagged(tmp_path, "<<: {name: x}\n") == [(1, "<<", yaml_source.MERGE_KEY)]
    assert flagged(tmp_path, "a:\n  <<: 5\n  <<: [*x]\n".replace("*x", "{b: 1}")) == [
        (2, "a.<<", yaml_source.MERGE_KEY),
        (3, "a.<<", yaml_source.MERGE_KEY),
    ]


def test_a_merge_key_inside_an_anchor_is_reported_once_where_it_is_written(tmp_path: Path) -> None:
    """`more` holds a `<<` and is merged again below: that `<<` is one problem, not one per use."""
    text = "base: &base {a: 1}\nmore: &more {<<: *base, b: 2}\nc: {<<: *more}\n"
    assert flagged(tmp_path, text) == [(2, "more.<<", yaml_source.MERGE_KEY), (3, "c.<<", yaml_source.MERGE_KEY)]


@pytest.mark.parametrize(
    "text",
    [
        "a: &a {x: 1, w: 2}\nb:\n  <<: [*a, {x: 3, z: 4}]\n  w: 9\n",
        "a: &a {x: 1}\nc: &c {x: 2, d: {e: 1}}\nb:\n  <<: *a\n  <<: *c\n",
        "a: &a {x: 1}\nb: {z: 0, <<: *a, x: 5}\n",
    ],
)
def test_merge_keys_still_merge_so_no_key_is_reported_missing(tmp_path: Path, text: str) -> None:
    """The file is refused, but its mapping holds what YAML 1.1 merges: later checks do not say `is required`."""
    document, problems = read(tmp_path, text)
    assert document is not None
    assert [f.message for _, f in problems] == [yaml_source.MERGE_KEY] * text.count("<<")
    assert document.data == yaml.safe_load(text)


def test_merged_keys_are_at_their_merge_key_line_and_checked(tmp_path: Path) -> None:
    text = "a: &a {x: no}\nb:\n  <<: *a\n"
    document, problems = read(tmp_path, text)
    assert document is not None and document.line(("b", "x")) == 3
    surprise = '`no` is read by YAML 1.1 as false: quote it ("no") or write false'
    assert [(line, f.field, f.message) for line, f in problems] == [
        (1, "a.x", surprise),
        (3, "b.<<", yaml_source.MERGE_KEY),
        (1, "b.x", surprise),  # the value as written, where it is written
    ]


def test_a_quoted_merge_key_is_text(tmp_path: Path) -> None:
    assert accepted(tmp_path, "a:\n  '<<': 1\nb:\n  !!str <<: 2\n").data == {"a": {"<<": 1}, "b": {"<<": 2}}
    assert flagged(tmp_path, "x: <<\n") == [
        (1, "x", '`<<` has a special meaning in YAML 1.1 (`!!merge`): quote it ("<<")')
    ]


def test_plain_values_that_mean_what_they_show(tmp_path: Path) -> None:
    text = "a: 0\nb: -17\nc: +5\nd: 0.5\ne: -1.5e+3\nf: .5\ng: 1.\n"
    text += "h: true\ni: False\nj: TRUE\nk: ~\nl: null\nm:\ns: fp16\n"
    document = accepted(tmp_path, text)
    assert document.data == yaml.safe_load(text)
    assert [type(v).__name__ for v in document.data.values()] == (
        ["int"] * 3 + ["float"] * 4 + ["bool"] * 3 + ["NoneType"] * 3 + ["str"]
    )


@pytest.mark.parametrize(("text", "written"), [("1e-5", "1.0e-5"), ("2E+10", "20000000000.0"), ("-.5", "-0.5")])
def test_exponents_yaml11_reads_as_text_are_warned(tmp_path: Path, text: str, written: str) -> None:
    message = (
        f'`{text}` is read by YAML 1.1 as text, not a number: write {written} for the number, or quote it ("{text}")'
    )
    document, problems = read(tmp_path, f"lr: {text}\n")
    assert problems == [problem(1, "lr", message, "warning")]
    assert document is not None
    assert document.data == {"lr": text}
    assert accepted(tmp_path, f"lr: {written}\n").data == {"lr": float(text)}


# --- 8. keys -------------------------------------------------------------------------------------------------


def test_duplicate_keys(tmp_path: Path) -> None:
    text = "name: x\nserving:\n  option.dtype: fp16\n  engine: Python\n  option.dtype: bf16\nname: z\n"
    assert flagged(tmp_path, text) == [
        (5, "serving.option.dtype", "duplicate key (each key may appear once)"),
        (6, "name", "duplicate key (each key may appear once)"),
    ]
    assert flagged(tmp_path, "a: 1\n'a': 2\n") == [(2, "a", "duplicate key (each key may appear once)")]


def test_same_key_in_different_mappings_is_fine(tmp_path: Path) -> None:
    assert accepted(tmp_path, "a: {name: 1}\nb: {name: 2}\nc: [{name: 3}, {name: 4}]\n").data["c"][1] == {"name": 4}


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("5: x", 2, "5", 'key `5` is read as the number 5, not text: quote it ("5")'),
        ("0.5: x", 2, "0.5", 'key `0.5` is read as the number 0.5, not text: quote it ("0.5")'),
        ("true: x", 2, "true", 'key `true` is read as true, not text: quote it ("true")'),
        ("~: x", 2, "~", 'key `~` is read as null, not text: quote it ("~")'),
        ("null: x", 2, "null", 'key `null` is read as null, not text: quote it ("null")'),
        ("? \n: x", 2, "", "has an empty key (read as null): give it a name"),
        ("[a, b]: x", 2, "", "has a list as a key (keys must be text)"),
        ("? {a: 1}\n: x", 2, "", "has a mapping as a key (keys must be text)"),
    ],
)
def test_keys_that_are_not_text(tmp_path: Path, text: str, line: int, field: str, message: str) -> None:
    assert flagged(tmp_path, f"name: x\n{text}\n") == [(line, field, message)]


def test_an_empty_key_is_left_out(tmp_path: Path) -> None:
    """Reported once: the data has no "" key that later checks would call unknown, without a field."""
    document, problems = read(tmp_path, "? \n: 1\nname: x\nb: {? : 2, c: 3}\n")
    assert document is not None and document.data == {"name": "x", "b": {"c": 3}}
    assert [(line, f.field) for line, f in problems] == [(1, ""), (4, "b")]


def test_quoted_keys_are_text(tmp_path: Path) -> None:
    assert accepted(tmp_path, "'5': x\n\"no\": a\n'null': b\n").data == {"5": "x", "no": "a", "null": "b"}


# --- 9. not a mapping ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [("", 1), ("# only a comment\n", 1), ("---\n", 1), ("\n\n- a\n- b\n", 3), ("just text\n", 1), ("42", 1)],
)
def test_document_must_be_a_mapping(tmp_path: Path, text: str, line: int) -> None:
    assert rejected(tmp_path, text) == [(line, "", NOT_A_MAPPING)]


# --- 10. syntax ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: 1\nb: [1, 2\n", 2, "did not find expected ',' or ']'"),
        ("a: 1\n  b: 2\n", 2, "mapping values are not allowed in this context"),
        ("a:\n\t- b\n", 2, "found character that cannot start any token"),
        ('a: "x\n', 1, "found unexpected end of stream"),
        ("a: 1\n- b\n", 2, "did not find expected key"),
        ("a: @x\n", 1, "found character that cannot start any token"),
    ],
)
def test_syntax_errors(tmp_path: Path, text: str, line: int, problem: str) -> None:
    assert rejected(tmp_path, text) == [(line, "", f"is not valid YAML: {problem}")]


# --- 11. control characters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [c for c in [*range(1, 32), 0x7F, 0x80, 0x9F, 0xFFFE] if chr(c) not in "\t\n\r"])
def test_control_characters(tmp_path: Path, code: int) -> None:
    message = f"contains the control character U+{code:04X} (allowed: tab, line feed, carriage return)"
    assert rejected(tmp_path, f"a: 1\nb: 2\nc: x{chr(code)}y\n") == [(3, "", message)]


def test_nul_byte(tmp_path: Path) -> None:
    message = "contains a NUL byte: save it as UTF-8 text (not UTF-16, not binary)"
    assert rejected(tmp_path, b"a: 1\r\nb: \x00\n") == [(2, "", message)]


# --- limits on values and problems ---------------------------------------------------------------------------


def test_many_values_without_aliases(tmp_path: Path) -> None:
    # the root mapping, the key `a`, the list and its items
    assert accepted(tmp_path, "a: [" + "1, " * 9_996 + "1]\n").data["a"] == [1] * 9_997
    assert rejected(tmp_path, "a: [" + "1, " * 9_997 + "1]\n") == [(1, "", "holds over 10000 values (allowed: 10000)")]


def test_problem_flood_stops_at_the_cap(tmp_path: Path) -> None:
    problems = rejected(tmp_path, "".join(f"k{i}: yes\n" for i in range(500)))
    assert len(problems) == 101
    assert problems[-1] == (101, "", "has over 100 problems (fix these first)")


# --- random input --------------------------------------------------------------------------------------------

TOKENS = [
    *"-:[]{},?&*!|>'\"#%@`\t\n\r ",
    "  ", "\n  ", "\n    ", "- ", ": ", "? ", "---\n", "...\n", "&a ", "*a", "&b ", "*b", "!!str ", "!!int ",
    "!!binary ", "!foo ", "! ", "<<: ", "name", "key", "x", "010", "0o10", "0x1f", "15:00", "yes", "no", "y",
    "true", "True", "~", "null", "1e5", "1.0e+5", ".inf", ".nan", "1_000", "2026-01-01", "0.5", "-3", "'", '"q"',
    "\ufeff", "é", "\x00", "\x07", "\x85", "\u2028", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\\", "9" * 50,
]  # fmt: skip
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join) | st.text(max_size=200)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


def _check_contract(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    document, problems = read_yaml(path)
    for line, finding in problems:
        assert line >= 0
        assert finding.severity in ("error", "warning")
        assert finding.message and finding.message.isprintable(), finding
    if document is None:
        assert any(finding.severity == "error" for _, finding in problems)
    else:
        assert isinstance(document.data, dict)
        assert all(isinstance(key, str) for key in document.data)
    return document, problems


def _in(data: Any, path: tuple[Any, ...]) -> bool:
    """Whether a key path of `lines` leads somewhere in the data."""
    for part in path:
        if not ((isinstance(data, dict) and part in data) or (isinstance(data, list) and 0 <= part < len(data))):
            return False
        data = data[part]
    return True


_RANDOM = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@_RANDOM
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "model.yaml"
        path.write_bytes(content)
        _check_contract(path)


@_RANDOM
@given(YAMLISH)
def test_random_yamlish_text_never_raises_and_matches_safe_load_when_clean(text: str) -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "model.yaml"
        path.write_text(text, encoding="utf-8", newline="")
        document, problems = _check_contract(path)
    if document is not None and not any(finding.severity == "error" for _, finding in problems):
        assert document.data == yaml.load(text, Loader=yaml.CSafeLoader)
        assert all(_in(document.data, key_path) for key_path in document.lines)


@_RANDOM
@given(st.dictionaries(st.text(string.ascii_letters + "._-", min_size=1, max_size=10), JSONISH, max_size=6))
@example(data={"A": {"\u200b": None}})  # an invisible key: refused since the reader rejects invisible characters
def test_dumped_data_reads_back(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=None)
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "model.yaml"
        path.write_text(text, encoding="utf-8")
        document, problems = _check_contract(path)
    if yaml_source._INVISIBLE.search(text) or yaml_source._NON_PRINTABLE.search(text):
        assert document is None and problems  # refused on purpose, with its line and reason
        return
    assert document is not None
    if not any(finding.severity == "error" for _, finding in problems):
        assert document.data == yaml.load(text, Loader=yaml.CSafeLoader)  # == data, but for PyYAML's own slips
