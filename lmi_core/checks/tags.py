"""Tags: what SageMaker (and IAM, S3, Logs...) accept on a resource, and the project's own tags kept intact.

Rules from the SageMaker API (`Tag`: Key 1..128, Value 0..256, pattern `^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`),
the tagging guide (50 tags per resource; the `aws:` prefix is reserved in any letter case), IAM (tag keys
are unique regardless of case, so `LMI:model` is the project's `lmi:model`) and CloudFormation: the stack's
tags reach every resource, and the registry schemas of AWS::CloudWatch::Alarm,
AWS::SageMaker::InferenceComponent and AWS::StepFunctions::StateMachine give `Tags.Value` minLength 1
(cfn-lint's bundled schemas; tests/unit/test_hostile_values.py reads them back), so a value is 1..256.
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
MIN_VALUE = 1  # the strictest schema of a resource the stacks tag (see above)
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
        elif key.lower().startswith(naming.PROJECT_TAG_PREFIX):
            other_case = (
                "" if key.startswith(naming.PROJECT_TAG_PREFIX) else " (in any letter case: IAM reads them as one key)"
            )
            yield error(
                field,
                f"keys starting with {naming.PROJECT_TAG_PREFIX}{other_case} are the project's own "
                f"({', '.join(naming.PROJECT_TAGS)}) and must not be overridden (allowed: any other key)",
            )
        elif (problem := tag_text_problem(key)) is not None:
            yield error(field, f"key {problem}")
        elif key.lower() in seen:
            yield error(field, f"is '{seen[key.lower()]}' in another letter case; IAM treats them as one key")
        seen.setdefault(key.lower(), key)
        if not MIN_VALUE <= len(value) <= MAX_VALUE:
            reason = "; CloudFormation refuses an empty tag value on the stack's alarms" if not value else ""
            yield error(field, f"value is {len(value)} characters{reason} (allowed: {MIN_VALUE}..{MAX_VALUE})")
        elif (problem := tag_text_problem(value)) is not None:
            yield error(field, f"value {problem}")
