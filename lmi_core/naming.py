"""Every physical name the project derives from a model name, in one place.

Stdlib only: the AOT Lambda asset carries a copy of this file (lmi_constructs.aot_preparation),
so the handler names jobs exactly as the stacks and the checks do.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

PREFIX = "lmi"
SHARED_STACK = f"{PREFIX}-shared"
GITHUB_OIDC_STACK = f"{PREFIX}-github-oidc"
# SageMaker resource names: at most 63 characters, alphanumerics and inner hyphens.
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")

AOT_HASH_LENGTH = 16
AOT_RESOURCE_TYPE = "Custom::LmiAotPreparation"
# The resource properties its content hash covers: a change is a new job and a new physical id, so
# CloudFormation replaces the resource (and whatever reads its OutputPrefix where a change replaces).
AOT_CONTENT_PROPERTIES = (
    "AcceptEula", "Engine", "ImageUri", "InstanceType", "ModelId", "OptimizationConfigs", "ServingProperties", "Steps",
    "TensorParallelDegree",
)  # fmt: skip
AOT_MODEL_PART = 30  # lmi-aot-<30: model part>-<16-char hash>-r<NN> stays within 63
TRANSFORM_MODEL_PART = 26  # <26: model part>-<36-char uuid> = 63
NAME_HASH_LENGTH = 6  # a model part is <model name, cut>-<hash of the whole name>
# Tags the project puts on every resource of a model stack; `lmi:` keys are the project's own.
PROJECT_TAG_PREFIX = f"{PREFIX}:"
MODEL_TAG = f"{PROJECT_TAG_PREFIX}model"
PROJECT_TAGS = (MODEL_TAG,)
SHARED_BUCKET_PURPOSES = ("data-capture", "access-logs", "async-payloads", "aot-artifacts")


def staged(name: str, stage: str | None) -> str:
    """A model's (or adapter's) name in a stage: `<name>-<stage>`, or the bare name (None: the stage that keeps
    today's names). Every physical name below derives from it, so two stages in one account never collide."""
    return name if stage is None else f"{name}-{stage}"


def stack_name(model: str, stage: str | None = None) -> str:
    return f"{PREFIX}-{staged(model, stage)}"


def shared_stack_name(stage: str | None = None) -> str:
    return staged(SHARED_STACK, stage)


def endpoint_name(model: str) -> str:
    return model


def endpoint_log_group(model: str) -> str:
    return f"/aws/sagemaker/Endpoints/{endpoint_name(model)}"


# ---------------------------------------------------------------- inference components


def component_name(model: str) -> str:
    """An inference component (also a LoRA adapter's) is named like its model or adapter."""
    return model


def component_log_group(model: str) -> str:
    return f"/aws/sagemaker/InferenceComponents/{component_name(model)}"


def endpoint_role_name(endpoint: str) -> str:
    """The execution role of a kind: endpoint; its components attach read grants to it by this name."""
    return f"{PREFIX}-{endpoint}-endpoint-role"


def shared_bucket_name(purpose: str, account: str, region: str, stage: str | None = None) -> str:
    """`lmi-<purpose>[-<stage>]-<account>-<region>`: globally unique, and known to model stacks without exports."""
    if purpose not in SHARED_BUCKET_PURPOSES:
        raise ValueError(f"unknown shared bucket {purpose!r}")
    return f"{PREFIX}-{staged(purpose, stage)}-{account}-{region}"


def name_hash(model: str) -> str:
    return hashlib.sha256(model.encode()).hexdigest()[:NAME_HASH_LENGTH]


def model_part(model: str, length: int) -> str:
    """`<model name, cut>-<hash of the whole name>` in `length` characters: two models that share their first
    characters still get different job names, and so different IAM permissions on their jobs."""
    return f"{model[: length - NAME_HASH_LENGTH - 1].rstrip('-')}-{name_hash(model)}"


# ---------------------------------------------------------------- batch transform


def transform_job_prefix(model: str) -> str:
    """Each run's job is `<prefix>-<uuid>`; the state machine may only touch jobs with this prefix."""
    return model_part(model, TRANSFORM_MODEL_PART)


def transform_job_name(model: str, run_id: str) -> str:
    return f"{transform_job_prefix(model)}-{run_id}"


# SageMaker writes every transform job's logs to this one group, in streams `<job name>/<instance>-<time>`.
TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs"


def transform_log_stream_prefix(model: str) -> str:
    """The streams of this model's transform jobs start with `<job name prefix>-`."""
    return f"{transform_job_prefix(model)}-"


# ---------------------------------------------------------------- ahead-of-time preparation


def aot_job_prefix(model: str) -> str:
    return f"{PREFIX}-aot-{model_part(model, AOT_MODEL_PART)}"


def aot_job_name(model: str, content_hash: str, attempt: int = 1) -> str:
    """Deterministic, so a later deploy re-attaches; a failed attempt is followed by -r2, -r3, ..."""
    name = f"{aot_job_prefix(model)}-{content_hash}"
    return name if attempt == 1 else f"{name}-r{attempt}"


def aot_artifacts_prefix(model: str, root: str = "aot/") -> str:
    """Key prefix of a model's prepared artifacts in the AOT bucket: <root><model>/<hash>/..."""
    return f"{root}{model}/"


def capture_prefix(model: str) -> str:
    """Where data capture of a model lands in the shared capture bucket."""
    return f"data-capture/{model}/"


def async_prefix(model: str) -> str:
    """A model's async requests and results in the shared payload bucket: <prefix>{input,output,failure}/."""
    return f"async/{model}/"


# ---------------------------------------------------------------- what must not collide across models


def reserved_names() -> dict[str, str]:
    """Model names whose stack would be one of the project's own stacks: name -> that stack."""
    own = (SHARED_STACK, GITHUB_OIDC_STACK)
    return {stack.removeprefix(f"{PREFIX}-"): stack for stack in own}


def own_stacks(stages: Iterable[str], unsuffixed_stage: str) -> frozenset[str]:
    """The project's own stacks in every stage: each stage's shared stack, and the one GitHub OIDC stack."""
    shared = (shared_stack_name(None if stage == unsuffixed_stage else stage) for stage in stages)
    return frozenset([GITHUB_OIDC_STACK, *shared])


def physical_names(model: str) -> dict[str, str]:
    """Every name of a fixed resource a model may own (what -> name): unique per account and region."""
    return {
        "stack": stack_name(model),
        "endpoint log group": endpoint_log_group(model),
        "component log group": component_log_group(model),
    }


def job_name_prefixes(model: str) -> dict[str, str]:
    """Job names IAM grants by prefix (what -> `<prefix>-`): no model's may start with another's."""
    return {"transform job": f"{transform_job_prefix(model)}-", "AOT job": f"{aot_job_prefix(model)}-"}
