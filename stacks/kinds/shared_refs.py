"""The shared stack's resources as a model stack sees them: key and topic by cross-stack reference, buckets
by their deterministic names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.scoped_policy import NamedBucket, S3Location
from lmi_constructs.shared_resources import SharedServingResources
from lmi_constructs.tokens import AWS
from lmi_core import naming
from lmi_core.config import split_s3_uri


def shared_bucket_name(purpose: str, stage: str | None = None) -> str:
    return naming.shared_bucket_name(purpose, AWS.account_id, AWS.region, stage)


@dataclass
class SharedRefs:
    """The shared stack's resources inside one model stack: the key and topic as cross-stack references,
    the buckets known by their (deterministic) names, so no export per model and no import construct."""

    scope: Construct
    key: kms.IKey
    alarm_topic: sns.ITopic
    name_stage: str | None = None

    @classmethod
    def of(cls, scope: Construct, shared: SharedServingResources, name_stage: str | None = None) -> SharedRefs:
        return cls(scope, shared.key, shared.alarm_topic, name_stage)

    @cached_property
    def partition(self) -> str:
        """The model stack's partition: a literal once its region is (@aws-cdk/core:enablePartitionLiterals)."""
        return (self.scope if isinstance(self.scope, Stack) else Stack.of(self.scope)).partition

    def bucket(self, purpose: str) -> NamedBucket:
        return NamedBucket(shared_bucket_name(purpose, self.name_stage), self.partition)

    def location(self, uri: str) -> S3Location:
        """A user's s3://bucket/prefix/ (the bucket known by its name)."""
        bucket, prefix = split_s3_uri(uri)
        return S3Location(NamedBucket(bucket, self.partition), prefix)
