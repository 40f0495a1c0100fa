"""on_event / is_complete over real HTTP against a moto server on 127.0.0.1, job driven to the end
(the training-job engine: moto has no optimization jobs; the Stubber tests cover those).

Moto completes training jobs at once and runs no container; the test plays the container's part
by putting the prepared files under the output prefix before polling.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from handler import Clients, is_complete, on_event
from inputs import parse_properties

from tests.contract.aws_contract import strict_client


@pytest.fixture
def clients(moto_url: str) -> Clients:
    def client(service: str) -> Any:
        return strict_client(boto3.client(service, region_name="us-east-1", endpoint_url=moto_url))

    return Clients(client("sagemaker"), client("s3"), client("cloudformation"))


def test_create_poll_complete_and_reattach(clients: Clients, training_event: dict[str, Any]) -> None:
    create_event = training_event
    props = {k: v for k, v in create_event["ResourceProperties"].items() if k != "ServiceToken"}
    props.pop("OutputKmsKeyId")  # moto's S3 does not model KMS keys
    create_event["ResourceProperties"] = props
    inputs = parse_properties(props)
    clients.s3.create_bucket(Bucket=inputs.output_bucket)

    started = on_event(create_event, None, clients)
    assert started["PhysicalResourceId"] == inputs.content_hash
    job_name = started["Data"]["JobName"]
    job = clients.sagemaker.describe_training_job(TrainingJobName=job_name)
    assert job["AlgorithmSpecification"]["TrainingImage"] == props["ImageUri"]
    assert job["AlgorithmSpecification"]["ContainerEntrypoint"] == ["/usr/local/bin/dockerd-entrypoint.sh"]
    script = clients.s3.get_object(Bucket=inputs.output_bucket, Key=f"{inputs.input_key}compile.sh")["Body"].read()
    assert inputs.output_prefix in script.decode()

    poll = {**create_event, "PhysicalResourceId": started["PhysicalResourceId"], "Data": started["Data"]}
    with pytest.raises(RuntimeError, match="completed but wrote nothing"):
        is_complete(poll, None, clients)  # the job "finished" without output: refused

    clients.s3.put_object(Bucket=inputs.output_bucket, Key=f"{inputs.output_key}rank0.engine", Body=b"engine")
    done = is_complete(poll, None, clients)
    assert done["IsComplete"] is True
    assert done["Data"]["OutputPrefix"] == inputs.output_prefix
    marker = json.loads(clients.s3.get_object(Bucket=inputs.output_bucket, Key=inputs.marker_key)["Body"].read())
    assert marker["job"] == job_name and marker["hash"] == inputs.content_hash

    # The next deploy with the same inputs finds the marker: no second job.
    again = on_event(create_event, None, clients)
    assert again["PhysicalResourceId"] == inputs.content_hash
    jobs = clients.sagemaker.list_training_jobs()["TrainingJobSummaries"]
    assert [j["TrainingJobName"] for j in jobs] == [job_name]
