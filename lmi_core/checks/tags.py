"""Tags: what SageMaker (and IAM, S3, Logs...) accept on a resource, and the project's own tags kept intact.

Rules from the SageMaker API (`Tag`: Key 1..128, Value 0..256, pattern `^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`),
the tagging guide (50 tags per resource; the `aws:` prefix is reserved in any letter case) and IAM
(tag keys are unique regardless of case).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from lmi_core import naming
from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ConfigBase
from lmi_core.issues import Finding, error

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
TAG_PUNCTUATION = "_.:/=+-@"
TAG_ALLOWED = f"letters, digits, spaces and {' '.join(TAG_PUNCTUATION)}"


def tag_text_problem(text: str) -> str | None:
    """SageMaker's tag pattern: Unicode letters (L), separators (Z), numbers (N) and _.:/=+-@; minus the line and
    paragraph separators, which would break every one-line listing of tags (the report, the console)."""
    wrong = sorted(
        {
            c
            for c in text
            if c not in TAG_PUNCTUATION
            and (unicodedata.category(c)[0] not in "LZN" or unicodedata.category(c) in ("Zl", "Zp"))
        }
    )
    return f"contains {', '.join(repr(c) for c in wrong)} (allowed: {TAG_ALLOWED})" if wrong else None


@check(on=ConfigBase, fields=("tags",))
def tags_sagemaker_accepts(config: ConfigBase, context: CheckContext) -> Iterator[Finding]:
    room = MAX_TAGS - len(naming.PROJECT_TAGS)
    if len(config.tags) > room:
        yield error(
            "tags",
            f"{len(config.tags)} tags, and the project adds {', '.join(naming.PROJECT_TAGS)}: over the {MAX_TAGS} "
            f"a resource may carry (allowed: at most {room})",
        )
    seen: dict[str, str] = {}
    for key, value in config.tags.items():
        field = f"tags.{key}"
        if not 1 <= len(key) <= MAX_KEY:
            yield error(field, f"key is {len(key)} characters (allowed: 1..{MAX_KEY})")
        elif key.lower().startswith("aws:"):
            yield error(field, "keys starting with aws: are reserved for AWS (allowed: any other key)")
        elif key.startswith(naming.PROJECT_TAG_PREFIX):
            yield error(
                field,
                f"keys starting with {naming.PROJECT_TAG_PREFIX} are the project's own ({', '.join(naming.PROJECT_TAGS)}) "
                "and must not be overridden (allowed: any other key)",
            )
        elif (problem := tag_text_problem(key)) is not None:
            yield error(field, f"key {problem}")
        elif key.lower() in seen:
            yield error(field, f"is '{seen[key.lower()]}' in another letter case; IAM treats them as one key")
        seen.setdefault(key.lower(), key)
        if len(value) > MAX_VALUE:
            yield error(field, f"value is {len(value)} characters (allowed: 0..{MAX_VALUE})")
        elif (problem := tag_text_problem(value)) is not None:
            yield error(field, f"value {problem}")
