"""CloudFormation dynamic references (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm:...}}`,
`{{resolve:ssm-secure:...}}`) written in a config: every string can reach the template (env, tags, serving
values, names, URIs), and CloudFormation resolves a reference anywhere in a string with the deploy role, so the
secret would land in plain text in the resource (an env value is readable through DescribeModel). `secrets:`
is the one way in: the project writes the reference itself, into the container environment only.

aws-cdk-lib's token markers (`${Token[...]}`) are refused the same way: synth would swap one for the value of
another construct, or fail after validation passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from lmi_core.checks.registry import check
from lmi_core.issues import Finding

# CloudFormation's syntax is `{{resolve:service:key}}`; spaces and other cases are refused too: never meant as text
DYNAMIC_REFERENCE = re.compile(r"\{\{\s*resolve\s*:", re.IGNORECASE | re.ASCII)
# aws-cdk-lib's token markers (core/lib/private/encoding.js): in a string, synth replaces them by the value of
# another construct (another model's secret reference, say) or fails with "Unrecognized token key"
CDK_TOKEN = re.compile(r"[$#]\{Token\[|-1\.[0-9]{10,16}e\+289", re.ASCII)
_TOKEN_WHY = (
    "holds a CDK token marker (${Token[...]}, #{Token[...]} or -1.8881...e+289): synth would replace it by "
    "another value of the app, or fail (allowed: text without token markers)"
)
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
                if isinstance(key, str) and _problem((key,), key) is not None:
                    yield (*where, key), key
                else:
                    pending.append(((*where, key), child))
        elif isinstance(item, list):
            pending.extend(((*where, index), child) for index, child in enumerate(item))


def _problem(path: tuple[Any, ...], text: str) -> str | None:
    if DYNAMIC_REFERENCE.search(text):
        return _message(path)
    if CDK_TOKEN.search(text):
        return _TOKEN_WHY
    return None


def _message(path: tuple[Any, ...]) -> str:
    if len(path) == 2 and path[0] == "env":
        return f"{_WHY}, readable through DescribeModel (allowed: secrets: {{{path[1]}: <secret name or ARN>}})"
    return f"{_WHY} (allowed: text without {{{{resolve:; a secret belongs in secrets:, as the name or ARN of a Secrets Manager secret)"


@check(scope="document", fields=("*",))
def no_dynamic_references_or_tokens(document: Mapping[str, Any]) -> Iterator[Finding]:
    """Every string of the raw YAML, keys included: broken files are checked too."""
    found = [(path, problem) for path, text in _strings(dict(document), ()) if (problem := _problem(path, text))]
    for path, problem in sorted(found, key=lambda item: [str(part) for part in item[0]]):
        yield Finding(".".join(str(part) for part in path), problem, "error", refuses_value=True)
