"""Hostile inputs that cannot be stored as text in bad_configs/: other encodings, bombs and huge files,
special files, symlinks, code directories with secrets. Each case writes itself into a fresh project
directory and lists the exact lines `make validate` and synth must print for it.

Shared by tests/catalog/test_hostile_inputs.py and bench/hostile_bench.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lmi_core.loader.code_bundle import MAX_ENTRIES, MAX_PATH_CHARS, MAX_SEGMENT_BYTES
from lmi_core.loader.yaml_source import MAX_DEPTH, MAX_PROBLEMS, MAX_VALUES
from tests.conftest import MINIMAL

CODE_LINE = 7  # the line of `code:` appended to MINIMAL
HANDLER = "def handle(inputs):\n    return None\n"

DEEP = f"nests deeper than {MAX_DEPTH} levels (allowed: {MAX_DEPTH})"
EXPANDS = f"uses anchors and aliases that expand to over {MAX_VALUES} values (allowed: {MAX_VALUES})"
MANY = f"holds over {MAX_VALUES} values (allowed: {MAX_VALUES})"
FLOOD = f"has over {MAX_PROBLEMS} problems (fix these first)"
CONTROL = "contains the control character U+{:04X} (allowed: tab, line feed, carriage return)"
INVISIBLE = "contains the invisible character U+{:04X}, which makes text display unlike what it holds (allowed: none)"
NUL = "contains a NUL byte: save it as UTF-8 text (not UTF-16, not binary)"
SYMLINK = "is a symlink (allowed: regular files and directories; copy the file in)"
HIDDEN = "is a hidden file or directory (allowed: none: it may hold history or secrets, and would ship in the bundle)"
LEFTOVER = "looks like an editor backup or merge leftover (allowed: none: it would ship in the bundle and change it; delete it)"
SECRET = "looks like a key or credentials file (allowed: no secrets in the model bundle: read them at run time from Secrets Manager)"
CODE_PATH = (
    f"(allowed: a relative directory path of at most {MAX_PATH_CHARS} characters, each name at most "
    f"{MAX_SEGMENT_BYTES} bytes, like code/<model>)"
)
CONFIG_DIR = "is the config directory or one of its parents: it would ship every config and more (allowed: a directory of its own, like code/<model>)"


@dataclass(frozen=True)
class HostileCase:
    name: str
    write: Callable[[Path], Path]  # (fresh project directory) -> the config file to check
    expected: tuple[str, ...]  # each error as printed after `<file>:`; `{project}` stands for the project directory

    def lines(self, project: Path) -> list[str]:
        return [line.replace("{project}", str(project)) for line in self.expected]


def _config_path(project: Path) -> Path:
    directory = project / "model_configs"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "m1.yaml"


def _text(content: str) -> Callable[[Path], Path]:
    def write(project: Path) -> Path:
        path = _config_path(project)
        path.write_text(content, encoding="utf-8", newline="")
        return path

    return write


def _bytes(content: bytes) -> Callable[[Path], Path]:
    def write(project: Path) -> Path:
        path = _config_path(project)
        path.write_bytes(content)
        return path

    return write


def _sparse(project: Path) -> Path:
    path = _config_path(project)
    with path.open("wb") as file:
        file.truncate(1 << 30)  # 1 GiB that takes no disk
    return path


def _fifo(project: Path) -> Path:
    path = _config_path(project)
    os.mkfifo(path)
    return path


def _folder(project: Path) -> Path:
    path = _config_path(project)
    path.mkdir()
    return path


def _laughs() -> str:
    lines = [MINIMAL.rstrip(), "tags:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"  {name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    return "\n".join(lines) + "\n"


def _code(
    files: dict[str, str | bytes], *, code: str = "code/m1", links: dict[str, str] | None = None, extra: str = ""
) -> Callable[[Path], Path]:
    """A config with `code: <code>`; files and symlinks (name -> target) under model_configs/code/m1."""

    def write(project: Path) -> Path:
        path = _config_path(project)
        directory = path.parent / "code" / "m1"
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        for name, link_target in (links or {}).items():
            (directory / name).symlink_to(link_target)
        path.write_text(MINIMAL + f"code: {code}\n" + extra)
        return path

    return write


def _code_with(prepare: Callable[[Path], None], files: dict[str, str | bytes] | None = None) -> Callable[[Path], Path]:
    """A code directory with model.py, then `prepare(directory)` for what plain files cannot express."""

    def write(project: Path) -> Path:
        path = _code({"model.py": HANDLER, **(files or {})})(project)
        prepare(path.parent / "code" / "m1")
        return path

    return write


def _huge_weights(directory: Path) -> None:
    with (directory / "weights.bin").open("wb") as file:
        file.truncate(1 << 30)


def _many_files(directory: Path) -> None:
    for index in range(MAX_ENTRIES + 1):
        (directory / f"f{index:05}.txt").touch()


def _fifo_in(directory: Path) -> None:
    os.mkfifo(directory / "pipe")


def _code_dir_link(project: Path) -> Path:
    path = _code({"model.py": HANDLER})(project)
    (path.parent / "code" / "link").symlink_to("m1")
    path.write_text(MINIMAL + "code: code/link\n")
    return path


def _err(message: str, line: int = CODE_LINE, field: str = "code") -> str:
    return f"{line}: {field}: {message}"


CASES: list[HostileCase] = [
    # --- YAML itself: bombs, nesting, size, documents -------------------------------------------------------
    HostileCase("billion-laughs", _text(_laughs()), (f"7: tags: {EXPANDS}",)),
    HostileCase(
        "alias-fan-out",
        _text(MINIMAL + "tags:\n  a: &a [" + "x, " * 999 + "x]\n  b: [" + "*a, " * 60_000 + "*a]\n"),
        (f"7: tags: {EXPANDS}",),
    ),
    HostileCase("deep-flow", _text("a: " + "[" * 120_000 + "]" * 120_000 + "\n"), (f"1: {DEEP}",)),
    HostileCase("deep-unclosed", _text("[" * 262_000), (f"1: {DEEP}",)),
    HostileCase("deep-block", _text("- " * 130_000 + "x\n"), (f"1: {DEEP}",)),
    HostileCase("deep-mapping", _text("{a: " * 65_000), (f"1: {DEEP}",)),
    HostileCase("deep-indent", _text("".join(" " * i + "a:\n" for i in range(700))), (f"33: {DEEP}",)),
    HostileCase(
        "deep-aliases",
        _text("a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 40))),
        (f"1: a31{'.0' * (MAX_DEPTH - 1)}: {DEEP}",),
    ),
    HostileCase(
        "just-over-size-cap",
        _text("# " + "x" * (256 * 1024 - 1)),
        ("is 262,145 bytes (allowed: at most 262,144)",),
    ),
    HostileCase("sparse-1gib", _sparse, ("is 1,073,741,824 bytes (allowed: at most 262,144)",)),
    HostileCase("many-documents", _text("---\na: 1\n" * 25_000), ("3: holds 25000 YAML documents (allowed: one)",)),
    HostileCase("many-values", _text("a: [" + "1, " * 80_000 + "1]\n"), (f"1: {MANY}",)),
    HostileCase(
        "huge-integer",
        _text(MINIMAL + "tags: {size: " + "9" * 200_000 + "}\n"),
        ("7: tags.size: `" + "9" * 40 + "…` is too large a number",),
    ),
    HostileCase(
        "long-sexagesimal",
        _text(MINIMAL + "tags: {window: 1" + ":00" * 80_000 + "}\n"),
        ("7: tags.window: `1" + ":00" * 13 + "…` is read by YAML 1.1 as a number: quote it",),
    ),
    HostileCase(
        "unterminated-quote",
        _text('a: "' + "x" * 250_000),
        ("1: is not valid YAML: found unexpected end of stream",),
    ),
    HostileCase(
        "yaml11-flood",
        _text("".join(f"k{i}: no\n" for i in range(4000))),
        (
            *(f'{i + 1}: k{i}: `no` is read by YAML 1.1 as false: quote it ("no") or write false' for i in range(100)),
            f"101: {FLOOD}",
        ),
    ),
    HostileCase(
        "duplicate-key-flood",
        _text("{" + "a: 1, " * 4000 + "}\n"),
        (*["1: a: duplicate key (each key may appear once)"] * MAX_PROBLEMS, f"1: {FLOOD}"),
    ),
    # --- bytes: encodings and characters ---------------------------------------------------------------------
    HostileCase("utf16-bom", _bytes(MINIMAL.encode("utf-16")), ("is encoded as UTF-16: save it as UTF-8",)),
    HostileCase(
        "utf16-be-bom", _bytes(("\ufeff" + MINIMAL).encode("utf-16-be")), ("is encoded as UTF-16: save it as UTF-8",)
    ),
    HostileCase("utf16-no-bom", _bytes(MINIMAL.encode("utf-16-le")), (f"1: {NUL}",)),
    HostileCase("utf32-bom", _bytes(MINIMAL.encode("utf-32")), ("is encoded as UTF-32: save it as UTF-8",)),
    HostileCase(
        "latin1",
        _bytes((MINIMAL + "tags: {team: recherche-café}\n").encode("latin-1")),
        ("7: is not valid UTF-8 (byte 0xe9): save it as UTF-8",),
    ),
    HostileCase("nul-byte", _bytes(MINIMAL.encode() + b"tags: {team: a\x00b}\n"), (f"7: {NUL}",)),
    HostileCase(
        "escape-sequence",
        _text(MINIMAL + "tags: {team: \x1b[31mred}\n"),
        ("7: " + CONTROL.format(0x1B),),
    ),
    HostileCase("c1-control", _text(MINIMAL + "tags: {team: a\x9bb}\n"), ("7: " + CONTROL.format(0x9B),)),
    HostileCase(
        "bidi-override",
        _text(MINIMAL + "tags: {team: search\u202e, owner: ml}\n"),
        ("7: " + INVISIBLE.format(0x202E),),
    ),
    HostileCase(
        "zero-width-key",
        _text(MINIMAL.replace("option.rolling_batch", "option.rolling\u200b_batch")),
        ("5: " + INVISIBLE.format(0x200B),),
    ),
    # --- what the path names -------------------------------------------------------------------------------------
    HostileCase("fifo", _fifo, ("is a named pipe (FIFO), not a regular file",)),
    HostileCase("directory", _folder, ("is a directory, not a regular file",)),
    # --- code: directories ---------------------------------------------------------------------------------------
    HostileCase(
        "code-symlink-to-directory",
        _code({"model.py": HANDLER, "../shared/util.py": "X = 1\n"}, links={"lib": "../shared"}),
        (_err(f"lib {SYMLINK}"),),
    ),
    HostileCase("code-dangling-symlink", _code({}, links={"model.py": "nowhere.py"}), (_err(f"model.py {SYMLINK}"),)),
    HostileCase(
        "code-symlink-to-file-inside",
        _code({"model.py": HANDLER, "real.txt": "x"}, links={"alias.txt": "real.txt"}),
        (_err(f"alias.txt {SYMLINK}"),),
    ),
    HostileCase(
        "code-directory-is-a-symlink",
        _code_dir_link,
        (_err("'code/link' is a symlink (allowed: a directory, like code/<model>)"),),
    ),
    HostileCase(
        "code-git-directory",
        _code({"model.py": HANDLER, ".git/config": "[core]\n"}),
        (_err(f".git {HIDDEN}"),),
    ),
    HostileCase(
        "code-editor-leftovers",
        _code({"model.py": HANDLER, "model.py~": HANDLER, "#model.py#": HANDLER, "lib/util.py.orig": "x = 1\n"}),
        (_err(f"#model.py# {LEFTOVER}"), _err(f"lib/util.py.orig {LEFTOVER}"), _err(f"model.py~ {LEFTOVER}")),
    ),
    HostileCase("code-dotenv", _code({"model.py": HANDLER, ".env": "HF_TOKEN=hf_x\n"}), (_err(f".env {HIDDEN}"),)),
    HostileCase(
        "code-pem",
        _code({"model.py": HANDLER, "server.pem": "-----BEGIN PRIVATE KEY-----\n"}),
        (_err(f"server.pem {SECRET}"),),
    ),
    HostileCase("code-key", _code({"model.py": HANDLER, "certs/tls.KEY": "x"}), (_err(f"certs/tls.KEY {SECRET}"),)),
    HostileCase("code-id-rsa", _code({"model.py": HANDLER, "id_rsa": "x"}), (_err(f"id_rsa {SECRET}"),)),
    HostileCase(
        "code-credentials",
        _code({"model.py": HANDLER, "aws/credentials": "[default]\n"}),
        (_err(f"aws/credentials {SECRET}"),),
    ),
    HostileCase("code-p12", _code({"model.py": HANDLER, "client.p12": b"\x30\x82"}), (_err(f"client.p12 {SECRET}"),)),
    HostileCase("code-path-too-long", _code({}, code="a" * 256), (_err(f"is 256 characters long {CODE_PATH}"),)),
    HostileCase(
        "code-path-60000-segments", _code({}, code="a/" * 60_000), (_err(f"is 120,000 characters long {CODE_PATH}"),)
    ),
    HostileCase("code-path-long-name", _code({}, code="é" * 128), (_err(f"has a name of 256 bytes {CODE_PATH}"),)),
    HostileCase("code-is-config-directory", _code({}, code="."), (_err(f"'.' {CONFIG_DIR}"),)),
    HostileCase("code-is-project-root", _code({}, code=".."), (_err(f"'..' {CONFIG_DIR}"),)),
    HostileCase(
        "code-escapes-project",
        _code({}, code="../.."),
        (_err("'../..' leaves the project directory {project} (allowed: a directory inside it)"),),
    ),
    HostileCase(
        "code-sparse-weights",
        _code_with(_huge_weights),
        (
            _err(
                "holds 1024.0 MB, over the 20 MB cap (largest: weights.bin (1024.0 MB), model.py (0.0 MB)); "
                "weights belong in S3"
            ),
        ),
    ),
    HostileCase(
        "code-too-many-files",
        _code_with(_many_files),
        (_err(f"holds over {MAX_ENTRIES} files and directories (allowed: {MAX_ENTRIES})"),),
    ),
    HostileCase("code-fifo", _code_with(_fifo_in), (_err("pipe is not a regular file (a FIFO, socket or device)"),)),
    HostileCase(
        "code-entry-deep-parentheses",
        _code({"model.py": "x = " + "(" * 50_000 + ")" * 50_000 + "\n"}),
        (_err("model.py does not compile: too many nested parentheses (line 1)"),),
    ),
    HostileCase(
        "code-entry-deep-expression",
        _code({"model.py": "x = " + "a+" * 100_000 + "a\n"}),
        (_err("model.py does not compile: it nests too deeply for Python's parser"),),
    ),
    HostileCase(
        "code-entry-unary-chain",
        _code({"model.py": "x = " + "-" * 200_000 + "1\n"}),
        (_err("model.py does not compile: it nests too deeply for Python's parser"),),
    ),
    HostileCase(
        "code-entry-null-byte",
        _code({"model.py": b"def handle(inputs):\n    return '\x00'\n"}),
        (_err("model.py does not compile: source code string cannot contain null bytes"),),
    ),
    HostileCase(
        "code-entry-too-large",
        _code({"model.py": HANDLER + "#" * (300 * 1024) + "\n"}),
        (_err("model.py is 307,237 bytes (allowed: at most 262,144; move data out of it)"),),
    ),
    HostileCase(
        "code-requirements-http-index",
        _code({"model.py": HANDLER, "requirements.txt": "--index-url http://pypi.internal/simple\njinja2==3.1.6\n"}),
        (
            _err(
                "requirements.txt line 1: --index-url 'http://pypi.internal/simple' is not an https URL "
                "(allowed: https://<host>/...)"
            ),
        ),
    ),
    HostileCase(
        "code-requirements-short-find-links",
        _code({"model.py": HANDLER, "requirements.txt": "-f /mnt/wheels\n"}),
        (
            _err(
                "requirements.txt line 1: --find-links '/mnt/wheels' is not an https URL (allowed: https://<host>/...)"
            ),
        ),
    ),
    HostileCase(
        "code-requirements-trusted-host",
        _code({"model.py": HANDLER, "requirements.txt": "--trusted-host pypi.internal\n"}),
        (
            _err(
                "requirements.txt line 1: --trusted-host turns off certificate checks for pypi.internal "
                "(allowed: https indexes with valid certificates)"
            ),
        ),
    ),
    HostileCase(
        "code-requirements-token-in-url",
        _code({"model.py": HANDLER, "requirements.txt": "--extra-index-url https://ci:s3cret@pypi.internal/simple\n"}),
        (
            _err(
                "requirements.txt line 1: --extra-index-url has credentials in its URL (allowed: an https URL "
                "without them; use pip's keyring or netrc at build time)"
            ),
        ),
    ),
]


def _code_parent_link(project: Path) -> Path:
    path = _code({"model.py": HANDLER})(project)
    (path.parent / "linked").symlink_to("code")
    path.write_text(MINIMAL + "code: linked/m1\n")
    return path


CASES.append(
    HostileCase(
        "code-parent-is-a-symlink",
        _code_parent_link,
        (_err("'linked' is a symlink (allowed: a directory, like code/<model>)"),),
    )
)


# --- names: code files, config files and links that discovery or the bundle cannot take ---------------------


def _latin1_name(directory: Path) -> None:
    with open(os.path.join(os.fsencode(directory), b"r\xe9sum\xe9.txt"), "wb") as file:  # bytes: a Latin-1 name
        file.write(b"cv\n")


def _newline_name(directory: Path) -> None:
    (directory / "notes\n.txt").write_text("x\n")


def _misnamed(name: str) -> Callable[[Path], Path]:
    """MINIMAL saved under a name discovery skips; the case's file is that one."""

    def write(project: Path) -> Path:
        path = _config_path(project).with_name(name)
        path.write_text(MINIMAL)
        return path

    return write


