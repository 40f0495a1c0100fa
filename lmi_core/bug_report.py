"""The entry points' catch-all: an exception no check foresaw becomes one line naming the file being checked.

Bad input never gets here (every bad config in tests/catalog is a ConfigError); reaching it is a bug."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from lmi_core.issues import one_line

EXIT_CODE = 2  # distinct from 1, a config error
_MAX_DETAIL = 200
_current: ContextVar[str] = ContextVar("current", default="")


@contextmanager
def processing(name: str) -> Iterator[None]:
    """Name what is being checked while the block runs; an exception leaves the name set for the catch-all."""
    token = _current.set(name)
    yield  # no try/finally on purpose: the catch-all reads the name after the exception left the block
    _current.reset(token)


def line(exc: BaseException, default: str) -> str:
    """`<file>: internal error (Type: detail); this is a bug, please report it with this file`."""
    where = _current.get() or default
    detail = str(exc)
    detail = detail if len(detail) <= _MAX_DETAIL else detail[:_MAX_DETAIL] + "..."
    cause = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return one_line(
        f"{where}: internal error while checking it ({cause}); this is a bug in the checker, not in your file: "
        "please report it with this file"
    )
