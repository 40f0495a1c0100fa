"""CloudFormation dynamic references (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm:...}}`,
`{{resolve:ssm-secure:...}}`) written in a config: every string can reach the template (env, tags, serving
values, names, URIs), and CloudFormation resolves a reference anywhere in a string with the deploy role, so the
secret would land in plain text in the resource (an env value is readable through DescribeModel). `secrets:`
is the one way in: the project writes the reference itself, into the container environment only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from lmi_core.checks.registry import check
from lmi_core.issues import Finding

# CloudFormation's syntax is `{{resolve:service:key}}`; spaces and other cases are refused too: never meant as text
DYNAMIC_REFERENCE = re.compile(r"\{\{\s*resolve\s*:", re.IGNORECASE | re.ASCII)
_WHY = (
    "holds a CloudFormation dynamic reference ({{resolve:...}}): CloudFormation would resolve it with the deploy "
    "role and write the value in plain text into the resource"
)


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, text) of every key and string value; a key is reported at its own path."""
    pending = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and DYNAMIC_REFERENCE.search(key):
                    yield (*where, key), key
                else:
                    pending.append(((*where, key), child))
        elif isinstance(item, list):
            pending.extend(((*where, index), child) for index, child in enumerate(item))


def _message(path: tuple[Any, ...]) -> str:
    if len(path) == 2 and path[0] == "env":
        return f"{_WHY}, readable through DescribeModel (allowed: secrets: {{{path[1]}: <secret name or ARN>}})"
    return f"{_WHY} (allowed: text without {{{{resolve:; a secret belongs in secrets:, as the name or ARN of a Secrets Manager secret)"


@check(scope="document", fields=("*",))
def no_dynamic_references(document: Mapping[str, Any]) -> Iterator[Finding]:
    """Every string of the raw YAML, keys included: broken files are checked too."""
    found = [(path, text) for path, text in _strings(dict(document), ()) if DYNAMIC_REFERENCE.search(text)]
    for path, _ in sorted(found, key=lambda item: [str(part) for part in item[0]]):
        yield Finding(".".join(str(part) for part in path), _message(path), "error", refuses_value=True)
