"""Read one model YAML file once, hostile or careless: the data, the line of every key, and one-line problems.

The file's size and kind come from stat before it is opened (at most 256 KB, a regular file); it must be
UTF-8 without control characters, hold one document, and use no tag but the core ones (never `!!python/...`).

The file is parsed once (libyaml when available). Its events are composed into a small node tree without
recursion, then turned into Python data here: aliases are expanded and counted, nesting is capped, and tags,
keys and YAML 1.1 surprises (`no` -> false, `010` -> 8, `2026-01-01` -> a date) are reported with their line.
A file whose problems leave nothing to check gives no document; per-value problems keep the text as written.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lmi_core.issues import Finding, Severity, dotted, shortened

MAX_DEPTH = 32
MAX_VALUES = 10_000
MAX_PROBLEMS = 100
NOT_A_MAPPING = "must be a YAML mapping with name, kind, model, container, ..."
MERGE_KEY = "merge keys (<<) are not supported (allowed: write the keys out, or an alias for the whole value)"

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER: Any = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _SEQ, _MAP, _TIMESTAMP = (
    _CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
_CORE_SCALARS = (_STR, _INT, _FLOAT, _BOOL, _NULL)
_MERGE = _CORE + "merge"
_TRUE, _FALSE = ("true", "True", "TRUE"), ("false", "False", "FALSE")
_YAML11_ONLY_BOOLS = ("y", "Y", "n", "N")  # booleans in the YAML 1.1 spec that PyYAML leaves as text

_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")
_YAML12_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_YAML12_OCTAL = re.compile(r"0o[0-7]+")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what libyaml counts as a new line
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# invisible characters that make text display unlike what it holds (Trojan Source, CVE-2021-42574)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_FILE_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
_SHOWN = 40  # characters of a value quoted in a message


MAX_BYTES = 256 * 1024

Problem = tuple[int, Finding]  # (1-based line, 0 when unknown; the finding)


@dataclass(frozen=True)
class YamlDocument:
    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    raw: bytes = field(default=b"", repr=False, compare=False)  # the file's bytes as read (for its digest)

    def line(self, path: Iterable[Any]) -> int:
        """The line of a key path, else of its nearest known ancestor, else 1."""
        key = tuple(path)
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 1)


def read_yaml(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[YamlDocument | None, list[Problem]]:
    """(document or None, [(line, finding)]): None when the file cannot be checked further."""
    try:
        raw = _read_bytes(path, max_bytes)
    except _Rejected as rejected:
        return None, [rejected.problem]
    return parse_yaml(raw, max_bytes=max_bytes)


def parse_yaml(raw: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[YamlDocument | None, list[Problem]]:
    """As read_yaml, for bytes from elsewhere (a file at a git commit): the same limits on size, depth and aliases."""
    problems: list[Problem] = []
    builder = _Builder(problems)
    text: str | None = None
    try:
        if len(raw) > max_bytes:
            raise _Rejected(0, f"is over {max_bytes:,} bytes (allowed: at most {max_bytes:,})")
        text = _decode(raw)
        data = builder.document(_compose(text))
    except _Rejected as rejected:
        return None, _within(text, [*problems, rejected.problem])
    return YamlDocument(data, builder.lines, raw), _within(text, problems)


def _within(text: str | None, problems: list[Problem]) -> list[Problem]:
    """Problems past the text's last line (an empty value after its last line break) at its last line."""
    if text is None:  # not decoded: the lines are the decoder's own
        return problems
    breaks = len(_LINE_BREAK.findall(text))
    last = max(1, breaks if text.endswith(("\r", "\n", "\x85", "\u2028", "\u2029")) else breaks + 1)
    return [(min(line, last), finding) for line, finding in problems]


class _Rejected(Exception):
    """A problem that stops reading the file."""

    def __init__(self, line: int, message: str, field: str = ""):
        super().__init__(message)
        self.problem: Problem = (line, Finding(field, message))


