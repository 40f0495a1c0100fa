#!/usr/bin/env python3
"""Peer app: N real-time LMI (djl-inference) endpoints with generative-ai-cdk-constructs, in ONE stack.

The peer's usual pattern: one stack, one CustomSageMakerEndpoint per model, cdk-nag 2.x applied
as an aspect (Aspects.of(app).add(AwsSolutionsChecks())), findings suppressed at stack level.
Each endpoint mirrors the project's examples/llama3-8b-chat.yaml (same image tag, instance,
timeouts, serving options as LMI OPTION_* variables, autoscaling 1..4).

    python peer_app.py N [OUTDIR]        # or PEER_N=N; PEER_NAG_PACKS=aws (default) | all

One stack holds at most 45 endpoints: the construct makes 11 resources per endpoint and
CDK refuses a stack of more than 500 (TooManyResourcesInStack). PEER_PER_STACK=45 spreads
larger N over ceil(N/45) stacks (PeerLmiStack0, 1, ...), the usual workaround.
"""

from __future__ import annotations

import os
import sys
import time

start = time.perf_counter()

from aws_cdk import App, Aspects, Environment, Stack  # noqa: E402
from cdk_nag import (  # noqa: E402
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NagPackSuppression,
    NagSuppressions,
    NIST80053R5Checks,
)
from cdklabs.generative_ai_cdk_constructs.sagemaker_deployment import (  # noqa: E402
    CustomSageMakerEndpoint,
    DeepLearningContainerImage,
    SageMakerInstanceType,
)

REGION = "us-east-1"  # the construct needs an explicit region (DLC account is a regional fact)
LMI_TAG = "0.36.0-lmi27.0.0-cu130"  # same tag as the project's llama3-8b-chat example
MODEL_PREFIX = "s3://my-models/llama-3.1-8b-instruct/"  # uncompressed S3 prefix
SERVING_ENV = {  # the example's serving.properties, as LMI environment variables
    "OPTION_ENGINE": "Python",
    "OPTION_ROLLING_BATCH": "vllm",
    "OPTION_TENSOR_PARALLEL_DEGREE": "1",
    "OPTION_DTYPE": "fp16",
    "OPTION_MAX_ROLLING_BATCH_SIZE": "32",
    "OPTION_MAX_MODEL_LEN": "8192",
}
PACKS = {"aws": [AwsSolutionsChecks], "all": [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks]}

# What cdk-nag 2.x reports on these constructs (found by synthesizing without suppressions).
# A benchmark only needs synth to pass; a real app would justify each one next to its resource.
SUPPRESSIONS = {
    "AwsSolutions-IAM4": "the construct's role uses the AWS managed AmazonSageMakerFullAccess policy",
    "AwsSolutions-IAM5": "the construct's ECR pull grant includes ecr:GetAuthorizationToken on *",
    "HIPAA.Security-IAMNoInlinePolicy": "the construct attaches its ECR pull grant as an inline policy",
    "NIST.800.53.R5-IAMNoInlinePolicy": "the construct attaches its ECR pull grant as an inline policy",
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured": "construct has no KMS key prop",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured": "construct has no KMS key prop",
}


def build_app(count: int, outdir: str | None = None, packs: str = "aws", per_stack: int = 0) -> App:
    app = App(outdir=outdir)
    per_stack = per_stack or max(count, 1)
    image = DeepLearningContainerImage.from_deep_learning_container_image("djl-inference", LMI_TAG)
    stacks = [
        Stack(app, "PeerLmiStack" if per_stack >= count else f"PeerLmiStack{i}", env=Environment(region=REGION))
        for i in range(max(1, -(-count // per_stack)))
    ]
    for index in range(count):
        stack = stacks[index // per_stack]
        name = f"bench-model-{index:03d}"
        CustomSageMakerEndpoint(
            stack,
            f"ep{index:03d}",
            model_id=name,
            endpoint_name=name,
            container=image,
            instance_type=SageMakerInstanceType.ML_G5_2_XLARGE,
            model_data_url=MODEL_PREFIX,
            instance_count=1,
            environment=SERVING_ENV,
            startup_health_check_timeout_in_seconds=900,
            model_data_download_timeout_in_seconds=900,
            min_capacity=1,
            max_capacity=4,
        )
    for stack in stacks:
        NagSuppressions.add_stack_suppressions(
            stack, [NagPackSuppression(id=rule, reason=reason) for rule, reason in SUPPRESSIONS.items()]
        )
    for pack in PACKS[packs]:
        Aspects.of(app).add(pack())
    return app


if __name__ == "__main__":
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PEER_N", "1"))
    out = sys.argv[2] if len(sys.argv) > 2 else None
    packs, per_stack = os.environ.get("PEER_NAG_PACKS", "aws"), int(os.environ.get("PEER_PER_STACK", "0"))
    build_app(n, out, packs, per_stack).synth()
    print(f'{{"synth_s": {time.perf_counter() - start:.3f}}}')