def _config_link(project: Path) -> Path:
    outside = project / "elsewhere" / "m1.yaml"
    outside.parent.mkdir()
    outside.write_text(MINIMAL)
    path = _config_path(project)
    path.symlink_to(outside)
    return path


def _misnamed_message(name: str, renamed: str) -> str:
    return (
        f"{name!r} is not read as a model config: only names ending exactly in .yaml or .yml are "
        f"(allowed: rename it to {renamed!r})"
    )


CASES += [
    HostileCase(
        "code-latin1-file-name",
        _code_with(_latin1_name),
        (_err("r\\xe9sum\\xe9.txt has a name that is not UTF-8 (allowed: UTF-8 file names; rename it)"),),
    ),
    HostileCase(
        "code-newline-in-file-name",
        _code_with(_newline_name),
        (_err("notes\\n.txt has a control character in its name (allowed: printable file names; rename it)"),),
    ),
    HostileCase(
        "code-model-py-directory",
        _code({"model.py/handler.py": HANDLER}),
        (_err("model.py is a directory; LMI reads model.py as a file (allowed: a file)"),),
    ),
    HostileCase(
        "code-requirements-directory",
        _code({"model.py": HANDLER, "requirements.txt/pins.txt": "jinja2==3.1.6\n"}),
        (_err("requirements.txt is a directory; LMI reads requirements.txt as a file (allowed: a file)"),),
    ),
    HostileCase(
        "code-nested-serving-properties",
        _code({"model.py": HANDLER, "conf/serving.properties": "option.dtype=fp16\n"}),
        (
            _err(
                "conf/serving.properties: LMI reads only the bundle's top-level serving.properties, which this "
                "project writes (allowed: its keys under serving:)"
            ),
        ),
    ),
    HostileCase("config-upper-case-suffix", _misnamed("M2.YAML"), (_misnamed_message("M2.YAML", "M2.yaml"),)),
    HostileCase("config-mixed-case-suffix", _misnamed("m3.Yaml"), (_misnamed_message("m3.Yaml", "m3.yaml"),)),
    HostileCase("config-trailing-space", _misnamed("m6.yaml "), (_misnamed_message("m6.yaml ", "m6.yaml"),)),
    HostileCase(
        "config-symlink-out-of-tree",
        _config_link,
        (
            "is a symlink (allowed: a regular file: a link out of the config directory reads a file nobody "
            "reviews here, one inside it is a second copy of a config)",
        ),
    ),
]
