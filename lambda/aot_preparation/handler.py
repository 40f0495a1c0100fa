"""Custom-resource handler for ahead-of-time model preparation (CDK `custom_resources.Provider`).

`on_event` starts (or finds) the job; `is_complete` polls it every minute.

Surviving CloudFormation's one-hour limit: names are content-addressed (inputs.py). A deploy whose job
outlives the hour fails and rolls back; Delete then leaves the job running, because the stack is only
rolling back. The next deploy with the same inputs computes the same job name and attaches to the
running job, or finds its completion marker and succeeds at once. Delete stops a job only when the
stack really removes this resource (DELETE_IN_PROGRESS, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) and the
job was started by this very resource (its `lmi:started-by` tag). Prepared artifacts are never deleted.

Faults: a job that completed but wrote nothing, or that failed, is followed by the next attempt name
on the next deploy; a marker counts only while the output it vouches for is there; Stopping is waited
out; a concurrent Create of the same job attaches to it; throttling is retried with backoff.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engines import ENGINES, Engine
from inputs import MARKER, AotInputs, PropertyError, parse_properties
from job_requests import compile_script, job_serving_properties, started_by

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

MAX_ATTEMPTS = 20
REMOVING = ("DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
HASH_ID = re.compile(r"^[0-9a-f]{16}$")
THROTTLING = ("Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown")
BACKOFF_SECONDS = (1, 2, 4, 8, 16)
# Before the Provider's 55 minutes run out ("Operation timed out", with no word of the job), fail with ours.
GIVE_UP_SECONDS = 52 * 60


@dataclass(frozen=True)
class CustomResourceEvent:
    """The fields of a CloudFormation custom-resource event that this handler uses."""

    request_type: str  # Create | Update | Delete
    stack_id: str
    logical_resource_id: str
    properties: dict[str, Any]
    physical_resource_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # on_event's Data, passed to is_complete

    @classmethod
    def parse(cls, event: dict[str, Any]) -> CustomResourceEvent:
        request_type = event.get("RequestType")
        if request_type not in ("Create", "Update", "Delete"):
            raise PropertyError(f"RequestType must be Create, Update or Delete, got {request_type!r}")
        properties = {k: v for k, v in (event.get("ResourceProperties") or {}).items() if k != "ServiceToken"}
        return cls(
            request_type=request_type,
            stack_id=str(event.get("StackId", "")),
            logical_resource_id=str(event.get("LogicalResourceId", "")),
            properties=properties,
            physical_resource_id=event.get("PhysicalResourceId"),
            data=event.get("Data") or {},
        )

    @property
    def started_by(self) -> str:
        return started_by(self.stack_id, self.logical_resource_id)


@dataclass
class Clients:
    sagemaker: Any
    s3: Any
    cloudformation: Any
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time


_default: Clients | None = None


def default_clients() -> Clients:
    global _default  # noqa: PLW0603
    if _default is None:
        import boto3

        _default = Clients(boto3.client("sagemaker"), boto3.client("s3"), boto3.client("cloudformation"))
    return _default


# ---------------------------------------------------------------- entry points


def on_event(event: dict[str, Any], context: Any = None, clients: Clients | None = None) -> dict[str, Any]:
    request = CustomResourceEvent.parse(event)
    clients = clients or default_clients()
    LOG.info("on_event %s %s", request.request_type, request.physical_resource_id)
    if request.request_type == "Delete":
        return delete(request, clients)
    return create_or_attach(request, clients)


def is_complete(event: dict[str, Any], context: Any = None, clients: Clients | None = None) -> dict[str, Any]:
    request = CustomResourceEvent.parse(event)
    if request.request_type == "Delete":
        return {"IsComplete": True}
    clients = clients or default_clients()
    inputs = parse_properties(request.properties)
    engine = ENGINES[inputs.engine]
    prepared = completed_marker(clients, inputs)
    if prepared is not None:
        return {"IsComplete": True, "Data": prepared}
    name = str(request.data.get("JobName") or inputs.job_name())
    job = retried(clients, engine.describe, clients.sagemaker, name)
    status = engine.status(job)
    LOG.info("job %s is %s", name, status)
    if status == "running":
        waited = clients.now() - float(request.data.get("WaitStartedAt") or clients.now())
        if waited > GIVE_UP_SECONDS:
            raise RuntimeError(
                f"AOT job {name} still runs after {waited / 60:.0f} minutes of this deploy, and CloudFormation "
                "waits at most an hour for a custom resource; the job keeps running: deploy again with the same "
                "inputs to attach to it"
            )
        return {"IsComplete": False}
    if status == "completed":
        if not has_objects(clients, inputs.output_bucket, inputs.output_key):
            raise RuntimeError(
                f"AOT job {name} completed but wrote nothing under {inputs.output_prefix}; "
                "the next deploy starts the next attempt"
            )
        return {"IsComplete": True, "Data": finish(clients, inputs, engine, job, name)}
    reason = job.get("FailureReason", "no FailureReason given")
    raise RuntimeError(f"AOT job {name} {status}: {reason}; the next deploy starts the next attempt")


# ---------------------------------------------------------------- operations


def create_or_attach(request: CustomResourceEvent, clients: Clients) -> dict[str, Any]:
    """Create and Update alike: the content hash decides. Same hash as before: nothing new (same
    physical id). New hash: a new job and a new physical id; CloudFormation then deletes the old one."""
    inputs = parse_properties(request.properties)
    engine = ENGINES[inputs.engine]
    response = {"PhysicalResourceId": inputs.content_hash}
    prepared = completed_marker(clients, inputs)
    if prepared is not None:
        LOG.info("already prepared at %s", inputs.output_prefix)
        return {**response, "Data": prepared}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = inputs.job_name(attempt)
        job = describe_or_none(clients, engine, name)
        if job is None:
            start(clients, inputs, engine, name, request.started_by)
            return {**response, "Data": waiting(clients, inputs, name)}
        status = engine.status(job)
        if status == "running" and engine.stoppable(job):
            LOG.info("attaching to running job %s", name)
            return {**response, "Data": waiting(clients, inputs, name)}
        if status == "running":  # stopping: it will end Stopped, which would fail this deploy
            LOG.info("job %s is stopping; trying the next attempt name", name)
            continue
        if status == "completed" and has_objects(clients, inputs.output_bucket, inputs.output_key):
            return {**response, "Data": finish(clients, inputs, engine, job, name)}
        LOG.info("job %s ended %s without usable output; trying the next attempt name", name, status)
    raise RuntimeError(f"{MAX_ATTEMPTS} AOT attempts for hash {inputs.content_hash} failed; see their FailureReason")


def delete(request: CustomResourceEvent, clients: Clients) -> dict[str, Any]:
    """Never deletes artifacts. Stops only a running job that this resource started, and only when the
    stack really removes the resource (not during a rollback)."""
    physical_id = request.physical_resource_id or ""
    response = {"PhysicalResourceId": physical_id}
    if not HASH_ID.match(physical_id):
        return response  # the create never got as far as a job
    try:
        inputs = parse_properties(request.properties)
    except PropertyError:
        return response
    engine = ENGINES[inputs.engine]
    status = stack_status(clients, request.stack_id)
    if status not in REMOVING:
        LOG.info("stack is %s: leaving any running job for the next deploy to attach to", status)
        return response
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = inputs.job_name(attempt)
        job = describe_or_none(clients, engine, name)
        if job is None:
            break
        if engine.stoppable(job) and started_here(clients, engine, job, request):
            LOG.info("stopping %s", name)
            try:
                retried(clients, engine.stop, clients.sagemaker, name)
            except Exception as exc:  # it ended between the describe and the stop: nothing left to stop
                if error_code(exc) != "ValidationException":
                    raise
                LOG.info("%s no longer runs: %s", name, exc)
    return response


# ---------------------------------------------------------------- helpers


def waiting(clients: Clients, inputs: AotInputs, job_name: str) -> dict[str, str]:
    """on_event's Data while is_complete waits: the result so far, and when this deploy began to wait."""
    return {**result(inputs, job_name, ""), "WaitStartedAt": str(int(clients.now()))}


