"""Resources every model stack uses: one KMS key, the data-capture bucket, its access-log
bucket, and an SNS topic for operational alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from lmi_constructs.nag import acknowledge
from lmi_constructs.secure_topic import SecureTopic


@dataclass(frozen=True)
class BucketNames:
    """Physical bucket names (may hold tokens). Named buckets let model stacks refer to them by
    name, with no cross-stack export per model; account and region keep names globally unique."""

    capture: str
    access_logs: str
    async_payloads: str
    aot_artifacts: str


@dataclass(frozen=True)
class SharedResourcesProps:
    bucket_names: BucketNames
    capture_retention_days: int = 90
    async_retention_days: int = 30
    log_retention_days: int = 365
    alarm_emails: Sequence[str] = ()  # email subscriptions of the alarm topic


# Kept when the stack is deleted or the resource replaced, but not after a failed first create: the buckets'
# names are fixed, so a retained empty bucket would fail every retry with "already exists".
KEEP = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE


class SharedServingResources(Construct):
    """KMS-encrypted, TLS-only, access-logged storage for data capture, and an alarm topic."""

    def __init__(self, scope: Construct, construct_id: str, *, props: SharedResourcesProps) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="LMI serving: data capture, async payloads, alarm topic",
            enable_key_rotation=True,
            removal_policy=KEEP,
        )
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=props.bucket_names.access_logs,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            # Versioned: an expired log becomes a noncurrent version, which would otherwise stay for ever.
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(props.log_retention_days), noncurrent_version_expiration=Duration.days(7)
                )
            ],
            removal_policy=KEEP,
        )
        for pack in ("HIPAA.Security", "NIST.800.53.R5"):
            acknowledge(
                self.access_log_bucket,
                f"{pack}-S3DefaultEncryptionKMS",
                "S3 server access logging delivers only to SSE-S3 encrypted buckets, not SSE-KMS.",
            )
        names = props.bucket_names
        self.capture_bucket = self._kms_bucket(
            "DataCapture", names.capture, "data-capture/", props.capture_retention_days, noncurrent_days=7
        )
        self.async_bucket = self._kms_bucket(
            "AsyncPayloads", names.async_payloads, "async-payloads/", props.async_retention_days, noncurrent_days=1
        )
        # Prepared (compiled / quantized) weights, content-addressed under aot/<model>/<hash>/.
        # Never expired: a deploy re-uses them while the inputs are unchanged.
        self.aot_bucket = self._kms_bucket(
            "AotArtifacts", names.aot_artifacts, "aot-artifacts/", None, noncurrent_days=7
        )
        for bucket in (self.access_log_bucket, self.capture_bucket, self.async_bucket, self.aot_bucket):
            for pack in ("HIPAA.Security", "NIST.800.53.R5"):
                acknowledge(
                    bucket,
                    f"{pack}-S3BucketReplicationEnabled",
                    "Captured traffic, async payloads, access logs and prepared weights are regional records "
                    "derived from the models and their traffic (weights are prepared again from the source); "
                    "cross-region replication would copy inference payloads out of the serving region.",
                )
        self.alarm_topic = SecureTopic(
            self, "Alarms", key=self.key, display_name="LMI serving alarms", alarms_publish=True
        ).topic
        for email in props.alarm_emails:  # each address confirms its subscription by email
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(email))
        # CloudWatch alarms publish to the encrypted topic only if they may use the key: this account's
        # alarms only (aws:SourceAccount keeps another account's CloudWatch from using it as a deputy).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        # Encrypted log groups (batch state machines) need CloudWatch Logs to use the key,
        # limited to this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.{Aws.URL_SUFFIX}")],  # .amazonaws.com.cn in China
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                    }
                },
            )
        )

    def _kms_bucket(
        self, construct_id: str, name: str, log_prefix: str, expire_days: int | None, *, noncurrent_days: int
    ) -> s3.Bucket:
        """KMS (bucket key), TLS-only, versioned, private, access-logged, named per account and region."""
        return s3.Bucket(
            self,
            construct_id,
            bucket_name=name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix=log_prefix,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=None if expire_days is None else Duration.days(expire_days),
                    noncurrent_version_expiration=Duration.days(noncurrent_days),
                )
            ],
            removal_policy=KEEP,
        )
