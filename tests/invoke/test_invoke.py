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
from datetime import UTC, datetime
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


def test_a_model_deployed_in_a_stage_is_found_by_its_staged_stack(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make deploy STAGE=prod` names the stack lmi-<model>-prod; `make invoke STAGE=prod` must look there."""
    deploy(env, "staged-model-prod", {"EndpointName": "staged-model-prod"})
    assert main(["staged-model", "--stage", "prod", "--configs", str(tmp_path)]) == 0
    assert capsys.readouterr().err.startswith("realtime staged-model: ")
    assert main(["staged-model", "--configs", str(tmp_path)]) == 1  # dev keeps bare names: lmi-staged-model
    assert "stack lmi-staged-model not found" in capsys.readouterr().err
    assert main(["staged-model", "--stage", "qa", "--configs", str(tmp_path)]) == 1
    assert "qa" in capsys.readouterr().err


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
    with pytest.raises(InvokeError, match=r"still running after 0.3 s"):
        invoke(target, {}, region="us-east-1", timeout_s=0.3)


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


def loadtest(moto_url: str, reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m lmi_cli.invoke.loadtest ARGS` against the moto server, reports (and configs) in `reports`."""
    environment = {**os.environ, "LMI_AWS_ENDPOINT_URL": moto_url, "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(
        [sys.executable, "-m", "lmi_cli.invoke.loadtest", *args, "--report-dir", str(reports), "--configs", str(reports)],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_short_load_test_reports_real_figures(moto_url: str, tmp_path: Path) -> None:
    deploy(moto_url, "load-model", {"EndpointName": "load-model"})
    result = loadtest(moto_url, tmp_path, "load-model", "--users", "2", "--duration", "1")
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


# ---------------------------------------------------------------- inference components and adapters


@pytest.fixture
def sent_components(monkeypatch: pytest.MonkeyPatch) -> list[bytes | None]:
    """The InferenceComponentName header of every InvokeEndpoint request the tools send."""
    import lmi_cli.invoke as invoke_module

    sent: list[bytes | None] = []
    original = invoke_module.client

    def recording(service: str, region: str | None = None) -> Any:
        made = original(service, region)
        made.meta.events.register(
            "before-send.sagemaker-runtime.InvokeEndpoint",
            lambda request, **_: sent.append(request.headers.get("X-Amzn-SageMaker-Inference-Component")),
        )
        return made

    monkeypatch.setattr(invoke_module, "client", recording)
    return sent


def test_component_and_adapter_invoke_send_the_component_name(
    env: str, sent_components: list[bytes | None], capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(env, "pool-g5-48xl", {"EndpointName": "pool-g5-48xl"})
    deploy(
        env, "llama3-8b-ic", {"EndpointName": "pool-g5-48xl", "InferenceComponentName": "llama3-8b-ic"}, endpoint=False
    )
    examples = str(REPO / "examples")
    assert main(["llama3-8b-ic", "--configs", examples]) == 0
    assert main(["llama3-8b-sql", "--configs", examples]) == 0  # an adapter: its base's stack, its own name
    assert sent_components == [b"llama3-8b-ic", b"llama3-8b-sql"]  # botocore sends header values as bytes
    assert capsys.readouterr().err.splitlines()[-1].startswith("component llama3-8b-sql: ")


def test_component_target_without_configs_comes_from_the_outputs(env: str, tmp_path: Path) -> None:
    deploy(env, "no-config-ic", {"EndpointName": "some-pool", "InferenceComponentName": "no-config-ic"}, endpoint=False)
    target = find_target("no-config-ic", endpoint=None, configs=tmp_path, region="us-east-1")
    assert (target.invocation, target.component, target.endpoint_name) == ("component", "no-config-ic", "some-pool")
    by_hand = find_target("x", endpoint="some-pool", component="x-sql", configs=tmp_path, region="us-east-1")
    assert (by_hand.invocation, by_hand.component) == ("component", "x-sql")


def test_an_endpoint_that_only_hosts_components_is_not_invoked(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its own pool (a copy of the example's), deployed here: the test passes alone and in any order."""
    pool = (REPO / "examples" / "pool-g5-48xl.yaml").read_text().replace("name: pool-g5-48xl", "name: pool-only")
    (tmp_path / "pool-only.yaml").write_text(pool)
    deploy(env, "pool-only", {"EndpointName": "pool-only"}, endpoint=False)
    assert main(["pool-only", "--configs", str(tmp_path)]) == 1
    assert "is kind endpoint: it hosts components; invoke one of them instead" in capsys.readouterr().err


def test_a_component_at_zero_copies_explains_the_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """SageMaker refuses while no copy runs; invoke says why (botocore Stubber: moto has no components)."""
    import botocore.session
    from botocore.stub import Stubber

    import lmi_cli.invoke as invoke_module
    from lmi_cli.invoke import Target

    session = botocore.session.get_session()
    sagemaker = session.create_client("sagemaker", region_name="us-east-1")
    runtime = session.create_client("sagemaker-runtime", region_name="us-east-1")
    clients = {"sagemaker": sagemaker, "sagemaker-runtime": runtime}
    monkeypatch.setattr(invoke_module, "client", lambda service, region=None: clients[service])
    with Stubber(sagemaker) as sm, Stubber(runtime) as rt:
        sm.add_response("describe_endpoint", _endpoint("pool"), {"EndpointName": "pool"})
        rt.add_client_error(
            "invoke_endpoint",
            "ValidationError",
            "Inference Component has no capacity to process this request.",
            expected_params={
                "EndpointName": "pool", "InferenceComponentName": "chat", "ContentType": "application/json",
                "Accept": "application/json", "Body": b'{"inputs": "hi"}',
            },
        )  # fmt: skip
        sm.add_response(
            "describe_inference_component",
            _component("chat", copies=0),
            {"InferenceComponentName": "chat"},
        )
        target = Target("chat", "component", "component", {"EndpointName": "pool"}, "chat")
        with pytest.raises(InvokeError, match=r"chat has no copy running \(scaled to zero\): this request wakes it"):
            invoke(target, {"inputs": "hi"}, region="us-east-1", timeout_s=1)
        sm.assert_no_pending_responses()
        rt.assert_no_pending_responses()


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _endpoint(name: str) -> dict[str, Any]:
    return {
        "EndpointName": name, "EndpointArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
        "EndpointConfigName": "config", "EndpointStatus": "InService", "CreationTime": NOW, "LastModifiedTime": NOW,
    }  # fmt: skip


def _component(name: str, *, copies: int) -> dict[str, Any]:
    return {
        "InferenceComponentName": name,
        "InferenceComponentArn": f"arn:aws:sagemaker:us-east-1:123456789012:inference-component/{name}",
        "EndpointName": "pool", "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/pool",
        "CreationTime": NOW, "LastModifiedTime": NOW, "InferenceComponentStatus": "InService",
        "RuntimeConfig": {"DesiredCopyCount": 1, "CurrentCopyCount": copies},
    }  # fmt: skip


@pytest.mark.slow
def test_load_test_of_a_component(moto_url: str, tmp_path: Path) -> None:
    deploy(moto_url, "load-pool", {"EndpointName": "load-pool"})
    result = loadtest(
        moto_url, tmp_path, "chat", "--endpoint", "load-pool", "--component", "chat", "--users", "1", "--duration", "1"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with (tmp_path / "loadtest-chat.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["endpoint"] == "load-pool, component chat"
    assert int(row["requests"]) > 0 and int(row["failures"]) == 0


def test_region_and_profile_come_from_aws_region_and_aws_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """boto3 alone ignores AWS_REGION (it reads AWS_DEFAULT_REGION); the README exports AWS_REGION."""
    config = tmp_path / "aws-config"
    config.write_text("[profile team]\nregion = ap-southeast-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert lmi_cli.invoke.session().region_name == "eu-west-1"  # over AWS_DEFAULT_REGION=us-east-1
    assert lmi_cli.invoke.session("us-west-2").region_name == "us-west-2"  # --region wins
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_PROFILE", "team")
    session = lmi_cli.invoke.session()
    assert session.profile_name == "team" and session.region_name == "ap-southeast-2"
    monkeypatch.setenv("AWS_PROFILE", "nobody")
    with pytest.raises(InvokeError, match=r"nobody.*AWS_PROFILE"):
        lmi_cli.invoke.session()


def test_sessions_share_one_loader_of_service_models() -> None:
    """Each client of a new session would parse the service's JSON models again (about 0.1 s a client)."""
    first, second = lmi_cli.invoke.session(), lmi_cli.invoke.session("eu-west-1")
    loader = first._session.get_component("data_loader")
    assert second._session.get_component("data_loader") is loader
    assert len(loader.search_paths) == len(set(loader.search_paths))  # boto3 appends its path per session
    assert (first.region_name, second.region_name) == ("us-east-1", "eu-west-1")


def test_service_models_from_aws_data_path_are_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """AWS_DATA_PATH adds service models, as for a plain boto3 session: the shared loader is per data path."""
    model = tmp_path / "models" / "mysvc" / "2020-01-01" / "service-2.json"
    model.parent.mkdir(parents=True)
    model.write_text(json.dumps({"metadata": {"apiVersion": "2020-01-01"}, "operations": {}, "shapes": {}}))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    assert "mysvc" in lmi_cli.invoke.session().get_available_services()
    monkeypatch.delenv("AWS_DATA_PATH")
    assert "mysvc" not in lmi_cli.invoke.session().get_available_services()
