"""Load model YAML: discover files, read each once, shape it with pydantic, run every check, and
report all problems of all files at once (ConfigError)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lmi_core.bug_report import processing
from lmi_core.checks import CheckContext, ProjectFile, run_config_checks, run_document_checks, run_project_checks
from lmi_core.config import ConfigBase, ModelConfig
from lmi_core.issues import ConfigError, Finding, Issue
from lmi_core.kinds import CONFIG_ADAPTER
from lmi_core.loader import messages
from lmi_core.loader.code_bundle import CodeBundle, read_code
from lmi_core.loader.discovery import discover
from lmi_core.loader.yaml_source import YamlDocument, read_yaml


@dataclass(frozen=True)
class LoadedConfig:
    path: Path  # as given (relative paths stay relative: messages and synth stay machine-independent)
    config: ConfigBase
    warnings: tuple[Issue, ...] = ()
    code: CodeBundle | None = None


def field_path(field: str) -> tuple[str | int, ...]:
    """'serving.option.dtype' -> ('serving', 'option.dtype'): serving keys contain dots; 'adapters.1.name' ->
    ('adapters', 1, 'name'): list items are indexed."""
    if field.startswith("serving."):
        return ("serving", field.removeprefix("serving."))
    return tuple(int(part) if part.isdigit() else part for part in field.split(".")) if field else ()


@dataclass(frozen=True)
class _FileResult:
    loaded: LoadedConfig | None
    issues: list[Issue]
    name: str | None = None  # the file's `name:`, even when the rest is broken
    config: ConfigBase | None = None  # as pydantic validated it, also when a check failed
    document: YamlDocument | None = None


def _load(path: Path, context: CheckContext) -> _FileResult:
    document, read_problems = read_yaml(path)
    issues = [Issue(str(path), line, f.field, f.message, f.severity) for line, f in read_problems]
    if document is None:
        return _FileResult(None, issues)
    # a value the reader refused is kept as written: what later checks say of it again is noise
    refused = tuple(f.field for _, f in read_problems if f.severity == "error" and f.field)

    def located(finding: Finding, key_path: Iterable[Any] | None = None) -> Issue:
        line = document.line(field_path(finding.field) if key_path is None else key_path)
        return Issue(str(path), line, finding.field, finding.message, finding.severity)

    def new(issue: Issue) -> bool:
        return not any(issue.field == field or issue.field.startswith(field + ".") for field in refused)

    raw_name = document.data.get("name")
    name = raw_name if isinstance(raw_name, str) else None
    issues += filter(new, (located(f) for f in run_document_checks(document.data)))
    try:
        config = CONFIG_ADAPTER.validate_python(document.data)
    except ValidationError as exc:
        issues += filter(new, (located(f, key_path) for key_path, f in messages.findings(exc, document.data)))
        return _FileResult(None, issues, name, document=document)
    code = None
    if isinstance(config, ModelConfig) and config.code is not None:
        code, code_findings = read_code(path, config.code, dict(config.serving), config.code_max_mb)
        issues += [located(f) for f in code_findings]
    context = replace(context, custom_handler=code is not None and code.custom_handler)
    issues += filter(new, (located(f) for f in run_config_checks(config, context)))
    if any(issue.severity == "error" for issue in issues):
        return _FileResult(None, issues, name, config, document)
    warnings = tuple(issue for issue in issues if issue.severity == "warning")
    return _FileResult(LoadedConfig(path, config, warnings, code), issues, name, config, document)


def _with_warnings(loaded: LoadedConfig, project_issues: list[Issue]) -> LoadedConfig:
    extra = tuple(i for i in project_issues if i.file == str(loaded.path) and i.severity == "warning")
    return replace(loaded, warnings=loaded.warnings + extra) if extra else loaded


def load_file(path: Path, stage: str = "dev") -> tuple[LoadedConfig | None, list[Issue]]:
    """Validate one file: (config or None, issues of this file)."""
    result = _load(path, CheckContext(stage=stage))
    return result.loaded, result.issues


def load_configs(
    paths: Iterable[Path], *, stage: str = "dev", strict: bool = False, region: str | None = None
) -> list[LoadedConfig]:
    """Load model YAML files or directories of them; raise ConfigError with every problem found.

    `stage` enables stage rules (prod: data capture expected); `strict` makes warnings errors."""
    paths = list(paths)
    given = ", ".join(map(str, paths))
    with processing(given):
        files, issues = discover(paths)
    context = CheckContext(stage=stage, region=region)
    results = []
    for path in files:
        with processing(str(path)):
            results.append(_load(path, context))
    loaded = [r.loaded for r in results if r.loaded is not None]
    for r in results:
        issues += r.issues
    project = [ProjectFile(str(file), r.name, r.config) for file, r in zip(files, results, strict=True)]
    documents = {str(file): r.document for file, r in zip(files, results, strict=True)}
    project_issues = []
    with processing(given):
        project_findings = list(run_project_checks(project))
    for file, finding in project_findings:
        document = documents.get(file)
        line = document.line(field_path(finding.field)) if document is not None else 1
        project_issues.append(Issue(file, line, finding.field, finding.message, finding.severity))
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


__all__ = ["CodeBundle", "LoadedConfig", "YamlDocument", "load_configs", "load_file"]