# --- bytes to text -------------------------------------------------------------------------------------------


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes; size and kind are checked before reading."""
    try:
        _check_file(os.stat(path), max_bytes)  # before opening: opening a FIFO or a device can block
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            _check_file(os.fstat(file.fileno()), max_bytes)  # the file opened may have replaced the one checked
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise _Rejected(0, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _Rejected(0, f"is over {max_bytes:,} bytes (allowed: at most {max_bytes:,})")
    return data


def _check_file(status: os.stat_result, max_bytes: int) -> None:
    kind = stat.S_IFMT(status.st_mode)
    if kind != stat.S_IFREG:
        raise _Rejected(0, f"is {_FILE_KINDS.get(kind, 'a special file')}, not a regular file")
    if status.st_size > max_bytes:
        raise _Rejected(0, f"is {status.st_size:,} bytes (allowed: at most {max_bytes:,})")


def _decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 byte order mark is dropped) without control characters YAML forbids."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            raise _Rejected(0, f"is encoded as {encoding}: save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # exc.object: the bytes after any byte order mark
        line = _line_of(exc.object[: exc.start].decode("utf-8"))
        raise _Rejected(line, f"is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}): save it as UTF-8") from None
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        if bad.group() == "\0":
            message = "contains a NUL byte: save it as UTF-8 text (not UTF-16, not binary)"
        else:
            code = f"U+{ord(bad.group()):04X}"
            message = f"contains the control character {code} (allowed: tab, line feed, carriage return)"
        raise _Rejected(_line_of(text[: bad.start()]), message)
    invisible = _INVISIBLE.search(text)
    if invisible is not None:
        code = f"U+{ord(invisible.group()):04X}"
        message = (
            f"contains the invisible character {code}, which makes text display unlike what it holds (allowed: none)"
        )
        raise _Rejected(_line_of(text[: invisible.start()]), message)
    return text


def _line_of(text_before: str) -> int:
    return len(_LINE_BREAK.findall(text_before)) + 1


# --- text to nodes -------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Scalar:
    tag: str | None  # as written: None (no tag), "!" (non-specific) or a full tag
    line: int
    text: str
    plain: bool  # unquoted and untagged: YAML 1.1 reads its type from the text


@dataclass(eq=False)
class _Sequence:
    tag: str | None
    line: int
    children: list[_Node] = field(default_factory=list)


@dataclass(eq=False)
class _Mapping:
    tag: str | None
    line: int
    children: list[_Node] = field(default_factory=list)  # key, value, key, value, ...


_Node = _Scalar | _Sequence | _Mapping


def _compose(text: str) -> _Node | None:
    """The node tree of the file's only document (None when it has none).

    Built from parser events without recursion: libyaml's own composer overflows the C stack on deep nesting."""
    loader = _LOADER(text)
    try:
        root = _compose_document(loader)
        _expect_stream_end(loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _Rejected(mark.line + 1 if mark else 0, f"is not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    return root


def _compose_document(loader: Any) -> _Node | None:
    loader.get_event()  # StreamStartEvent
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStartEvent
    root: _Node | None = None
    anchors: dict[str, _Node] = {}
    open_collections: list[_Sequence | _Mapping] = []
    values = 0
    while not loader.check_event(yaml.DocumentEndEvent):
        event = loader.get_event()
        line = _line(event)
        node: _Node
        if isinstance(event, yaml.CollectionEndEvent):
            node = open_collections.pop()
        elif isinstance(event, yaml.AliasEvent):
            node = _alias_target(str(event.anchor), line, anchors, open_collections)
        else:
            values += 1
            if values > MAX_VALUES:
                raise _Rejected(line, f"holds over {MAX_VALUES} values (allowed: {MAX_VALUES})")
            node = _new_node(event, line)
            if event.anchor is not None:
                if event.anchor in anchors:
                    first = anchors[event.anchor].line
                    raise _Rejected(line, f"defines the anchor `&{_show(event.anchor)}` twice (first on line {first})")
                anchors[event.anchor] = node
            if not isinstance(node, _Scalar):
                open_collections.append(node)
                if len(open_collections) > MAX_DEPTH:
                    raise _Rejected(line, f"nests deeper than {MAX_DEPTH} levels (allowed: {MAX_DEPTH})")
                continue
        if open_collections:
            open_collections[-1].children.append(node)
        else:
            root = node
    loader.get_event()  # DocumentEndEvent
    return root


def _line(event: Any) -> int:
    return int(event.start_mark.line) + 1


def _new_node(event: Any, line: int) -> _Node:
    if isinstance(event, yaml.ScalarEvent):
        return _Scalar(event.tag, line, event.value, event.implicit[0])
    if isinstance(event, yaml.SequenceStartEvent):
        return _Sequence(event.tag, line)
    return _Mapping(event.tag, line)


def _alias_target(
    anchor: str, line: int, anchors: dict[str, _Node], open_collections: list[_Sequence | _Mapping]
) -> _Node:
    target = anchors.get(anchor)
    if target is None:
        raise _Rejected(line, f"uses the alias `*{_show(anchor)}` without (or before) its anchor `&{_show(anchor)}`")
    if any(target is collection for collection in open_collections):
        raise _Rejected(line, f"uses the alias `*{_show(anchor)}` inside its own anchor (a value that contains itself)")
    return target


def _expect_stream_end(loader: Any) -> None:
    """Reject further documents, counting them all (events only: nothing is built)."""
    documents, second_line = 1, 0
    while not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            second_line = second_line or _line(event)
    if documents > 1:
        raise _Rejected(second_line, f"holds {documents} YAML documents (allowed: one)")


# --- nodes to data -------------------------------------------------------------------------------------------


class _Builder:
    """Python data from the node tree: aliases expand (counted), tags, keys and scalars are checked, lines kept."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.lines: dict[tuple[Any, ...], int] = {}
        self.values = 0
        self.merge_keys_reported: set[int] = set()  # id() of `<<` nodes: an aliased one is built again

    def document(self, root: _Node | None) -> dict[str, Any]:
        if not isinstance(root, _Mapping):
            raise _Rejected(1 if root is None else root.line, NOT_A_MAPPING)
        data: dict[str, Any] = self.build(root, (), 1)
        return data

    def build(self, node: _Node, path: tuple[Any, ...], depth: int) -> Any:
        # The tree itself is within limits (see _compose_document): only aliases can exceed them here.
        self.values += 1
        if self.values > MAX_VALUES:  # reported at the top-level key: deeper paths are the expansion's
            message = f"uses anchors and aliases that expand to over {MAX_VALUES} values (allowed: {MAX_VALUES})"
            raise _Rejected(self.lines.get(path[:1], node.line), message, dotted(path[:1]))
        if isinstance(node, _Scalar):
            return self.scalar(node, path)
        if depth > MAX_DEPTH:
            raise _Rejected(node.line, f"nests deeper than {MAX_DEPTH} levels (allowed: {MAX_DEPTH})", dotted(path))
        if node.tag is not None and node.tag not in ("!", _SEQ if isinstance(node, _Sequence) else _MAP):
            self.report(node.line, path, _tag_message(node.tag))
        if isinstance(node, _Sequence):
            return [self.item(child, (*path, index), depth, child.line) for index, child in enumerate(node.children)]
        pairs = list(zip(node.children[::2], node.children[1::2], strict=True))
        merged = self.merged([(key, value) for key, value in pairs if _is_merge_key(key)], path, depth)
        result: dict[str, Any] = {}
        for key_node, value_node in pairs:
            if _is_merge_key(key_node):
                continue
            key = self.key(key_node, path, depth)
            if key is None:
                continue
            if key in result:
                self.report(key_node.line, (*path, key), "duplicate key (each key may appear once)")
            result[key] = self.item(value_node, (*path, key), depth, key_node.line)
        return {**merged, **result}  # the keys written out win, as YAML 1.1 merges

    def merged(self, merges: list[tuple[_Node, _Node]], path: tuple[Any, ...], depth: int) -> dict[str, Any]:
        """The keys `<<` would merge into the mapping at `path`, each `<<` reported once: the file is refused,
        but its keys are known, so they are checked (and `is required` is not said of them)."""
        result: dict[str, Any] = {}
        for key_node, value_node in merges:
            if id(key_node) not in self.merge_keys_reported:
                self.merge_keys_reported.add(id(key_node))
                self.report(key_node.line, (*path, "<<"), MERGE_KEY)
            sources = value_node.children[::-1] if isinstance(value_node, _Sequence) else [value_node]
            for source in sources:  # in a list, an earlier mapping wins; of two `<<`, the later one
                if isinstance(source, _Mapping):
                    built = self.build(source, path, depth)
                    result.update(built)
                    self.lines.update({(*path, key): key_node.line for key in built})
        return result

    def item(self, node: _Node, path: tuple[Any, ...], depth: int, line: int) -> Any:
        """A list item or mapping value, recorded at `line` (of the item, or of the value's key)."""
        self.lines[path] = line
        return self.build(node, path, depth + 1)

    def key(self, node: _Node, path: tuple[Any, ...], depth: int) -> str | None:
        """The key's text (None for a collection or an empty key); a key YAML reads as something else than text is
        reported."""
        if not isinstance(node, _Scalar):
            kind = "list" if isinstance(node, _Sequence) else "mapping"
            self.report(node.line, path, f"has a {kind} as a key (keys must be text)")
            return None
        reported = len(self.problems)
        value = self.build(node, (*path, node.text), depth)
        if len(self.problems) == reported and not isinstance(value, str):
            if not node.text:  # reported once, and the entry left out: later checks would name no field
                self.report(node.line, path, "has an empty key (read as null): give it a name")
                return None
            message = f"key `{_show(node.text)}` is read as {_describe(value)}, not text: {_quote(node.text)}"
            self.report(node.line, (*path, node.text), message)
        return node.text

    def scalar(self, node: _Scalar, path: tuple[Any, ...]) -> Any:
        """The value safe_load gives; when reported, the text as written."""
        text, tag = node.text, node.tag
        if tag is None or tag == "!":
            tag = _resolve(text, node.plain)
        elif tag not in _CORE_SCALARS:
            self.report(node.line, path, _tag_message(tag))
            return text
        elif tag not in (_STR, _resolve(text, True)):
            self.report(node.line, path, f"`{_show(text)}` is not a valid `{_short(tag)}` value")
            return text
        if tag == _STR and node.plain:
            if message := _text_surprise(text):
                self.report(node.line, path, message)
            elif message := _exponent_warning(text):
                self.report(node.line, path, message, "warning")
            return text
        value, message = _typed(text, tag)
        if message:
            self.report(node.line, path, message)
            return text
        return value

    def report(self, line: int, path: tuple[Any, ...], message: str, severity: Severity = "error") -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Rejected(line, f"has over {MAX_PROBLEMS} problems (fix these first)")
        self.problems.append((line, Finding(dotted(path), message, severity)))


def _is_merge_key(node: _Node) -> bool:
    """An untagged plain `<<`: YAML 1.1 merges the mapping it names into the one that holds it."""
    return isinstance(node, _Scalar) and node.tag is None and node.plain and _resolve(node.text, True) == _MERGE


def _typed(text: str, tag: str) -> tuple[Any, str]:
    """(value, "") of a scalar YAML 1.1 reads as `tag`, or (None, problem) when that is not what it looks like."""
    too_large = f"`{_show(text)}` is too large a number"
    if tag == _STR:
        return text, ""
    if tag == _NULL:
        return None, ""
    if tag == _BOOL and text in _TRUE + _FALSE:
        return text in _TRUE, ""
    if tag == _BOOL:
        return None, _bool_surprise(text, _CONSTRUCTOR.bool_values[text.lower()])
    if tag == _INT and _DECIMAL.fullmatch(text):
        try:
            return int(text), ""
        except ValueError:  # more digits than Python converts
            return None, too_large
    if tag == _FLOAT and _DECIMAL_FLOAT.fullmatch(text):
        number = float(text)
        return (number, "") if math.isfinite(number) else (None, too_large)
    if tag in (_INT, _FLOAT):
        return None, _number_surprise(text, tag)
    if tag == _TIMESTAMP:
        return None, f"`{_show(text)}` is read by YAML 1.1 as a date: {_quote(text)}"
    return None, f"`{_show(text)}` has a special meaning in YAML 1.1 (`{_short(tag)}`): {_quote(text)}"


def _text_surprise(text: str) -> str:
    """A plain scalar YAML 1.1 reads as text but other YAML readers as a boolean or number."""
    if text in _YAML11_ONLY_BOOLS:
        return _bool_surprise(text, text in "yY")
    if _YAML12_OCTAL.fullmatch(text) and len(text) <= _SHOWN:
        number = int(text, 0)
        return f"`{text}` is read by YAML 1.2 as the number {number} (YAML 1.1: text): {_quote(text)} or write {number}"
    return ""


def _bool_surprise(text: str, value: bool) -> str:
    word = "true" if value else "false"
    return f"`{text}` is read by YAML 1.1 as {word}: {_quote(text)} or write {word}"


def _number_surprise(text: str, tag: str) -> str:
    """`010`, `0x1f`, `1_000`, `15:00`, `.inf`: YAML 1.1 numbers that do not read as the text suggests."""
    number: float | None = None
    if len(text) <= _SHOWN:  # a long sexagesimal number takes long to compute
        node = yaml.ScalarNode(tag, text)
        try:
            number = _CONSTRUCTOR.construct_yaml_int(node) if tag == _INT else _CONSTRUCTOR.construct_yaml_float(node)
        except ValueError:  # `0b_`: a number to YAML 1.1, not to Python
            number = None
    if number is None:
        return f"`{_show(text)}` is read by YAML 1.1 as a number: quote it"
    if not math.isfinite(number):
        return f"`{text}` is read by YAML 1.1 as the number {number}: {_quote(text)} or write a finite number"
    written = _float_text(number) if isinstance(number, float) else str(number)
    return f"`{text}` is read by YAML 1.1 as the number {written}: {_quote(text)} or write {written}"


def _exponent_warning(text: str) -> str:
    """`1e-5` is text to YAML 1.1 (it wants `1.0e-5`) but a number to other YAML readers."""
    if not _YAML12_FLOAT.fullmatch(text) or not math.isfinite(number := float(text)):
        return ""
    written = _float_text(number)
    return (
        f"`{_show(text)}` is read by YAML 1.1 as text, not a number: write {written} for the number, or {_quote(text)}"
    )


def _resolve(text: str, plain: bool) -> str:
    """The tag YAML 1.1 (PyYAML) gives an untagged scalar: plain ones by their text, quoted ones str."""
    return str(_RESOLVER.resolve(yaml.ScalarNode, text, (plain, False)))


def _float_text(number: float) -> str:
    """The float as YAML 1.1 reads it back: `1e-05` would be text, `1.0e-5` is a number."""
    mantissa, _, exponent = repr(number).partition("e")
    if not exponent:
        return mantissa
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{int(exponent):+d}"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return f"the number {_float_text(value) if isinstance(value, float) else value}"


def _tag_message(tag: str) -> str:
    allowed = ", ".join(_short(core) for core in (*_CORE_SCALARS, _SEQ, _MAP))
    return f"uses the tag `{_short(tag)}` (allowed: no tag, or {allowed})"


def _short(tag: str) -> str:
    return _show("!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag)


def _show(text: str) -> str:
    """Text for a one-line message: shortened, control characters escaped."""
    shown = shortened(text, _SHOWN)
    return shown if shown.isprintable() else repr(shown)[1:-1]


def _quote(text: str) -> str:
    return f'quote it ("{text}")' if len(text) <= _SHOWN and text.isprintable() else "quote it"
