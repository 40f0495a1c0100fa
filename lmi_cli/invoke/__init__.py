"""Talk to what you deployed: one request the right way for each kind, with its latency.

Finds the endpoint or state machine from the outputs of the model's stack (DescribeStacks) or
takes `--endpoint`. Every wait has a deadline; every failure is one line (InvokeError).
boto3 clients honour LMI_AWS_ENDPOINT_URL, so tests can point them at a local moto server.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmi_core import naming
from lmi_core.json_object import NotAnObject, json_object
from lmi_core.kinds import Invocation

DEFAULT_PAYLOAD: dict[str, Any] = {
    "inputs": "In one sentence, what is Amazon SageMaker?",
    "parameters": {"max_new_tokens": 64, "temperature": 0.2},
}


# What one request may carry: InvokeEndpoint's Body (botocore's sagemaker-runtime model: BodyBlob max 6,291,456
# bytes); a serverless endpoint's 4 MB and an async request's 1 GB (its input is an S3 object), per the SageMaker
# developer guide (serverless-endpoints-invoke, async-inference).
SYNC_PAYLOAD_BYTES = 6_291_456
SERVERLESS_PAYLOAD_BYTES = 4 * 1024 * 1024
ASYNC_PAYLOAD_BYTES = 1024 * 1024 * 1024
PAYLOAD_SHAPE = '(allowed: one JSON object in UTF-8, like {"inputs": "..."})'


class InvokeError(Exception):
    """A one-line, user-facing failure."""


@dataclass(frozen=True)
class Target:
    model: str  # what the user named: a model, or a LoRA adapter of a component
    kind: str
    invocation: Invocation  # how to talk to it (lmi_core.kinds)
    outputs: dict[str, str]  # of the stack that deploys it
    component: str | None = None  # the inference component requests name (InferenceComponentName)

    @property
    def endpoint_name(self) -> str:
        return self.outputs.get("EndpointName", self.model)


@dataclass(frozen=True)
class Answer:
    body: str
    latency_s: float
    detail: str = ""


@functools.cache
def _service_models(data_path: str | None) -> Any:
    """One botocore loader per data path (AWS_DATA_PATH, or the profile's data_path) for every session of the
    process: a new session's own loader parses each service's JSON models again, about 0.1 s a client."""
    from botocore.loaders import create_loader

    return create_loader(data_path)


def session(region: str | None = None) -> Any:
    """A boto3 session from AWS_PROFILE, and the region from --region, else AWS_REGION (which boto3 itself
    ignores), else AWS_DEFAULT_REGION or the profile's."""
    import boto3
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    core = botocore.session.get_session()
    try:
        core.register_component("data_loader", _service_models(core.get_config_variable("data_path")))
        made = boto3.Session(
            botocore_session=core,
            profile_name=os.environ.get("AWS_PROFILE") or None,
            region_name=region or os.environ.get("AWS_REGION") or None,
        )
        core.get_scoped_config()  # a profile that does not exist raises here, not when the session is made
    except ProfileNotFound as exc:
        raise InvokeError(f"{exc} (AWS_PROFILE)") from None
    paths = made._session.get_component("data_loader").search_paths  # each boto3 session appends its path again
    paths[:] = dict.fromkeys(paths)
    return made


def client(service: str, region: str | None = None) -> Any:
    return session(region).client(service, endpoint_url=os.environ.get("LMI_AWS_ENDPOINT_URL") or None)


@dataclass(frozen=True)
class Known:
    """What the configs say about a name: its kind, how to invoke it, and the model whose stack deploys it."""

    kind: str
    invocation: Invocation
    owner: str


def kind_from_configs(model: str, configs: Path) -> Known | None:
    from lmi_cli.project import project_configs
    from lmi_core.kinds import kind_of

    try:
        for loaded in project_configs(configs):
            kind = kind_of(loaded.config)
            if model == loaded.config.name or model in kind.invocable_names(loaded.config):
                return Known(kind.name, kind.invocation, loaded.config.name)
    except Exception:  # a broken config must not stop a smoke test of what is deployed
        return None
    return None


def invocation_from_outputs(outputs: dict[str, str]) -> Invocation:
    """Without the config: the stack outputs tell how to talk to the model."""
    if "StateMachineArn" in outputs:
        return "batch"
    if "InputUri" in outputs:
        return "async"
    return "component" if "InferenceComponentName" in outputs else "endpoint"


def name_stage(stage: str | None) -> str | None:
    """The suffix a stage's physical names carry (cdk.json's stages and unsuffixed_stage), as synth names them;
    ConfigError when cdk.json is malformed."""
    from lmi_core.settings import project_settings

    settings, problems = project_settings(stage or None)
    if problems:
        raise InvokeError(problems[0])
    return settings.name_stage


def find_target(
    model: str,
    *,
    endpoint: str | None,
    configs: Path,
    region: str | None,
    component: str | None = None,
    suffix: str | None = None,
) -> Target:
    """`suffix`: the stage's name suffix (name_stage); None for the stage that keeps bare names."""
    if endpoint is not None:
        invocation: Invocation = "endpoint" if component is None else "component"
        kind = "realtime" if component is None else "component"
        return Target(model, kind, invocation, {"EndpointName": endpoint}, component)
    known = kind_from_configs(model, configs)
    stack = naming.stack_name(known.owner if known is not None else model, suffix)
    try:
        stacks = client("cloudformation", region).describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:
        _credentials_first(exc)
        raise InvokeError(f"stack {stack} not found: deploy it first, or pass --endpoint ({_why(exc)})") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if known is None:
        invocation = invocation_from_outputs(outputs)
        kind = {"endpoint": "realtime", "component": "component"}.get(invocation, invocation)
        return Target(model, kind, invocation, outputs, outputs.get("InferenceComponentName"))
    if known.invocation == "none":
        raise InvokeError(f"{model} is kind {known.kind}: it hosts components; invoke one of them instead")
    name = naming.component_name(naming.staged(model, suffix)) if known.invocation == "component" else None
    return Target(model, known.kind, known.invocation, outputs, name)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The options invoke and loadtest share: which deployed model, where, and what to send."""
    parser.add_argument("--payload", type=Path, help="JSON request (default: a short LMI prompt)")
    parser.add_argument("--endpoint", help="endpoint name instead of the stack outputs")
    parser.add_argument("--component", help="with --endpoint: the inference component (or adapter) to invoke")
    parser.add_argument("--region", help="default: AWS_REGION, then AWS_DEFAULT_REGION (profile: AWS_PROFILE)")
    parser.add_argument("--stage", help="the stage it was deployed in (make deploy STAGE=...): its stack and names")
    parser.add_argument(
        "--configs", type=Path, default=None, help="default: cdk.json's `model_configs` (model_configs/ without it)"
    )


def payload_limit(target: Target) -> tuple[int, str]:
    """(the most bytes one request to `target` may carry, what sets it)."""
    if target.invocation == "async":
        return ASYNC_PAYLOAD_BYTES, "an async request"
    if target.kind == "serverless":
        return SERVERLESS_PAYLOAD_BYTES, "a serverless endpoint"
    return SYNC_PAYLOAD_BYTES, "InvokeEndpoint"


def _payload_size(path: Path, status: os.stat_result, limit: int, what: str) -> None:
    """InvokeError unless `status` is a regular file of at most `limit` bytes."""
    if not stat.S_ISREG(status.st_mode):
        raise InvokeError(
            f"--payload {path}: is not a regular file (allowed: a JSON file; not a FIFO, device or folder)"
        )
    if status.st_size > limit:
        raise InvokeError(f"--payload {path}: is {status.st_size:,} bytes (allowed: at most {limit:,} for {what})")


def check_payload_file(path: Path) -> None:
    """Before any AWS call: the payload is a regular file, under the largest limit of any target."""
    try:
        status = path.stat()
    except OSError as exc:
        raise InvokeError(f"--payload {path}: cannot be read: {exc.strerror or exc}") from None
    _payload_size(path, status, ASYNC_PAYLOAD_BYTES, "an async request")


def read_payload(path: Path, limit: int, what: str) -> dict[str, Any]:
    """The JSON object in `path`, read without blocking (a FIFO) and never past `limit` bytes (/dev/zero)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InvokeError(f"--payload {path}: cannot be read: {exc.strerror or exc}") from None
    with open(descriptor, "rb") as file:
        _payload_size(path, os.fstat(file.fileno()), limit, what)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise InvokeError(
            f"--payload {path}: grew past {limit:,} bytes while it was read (allowed: at most {limit:,} for {what})"
        )
    try:
        payload = json_object(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvokeError(f"--payload {path}: is not UTF-8 text (byte {exc.start}) {PAYLOAD_SHAPE}") from None
    if isinstance(payload, NotAnObject):
        where = f"{path}:{payload.line}" if payload.line else f"--payload {path}"
        column = f" (column {payload.column})" if payload.column else ""
        raise InvokeError(f"{where}: {payload.message}{column} {PAYLOAD_SHAPE}")
    sent = len(json.dumps(payload).encode())  # what invoke and loadtest send: non-ASCII text grows to \uXXXX
    if sent > limit:
        raise InvokeError(f"--payload {path}: is {sent:,} bytes as sent (allowed: at most {limit:,} for {what})")
    return payload


def target_and_payload(args: argparse.Namespace) -> tuple[Target, dict[str, Any]]:
    """The target and request the options of add_target_arguments name (InvokeError; OSError from AWS clients)."""
    from lmi_core.issues import ConfigError
    from lmi_core.settings import project_config_dir

    if args.payload:
        check_payload_file(args.payload)
    try:
        configs = args.configs or project_config_dir()
        suffix = name_stage(args.stage)
    except ConfigError as exc:  # cdk.json is malformed
        raise InvokeError(str(exc)) from None
    target = find_target(
        args.model, endpoint=args.endpoint, configs=configs, region=args.region, component=args.component, suffix=suffix
    )
    payload = read_payload(args.payload, *payload_limit(target)) if args.payload else DEFAULT_PAYLOAD
    return target, payload


CREDENTIAL_ERRORS = ("NoCredentialsError", "PartialCredentialsError", "NoRegionError")


def _credentials_first(exc: Exception) -> None:
    """Missing credentials would otherwise read as 'not found'."""
    if type(exc).__name__ in CREDENTIAL_ERRORS:
        raise InvokeError(f"{type(exc).__name__}: {exc} (configure AWS credentials and a region)") from None


def _why(exc: Exception) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return error.get("Message") or type(exc).__name__


def ensure_in_service(target: Target, region: str | None) -> None:
    try:
        status = client("sagemaker", region).describe_endpoint(EndpointName=target.endpoint_name)["EndpointStatus"]
    except Exception as exc:
        _credentials_first(exc)
        raise InvokeError(f"endpoint {target.endpoint_name} not found ({_why(exc)})") from None
    if status != "InService":
        raise InvokeError(f"endpoint {target.endpoint_name} is {status}, not InService: try again when it is")


def invoke(target: Target, payload: dict[str, Any], *, region: str | None, timeout_s: float) -> Answer:
    if target.invocation == "batch":
        return _run_batch(target, payload, region, timeout_s)
    ensure_in_service(target, region)
    if target.invocation == "async":
        return _invoke_async(target, payload, region, timeout_s)
    runtime = client("sagemaker-runtime", region)
    start = time.perf_counter()
    try:
        response = runtime.invoke_endpoint(
            EndpointName=target.endpoint_name, ContentType="application/json", Accept="application/json",
            Body=json.dumps(payload).encode(), **component_parameter(target),
        )  # fmt: skip
    except Exception as exc:
        if target.component is not None and running_copies(target.component, region) == 0:
            raise InvokeError(
                f"{target.component} has no copy running (scaled to zero): this request wakes it; a copy takes "
                f"minutes to start, and requests fail until it is up ({_why(exc)})"
            ) from None
        raise
    body = response["Body"].read().decode("utf-8", "replace")
    return Answer(body, time.perf_counter() - start)


def component_parameter(target: Target) -> dict[str, str]:
    """InvokeEndpoint's InferenceComponentName for a component or adapter, nothing for an endpoint."""
    return {} if target.component is None else {"InferenceComponentName": target.component}


def running_copies(component: str, region: str | None) -> int | None:
    """The component's current copy count (None when SageMaker does not say)."""
    try:
        described = client("sagemaker", region).describe_inference_component(InferenceComponentName=component)
    except Exception:
        return None
    count = described.get("RuntimeConfig", {}).get("CurrentCopyCount")
    return count if isinstance(count, int) else None


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _invoke_async(target: Target, payload: dict[str, Any], region: str | None, timeout_s: float) -> Answer:
    if "InputUri" not in target.outputs:
        raise InvokeError(f"stack {naming.stack_name(target.model)} has no InputUri output: is it an async model?")
    s3 = client("s3", region)
    bucket, prefix = _split(target.outputs["InputUri"])
    key = f"{prefix}{uuid.uuid4()}.json"
    start = time.perf_counter()
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(payload).encode(), ContentType="application/json")
    response = client("sagemaker-runtime", region).invoke_endpoint_async(
        EndpointName=target.endpoint_name, InputLocation=f"s3://{bucket}/{key}", ContentType="application/json"
    )
    locations = {"output": response.get("OutputLocation"), "failure": response.get("FailureLocation")}
    deadline = start + timeout_s
    while time.perf_counter() < deadline:
        for outcome, location in locations.items():
            if not location:
                continue
            out_bucket, out_key = _split(location)
            try:
                body = s3.get_object(Bucket=out_bucket, Key=out_key)["Body"].read().decode("utf-8", "replace")
            except Exception:
                continue
            if outcome == "failure":
                raise InvokeError(f"async request failed: {body[:500]}")
            return Answer(body, time.perf_counter() - start, f"result at {location}")
        time.sleep(min(2.0, max(0.05, deadline - time.perf_counter())))
    raise InvokeError(
        f"no result at {locations['output']} within {timeout_s:g} s (the endpoint may be scaling up from zero)"
    )


def _run_batch(target: Target, payload: dict[str, Any], region: str | None, timeout_s: float) -> Answer:
    machine = target.outputs.get("StateMachineArn")
    if machine is None:
        raise InvokeError(
            f"stack {naming.stack_name(target.model)} has no StateMachineArn output: is it a batch model?"
        )
    sfn = client("stepfunctions", region)
    execution_input = {"input_uri": payload["input_uri"]} if "input_uri" in payload else {}
    start = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input))["executionArn"]
    while time.perf_counter() - start < timeout_s:
        described = sfn.describe_execution(executionArn=execution)
        status = described["status"]
        if status == "SUCCEEDED":
            return Answer(described.get("output", "{}"), time.perf_counter() - start, execution)
        if status in ("FAILED", "TIMED_OUT", "ABORTED"):
            raise InvokeError(
                f"batch run {execution} {status}: {described.get('cause') or described.get('error') or ''}"
            )
        time.sleep(min(10.0, max(0.05, timeout_s - (time.perf_counter() - start))))
    raise InvokeError(f"batch run {execution} still running after {timeout_s:g} s")
