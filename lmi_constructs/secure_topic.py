"""An SNS topic encrypted with a customer-managed KMS key that refuses plain-HTTP publishing."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from lmi_constructs.scoped_policy import arn
from lmi_constructs.tokens import service_principal


class SecureTopic(Construct):
    """`alarms_publish`: CloudWatch alarms of this account may publish. The topic policy replaces SNS's default
    one, so a service principal needs its own Allow (IAM principals of the account publish by their policies)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, key: kms.IKey, display_name: str, alarms_publish: bool = False
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", display_name=display_name, master_key=key)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyInsecureTransport",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        )
        if alarms_publish:
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowAlarmsOfThisAccount",
                    principals=[service_principal("cloudwatch.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[self.topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                        "ArnLike": {"aws:SourceArn": arn("arn:{partition}:cloudwatch:{region}:{account}:alarm:*")},
                    },
                )
            )
