"""Load model YAML: discover files, read each once, shape it with pydantic, run every check, and
report all problems of all files at once (ConfigError)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lmi_core import naming
from lmi_core.bug_report import processing
from lmi_core.checks import CheckContext, ProjectFile, run_config_checks, run_document_checks, run_project_checks
from lmi_core.checks.stage import own_stack_findings, staged_name_findings
from lmi_core.config import ConfigBase, ModelConfig
from lmi_core.issues import ConfigError, Finding, Issue
from lmi_core.kinds import validate_config
from lmi_core.loader import messages
from lmi_core.loader.code_bundle import CodeBundle, code_directory, code_path_problem, read_code
from lmi_core.loader.discovery import discover, is_directory, nested_issues
from lmi_core.loader.stages import StagedDocument, for_stage
from lmi_core.loader.yaml_source import Problem, YamlDocument, read_yaml
from lmi_core.settings import DEFAULT_PRODUCTION_STAGES, DEFAULT_STAGES, DEFAULT_UNSUFFIXED_STAGE, Settings


@dataclass(frozen=True)
class LoadedConfig:
    path: Path  # as given (relative paths stay relative: messages and synth stay machine-independent)
    config: ConfigBase  # the file as the stage sees it: its `stages:` override merged in
    warnings: tuple[Issue, ...] = ()
    code: CodeBundle | None = None
    stage: str = DEFAULT_UNSUFFIXED_STAGE
    name_stage: str | None = None  # the stage component of physical names (None: today's names)
    raw: bytes = field(default=b"", repr=False, compare=False)  # the file's bytes as validated

    def physical(self, name: str) -> str:
        """A model's (or adapter's) name as its physical names carry it in this stage."""
        return naming.staged(name, self.name_stage)


def field_path(field: str) -> tuple[str | int, ...]:
    """'serving.option.dtype' -> ('serving', 'option.dtype'): serving keys (and tag keys) contain dots; 'adapters.1.name' ->
    ('adapters', 1, 'name'): list items are indexed."""
    for block in ("serving", "tags"):  # their keys may hold dots
        if field.startswith(f"{block}."):
            return (block, field.removeprefix(f"{block}."))
    return tuple(int(part) if part.isascii() and part.isdigit() else part for part in field.split(".")) if field else ()


@dataclass(frozen=True)
class _FileResult:
    loaded: LoadedConfig | None
    issues: list[Issue]
    name: str | None = None  # the file's `name:`, even when the rest is broken
    config: ConfigBase | None = None  # as pydantic validated it, also when a check failed
    staged: StagedDocument | None = None

    def field_label(self, field: str) -> str:
        """`field` as the file shows it: under `stages.<stage>.` when the stage's override set it."""
        shown = self.staged.override_field(field_path(field)) if self.staged is not None else None
        return shown or field


Reader = Callable[[Path], tuple[YamlDocument | None, list[Problem]]]


def _load(
    path: Path, context: CheckContext, stages: Sequence[str] = DEFAULT_STAGES, read: Reader | None = None
) -> _FileResult:
    source, read_problems = (read or read_yaml)(path)
    issues = [Issue(str(path), line, f.field, f.message, f.severity) for line, f in read_problems]
    if source is None:
        return _FileResult(None, issues)
    staged = for_stage(source, context.stage, stages)
    issues += [Issue(str(path), source.line(key), f.field, f.message, f.severity) for key, f in staged.problems]
    document = staged.document
    # a value the reader refused is kept as written: what later checks say of it again is noise
    refused = tuple(f.field for _, f in read_problems if f.severity == "error" and f.field)

    def located(finding: Finding, key_path: Iterable[Any] | None = None) -> Issue:
        key = tuple(field_path(finding.field) if key_path is None else key_path)
        line = document.line(key)
        field, message = finding.field, finding.message
        override_field = staged.override_field(key)
        if override_field is not None:  # the stage's override set it: say so, at the override's line
            field = override_field
        elif staged.has_override:  # the base, merged with the stage's override
            message = f"in stage {staged.stage}: {message}"
        return Issue(str(path), line, field, message, finding.severity)

    def new(issue: Issue) -> bool:
        return not any(issue.field == field or issue.field.startswith(field + ".") for field in refused)

    raw_name = document.data.get("name")
    name = raw_name if isinstance(raw_name, str) else None
    document_findings = run_document_checks(document.data)
    issues += filter(new, (located(f) for f in document_findings))
    refused += tuple(located(f).field for f in document_findings if f.refuses_value)  # as printed (a stage override)
    try:
        config = validate_config(document.data)
    except ValidationError as exc:
        issues += filter(new, (located(f, key_path) for key_path, f in messages.findings(exc, document.data)))
        return _FileResult(None, issues, name, staged=staged)
    code = None
    if isinstance(config, ModelConfig) and config.code is not None:
        code, code_findings = read_code(path, config.code, dict(config.serving), config.code_max_mb)
        issues += [located(f) for f in code_findings]
    context = replace(
        context,
        custom_handler=code is not None and code.custom_handler,
        sync_handler=code is not None and code.sync_handler,
        code_files=None if code is None else frozenset(code.files),
        requirements=None if code is None else code.requirements,
    )
    issues += filter(new, (located(f) for f in run_config_checks(config, context)))
    if any(issue.severity == "error" for issue in issues):
        return _FileResult(None, issues, name, config, staged)
    warnings = tuple(issue for issue in issues if issue.severity == "warning")
    loaded = LoadedConfig(path, config, warnings, code, context.stage, context.name_stage, source.raw)
    return _FileResult(loaded, issues, name, config, staged)


