"""S3 URIs as the YAML may give them: one reader, used by every field that takes one.

A URI's bucket and key flow into IAM policy resources, EventBridge patterns and Step Functions
intrinsics, so the key is held to a small safe alphabet: a `*` or `?` would become an IAM wildcard,
a quote would end a `States.Format` literal, `${...}` would be an IAM policy variable.
Bucket names follow S3's naming rules (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any, Literal

from lmi_core import naming
from lmi_core.issues import dotted
from lmi_core.settings import STAGE_PATTERN

MAX_URI_LENGTH = 1024  # SageMaker's S3Uri members: at most 1024 characters
BUCKET_CHARACTERS = re.compile(r"^[a-z0-9.-]+$")
IP_ADDRESS = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")
# Reserved by S3 for access points, Object Lambda, multi-region access points, directory and table buckets.
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
KEY_PUNCTUATION = "-_./!()=+@,:"
KEY_CHARACTERS = re.compile(rf"^[A-Za-z0-9{re.escape(KEY_PUNCTUATION)}]*$")
KEY_ALLOWED = f"letters, digits and {' '.join(KEY_PUNCTUATION)}"
QUOTES = "'\"`\u2018\u2019\u201c\u201d"

_ACCOUNT, _REGION, _STAGE = "000000000000", "region0", "stage0"
# Every stage's name of each shared bucket (`lmi-<purpose>[-<stage>]-<account>-<region>`), for any stage name:
# a prod model must not reach prod's shared buckets either.
SHARED_BUCKETS = {
    purpose: re.compile(
        "^"
        + re.escape(naming.shared_bucket_name(purpose, _ACCOUNT, _REGION, _STAGE))
        .replace(re.escape(f"-{_STAGE}"), f"(?:-{STAGE_PATTERN.pattern})?")
        .replace(_ACCOUNT, "[0-9]{12}")
        .replace(_REGION, r"[a-z0-9-]+")
        + "$"
    )
    for purpose in naming.SHARED_BUCKET_PURPOSES
}
SHARED_BUCKET_CONTENTS = {
    "data-capture": "every model's captured requests and responses",
    "access-logs": "the access logs of every shared bucket",
    "async-payloads": "every async model's requests and results",
    "aot-artifacts": "every model's prepared weights",
}


def _strings_in(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(dotted field, text) of every string in a config's data, wherever the kind keeps it."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings_in(item, (*path, str(index)))
    elif isinstance(value, str):
        yield dotted(path), value


def uris_in(value: Any) -> Iterator[tuple[str, str]]:
    """(dotted field, uri) of every s3:// string in a config's data (also in serving:, env: and tags)."""
    return ((field, text) for field, text in _strings_in(value) if text.startswith("s3://"))


# An S3 location anywhere in a string (a JSON value, a command-line flag), any case: group 1 is the bucket.
_EMBEDDED_URI = re.compile(r"s3a?://([^/\s\"'`,;}\]]+)", re.IGNORECASE)


def buckets_in(value: Any) -> Iterator[tuple[str, str]]:
    """(dotted field, bucket) of every s3:// location in a config's data, also inside a string (serving: JSON,
    env: flags), as S3 would name the bucket (lowercase)."""
    for field, text in _strings_in(value):
        for match in _EMBEDDED_URI.finditer(text):
            yield field, match.group(1).lower()


def is_control(character: str) -> bool:
    """C0, DEL, C1, and the Unicode line and paragraph separators."""
    return unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp")


