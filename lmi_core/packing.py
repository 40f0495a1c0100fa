"""Worst-case packing of inference-component copies onto an endpoint's instances.

Every component at `copies.max` at once, each copy placed whole on one instance (its GPUs, host
memory and CPU cores), first-fit decreasing. First-fit decreasing is a heuristic: when it fits,
a placement exists; SageMaker's own placement (SPREAD or BINPACK) is not modelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lmi_core.facts.instances import InstanceSpec


@dataclass(frozen=True)
class CopyDemand:
    """What one copy of a component reserves."""

    component: str
    accelerators: int
    memory_mb: int
    cpus: float = 0.0  # 0: not reserved


@dataclass
class InstanceLoad:
    accelerators: int = 0
    memory_mb: int = 0
    cpus: float = 0.0
    copies: list[str] = field(default_factory=list)

    def fits(self, spec: InstanceSpec, demand: CopyDemand) -> bool:
        return (
            self.accelerators + demand.accelerators <= spec.gpus
            and self.memory_mb + demand.memory_mb <= spec.memory_mb
            and self.cpus + demand.cpus <= spec.vcpus
        )

    def add(self, demand: CopyDemand) -> None:
        self.accelerators += demand.accelerators
        self.memory_mb += demand.memory_mb
        self.cpus += demand.cpus
        self.copies.append(demand.component)


@dataclass(frozen=True)
class Packing:
    spec: InstanceSpec
    instances: tuple[InstanceLoad, ...]
    unplaceable: tuple[str, ...]  # components one copy of which fits on no instance of this type

    @property
    def needed(self) -> int:
        return len(self.instances)

    def summary(self) -> str:
        """'2 x ml.g5.48xlarge: GPUs 14/16, memory 140/1536 GiB; [8 GPUs: a x6, b x1] [6 GPUs: ...]'"""
        spec, used = self.spec, self.instances
        gpus = sum(i.accelerators for i in used)
        memory = sum(i.memory_mb for i in used) / 1024
        per_instance = " ".join(
            f"[{i.accelerators} GPUs: {', '.join(f'{name} x{i.copies.count(name)}' for name in dict.fromkeys(i.copies))}]"
            for i in used
        )
        text = (
            f"{self.needed} x {spec.name}: GPUs {gpus}/{self.needed * spec.gpus}, "
            f"memory {memory:.0f}/{self.needed * spec.memory_gib} GiB; {per_instance}"
        )
        return text if not self.unplaceable else f"{text}; never placeable: {', '.join(self.unplaceable)}"


def pack(spec: InstanceSpec, demands: Sequence[tuple[CopyDemand, int]]) -> Packing:
    """Place `count` copies of each demand, largest first, each into the first instance with room."""
    copies = [demand for demand, count in demands for _ in range(count)]
    copies.sort(key=lambda d: (-d.accelerators, -d.memory_mb, -d.cpus, d.component))
    instances: list[InstanceLoad] = []
    unplaceable: dict[str, None] = {}
    for demand in copies:
        if not InstanceLoad().fits(spec, demand):
            unplaceable[demand.component] = None
            continue
        target = next((load for load in instances if load.fits(spec, demand)), None)
        if target is None:
            target = InstanceLoad()
            instances.append(target)
        target.add(demand)
    return Packing(spec, tuple(instances), tuple(unplaceable))