def result(inputs: AotInputs, job_name: str, image: str) -> dict[str, str]:
    return {
        "OutputPrefix": inputs.output_prefix,
        "JobName": job_name,
        "ContentHash": inputs.content_hash,
        "RecommendedImage": image or inputs.image_uri,
    }


def error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def retried(clients: Clients, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`call`, retried with backoff while AWS throttles."""
    for delay in (*BACKOFF_SECONDS, None):
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            if error_code(exc) not in THROTTLING or delay is None:
                raise
            LOG.info("throttled (%s); retrying in %s s", error_code(exc), delay)
            clients.sleep(delay)
    raise AssertionError("unreachable")


def describe_or_none(clients: Clients, engine: Engine, name: str) -> dict[str, Any] | None:
    try:
        job: dict[str, Any] = retried(clients, engine.describe, clients.sagemaker, name)
    except Exception as exc:  # ResourceNotFound; training jobs answer ValidationException "not found"
        if error_code(exc) == "ResourceNotFound" or any(
            text in str(exc).lower() for text in ("not found", "could not find", "does not exist")
        ):
            return None
        raise
    return job


def has_objects(clients: Clients, bucket: str, prefix: str) -> bool:
    """ListObjectsV2 (a prefix-scoped ListBucket grant answers it; HeadObject would 403 for missing keys)."""
    listing = retried(clients, clients.s3.list_objects_v2, Bucket=bucket, Prefix=prefix, MaxKeys=1)
    return bool(listing.get("KeyCount", len(listing.get("Contents", []))))


def completed_marker(clients: Clients, inputs: AotInputs) -> dict[str, str] | None:
    """The result recorded by a finished preparation, if its marker and its output are both there."""
    if not has_objects(clients, inputs.output_bucket, inputs.marker_key):
        return None
    if not has_objects(clients, inputs.output_bucket, inputs.output_key):
        LOG.info("marker found but %s is empty: ignoring it", inputs.output_prefix)
        return None
    body = retried(clients, clients.s3.get_object, Bucket=inputs.output_bucket, Key=inputs.marker_key)["Body"]
    marker = json.loads(body.read())
    return result(inputs, str(marker.get("job", "")), str(marker.get("image", "")))


def put(clients: Clients, inputs: AotInputs, key: str, body: bytes, content_type: str) -> None:
    extra: dict[str, Any] = {}
    if inputs.kms_key_id:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": inputs.kms_key_id}
    retried(
        clients, clients.s3.put_object,
        Bucket=inputs.output_bucket, Key=key, Body=body, ContentType=content_type, **extra,
    )  # fmt: skip


def start(clients: Clients, inputs: AotInputs, engine: Engine, name: str, starter: str) -> None:
    if engine.name == "training-job":
        put(
            clients,
            inputs,
            f"{inputs.input_key}serving.properties",
            job_serving_properties(inputs).encode(),
            "text/plain",
        )
        put(clients, inputs, f"{inputs.input_key}compile.sh", compile_script(inputs).encode(), "text/x-shellscript")
    try:
        retried(clients, engine.create, clients.sagemaker, engine.request(inputs, name, starter))
    except Exception as exc:  # a concurrent Create of the same hash got there first: attach to its job
        if error_code(exc) == "ResourceInUse" or "already exists" in str(exc).lower():
            LOG.info("%s was started concurrently; attaching", name)
            return
        raise
    LOG.info("started %s -> %s", name, inputs.output_prefix)


def finish(clients: Clients, inputs: AotInputs, engine: Engine, job: dict[str, Any], name: str) -> dict[str, str]:
    """Record the completed preparation (job, output, image to serve it with) next to its output."""
    image = engine.recommended_image(job, inputs)
    marker = {
        "job": name,
        "hash": inputs.content_hash,
        "output": inputs.output_prefix,
        "image": image,
        "completed": datetime.now(UTC).isoformat(),
    }
    put(clients, inputs, inputs.marker_key, json.dumps(marker).encode(), "application/json")
    return result(inputs, name, image)


def stack_status(clients: Clients, stack_id: str) -> str:
    stacks = retried(clients, clients.cloudformation.describe_stacks, StackName=stack_id)["Stacks"]
    return str(stacks[0]["StackStatus"]) if stacks else "UNKNOWN"


def started_here(clients: Clients, engine: Engine, job: dict[str, Any], request: CustomResourceEvent) -> bool:
    tags = retried(clients, clients.sagemaker.list_tags, ResourceArn=engine.arn(job)).get("Tags", [])
    return any(t["Key"] == "lmi:started-by" and t["Value"] == request.started_by for t in tags)


__all__ = ["MARKER", "Clients", "CustomResourceEvent", "is_complete", "on_event"]
