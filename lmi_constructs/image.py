"""The LMI container image: its URI in any region, and pull access for a role."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnMapping, Stack
from constructs import Construct

from lmi_constructs.scoped_policy import ScopedPolicy
from lmi_constructs.tokens import AWS, is_unresolved, once_per_object
from lmi_core.facts import images

_MAPPING_ID = "LmiImageAccounts"


@dataclass(frozen=True)
class ImageProps:
    tag: str | None = None  # a djl-inference tag (the registry account comes from the region)
    uri: str | None = None  # or a full image URI; a deploy-time token is taken for a djl-inference image


@once_per_object
def _accounts_mapping(stack: Stack) -> CfnMapping:
    """One region -> account mapping per stack, shared by every image in it."""
    return CfnMapping(
        stack,
        _MAPPING_ID,
        mapping={region: {"account": account} for region, account in sorted(images.IMAGE_ACCOUNTS.items())},
    )


def _djl_repository_arn(region: str, account: str) -> str:
    # Text around tokens resolves to the Fn::Join that Fn.join gives, without a Node call.
    return f"arn:{AWS.partition}:ecr:{region}:{account}:repository/{images.REPOSITORY}"


class LmiImage(Construct):
    """Resolves the image URI and grants pulling it.

    A stack with a concrete region gets a literal URI from the table; a region-agnostic stack
    gets Fn::FindInMap over a CfnMapping, so one template deploys to any region.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: ImageProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.tag = props.tag or ("" if props.uri is None or is_unresolved(props.uri) else props.uri.rsplit(":", 1)[-1])
        if props.uri is not None and is_unresolved(props.uri):  # e.g. the image an optimization job recommends
            self.image_uri = props.uri
            self.repository_arn = _djl_repository_arn(
                AWS.region, _accounts_mapping(stack).find_in_map(AWS.region, "account")
            )
        elif props.uri is not None:  # validated with the config: an ECR image, pinned, no wildcard
            image = images.parse_image_uri(props.uri)
            self.image_uri = props.uri
            self.tag = props.tag or image.tag or ""
            self.repository_arn = image.repository_arn  # exactly this repository, in its own partition
        elif not is_unresolved(stack.region):
            region = stack.region
            if region not in images.IMAGE_ACCOUNTS:
                raise ValueError(f"no LMI image registry known for region {region}")
            self.image_uri = images.image_uri(region, props.tag or "")
            self.repository_arn = _djl_repository_arn(region, images.IMAGE_ACCOUNTS[region])
        else:
            account = _accounts_mapping(stack).find_in_map(AWS.region, "account")
            self.image_uri = f"{account}.dkr.ecr.{AWS.region}.{AWS.url_suffix}/{images.REPOSITORY}:{props.tag}"
            self.repository_arn = _djl_repository_arn(AWS.region, account)

    def grant_pull(self, policy: ScopedPolicy) -> None:
        """Pull this image's repository (and only it); GetAuthorizationToken has no resource scope."""
        policy.allow(
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [self.repository_arn],
        )
        policy.allow(
            ["ecr:GetAuthorizationToken"],
            ["*"],
            reason="ecr:GetAuthorizationToken has no resource-level scope; image pulls are limited to the image's "
            "repository by the statement above.",
        )
