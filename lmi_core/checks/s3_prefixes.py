"""S3 locations across models: nothing a model writes may reach what a model reads.

Each kind lists its S3 locations (`Kind.s3_uses`): weights it reads (model.id, adapter artifacts), batch
inputs whose new objects start a transform job, and outputs its role may write (batch.output, async
output and failure). An output that is, lies inside or contains
- weights: the writer's role can overwrite them (its own, or another model's);
- a batch input: every result starts a transform job; when that job's results reach the writer's own
  input (any cycle), the jobs start each other without end.
Two models' outputs apart too: where one is, or lies inside, another model's output, each role could
overwrite (or read back as its own) the other's results.
Run per stage on the merged configs, so a stage override is checked where it applies. The project's
shared buckets (data capture, async payloads, AOT artifacts) are not compared: no config may name them
(lmi_core/config/s3.py), and the project writes only under each model's own prefix there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lmi_core.checks.registry import ProjectFile, check
from lmi_core.config import s3
from lmi_core.issues import Finding, error, quoted
from lmi_core.kinds import S3Use, kind_of

ALLOWED = "(allowed: a prefix apart from every model's inputs and weights)"
VERBS = {"equal": "is", "inside": "is inside", "containing": "contains"}


@dataclass(frozen=True)
class _Located:
    file: ProjectFile
    use: S3Use
    key: str


@dataclass(frozen=True)
class _Overlap:
    writer: ProjectFile
    output: S3Use
    reader: ProjectFile
    read: S3Use
    relation: s3.Overlap


def _locations(files: Sequence[ProjectFile]) -> tuple[list[tuple[str, _Located]], dict[str, list[_Located]]]:
    """Every output as (bucket, location), in file order, and every location read, by bucket; each URI parsed once."""
    outputs: list[tuple[str, _Located]] = []
    reads: dict[str, list[_Located]] = {}
    for file in files:
        if file.config is None:
            continue
        for use in kind_of(file.config).s3_uses(file.config):
            bucket, key = s3.parse(use.uri)
            if use.access == "output":
                outputs.append((bucket, _Located(file, use, key)))
            else:
                reads.setdefault(bucket, []).append(_Located(file, use, key))
    return outputs, reads


def _overlaps(files: Sequence[ProjectFile]) -> list[_Overlap]:
    """Every output against every read location of its bucket."""
    outputs, reads = _locations(files)
    found = []
    for bucket, output in outputs:
        for read in reads.get(bucket, ()):
            relation = s3.key_overlap(output.key, read.key)
            if relation is not None:
                found.append(_Overlap(output.file, output.use, read.file, read.use, relation))
    return found


def _triggers(overlaps: list[_Overlap]) -> dict[str, set[str]]:
    """File -> the files whose transform jobs its outputs start."""
    started: dict[str, set[str]] = {}
    for overlap in overlaps:
        if overlap.read.access == "input":
            started.setdefault(overlap.writer.path, set()).add(overlap.reader.path)
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


def _why(overlap: _Overlap, started: dict[str, set[str]]) -> str:
    if overlap.read.access == "weights":
        return "its role could overwrite those weights"
    own = overlap.reader.path == overlap.writer.path
    job = "another of its own transform jobs" if own else "a transform job of that model"
    # results land directly under an output; one containing the input can write into it
    if overlap.relation == "containing":
        why = f"each object it writes there starts {job}"
    else:
        why = f"each result starts {job}"
    if not own and _reaches(started, overlap.reader.path, overlap.writer.path):
        why += ", whose results start this model's jobs again: a loop"
    return why


@check(fields=("batch.output", "async.output", "async.failure"), scope="project")
def outputs_apart_from_inputs_and_weights(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    overlaps = _overlaps(files)
    started = _triggers(overlaps)
    for overlap in overlaps:
        output, read = overlap.output, overlap.read
        own = overlap.reader.path == overlap.writer.path
        if own and read.access == "input" and overlap.relation != "containing":
            continue  # an output in its own input: the kind's own check says so (batch_settings)
        field = overlap.reader.field_label(read.field)
        what = f"its own {field} {read.uri}" if own else f"{field} {read.uri} of model {quoted(overlap.reader.name)}"
        yield (
            overlap.writer.path,
            error(
                output.field,
                f"{output.uri} {VERBS[overlap.relation]} {what} ({_why(overlap, started)}) {ALLOWED}",
            ),
        )


@check(fields=("batch.output", "async.output", "async.failure"), scope="project")
def outputs_apart_from_other_models_outputs(files: Sequence[ProjectFile]) -> Iterator[tuple[str, Finding]]:
    outputs: dict[str, list[_Located]] = {}
    for bucket, output in _locations(files)[0]:
        outputs.setdefault(bucket, []).append(output)
    for located in outputs.values():
        for mine in located:
            for theirs in located:
                if theirs.file.path == mine.file.path:
                    continue
                relation = s3.key_overlap(mine.key, theirs.key)
                if relation in ("equal", "inside"):  # the outer one is reported as inside-of by the inner
                    yield (
                        mine.file.path,
                        error(
                            mine.use.field,
                            f"{mine.use.uri} {VERBS[relation]} {theirs.file.field_label(theirs.use.field)} {theirs.use.uri} of model "
                            f"{quoted(theirs.file.name)} (each model's role could overwrite the other's results) "
                            "(allowed: a prefix of this model's own)",
                        ),
                    )
