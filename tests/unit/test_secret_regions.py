"""A secret given by ARN must be in the region (and partition) the stack deploys to; names and region-agnostic
synths are left alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import MINIMAL

Dir = Callable[[dict[str, str]], Path]
ARN = "arn:{partition}:secretsmanager:{region}:111122223333:secret:hf-AbCdEf"


def with_secret(secret: str) -> str:
    return MINIMAL + f"secrets:\n  HF_TOKEN: '{secret}'\n"


@pytest.mark.parametrize(
    ("partition", "region"),
    [("aws", "us-west-2"), ("aws-cn", "cn-north-1"), ("aws", "nowhere-9"), ("aws-cn", "us-east-1")],
)
def test_a_secret_elsewhere_is_refused(config_dir: Dir, partition: str, region: str) -> None:
    directory = config_dir({"m1.yaml": with_secret(ARN.format(partition=partition, region=region))})
    with pytest.raises(ConfigError) as caught:
        load_configs([directory], region="us-east-1")
    assert [f"{i.field}: {i.message}" for i in caught.value.issues] == [
        f"secrets.HF_TOKEN: is a secret in {partition}/{region}, but the stack deploys to us-east-1, whose Secrets "
        "Manager cannot resolve it (allowed: a secret in us-east-1, arn:aws:secretsmanager:us-east-1:<account>:secret:"
        "<name>, or its name)"
    ]


@pytest.mark.parametrize(
    ("secret", "region"),
    [
        (ARN.format(partition="aws", region="us-east-1"), "us-east-1"),
        (ARN.format(partition="aws-cn", region="cn-north-1"), "cn-north-1"),
        ("hf-token", "us-east-1"),  # a name resolves in the stack's own region
        (ARN.format(partition="aws", region="us-west-2"), None),  # the region is known only at deploy
    ],
)
def test_a_secret_in_the_stacks_region_or_by_name_is_accepted(config_dir: Dir, secret: str, region: str | None) -> None:
    (loaded,) = load_configs([config_dir({"m1.yaml": with_secret(secret)})], region=region)
    assert list(loaded.config.secrets) == ["HF_TOKEN"]  # type: ignore[attr-defined]
