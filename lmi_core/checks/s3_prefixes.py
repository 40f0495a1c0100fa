"""S3 locations across models: nothing a model writes may reach what a model reads.

Each kind lists its S3 locations (`Kind.s3_uses`): weights it reads (model.id, adapter artifacts), batch
inputs whose new objects start a transform job, and outputs its role may write (batch.output, async
output and failure). An output that is, lies inside or contains
- weights: the writer's role can overwrite them (its own, or another model's);
- a batch input: every result starts a transform job; when that job's results reach the writer's own
  input (any cycle), the jobs start each other without end.
Run per stage on the merged configs, so a stage override is checked where it applies. The project's
shared buckets (data capture, async payloads, AOT artifacts) are not compared: no config may name them
(lmi_core/config/s3.py), and the project writes only under each model's own prefix there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lmi_core.checks.registry import ProjectFile, check
from lmi_core.config import s3
from lmi_core.issues import Finding, error
from lmi_core.kinds import S3Use, kind_of

ALLOWED = "(allowed: a prefix apart from every model's inputs and weights)"
VERBS = {"equal": "is", "inside": "is inside", "containing": "contains"}


def _uses(files: Sequence[ProjectFile]) -> list[tuple[ProjectFile, S3Use]]:
    return [
        (file, use) for file in files if file.config is not None for use in kind_of(file.config).s3_uses(file.config)
    ]


def _triggers(uses: list[tuple[ProjectFile, S3Use]]) -> dict[str, set[str]]:
    """File -> the files whose transform jobs its outputs start."""
    started: dict[str, set[str]] = {}
    for writer, output in uses:
        if output.access != "output":
            continue
        for reader, watched in uses:
            if watched.access == "input" and s3.overlap(output.uri, watched.uri) is not None:
                started.setdefault(writer.path, set()).add(reader.path)
    return started


def _reaches(started: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for following in started.get(todo.pop(), ()):
            if following == goal:
                return True
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return False


def _why(
    writer: ProjectFile, reader: ProjectFile, read: S3Use, relation: s3.Overlap, started: dict[str, set[str]]
) -> str:
    if read.access == "weights":
        return "its role could overwrite those weights"
    own = reader.path == writer.path
    job = "another of its own transform jobs" if own else "a transform job of that model"
    # results land directly under an output; a containing one only can write into the input
    why = f"each result starts {job}" if relation != "containing" else f"each object it writes there starts {job}"
    if not own and _reaches(started, reader.path, writer.path):
        why += ", whose results start this model's jobs again: a loop"
    return why


@check(fields=("batch.output", "async.output", "async.failure"), scope="project")
def outputs_apart_from_inputs_and_weights(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    uses = _uses(files)
    started = _triggers(uses)
    for writer, output in uses:
        if output.access != "output":
            continue
        for reader, read in uses:
            if read.access == "output":
                continue
            relation = s3.overlap(output.uri, read.uri)
            if relation is None:
                continue
            own = reader.path == writer.path
            if own and read.access == "input" and relation != "containing":
                continue  # an output in its own input: the kind's own check says so (batch_settings)
            what = f"its own {read.field} {read.uri}" if own else f"{read.field} {read.uri} of model '{reader.name}'"
            yield (
                writer.path,
                error(
                    output.field,
                    f"{output.uri} {VERBS[relation]} {what} ({_why(writer, reader, read, relation, started)}) {ALLOWED}",
                ),
            )
