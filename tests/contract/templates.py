"""Synthesized templates as the API requests CloudFormation will make: each SageMaker resource mapped to
its Create* input, and each createTransformJob state's Parameters, with intrinsics replaced by plausible
literals. The strict checker then holds them to AWS's contract (lengths, patterns, enums)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

ACCOUNT, REGION = "123456789012", "us-east-1"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "lmi-stack",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/lmi-stack/0a1b2c3d-0000-0000-0000-000000000000",
}
# What a Fn::GetAtt / Ref / cross-stack output of each kind of resource looks like at deploy time.
PLAUSIBLE = {
    "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/lmi-model-ExecutionRole-0A1B2C3D4E5F",
    "AWS::SageMaker::Model": "ModelServingModel-0A1B2C3D4E5F",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigServing-0A1B2C3D4E5F",
    "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:lmi-topic-0A1B2C3D4E5F",
    "AWS::CloudWatch::Alarm": "lmi-model-Invocation5XXAlarm-0A1B2C3D4E5F",
    "Custom::LmiAotPreparation": f"s3://lmi-aot-artifacts-{ACCOUNT}-{REGION}/aot/model/0123456789abcdef/model/",
}
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0a1b2c3d-0000-0000-0000-000000000000"
ASSET_BUCKET = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"


class Literals:
    """Replaces the intrinsics of one template with literal values."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return PSEUDO.get(value) or self._resource_value(value)
            if key == "Fn::GetAtt":
                return self._resource_value(value[0])
            if key == "Fn::Join":
                return str(value[0]).join(str(self.resolve(part)) for part in value[1])
            if key == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(PSEUDO.get(m.group(1), m.group(1))), value)
            if key == "Fn::FindInMap":
                name, first, second = (self.resolve(v) for v in value)
                return self.template["Mappings"][name][first][second]
            if key == "Fn::GetStackOutput":
                return KMS_KEY if "Key" in value["OutputName"] else PLAUSIBLE["AWS::SNS::Topic"]
            if key == "Fn::ImportValue":
                return KMS_KEY
        return {k: self.resolve(v) for k, v in node.items()}

    def _resource_value(self, logical_id: str) -> str:
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            return ASSET_BUCKET if "Bucket" in logical_id or "Asset" in logical_id else "x"
        return PLAUSIBLE.get(resource["Type"], logical_id[:60])


UPDATE_ENDPOINT_ONLY = ("RetainAllVariantProperties", "ExcludeRetainedVariantProperties", "RetainDeploymentConfig")


def sagemaker_requests(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical id, operation, request) for every SageMaker resource CloudFormation will create."""
    literals = Literals(template)
    for logical_id, resource in template["Resources"].items():
        properties = literals.resolve(resource.get("Properties", {}))
        kind = resource["Type"]
        if kind == "AWS::SageMaker::Model":
            yield logical_id, "CreateModel", {"ModelName": f"{logical_id[:50]}-0A1B2C", **properties}
        elif kind == "AWS::SageMaker::EndpointConfig":
            yield logical_id, "CreateEndpointConfig", {"EndpointConfigName": f"{logical_id[:50]}-0A1B2C", **properties}
        elif kind == "AWS::SageMaker::Endpoint":
            # CloudFormation sends the Retain* options only with UpdateEndpoint.
            retain = {k: properties.pop(k) for k in UPDATE_ENDPOINT_ONLY if k in properties}
            yield logical_id, "CreateEndpoint", properties
            if retain:
                update = {k: v for k, v in properties.items() if k in ("EndpointName", "EndpointConfigName")}
                if "DeploymentConfig" in properties:
                    update["DeploymentConfig"] = properties["DeploymentConfig"]
                yield logical_id, "UpdateEndpoint", {**update, **retain}
        elif kind == "AWS::SageMaker::InferenceComponent":
            # CloudFormation sends DeploymentConfig only with UpdateInferenceComponent.
            name = properties.pop("InferenceComponentName", f"{logical_id[:50]}-0A1B2C")
            rollout = properties.pop("DeploymentConfig", None)
            yield logical_id, "CreateInferenceComponent", {"InferenceComponentName": name, **properties}
            if rollout is not None:
                update = {k: v for k, v in properties.items() if k in ("Specification", "RuntimeConfig")}
                yield (
                    logical_id,
                    "UpdateInferenceComponent",
                    {"InferenceComponentName": name, **update, "DeploymentConfig": rollout},
                )


def transform_job_requests(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(state machine, CreateTransformJob request) with each JSONPath parameter given a run-time value."""
    literals = Literals(template)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        definition = json.loads(literals.resolve(resource["Properties"]["DefinitionString"]))
        for state in definition["States"].values():
            if str(state.get("Resource", "")).endswith(":sagemaker:createTransformJob.sync"):
                yield logical_id, _run_time(state["Parameters"])


def _run_time(node: Any) -> Any:
    """`Key.$` JSONPath / States.Format members as a run would fill them."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.endswith(".$"):
            name = key.removesuffix(".$")
            if name == "TransformJobName":
                prefix = re.search(r"States.Format\('([^{]*)\{\}", value)
                out[name] = f"{prefix.group(1) if prefix else 'job-'}0a1b2c3d-0000-4000-8000-000000000000"
            elif name == "S3OutputPath":
                prefix = re.search(r"States.Format\('([^{]*)\{\}", value)
                out[name] = f"{prefix.group(1) if prefix else 's3://bucket/out/'}execution-0a1b2c/"
            else:
                out[name] = "s3://my-batch-data/summaries/input/2026-11-24.jsonl"
        else:
            out[key] = _run_time(value)
    return out
