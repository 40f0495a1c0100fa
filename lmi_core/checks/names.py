"""Names are unique across files: they name stacks and endpoints.

(That every derived physical name fits SageMaker's rules follows from the name pattern; a property
test in tests/unit/test_naming.py proves it for every valid name.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lmi_core.checks.registry import ProjectFile, check
from lmi_core.issues import Finding, error


@check(fields=("name",), scope="project")
def names_unique(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    first_file: dict[str, str] = {}
    for file in files:
        if file.name is None:
            continue
        if file.name in first_file:
            yield (
                file.path,
                error("name", f"'{file.name}' is already used by {first_file[file.name]} (names must be unique)"),
            )
        else:
            first_file[file.name] = file.path
