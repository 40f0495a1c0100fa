"""The one check registry, in cdk-nag's shape: a check declares the configs (by class: every kind
whose config extends it) and the fields it applies to, and answers with `Finding`s. Three scopes:
- document: the raw YAML mapping, also when its shape is broken (so serving-key typos show at once);
- config:   one validated config, an instance of the check's `on` class;
- project:  every file together (names unique across files, components and their endpoints).
Checks live one topic per module in this package; kind-specific ones in their kind's module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from lmi_core.config import ConfigBase
from lmi_core.issues import Finding
from lmi_core.settings import DEFAULT_PRODUCTION_STAGES

Scope = Literal["document", "config", "project"]


@dataclass(frozen=True)
class CheckContext:
    stage: str = "dev"
    production_stages: tuple[str, ...] = DEFAULT_PRODUCTION_STAGES  # cdk.json's `production_stages`
    name_stage: str | None = None  # the stage component of physical names; None: the stage keeping today's names
    region: str | None = None  # set when the app targets one region (-c region=...)
    allowed_buckets: tuple[str, ...] | None = None  # cdk.json's `allowed_buckets` (`name` or `prefix*`); None: any
    custom_handler: bool = False  # the code: bundle brings its own handle() (LMI's default handler is not used)
    sync_handler: bool = False  # ... defined as a plain `def handle` (not `async def`)
    code_files: frozenset[str] | None = None  # the code: bundle's file names, when it was read without problems
    requirements: frozenset[str] | None = None  # the projects its requirements.txt installs (None: it has none)

    @property
    def production(self) -> bool:
        """Production's rules apply: the stage is one of the production stages."""
        return self.stage in self.production_stages


@dataclass(frozen=True)
class ProjectFile:
    """What a project check sees of one file: its path, its `name:` (even when the rest is broken) and
    its config as pydantic validated it (None when its shape is broken; config checks may still fail)."""

    path: str
    name: str | None
    config: ConfigBase | None = None
    # a field as the file shows it (set by this stage's override: under `stages.<stage>.`)
    field_label: Callable[[str], str] = lambda field: field


ConfigCheck = Callable[[Any, CheckContext], Iterable[Finding]]
DocumentCheck = Callable[[Mapping[str, Any]], Iterable[Finding]]
ProjectCheck = Callable[[Sequence[ProjectFile]], Iterable[tuple[str, Finding]]]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Check:
    name: str
    topic: str
    scope: Scope
    on: type[ConfigBase]  # config checks run on instances of this class
    fields: tuple[str, ...]  # the fields it reads (documentation, and the report of what is checked)
    run: Callable[..., Any]


CHECKS: list[Check] = []


def check(*, fields: Iterable[str], on: type[ConfigBase] = ConfigBase, scope: Scope = "config") -> Callable[[F], F]:
    """Register a check; see the module docstring for the three scopes and their signatures."""

    def register(func: F) -> F:
        CHECKS.append(
            Check(
                name=func.__name__,
                topic=func.__module__.rsplit(".", 1)[-1],
                scope=scope,
                on=on,
                fields=tuple(fields),
                run=func,
            )
        )
        return func

    return register


def run_document_checks(document: Mapping[str, Any]) -> list[Finding]:
    return [finding for c in CHECKS if c.scope == "document" for finding in c.run(document)]


def run_config_checks(config: ConfigBase, context: CheckContext) -> list[Finding]:
    return [
        finding
        for c in CHECKS
        if c.scope == "config" and isinstance(config, c.on)
        for finding in c.run(config, context)
    ]


def run_project_checks(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    for c in CHECKS:
        if c.scope == "project":
            yield from c.run(files)
