"""invoke and loadtest against a moto server on 127.0.0.1 over real HTTP.

Moto answers with canned bodies: these tests check the transport, the lookups, the waits and
the error paths, not what a model would say.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

import lmi_cli.invoke
from lmi_cli.invoke import InvokeError, find_target, invoke
from lmi_cli.invoke.__main__ import main
from tests.conftest import REPO
from tests.contract.aws_contract import strict_client

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


@pytest.fixture(autouse=True)
def strict_invoke_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call invoke makes is held to AWS's contract (lengths, patterns, enums)."""
    plain = lmi_cli.invoke.client
    monkeypatch.setattr(lmi_cli.invoke, "client", lambda service, region=None: strict_client(plain(service, region)))


def aws(url: str, service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=url)


def deploy(url: str, name: str, outputs: dict[str, str], *, endpoint: bool = True) -> None:
    """What `cdk deploy` would leave behind: the stack outputs and an InService endpoint."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    aws(url, "cloudformation").create_stack(StackName=f"lmi-{name}", TemplateBody=json.dumps(template))
    if endpoint:
        sagemaker = aws(url, "sagemaker")
        sagemaker.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
        sagemaker.create_endpoint_config(
            EndpointConfigName=f"{name}-config",
            ProductionVariants=[
                {"VariantName": "AllTraffic", "ModelName": f"{name}-model", "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.xlarge"}  # moto knows no g5
            ],
        )  # fmt: skip
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


@pytest.fixture
def env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LMI_AWS_ENDPOINT_URL", moto_url)
    return moto_url


def test_realtime_invoke_prints_answer_and_latency(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    deploy(env, "rt-model", {"EndpointName": "rt-model", "EndpointArn": "arn:x"})
    assert main(["rt-model", "--configs", str(REPO / "examples")]) == 0
    out, err = capsys.readouterr()
    assert out.strip()  # moto's canned body
    assert err.startswith("realtime rt-model: ") and err.rstrip().endswith(" ms")


def test_async_invoke_uploads_and_waits_for_the_output(env: str, tmp_path: Path) -> None:
    aws(env, "s3").create_bucket(Bucket="lmi-async-payloads-123456789012-us-east-1")
    deploy(env, "async-model", {
        "EndpointName": "async-model",
        "InputUri": "s3://lmi-async-payloads-123456789012-us-east-1/async/async-model/input/",
        "OutputUri": "s3://lmi-async-payloads-123456789012-us-east-1/async/async-model/output/",
    })  # fmt: skip
    requests.post(
        f"{env}/moto-api/static/sagemaker/async-endpoint-results",
        json={"results": [{"data": json.dumps({"generated_text": "SageMaker hosts models."})}]},
        timeout=10,
    )
    target = find_target("async-model", endpoint=None, configs=tmp_path, region="us-east-1")
    assert target.kind == "async"
    answer = invoke(target, {"inputs": "hi"}, region="us-east-1", timeout_s=10)
    assert json.loads(answer.body) == {"generated_text": "SageMaker hosts models."}
    uploaded = aws(env, "s3").list_objects_v2(
        Bucket="lmi-async-payloads-123456789012-us-east-1", Prefix="async/async-model/input/"
    )
    assert uploaded["KeyCount"] == 1


def test_async_failure_is_reported(env: str, tmp_path: Path) -> None:
    aws(env, "s3").create_bucket(Bucket="payloads-fail")
    deploy(env, "async-fail", {"EndpointName": "async-fail", "InputUri": "s3://payloads-fail/in/"})
    requests.post(
        f"{env}/moto-api/static/sagemaker/async-endpoint-results",
        json={"results": [{"is_failure": True, "data": "CUDA out of memory"}]},
        timeout=10,
    )
    target = find_target("async-fail", endpoint=None, configs=tmp_path, region="us-east-1")
    with pytest.raises(InvokeError, match="async request failed: CUDA out of memory"):
        invoke(target, {"inputs": "hi"}, region="us-east-1", timeout_s=10)


def test_batch_wait_has_a_deadline(env: str, tmp_path: Path) -> None:
    machine = aws(env, "stepfunctions").create_state_machine(
        name="batch-model",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    deploy(env, "batch-model", {"StateMachineArn": machine}, endpoint=False)
    target = find_target("batch-model", endpoint=None, configs=tmp_path, region="us-east-1")
    assert target.kind == "batch"
    with pytest.raises(InvokeError, match=r"still running after 1 s"):
        invoke(target, {}, region="us-east-1", timeout_s=1)


def test_missing_stack_is_one_clear_line(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nothing-here"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("invoke nothing-here: stack lmi-nothing-here not found: deploy it first, or pass --endpoint")
    assert "\n" not in err and "Traceback" not in err


def test_missing_endpoint(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ghost", "--endpoint", "ghost-endpoint"]) == 1
    assert capsys.readouterr().err.startswith("invoke ghost: endpoint ghost-endpoint not found")


def test_missing_credentials(
    env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # forget credentials resolved by earlier tests
    assert main(["anything", "--endpoint", "x"]) == 1
    assert "configure AWS credentials" in capsys.readouterr().err


@pytest.mark.slow
def test_short_load_test_reports_real_figures(moto_url: str, tmp_path: Path) -> None:
    deploy(moto_url, "load-model", {"EndpointName": "load-model"})
    environment = {**os.environ, "LMI_AWS_ENDPOINT_URL": moto_url, "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-m", "lmi_cli.invoke.loadtest", "load-model", "--users", "2", "--duration", "3",
         "--report-dir", str(tmp_path), "--configs", str(tmp_path)],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "requests" in result.stderr  # the progress display
    with (tmp_path / "loadtest-load-model.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert int(row["requests"]) > 0 and int(row["failures"]) == 0
    assert float(row["p50_ms"]) > 0 and float(row["requests_per_s"]) > 0
    assert float(row["p50_ms"]) <= float(row["p95_ms"]) <= float(row["p99_ms"])
    assert (
        "| requests | failures | requests/s | p50 ms | p95 ms | p99 ms |"
        in (tmp_path / "loadtest-load-model.md").read_text()
    )
