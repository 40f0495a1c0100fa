"""SageMaker hosting instance catalog: accelerators, GPU memory and local NVMe.

Sources: AWS EC2 accelerated-computing instance specs (G5, G6, G6e, P4d, P5) and
SageMaker's note that instances with local NVMe storage reject `VolumeSizeInGB`
and `KmsKeyId` on an endpoint config. Pure data: importable without aws_cdk.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    family: str  # e.g. "g5"; AOT artifacts (TRT-LLM engines) are tied to it
    vcpus: int
    memory_gib: int
    gpus: int
    gpu_memory_gib: int  # per GPU
    gpu_model: str | None
    nvme_gb: int  # 0 = EBS only; > 0 = local NVMe, VolumeSizeInGB is rejected

    @property
    def total_gpu_memory_gib(self) -> int:
        return self.gpus * self.gpu_memory_gib

    @property
    def has_nvme(self) -> bool:
        return self.nvme_gb > 0

    @property
    def memory_mb(self) -> int:
        return self.memory_gib * 1024


def _family(
    family: str,
    gpu: str | None,
    gpu_mem: int,
    rows: list[tuple[str, int, int, int, int]],
) -> dict[str, InstanceSpec]:
    return {
        f"ml.{family}.{size}": InstanceSpec(
            f"ml.{family}.{size}",
            family,
            vcpus,
            mem,
            gpus,
            gpu_mem if gpus else 0,
            gpu if gpus else None,
            nvme,
        )
        for size, vcpus, mem, gpus, nvme in rows
    }


INSTANCES: dict[str, InstanceSpec] = {
    # size, vCPU, memory GiB, GPUs, NVMe GB
    **_family(
        "g5",
        "A10G",
        24,
        [
            ("xlarge", 4, 16, 1, 250),
            ("2xlarge", 8, 32, 1, 450),
            ("4xlarge", 16, 64, 1, 600),
            ("8xlarge", 32, 128, 1, 900),
            ("12xlarge", 48, 192, 4, 3800),
            ("16xlarge", 64, 256, 1, 1900),
            ("24xlarge", 96, 384, 4, 3800),
            ("48xlarge", 192, 768, 8, 7600),
        ],
    ),
    **_family(
        "g6",
        "L4",
        24,
        [
            ("xlarge", 4, 16, 1, 250),
            ("2xlarge", 8, 32, 1, 450),
            ("4xlarge", 16, 64, 1, 600),
            ("8xlarge", 32, 128, 1, 900),
            ("12xlarge", 48, 192, 4, 3760),
            ("16xlarge", 64, 256, 1, 1880),
            ("24xlarge", 96, 384, 4, 3760),
            ("48xlarge", 192, 768, 8, 7520),
        ],
    ),
    **_family(
        "g6e",
        "L40S",
        48,
        [
            ("xlarge", 4, 32, 1, 250),
            ("2xlarge", 8, 64, 1, 450),
            ("4xlarge", 16, 128, 1, 600),
            ("8xlarge", 32, 256, 1, 900),
            ("12xlarge", 48, 384, 4, 3800),
            ("16xlarge", 64, 512, 1, 1900),
            ("24xlarge", 96, 768, 4, 3800),
            ("48xlarge", 192, 1536, 8, 7600),
        ],
    ),
    **_family("p4d", "A100", 40, [("24xlarge", 96, 1152, 8, 8000)]),
    **_family("p5", "H100", 80, [("48xlarge", 192, 2048, 8, 30400)]),
    # CPU-only (batch or small models); EBS storage, so VolumeSizeInGB is allowed.
    **_family(
        "m5",
        None,
        0,
        [
            ("large", 2, 8, 0, 0),
            ("xlarge", 4, 16, 0, 0),
            ("2xlarge", 8, 32, 0, 0),
            ("4xlarge", 16, 64, 0, 0),
            ("12xlarge", 48, 192, 0, 0),
            ("24xlarge", 96, 384, 0, 0),
        ],
    ),
    **_family(
        "c5",
        None,
        0,
        [
            ("xlarge", 4, 8, 0, 0),
            ("2xlarge", 8, 16, 0, 0),
            ("4xlarge", 16, 32, 0, 0),
            ("9xlarge", 36, 72, 0, 0),
        ],
    ),
}

GPU_FAMILIES = frozenset(spec.family for spec in INSTANCES.values() if spec.gpus)
FP8_FAMILIES = frozenset({"g6", "g6e", "p5"})  # Ada / Hopper; A10G (g5) and A100 (p4d) have no FP8
# Where this project places inference components: a copy reserves whole GPUs
# (NumberOfAcceleratorDevicesRequired), so the endpoint needs GPU instances. SageMaker's API enum does not
# narrow the instance type; no AWS page listing the supported types was found (research notes).
INFERENCE_COMPONENT_FAMILIES = GPU_FAMILIES


def instance_spec(instance_type: str) -> InstanceSpec | None:
    return INSTANCES.get(instance_type)


def catalog_summary() -> str:
    """'ml.g5.*, ..., ml.p4d.24xlarge, ...': families with one size are named in full."""
    families: dict[str, list[str]] = {}
    for name, spec in INSTANCES.items():
        families.setdefault(spec.family, []).append(name)
    return ", ".join(names[0] if len(names) == 1 else f"ml.{family}.*" for family, names in families.items())
