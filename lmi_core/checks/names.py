"""Names are unique across files, and so is everything named after them: stacks, log groups, and the job-name
prefixes IAM grants on (a model must never reach another model's jobs). A name may not make a model stack
one of the project's own stacks.

(That every derived physical name fits SageMaker's rules follows from the name pattern; a property
test in tests/unit/test_naming.py proves it for every valid name.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lmi_core import naming
from lmi_core.checks.registry import ProjectFile, check
from lmi_core.issues import Finding, error, quoted


@check(fields=("name",), scope="project")
def names_unique(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    first_file: dict[str, str] = {}
    for file in files:
        if file.name is None:
            continue
        if file.name in first_file:
            yield (
                file.path,
                error("name", f"{quoted(file.name)} is already used by {first_file[file.name]} (names must be unique)"),
            )
        else:
            first_file[file.name] = file.path


@check(fields=("name",), scope="project")
def names_not_reserved(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    reserved = naming.reserved_names()
    for file in files:
        if file.name in reserved:
            yield (
                file.path,
                error(
                    "name",
                    f"{quoted(file.name)} is reserved: its stack would be {reserved[file.name]}, the project's own "
                    f"(allowed: any other name; reserved: {', '.join(sorted(reserved))})",
                ),
            )


@check(fields=("name",), scope="project")
def derived_names_distinct(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    """Names that differ can still derive job-name prefixes of which one starts with the other (`ab` and
    `ab-<ab's hash>-x`), and IAM grants jobs by prefix; the later file gets the error. Physical names cannot
    clash: each is a fixed prefix and the whole name (tests/unit/test_hostile_values.py)."""
    prefixes: list[tuple[str, str, str]] = []  # (prefix, model, what)
    seen: set[str] = set()
    for file in files:
        if file.name is None or file.name in seen:
            continue  # a duplicate name is reported once, by names_unique
        seen.add(file.name)
        for what, prefix in naming.job_name_prefixes(file.name).items():
            for other_prefix, other, other_what in prefixes:
                if what == other_what and (prefix.startswith(other_prefix) or other_prefix.startswith(prefix)):
                    yield (
                        file.path,
                        error(
                            "name",
                            f"its {what} names ({prefix}*) overlap those of model {quoted(other)}, so each could "
                            "reach the other's jobs (allowed: another name)",
                        ),
                    )
            prefixes.append((prefix, file.name, what))