def _with_warnings(loaded: LoadedConfig, project_issues: list[Issue]) -> LoadedConfig:
    extra = tuple(i for i in project_issues if i.file == str(loaded.path) and i.severity == "warning")
    return replace(loaded, warnings=loaded.warnings + extra) if extra else loaded


def load_file(
    path: Path, stage: str = DEFAULT_UNSUFFIXED_STAGE, stages: Sequence[str] = DEFAULT_STAGES
) -> tuple[LoadedConfig | None, list[Issue]]:
    """Validate one file: (config or None, issues of this file)."""
    result = _load(path, CheckContext(stage=stage), stages)
    return result.loaded, result.issues


def load_configs(
    paths: Iterable[Path],
    *,
    stage: str = DEFAULT_UNSUFFIXED_STAGE,
    strict: bool = False,
    region: str | None = None,
    stages: Sequence[str] = DEFAULT_STAGES,
    unsuffixed_stage: str = DEFAULT_UNSUFFIXED_STAGE,
    production_stages: Sequence[str] = DEFAULT_PRODUCTION_STAGES,
    allowed_buckets: Sequence[str] | None = None,
    read: Reader | None = None,  # default read_yaml; load_stages passes one cached read for every stage
) -> list[LoadedConfig]:
    """Load model YAML files or directories of them, as `stage` sees them; raise ConfigError with every problem.

    `stage` selects each file's `stages:` override and enables stage rules (in `production_stages`: data capture expected;
    outside dev: no placeholder buckets); `strict` makes warnings errors."""
    paths = list(paths)
    given = ", ".join(map(str, paths))
    with processing(given):
        files, issues = discover(paths)
    name_stage = None if stage == unsuffixed_stage else stage
    context = CheckContext(
        stage=stage,
        production_stages=tuple(production_stages),
        region=region,
        name_stage=name_stage,
        allowed_buckets=None if allowed_buckets is None else tuple(allowed_buckets),
    )
    results = []
    for path in files:
        with processing(str(path)):
            results.append(_load(path, context, stages, read))
    with processing(given):
        code_directories = [
            code_directory(file, r.config.code)
            for file, r in zip(files, results, strict=True)
            if isinstance(r.config, ModelConfig) and r.config.code is not None and not code_path_problem(r.config.code)
        ]
        issues += nested_issues([p for p in paths if is_directory(p)], code_directories)
    loaded = [r.loaded for r in results if r.loaded is not None]
    for r in results:
        issues += r.issues
    project = [ProjectFile(str(file), r.name, r.config, r.field_label) for file, r in zip(files, results, strict=True)]
    by_file = {str(file): r for file, r in zip(files, results, strict=True)}
    project_issues = []
    with processing(given):
        project_findings = [
            *run_project_checks(project),
            *staged_name_findings(project, name_stage),
            *own_stack_findings(project, stage, name_stage, naming.own_stacks(stages, unsuffixed_stage)),
        ]
    for file, finding in project_findings:
        result = by_file[file]
        line = result.staged.document.line(field_path(finding.field)) if result.staged is not None else 1
        project_issues.append(Issue(file, line, result.field_label(finding.field), finding.message, finding.severity))
    issues += project_issues
    if strict:
        issues = [replace(issue, severity="error") for issue in issues]
        loaded = [replace(config, warnings=()) for config in loaded]
    else:  # a project warning belongs to its file's config like the file's own warnings
        loaded = [_with_warnings(config, project_issues) for config in loaded]
    errors = [issue for issue in issues if issue.severity == "error"]
    if errors:
        raise ConfigError(errors)
    return loaded


def load_in(
    settings: Settings, paths: Iterable[Path], *, strict: bool = False, region: str | None = None
) -> list[LoadedConfig]:
    """`paths` as the stage `settings` selects sees them: its stages, names and production rules (cdk.json)."""
    return load_configs(
        paths,
        stage=settings.stage,
        strict=strict,
        region=region,
        stages=settings.stages,
        unsuffixed_stage=settings.unsuffixed_stage,
        production_stages=settings.production_stages,
        allowed_buckets=settings.allowed_buckets,
    )


def load_stages(
    paths: Iterable[Path],
    *,
    stages: Sequence[str] = DEFAULT_STAGES,
    strict: bool = False,
    region: str | None = None,
    regions: Mapping[str, str | None] | None = None,
    unsuffixed_stage: str = DEFAULT_UNSUFFIXED_STAGE,
    production_stages: Sequence[str] = DEFAULT_PRODUCTION_STAGES,
    allowed_buckets: Sequence[str] | None = None,
) -> dict[str, list[LoadedConfig]]:
    """Every stage's view of the files (`validate` without --stage); ConfigError lists each problem once.
    `regions`: each stage's own region (cdk.json's stage_targets), else `region`."""
    paths = list(paths)
    by_stage: dict[str, list[LoadedConfig]] = {}
    errors: dict[Issue, None] = {}  # ordered set: a problem of the base shows up in every stage once
    read_once = functools.cache(read_yaml)  # each file parsed once; every stage merges its own override
    for stage in stages:
        try:
            by_stage[stage] = load_configs(
                paths,
                stage=stage,
                strict=strict,
                region=regions.get(stage, region) if regions is not None else region,
                stages=stages,
                unsuffixed_stage=unsuffixed_stage,
                production_stages=production_stages,
                allowed_buckets=allowed_buckets,
                read=read_once,
            )
        except ConfigError as exc:
            errors.update(dict.fromkeys(exc.issues))
    if errors:
        raise ConfigError(errors)
    return by_stage


__all__ = ["CodeBundle", "LoadedConfig", "YamlDocument", "load_configs", "load_file", "load_stages"]
