"""Custom-resource handler for ahead-of-time model preparation (CDK `custom_resources.Provider`).

`on_event` starts (or finds) the training job; `is_complete` polls it every minute.

Surviving CloudFormation's one-hour limit: names are content-addressed (job.py). A deploy whose
job outlives the hour fails and rolls back; Delete then leaves the job running, because the
stack is only rolling back (ROLLBACK_IN_PROGRESS / UPDATE_ROLLBACK_IN_PROGRESS). The next
deploy with the same inputs computes the same job name and attaches to the running job, or
finds its completion marker and succeeds at once. Delete stops a job only when the stack really
removes this resource (DELETE_IN_PROGRESS, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) and the job was
started by this very resource (its `lmi:started-by` tag). Prepared artifacts are never deleted.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from job import MARKER, AotInputs, PropertyError, job_serving_properties, parse_properties, training_job_request

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

MAX_ATTEMPTS = 20
RUNNING = ("InProgress", "Stopping")
REMOVING = ("DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
HASH_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class CustomResourceEvent:
    """The fields of a CloudFormation custom-resource event that this handler uses."""

    request_type: str  # Create | Update | Delete
    stack_id: str
    logical_resource_id: str
    properties: dict[str, Any]
    physical_resource_id: str | None = None
    old_properties: dict[str, Any] = field(default_factory=dict)
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
            old_properties=event.get("OldResourceProperties") or {},
            data=event.get("Data") or {},
        )

    @property
    def started_by(self) -> str:
        return f"{self.stack_id}|{self.logical_resource_id}"


@dataclass
class Clients:
    sagemaker: Any
    s3: Any
    cloudformation: Any


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
    if marker_exists(clients, inputs):
        return {"IsComplete": True, "Data": result(inputs, request.data.get("JobName", ""))}
    name = str(request.data.get("JobName") or inputs.job_name())
    job = clients.sagemaker.describe_training_job(TrainingJobName=name)
    status = job["TrainingJobStatus"]
    LOG.info("job %s is %s (%s)", name, status, job.get("SecondaryStatus"))
    if status in RUNNING:
        return {"IsComplete": False}
    if status == "Completed":
        finish(clients, inputs, name)
        return {"IsComplete": True, "Data": result(inputs, name)}
    reason = job.get("FailureReason", "no FailureReason given")
    raise RuntimeError(f"AOT job {name} {status}: {reason}")


# ---------------------------------------------------------------- operations


def create_or_attach(request: CustomResourceEvent, clients: Clients) -> dict[str, Any]:
    """Create and Update alike: the content hash decides. Same hash as before: nothing new
    (same physical id). New hash: a new job and a new physical id; CloudFormation then deletes
    the old resource."""
    inputs = parse_properties(request.properties)
    response = {"PhysicalResourceId": inputs.content_hash}
    if marker_exists(clients, inputs):
        LOG.info("already prepared at %s", inputs.output_prefix)
        return {**response, "Data": result(inputs, "")}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = inputs.job_name(attempt)
        job = describe_or_none(clients, name)
        if job is None:
            start(clients, inputs, name, request.started_by)
            return {**response, "Data": result(inputs, name)}
        status = job["TrainingJobStatus"]
        if status in RUNNING:
            LOG.info("attaching to running job %s", name)
            return {**response, "Data": result(inputs, name)}
        if status == "Completed":
            finish(clients, inputs, name)
            return {**response, "Data": result(inputs, name)}
        LOG.info("job %s %s earlier; trying the next attempt name", name, status)
    raise RuntimeError(f"{MAX_ATTEMPTS} AOT attempts for hash {inputs.content_hash} failed; see their FailureReason")


def delete(request: CustomResourceEvent, clients: Clients) -> dict[str, Any]:
    """Never deletes artifacts. Stops only a running job that this resource started, and only
    when the stack really removes the resource (not during a rollback)."""
    physical_id = request.physical_resource_id or ""
    response = {"PhysicalResourceId": physical_id}
    if not HASH_ID.match(physical_id):
        return response  # the create never got as far as a job
    try:
        inputs = parse_properties(request.properties)
    except PropertyError:
        return response
    status = stack_status(clients, request.stack_id)
    if status not in REMOVING:
        LOG.info("stack is %s: leaving any running job for the next deploy to attach to", status)
        return response
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = inputs.job_name(attempt)
        job = describe_or_none(clients, name)
        if job is None:
            break
        if job["TrainingJobStatus"] == "InProgress" and started_here(clients, job, request):
            LOG.info("stopping %s", name)
            clients.sagemaker.stop_training_job(TrainingJobName=name)
    return response


# ---------------------------------------------------------------- helpers


def result(inputs: AotInputs, job_name: str) -> dict[str, str]:
    return {"OutputPrefix": inputs.output_prefix, "JobName": job_name, "ContentHash": inputs.content_hash}


def describe_or_none(clients: Clients, name: str) -> dict[str, Any] | None:
    try:
        job: dict[str, Any] = clients.sagemaker.describe_training_job(TrainingJobName=name)
    except clients.sagemaker.exceptions.ResourceNotFound:
        return None
    except Exception as exc:  # SageMaker answers ValidationException "Requested resource not found."
        if any(text in str(exc).lower() for text in ("not found", "could not find", "does not exist")):
            return None
        raise
    return job


def marker_exists(clients: Clients, inputs: AotInputs) -> bool:
    try:
        clients.s3.head_object(Bucket=inputs.output_bucket, Key=inputs.marker_key)
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def put(clients: Clients, inputs: AotInputs, key: str, body: bytes, content_type: str) -> None:
    extra: dict[str, Any] = {}
    if inputs.kms_key_id:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": inputs.kms_key_id}
    clients.s3.put_object(Bucket=inputs.output_bucket, Key=key, Body=body, ContentType=content_type, **extra)


def start(clients: Clients, inputs: AotInputs, name: str, started_by: str) -> None:
    put(clients, inputs, inputs.input_key, job_serving_properties(inputs).encode(), "text/plain")
    clients.sagemaker.create_training_job(**training_job_request(inputs, name, started_by))
    LOG.info("started %s -> %s", name, inputs.output_prefix)


def finish(clients: Clients, inputs: AotInputs, name: str) -> None:
    """The LMI partition script ignores the exit code of its upload: check that the prefix holds
    something before the endpoint is pointed at it, then write the completion marker."""
    listing = clients.s3.list_objects_v2(Bucket=inputs.output_bucket, Prefix=inputs.base_key + "model/", MaxKeys=1)
    if not listing.get("KeyCount", len(listing.get("Contents", []))):
        raise RuntimeError(f"AOT job {name} completed but wrote nothing under {inputs.output_prefix}")
    marker = {
        "job": name,
        "hash": inputs.content_hash,
        "output": inputs.output_prefix,
        "completed": datetime.now(UTC).isoformat(),
    }
    put(clients, inputs, inputs.marker_key, json.dumps(marker).encode(), "application/json")


def stack_status(clients: Clients, stack_id: str) -> str:
    stacks = clients.cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
    return str(stacks[0]["StackStatus"]) if stacks else "UNKNOWN"


def started_here(clients: Clients, job: dict[str, Any], request: CustomResourceEvent) -> bool:
    tags = clients.sagemaker.list_tags(ResourceArn=job["TrainingJobArn"]).get("Tags", [])
    return any(t["Key"] == "lmi:started-by" and t["Value"] == request.started_by[:256] for t in tags)


__all__ = ["MARKER", "Clients", "CustomResourceEvent", "is_complete", "on_event"]
