"""Token questions answered in Python, without a round trip to the jsii Node process.

`is_unresolved(text)` is aws-cdk-lib's `Token.isUnresolved` for strings (core/lib/private/encoding.js:
the text holds a token marker and a string token). `AWS` holds the pseudo-parameter tokens, which
aws-cdk-lib creates once (`static readonly`), so each is fetched once per process. `seconds(n)` is
`Duration.seconds(n)` made once per process for each n (a Duration never changes, so stacks may share it).
`AWS.labelled(text)` names those tokens the way cdk-nag's findings do, so most labels need no resolve.
`once_per_object` keeps what a function made for an object (a stack, a key) while that object lives;
`key_arn(key)` is a KMS key's ARN token, fetched once per key that way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, cached_property, wraps
from typing import TypeVar
from weakref import WeakKeyDictionary

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

_STRING_TOKEN = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}|-1\.\d{10,16}e\+289")


def is_unresolved(text: str) -> bool:
    return "Token[" in text and _STRING_TOKEN.search(text) is not None


class _PseudoParameters:
    @cached_property
    def partition(self) -> str:
        return Aws.PARTITION

    @cached_property
    def region(self) -> str:
        return Aws.REGION

    @cached_property
    def account_id(self) -> str:
        return Aws.ACCOUNT_ID

    @cached_property
    def url_suffix(self) -> str:
        return Aws.URL_SUFFIX

    def labelled(self, text: str) -> str:
        """`text` with each pseudo-parameter token fetched so far written as cdk-nag names it: `<AWS::Region>`."""
        for name, label in _LABELS.items():
            token = self.__dict__.get(name)  # what a cached_property has fetched
            if token is not None:
                text = text.replace(token, label)
        return text


_LABELS = {
    "partition": "<AWS::Partition>",
    "region": "<AWS::Region>",
    "account_id": "<AWS::AccountId>",
    "url_suffix": "<AWS::URLSuffix>",
}
AWS = _PseudoParameters()


@cache
def seconds(amount: int) -> Duration:
    return Duration.seconds(amount)


Owner = TypeVar("Owner")
Made = TypeVar("Made")


def once_per_object(make: Callable[[Owner], Made]) -> Callable[[Owner], Made]:
    """`make(owner)` computed once per owner object, held weakly (a finished App's objects are freed)."""
    made: WeakKeyDictionary[Owner, Made] = WeakKeyDictionary()

    @wraps(make)
    def once(owner: Owner) -> Made:
        if owner not in made:
            made[owner] = make(owner)
        return made[owner]

    return once


@once_per_object
def key_arn(key: kms.IKey) -> str:
    """`key.key_arn`, fetched once per key: the same token serves every stack (each one that uses it gets its own
    cross-stack reference when it is resolved)."""
    return key.key_arn


@cache
def service_principal(service: str) -> iam.ServicePrincipal:
    """`iam.ServicePrincipal(service)`, made once: it holds only the name and renders it in the stack that uses it."""
    return iam.ServicePrincipal(service)
