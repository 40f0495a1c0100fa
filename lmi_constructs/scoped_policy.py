"""A customer-managed IAM policy whose every wildcard carries its reason, and S3 prefix grants.

Managed rather than inline (HIPAA/NIST `IAMNoInlinePolicy`), explicit actions only (no `s3:Get*`),
and each `*` in a resource acknowledged for cdk-nag's AwsSolutions-IAM5 with the reason written
where the statement is added.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, cast

from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from lmi_constructs.nag import Acknowledgements, nag_label
from lmi_constructs.tokens import AWS, is_unresolved, key_arn

if TYPE_CHECKING:
    from aws_cdk import aws_kms as kms


def arn(template: str) -> str:
    """An ARN from a template with {partition}, {region} and {account}: 'arn:{partition}:logs:...'."""
    return template.format(partition=AWS.partition, region=AWS.region, account=AWS.account_id)


_NOT_IN_A_VALUE = frozenset("*?$")  # IAM wildcards, and the start of an IAM policy variable (${aws:username})


def _literal_problem(text: str) -> str | None:
    if is_unresolved(text):
        return None
    if any(c in _NOT_IN_A_VALUE or not c.isprintable() for c in text):
        return f"{text!r} holds a wildcard, a policy variable or a control character"
    return None


class BucketRef(Protocol):
    """What a grant needs of a bucket: an `s3.IBucket`, or a `NamedBucket`."""

    @property
    def bucket_name(self) -> str: ...

    @property
    def bucket_arn(self) -> str: ...

    def arn_for_objects(self, key_pattern: str) -> str: ...


@dataclass(frozen=True)
class NamedBucket:
    """A bucket known by name (it may hold tokens), with the ARNs `s3.Bucket.from_bucket_name` would give,
    built in Python: no construct and no Node call. `partition` is the stack's (`Stack.partition`)."""

    bucket_name: str
    partition: str

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket_name}"

    def arn_for_objects(self, key_pattern: str) -> str:
        return f"{self.bucket_arn}/{key_pattern}"


@dataclass(frozen=True)
class S3Location:
    """A prefix in a bucket ("" for the whole bucket, else ending in "/"). Bucket and prefix come from users, so
    neither may carry a wildcard into a policy: the only `*` a grant on it holds is the one written here."""

    bucket: BucketRef
    prefix: str
    key: kms.IKey | None = None  # the customer-managed key its objects are encrypted with (readers need kms:Decrypt)

    def __post_init__(self) -> None:
        for text in (self.bucket_name, self.prefix):
            problem = _literal_problem(text)
            if problem is not None:
                raise ValueError(f"S3 location {problem}")

    @cached_property
    def bucket_name(self) -> str:
        """`bucket.bucket_name`, read once (from the Node process, for an `s3.IBucket`)."""
        return self.bucket.bucket_name

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket_name}/{self.prefix}"

    def describe(self) -> str:
        """bucket/prefix as text, also when the bucket name is a deploy-time token (<AWS::AccountId>...)."""
        scope = None if isinstance(self.bucket, NamedBucket) else cast(IConstruct, self.bucket)
        return f"{nag_label(scope, self.bucket_name)}/{self.prefix}"

    def objects_arn(self, suffix: str = "*") -> str:
        return self.bucket.arn_for_objects(f"{self.prefix}{suffix}")


_GATHERING: list[list[ScopedPolicy]] = []  # the policies of each open `ScopedPolicy.gathered()`, innermost last


