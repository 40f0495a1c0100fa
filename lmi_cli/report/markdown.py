"""Config-derived text in the report's Markdown (a PR comment): shown as written, never as Markdown.

A YAML value reaches the comment through the Models, Cost and Changes sections. Unescaped, a `|` breaks the
table, `@org/team` notifies people, `![x](https://...)` makes every reader's browser fetch an outside image,
`[x](...)` links, so do a bare `https://...` and `www....` (GitHub's autolinks), `<...>` is HTML, `&#64;` is an
entity for `@`, and a newline can start a heading or end a code fence. `text()` is the one escape for all of
them; `code()` shows a value as inline code in a list.
"""

from __future__ import annotations

import re
from typing import Any

ZERO_WIDTH_SPACE = "\u200b"
# Backslash-escaped: CommonMark shows each as itself (`\|` also in a GFM table cell, inside inline HTML too).
SPECIAL = re.compile(r"([\\`|\[\]<&])")
# Line breaks of every kind, and other control characters: one line of text, always.
BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# What GitHub links without brackets (GFM's extended autolinks, cmark-gfm): `http://`, `https://`, `ftp://`, and
# `www.` at the start or after a space, `*`, `_`, `~` or `(`; each gets a zero-width space. An e-mail address needs
# an `@`, broken below. s3:// and a `www.` inside a path stay as written.
AUTOLINK = re.compile(r"(?:(?<=http:)|(?<=https:)|(?<=ftp:))(?=//)|(?:^|(?<=[\s*_~(]))www(?=\.)", re.IGNORECASE)


def text(value: Any) -> str:
    """`value` as literal Markdown text on one line, safe in a table cell or a list item."""
    escaped = SPECIAL.sub(r"\\\1", BREAKS.sub(" ", str(value)))
    escaped = AUTOLINK.sub(lambda found: found.group() + ZERO_WIDTH_SPACE, escaped)  # shown as written, never a link
    return escaped.replace("@", "@" + ZERO_WIDTH_SPACE)  # `@name` notifies nobody (GitHub mentions)


def code(value: Any) -> str:
    """`value` as an inline code span on one line, for list items (in a code span nothing else is Markdown,
    HTML or a mention; only a backtick run as long as the fence ends it, so the fence is longer)."""
    flat = BREAKS.sub(" ", str(value))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat[:1] == "`" or flat[-1:] == "`" or (flat[:1] == flat[-1:] == " " and flat.strip()) else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
