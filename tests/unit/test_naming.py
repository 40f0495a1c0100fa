"""Every physical name derived from a valid model name fits SageMaker's rules (so no runtime check is needed)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from lmi_core import naming
from lmi_core.config.blocks import NAME_PATTERN

VALID_NAMES = st.from_regex(NAME_PATTERN, fullmatch=True).filter(lambda name: 1 <= len(name) <= 40)
HASH = "f" * naming.AOT_HASH_LENGTH
UUID = "12345678-1234-1234-1234-123456789012"


@given(VALID_NAMES)
def test_derived_names_fit_sagemaker(name: str) -> None:
    for derived in (
        naming.endpoint_name(name),
        naming.aot_job_name(name, HASH, attempt=99),
        naming.transform_job_name(name, UUID),
        naming.component_name(name),
    ):
        assert naming.SAGEMAKER_NAME.match(derived), derived
    assert len(naming.stack_name(name)) <= 128  # CloudFormation's stack-name limit
    assert re.fullmatch(r"[\w+=,.@-]{1,64}", naming.endpoint_role_name(name))  # IAM role names


def test_the_pattern_rejects_what_sagemaker_rejects() -> None:
    assert naming.SAGEMAKER_NAME.match("a" * 63)
    assert not naming.SAGEMAKER_NAME.match("a" * 64)
    assert not naming.SAGEMAKER_NAME.match("-a")
    assert not re.fullmatch(NAME_PATTERN, "a--b")


def test_shared_bucket_names() -> None:
    assert (
        naming.shared_bucket_name("data-capture", "111122223333", "eu-west-1")
        == "lmi-data-capture-111122223333-eu-west-1"
    )
