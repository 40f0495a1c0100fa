"""Readers and writers of the shared KMS-encrypted buckets may use their key: S3 answers AccessDenied to a
GetObject without kms:Decrypt on the object's key, and to a PutObject without kms:GenerateDataKey."""

from __future__ import annotations

import json
from typing import Any

from lmi_core import naming

KMS_BUCKETS = tuple(
    f"{naming.PREFIX}-{purpose}-" for purpose in naming.SHARED_BUCKET_PURPOSES if purpose != "access-logs"
)  # access logs are SSE-S3 (S3 server access logging cannot deliver to SSE-KMS)
NEEDS = {"s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey"}
SHARED_KEY = "SharedKey"  # in the key's logical id, and in the output name a model stack reads its ARN from


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def missing_key_grants(template: dict[str, Any]) -> list[str]:
    """`policy: action on bucket without kms-action on the shared key`, for each IAM policy of the template
    that reads or writes objects in a shared KMS bucket and cannot use the key in the same policy."""
    problems = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            continue
        statements = [s for s in resource["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        on_key = set().union(*(_actions(s) for s in statements if SHARED_KEY in json.dumps(s["Resource"])))
        for statement in statements:
            resources = json.dumps(statement["Resource"])
            bucket = next((b for b in KMS_BUCKETS if b in resources), None)
            for action in sorted(_actions(statement) & NEEDS.keys()):
                if bucket is not None and NEEDS[action] not in on_key:
                    problems.append(f"{logical_id}: {action} on {bucket}* without {NEEDS[action]} on the shared key")
    return problems