def bucket_problem(bucket: str) -> str | None:
    """Why S3 would refuse this bucket name, or None."""
    if not bucket:
        return "has no bucket name"
    if any(is_control(c) or c.isspace() for c in bucket):
        return f"bucket {bucket!r} contains whitespace or a control character"
    if not BUCKET_CHARACTERS.fullmatch(bucket):
        wrong = sorted({c for c in bucket if not re.match(r"[a-z0-9.-]", c)})
        return f"bucket '{bucket}' contains {', '.join(repr(c) for c in wrong)} (allowed: lowercase letters, digits, . and -)"
    if not 3 <= len(bucket) <= 63:
        return f"bucket '{bucket}' is {len(bucket)} characters (allowed: 3..63)"
    if not (bucket[0].isalnum() and bucket[-1].isalnum()):
        return f"bucket '{bucket}' must start and end with a letter or digit"
    if ".." in bucket:
        return f"bucket '{bucket}' has two adjacent dots (allowed: single dots between labels, like my.models)"
    if IP_ADDRESS.fullmatch(bucket):
        return f"bucket '{bucket}' looks like an IP address, which S3 does not allow as a bucket name (allowed: a name with letters, like my-models)"
    if bucket.startswith(RESERVED_BUCKET_PREFIXES) or bucket.endswith(RESERVED_BUCKET_SUFFIXES):
        return (
            f"bucket '{bucket}' uses a prefix or suffix S3 reserves for access points and special buckets "
            f"({', '.join(RESERVED_BUCKET_PREFIXES + RESERVED_BUCKET_SUFFIXES)})"
        )
    for purpose, pattern in SHARED_BUCKETS.items():
        if pattern.fullmatch(bucket):
            return (
                f"bucket '{bucket}' is this project's shared {purpose} bucket, which holds "
                f"{SHARED_BUCKET_CONTENTS[purpose]} (allowed: a bucket of your own)"
            )
    return None


def key_problem(key: str) -> str | None:
    """Why this key cannot safely reach IAM, EventBridge and Step Functions, or None."""
    for character in key:
        if character in "*?":
            return f"contains '{character}', a wildcard: IAM would read it as one and grant every matching object (allowed: {KEY_ALLOWED})"
        if character in QUOTES:
            return f"contains a quote ({character}) (allowed: {KEY_ALLOWED})"
        if is_control(character):
            return f"contains a control character ({character!r}) (allowed: {KEY_ALLOWED})"
        if character.isspace():
            return f"contains whitespace ({character!r}) (allowed: {KEY_ALLOWED})"
    if not KEY_CHARACTERS.fullmatch(key):
        wrong = sorted({c for c in key if c not in KEY_PUNCTUATION and not (c.isascii() and c.isalnum())})
        return f"contains {', '.join(repr(c) for c in wrong)} (allowed: {KEY_ALLOWED})"
    segments = key.split("/")[:-1] if key.endswith("/") or not key else key.split("/")
    if "" in segments:
        return "has an empty path segment (//) (allowed: segments of at least one character, like models/llama/)"
    if "." in segments or ".." in segments:
        return "has a '.' or '..' path segment (allowed: segments other than . and .., like models/llama/)"
    return None


def parse(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key); ValueError names the first problem found."""
    if len(uri) > MAX_URI_LENGTH:
        raise ValueError(f"is {len(uri)} characters (allowed: at most {MAX_URI_LENGTH})")
    if not uri.startswith("s3://"):
        raise ValueError("is not an S3 URI (allowed: s3://bucket/prefix/)")
    bucket, slash, key = uri.removeprefix("s3://").partition("/")
    problem = bucket_problem(bucket)
    if problem is None and not slash:
        problem = f"has no key after the bucket (allowed: s3://{bucket}/prefix/)"
    if problem is None:
        problem = key_problem(key)
    if problem is not None:
        raise ValueError(problem)
    return bucket, key


def prefix(uri: str) -> tuple[str, str]:
    """A prefix: a non-empty key ending in '/' (never a whole bucket, never a file)."""
    bucket, key = parse(uri)
    if not key:
        raise ValueError(f"names the whole bucket (allowed: a prefix inside it, like s3://{bucket}/prefix/)")
    if not key.endswith("/"):
        raise ValueError(f"must be an S3 prefix ending in '/' (allowed: {uri}/)")
    return bucket, key


Overlap = Literal["equal", "inside", "containing"]


def overlap(uri: str, other: str) -> Overlap | None:
    """How `uri` lies against `other` (two URIs the config validated): the same location, inside it, or
    containing it; None when apart (another bucket, or keys apart: see key_overlap)."""
    bucket, key = parse(uri)
    other_bucket, other_key = parse(other)
    return key_overlap(key, other_key) if bucket == other_bucket else None


def key_overlap(key: str, other: str) -> Overlap | None:
    """Two keys of one bucket. A key ending in '/' is a prefix, any other one object. Prefixes compare
    whole segments: x/ holds x/y/ but not xy/ (the config requires the trailing '/' of every prefix, so
    `s3://b/x` never stands for one)."""
    if key == other:
        return "equal"
    if other.endswith("/") and key.startswith(other):
        return "inside"
    if key.endswith("/") and other.startswith(key):
        return "containing"
    return None