class ScopedPolicy(Construct):
    """`iam.ManagedPolicy` attached to one role, with reasoned wildcards.

    Inside `with policy.batch():` statements and acknowledgements are gathered in Python and sent to
    the jsii Node process at the end in a few calls (the policy itself is created from the whole
    document when it does not exist yet); outside, each `allow` is sent at once. The template is the
    same either way: aws-cdk-lib merges the statements (`@aws-cdk/aws-iam:minimizePolicies`). A wildcard's
    acknowledgement sent by a batch carries its reasons as plain text, so a later, different reason for the
    same resource is an error: give it inside that batch."""

    def __init__(self, scope: Construct, construct_id: str, *, role: iam.IRole, description: str) -> None:
        super().__init__(scope, construct_id)
        self._role = role
        self._description = description
        self._policy: iam.ManagedPolicy | None = None
        self._pending: list[dict[str, object]] | None = None  # statements (IAM JSON) while batched
        self.acknowledgements = Acknowledgements()
        if _GATHERING:
            self._begin()
            _GATHERING[-1].append(self)

    @property
    def policy(self) -> iam.ManagedPolicy:
        """The managed policy (created on first use, with the statements allowed so far)."""
        if self._policy is None:
            statements = self._pending
            if statements is not None:
                self._pending = []
            document = iam.PolicyDocument.from_json({"Statement": statements}) if statements else None
            self._policy = iam.ManagedPolicy(
                self, "Policy", description=self._description, roles=[self._role], document=document
            )
            self.acknowledgements.apply(self._policy)
        return self._policy

    @contextmanager
    def batch(self) -> Iterator[ScopedPolicy]:
        """Gather the statements and acknowledgements of the block, send them when it ends."""
        if self._pending is not None:
            yield self
            return
        self._begin()
        yield self  # an exception leaves the gathered statements unsent: the app fails anyway
        self._end()

    @staticmethod
    @contextmanager
    def gathered() -> Iterator[None]:
        """Every ScopedPolicy created in the block batches until the block ends, across constructs (a model's
        policy and the grants its endpoint adds to it): then each sends its statements in one batch."""
        created: list[ScopedPolicy] = []
        _GATHERING.append(created)
        try:
            yield  # an exception leaves the statements unsent, as in `batch()`
        finally:
            _GATHERING.pop()
        for policy in created:
            policy._end()

    def _begin(self) -> None:
        self._pending = []
        self.acknowledgements.held = True

    def _end(self) -> None:
        self.acknowledgements.held = False
        if self._policy is None:
            self.policy  # noqa: B018  (creates it from the gathered document)
        else:
            pending, self._pending = self._pending, None
            if pending:
                self._policy.add_statements(*(iam.PolicyStatement.from_json(statement) for statement in pending))
            self.acknowledgements.apply()
        self._pending = None

    def allow(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        reason: str | None = None,
        conditions: dict[str, dict[str, object]] | None = None,
    ) -> None:
        """Allow `actions` on `resources`; `reason` is required if a resource holds a wildcard."""
        for action in actions:
            if "*" in action:
                raise ValueError(f"write the action out instead of {action}")
        policy = self.policy if self._pending is None else None  # sent at once: acknowledgements join Lazy reasons
        for resource in resources:
            if "*" in resource:  # literal text only: an unresolved token never holds a '*'
                label = nag_label(self, resource)
                if reason is None:
                    raise ValueError(f"wildcard resource {label} needs a reason")
                # The one wildcard a grant may hold is the trailing one its construct wrote; any other came in
                # with a value (a name, a prefix) and is an error, never an acknowledged finding.
                if resource.count("*") != 1 or not resource.endswith("*") or "?" in resource:
                    raise ValueError(f"wildcard resource {label} holds a wildcard that a value brought in")
                self.acknowledgements.add(f"AwsSolutions-IAM5[Resource::{label}]", reason)
        if policy is not None:
            policy.add_statements(
                iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=conditions)
            )
        elif self._pending is not None:
            statement: dict[str, object] = {"Action": list(actions), "Resource": list(resources)}
            if conditions is not None:
                statement["Condition"] = conditions
            self._pending.append(statement)

    def allow_prefix(
        self, location: S3Location, actions: Sequence[str], *, reason: str, list_bucket: bool = True
    ) -> None:
        """`actions` on every object under the prefix (names unknown at synth), and ListBucket only there;
        a reader of SSE-KMS objects also needs kms:Decrypt on their key."""
        self.allow(actions, [location.objects_arn()], reason=reason)
        if location.key is not None and "s3:GetObject" in actions:
            self.allow(["kms:Decrypt"], [key_arn(location.key)])
        if list_bucket:
            self.allow(
                ["s3:ListBucket"],
                [location.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{location.prefix}*"]}},
            )
