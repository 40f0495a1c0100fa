"""A generated matrix of configs (kind x image flavour x AOT steps x instance family): each one validates,
synthesizes, and every request it would send passes AWS's contract: the SageMaker resources, the
transform job, and the AOT job the custom resource starts."""

from __future__ import annotations

import sys
from itertools import product
from typing import Any

import pytest
import yaml

from lmi_core.facts.instances import NOT_FOR_BATCH_TRANSFORM
from lmi_core.loader import load_configs
from tests.conftest import REPO
from tests.contract.aws_contract import check_request
from tests.contract.templates import Literals, sagemaker_requests, transform_job_requests
from tests.kms_access import missing_key_grants

sys.path.insert(0, str(REPO / "lambda" / "aot_preparation"))
from engines import ENGINES
from inputs import parse_properties

CURRENT, SHARDING, TRTLLM, TRTLLM_JOB = (
    "0.36.0-lmi27.0.0-cu130", "0.32.0-lmi14.0.0-cu126", "0.33.0-tensorrtllm0.21.0-cu128", "0.32.0-tensorrtllm0.12.0-cu125"
)  # fmt: skip
# (flavour, tag, instance type, tensor-parallel degree, aot steps or None)
PROFILES: list[tuple[str, str, str, int, list[str] | None]] = [
    *(
        (
            ("lmi", CURRENT, t, 1, aot)
            for t, aot in product(
                ["ml.g4dn.xlarge", "ml.g5.2xlarge", "ml.g6.2xlarge", "ml.g6e.2xlarge"], [None, ["quantize-awq"]]
            )
        )
    ),
    ("lmi", CURRENT, "ml.p4d.24xlarge", 8, ["quantize-awq"]),  # p4d, p4de, p5: no batch transform (skipped)
    ("lmi", CURRENT, "ml.p4de.24xlarge", 8, None),
    ("lmi", CURRENT, "ml.p5.48xlarge", 8, ["quantize-fp8"]),
    ("lmi", CURRENT, "ml.g6e.12xlarge", 4, ["quantize-fp8"]),
    ("lmi", SHARDING, "ml.g5.12xlarge", 4, ["shard"]),
    ("tensorrtllm", TRTLLM, "ml.g5.12xlarge", 4, ["compile"]),
    ("tensorrtllm", TRTLLM_JOB, "ml.g6.12xlarge", 4, ["quantize-awq", "compile"]),
    ("tensorrtllm", TRTLLM, "ml.g6e.2xlarge", 1, None),
    ("neuronx", "0.29.0-neuronx-sdk2.19.1", "ml.inf2.8xlarge", 2, ["compile"]),
    ("neuronx", "0.29.0-neuronx-sdk2.19.1", "ml.trn1.2xlarge", 2, ["compile"]),
    ("cpu", "0.36.0-cpu-full", "ml.m5.xlarge", 1, None),
]


def config(kind: str, index: int, profile: tuple[str, str, str, int, list[str] | None]) -> dict[str, Any]:
    flavour, tag, instance, tp, aot = profile
    serving: dict[str, Any] = {"engine": "Python", "option.tensor_parallel_degree": tp}
    if flavour == "neuronx":
        serving |= {"option.n_positions": 4096, "option.max_rolling_batch_size": 4}
    document: dict[str, Any] = {
        "name": f"{kind[:2]}{index}-{flavour}",
        "kind": kind,
        "model": {"id": "s3://my-models/llama-3.1-8b-instruct/"},
        "container": {"image": flavour, "tag": tag},
        "serving": serving,
        "instance": {"type": instance, "count": 1},
        "data_capture": {} if kind == "batch" else {"sampling_percent": 10, "mode": "Input"},
    }
    if aot is not None:
        document["aot"] = {"mode": aot}
    if kind == "async":
        document["autoscaling"] = {"min": 0, "max": 2, "target_backlog_per_instance": 5}
    if kind == "realtime":
        document["autoscaling"] = {"min": 1, "max": 2, "target_invocations_per_instance": 10}
    if kind == "batch":
        name = document["name"]  # each model its own prefixes: two models' results never share one
        document["batch"] = {"input": f"s3://my-batch-data/{name}/in/", "output": f"s3://my-batch-data/{name}/out/"}
    return document


