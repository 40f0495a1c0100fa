"""The two SageMaker APIs a preparation runs on, behind one shape: start, describe, stop, and a status
normalised to running | completed | failed | stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inputs import AotInputs
from job_requests import optimization_job_request, training_job_request

Status = str  # running | completed | failed | stopped


@dataclass(frozen=True)
class Engine:
    name: str
    kind: str  # OptimizationJob | TrainingJob: names the API calls and fields
    statuses: dict[str, Status]
    request: Callable[[AotInputs, str, str], dict[str, Any]]

    def describe(self, sagemaker: Any, job_name: str) -> dict[str, Any]:
        call = getattr(sagemaker, f"describe_{_snake(self.kind)}")
        described: dict[str, Any] = call(**{f"{self.kind}Name": job_name})
        return described

    def create(self, sagemaker: Any, request: dict[str, Any]) -> None:
        getattr(sagemaker, f"create_{_snake(self.kind)}")(**request)

    def stop(self, sagemaker: Any, job_name: str) -> None:
        getattr(sagemaker, f"stop_{_snake(self.kind)}")(**{f"{self.kind}Name": job_name})

    def status(self, job: dict[str, Any]) -> Status:
        return self.statuses[str(job[f"{self.kind}Status"])]

    def stoppable(self, job: dict[str, Any]) -> bool:
        """Running and not stopping yet: Stop*Job refuses a job in any other state (ValidationException)."""
        return self.status(job) == "running" and str(job[f"{self.kind}Status"]).upper() != "STOPPING"

    def arn(self, job: dict[str, Any]) -> str:
        return str(job[f"{self.kind}Arn"])

    def recommended_image(self, job: dict[str, Any], inputs: AotInputs) -> str:
        """The image to serve the result with: the job's recommendation, else the image that built it."""
        output = job.get("OptimizationOutput") or {}
        return str(output.get("RecommendedInferenceImage") or inputs.image_uri)


def _snake(kind: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in kind).lstrip("_")


OPTIMIZATION = Engine(
    "optimization-job",
    "OptimizationJob",
    {"STARTING": "running", "INPROGRESS": "running", "STOPPING": "running", "COMPLETED": "completed",
     "FAILED": "failed", "STOPPED": "stopped"},
    optimization_job_request,
)  # fmt: skip
TRAINING = Engine(
    "training-job",
    "TrainingJob",
    {"InProgress": "running", "Stopping": "running", "Completed": "completed", "Failed": "failed",
     "Stopped": "stopped", "Deleting": "stopped"},  # Deleting: DeleteTrainingJob was called on it
    training_job_request,
)  # fmt: skip
ENGINES = {engine.name: engine for engine in (OPTIMIZATION, TRAINING)}
