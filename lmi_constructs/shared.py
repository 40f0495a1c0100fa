"""Resources every model stack uses: one KMS key, the data-capture bucket, its access-log
bucket, and an SNS topic for operational alarms."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.nag import acknowledge

# Named, not generated: model stacks then reference the bucket by name (no cross-stack export
# per model) and IAM findings stay readable. Account and region keep the name globally unique.
CAPTURE_BUCKET_NAME = "lmi-data-capture-{account}-{region}"
ACCESS_LOG_BUCKET_NAME = "lmi-access-logs-{account}-{region}"
ASYNC_BUCKET_NAME = "lmi-async-payloads-{account}-{region}"
AOT_BUCKET_NAME = "lmi-aot-artifacts-{account}-{region}"


def bucket_name(template: str) -> str:
    return template.format(account=Aws.ACCOUNT_ID, region=Aws.REGION)


@dataclass(frozen=True)
class SharedResourcesProps:
    capture_retention_days: int = 90
    async_retention_days: int = 30
    log_retention_days: int = 365


class SharedServingResources(Construct):
    """KMS-encrypted, TLS-only, access-logged storage for data capture, and an alarm topic."""

    def __init__(self, scope: Construct, construct_id: str, *, props: SharedResourcesProps) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="LMI serving: data capture, async payloads, alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=bucket_name(ACCESS_LOG_BUCKET_NAME),
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(props.log_retention_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        for pack in ("HIPAA.Security", "NIST.800.53.R5"):
            acknowledge(
                self.access_log_bucket,
                f"{pack}-S3DefaultEncryptionKMS",
                "S3 server access logging delivers only to SSE-S3 encrypted buckets, not SSE-KMS.",
            )
        self.capture_bucket = s3.Bucket(
            self,
            "DataCapture",
            bucket_name=bucket_name(CAPTURE_BUCKET_NAME),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix="data-capture/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(props.capture_retention_days),
                    noncurrent_version_expiration=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.async_bucket = s3.Bucket(
            self,
            "AsyncPayloads",
            bucket_name=bucket_name(ASYNC_BUCKET_NAME),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix="async-payloads/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(props.async_retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Prepared (compiled / quantized) weights, content-addressed under aot/<model>/<hash>/.
        # Never expired: a deploy re-uses them while the inputs are unchanged.
        self.aot_bucket = s3.Bucket(
            self,
            "AotArtifacts",
            bucket_name=bucket_name(AOT_BUCKET_NAME),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix="aot-artifacts/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(7))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        for bucket in (self.access_log_bucket, self.capture_bucket, self.async_bucket, self.aot_bucket):
            for pack in ("HIPAA.Security", "NIST.800.53.R5"):
                acknowledge(
                    bucket,
                    f"{pack}-S3BucketReplicationEnabled",
                    "Capture data and access logs are derived, regional records; cross-region replication "
                    "would copy inference payloads out of the serving region.",
                )
        self.alarm_topic = sns.Topic(self, "Alarms", display_name="LMI serving alarms", master_key=self.key)
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyInsecureTransport",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        )
        # CloudWatch alarms publish to the encrypted topic only if they may use the key.
        self.key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        # Encrypted log groups (batch state machines) need CloudWatch Logs to use the key,
        # limited to this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                    }
                },
            )
        )