MATRIX = [
    config(kind, i, p)
    for kind in ("realtime", "async", "batch")
    for i, p in enumerate(PROFILES)
    if not (kind == "batch" and p[2] in NOT_FOR_BATCH_TRANSFORM)
]
SERVERLESS = {
    "name": "sl-cpu", "kind": "serverless", "model": {"id": "HuggingFaceTB/SmolLM2-360M-Instruct"},
    "container": {"image": "cpu", "tag": "0.36.0-cpu-full"}, "serving": {"engine": "Python"},
    "serverless": {"memory_mb": 4096, "max_concurrency": 5, "provisioned_concurrency": 1},
    "autoscaling": {"min": 1, "max": 3, "target_utilization": 0.5},
}  # fmt: skip
POOL = {
    "name": "co-pool",
    "kind": "endpoint",
    "instance": {"type": "ml.g5.12xlarge", "count": 1},
    "data_capture": {"sampling_percent": 10, "mode": "Input"},
}
COMPONENT = {
    "name": "co-lmi-awq", "kind": "component", "endpoint": "co-pool", "model": {"id": "s3://my-models/llama-3.1-8b-instruct/"},
    "container": {"image": "lmi", "tag": CURRENT}, "serving": {"engine": "Python", "option.tensor_parallel_degree": 1},
    "resources": {"accelerators": 1, "memory_mb": 32768}, "aot": {"mode": ["quantize-awq"], "instance_type": "ml.g5.12xlarge"},
}  # fmt: skip
EXTRA = [SERVERLESS, POOL, COMPONENT]


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from aws_cdk import App

    from stacks.model_stack import ModelStack
    from stacks.shared_stack import SharedStack

    directory = tmp_path_factory.mktemp("matrix")
    for document in [*MATRIX, *EXTRA]:
        (directory / f"{document['name']}.yaml").write_text(yaml.safe_dump(document))
    loaded = load_configs([directory])  # raises ConfigError if a generated config is invalid
    app = App(
        outdir=str(tmp_path_factory.mktemp("matrix-out")), builtin_cloud_formation_validation=False
    )  # runs once, on the examples (conftest)
    shared = SharedStack(app, "lmi-shared")
    for one in loaded:
        ModelStack(app, f"lmi-{one.config.name}", loaded=one, shared=shared.resources).add_stack_dependency(shared)
    return app.synth()


def aot_requests(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    literals = Literals(template)
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "Custom::LmiAotPreparation":
            inputs = parse_properties(literals.resolve(resource["Properties"]))
            engine = ENGINES[inputs.engine]
            operation = f"Create{engine.kind}"
            found.append((operation, inputs.engine, engine.request(inputs, inputs.job_name(3), "arn:aws:x/AotJob")))
    return found


def test_the_matrix_covers_every_kind_flavour_engine_and_family(assembly: Any) -> None:
    templates = [stack.template for stack in assembly.stacks]
    engines = {engine for t in templates for _, engine, _ in aot_requests(t)}
    assert engines == {"optimization-job", "training-job"}
    assert (
        len(MATRIX) + len(EXTRA) == len(templates) - 1 == 57
    )  # 19 profiles x 3 kinds, less 3 batch on p4d/p4de/p5, + serverless, a pool and an AOT component on it


def test_every_request_meets_the_contract(assembly: Any) -> None:
    problems = []
    for stack in assembly.stacks:
        template = stack.template
        for logical_id, operation, request in sagemaker_requests(template):
            problems += [
                f"{stack.stack_name} {logical_id} {operation}: {p}"
                for p in check_request("sagemaker", operation, request)
            ]
        for machine, request in transform_job_requests(template):
            problems += [
                f"{stack.stack_name} {machine}: {p}" for p in check_request("sagemaker", "CreateTransformJob", request)
            ]
        for operation, _, request in aot_requests(template):
            problems += [f"{stack.stack_name} {operation}: {p}" for p in check_request("sagemaker", operation, request)]
    assert problems == []


def test_every_role_that_reads_or_writes_a_shared_kms_bucket_may_use_its_key(assembly: Any) -> None:
    """Also the serving role and a component's host role, which read AOT artifacts from the encrypted bucket."""
    problems = [f"{s.stack_name} {p}" for s in assembly.stacks for p in missing_key_grants(s.template)]
    assert problems == []
