"""SageMaker hosting instance catalog: accelerators, their memory, NeuronCores and local NVMe.

Sources (read 2026-11-24): the Karpenter instance-type reference (generated from EC2's own API) for
vCPUs, memory, accelerator counts, NeuronCores and NVMe; EC2 accelerated-computing docs for the
accelerator models; SageMaker's ProductionVariantInstanceType enum (botocore 1.44.5) for which types
hosting accepts. Accelerator memory is the nominal figure per device. SageMaker rejects
`VolumeSizeInGB` and `KmsKeyId` on an endpoint config of an instance with local NVMe.
A type outside this table can be described in the YAML (instance.accelerators, instance.nvme).
Pure data: importable without aws_cdk.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    family: str  # e.g. "g5"; prepared artifacts (TensorRT-LLM engines, Neuron graphs) are tied to it
    vcpus: int
    memory_gib: int
    accelerator: str | None  # "A10G", "Inferentia2", ...; None for CPU-only types
    accelerators: int  # GPUs, or Neuron devices
    accelerator_memory_gib: int  # per device
    neuron_cores: int  # per instance; 0 for GPUs
    nvme_gb: int  # 0 = EBS only; > 0 = local NVMe, VolumeSizeInGB is rejected
    from_catalog: bool = True  # False: described in the YAML (instance.accelerators)

    @property
    def is_neuron(self) -> bool:
        return self.neuron_cores > 0

    @property
    def gpus(self) -> int:
        return 0 if self.is_neuron or self.accelerator is None else self.accelerators

    @property
    def tp_units(self) -> int:
        """What option.tensor_parallel_degree counts here: GPUs, or NeuronCores."""
        return self.neuron_cores if self.is_neuron else self.gpus

    @property
    def memory_per_tp_unit_gib(self) -> float:
        """Accelerator memory behind one tensor-parallel shard (a GPU, or a NeuronCore's share of its device)."""
        if self.is_neuron:
            return self.accelerator_memory_gib * self.accelerators / self.neuron_cores
        return float(self.accelerator_memory_gib)

    @property
    def total_accelerator_memory_gib(self) -> int:
        return self.accelerators * self.accelerator_memory_gib

    @property
    def has_nvme(self) -> bool:
        return self.nvme_gb > 0

    @property
    def memory_mb(self) -> int:
        return self.memory_gib * 1024

    def describe_accelerators(self) -> str:
        """'4 x A10G (24 GiB)', '1 x Inferentia2 (32 GiB, 2 NeuronCores)', or 'none'."""
        if self.accelerator is None or self.accelerators == 0:
            return "none"
        cores = f", {self.neuron_cores} NeuronCores" if self.is_neuron else ""
        return f"{self.accelerators} x {self.accelerator} ({self.accelerator_memory_gib} GiB{cores})"


def _spec(
    family: str, size: str, vcpus: int, memory: int, accelerator: str | None, count: int, accelerator_memory: int,
    neuron_cores: int, nvme: int,
) -> InstanceSpec:  # fmt: skip
    return InstanceSpec(
        f"ml.{family}.{size}", family, vcpus, memory, accelerator, count, accelerator_memory, neuron_cores, nvme
    )


_CATALOG = [
    # family, size, vCPUs, memory GiB, accelerator, count, memory GiB per device, NeuronCores, NVMe GB
    # g4dn: T4
    _spec("g4dn", "xlarge", 4, 16, "T4", 1, 16, 0, 125),
    _spec("g4dn", "2xlarge", 8, 32, "T4", 1, 16, 0, 225),
    _spec("g4dn", "4xlarge", 16, 64, "T4", 1, 16, 0, 225),
    _spec("g4dn", "8xlarge", 32, 128, "T4", 1, 16, 0, 900),
    _spec("g4dn", "12xlarge", 48, 192, "T4", 4, 16, 0, 900),
    _spec("g4dn", "16xlarge", 64, 256, "T4", 1, 16, 0, 900),
    # g5: A10G
    _spec("g5", "xlarge", 4, 16, "A10G", 1, 24, 0, 250),
    _spec("g5", "2xlarge", 8, 32, "A10G", 1, 24, 0, 450),
    _spec("g5", "4xlarge", 16, 64, "A10G", 1, 24, 0, 600),
    _spec("g5", "8xlarge", 32, 128, "A10G", 1, 24, 0, 900),
    _spec("g5", "12xlarge", 48, 192, "A10G", 4, 24, 0, 3800),
    _spec("g5", "16xlarge", 64, 256, "A10G", 1, 24, 0, 1900),
    _spec("g5", "24xlarge", 96, 384, "A10G", 4, 24, 0, 3800),
    _spec("g5", "48xlarge", 192, 768, "A10G", 8, 24, 0, 7600),
    # g6: L4
    _spec("g6", "xlarge", 4, 16, "L4", 1, 24, 0, 250),
    _spec("g6", "2xlarge", 8, 32, "L4", 1, 24, 0, 450),
    _spec("g6", "4xlarge", 16, 64, "L4", 1, 24, 0, 600),
    _spec("g6", "8xlarge", 32, 128, "L4", 1, 24, 0, 900),
    _spec("g6", "12xlarge", 48, 192, "L4", 4, 24, 0, 3760),
    _spec("g6", "16xlarge", 64, 256, "L4", 1, 24, 0, 1880),
    _spec("g6", "24xlarge", 96, 384, "L4", 4, 24, 0, 3760),
    _spec("g6", "48xlarge", 192, 768, "L4", 8, 24, 0, 7520),
    # g6e: L40S
    _spec("g6e", "xlarge", 4, 32, "L40S", 1, 48, 0, 250),
    _spec("g6e", "2xlarge", 8, 64, "L40S", 1, 48, 0, 450),
    _spec("g6e", "4xlarge", 16, 128, "L40S", 1, 48, 0, 600),
    _spec("g6e", "8xlarge", 32, 256, "L40S", 1, 48, 0, 900),
    _spec("g6e", "12xlarge", 48, 384, "L40S", 4, 48, 0, 3800),
    _spec("g6e", "16xlarge", 64, 512, "L40S", 1, 48, 0, 1900),
    _spec("g6e", "24xlarge", 96, 768, "L40S", 4, 48, 0, 3800),
    _spec("g6e", "48xlarge", 192, 1536, "L40S", 8, 48, 0, 7600),
    # p4d: A100 40GB
    _spec("p4d", "24xlarge", 96, 1152, "A100 40GB", 8, 40, 0, 8000),
    # p4de: A100 80GB
    _spec("p4de", "24xlarge", 96, 1152, "A100 80GB", 8, 80, 0, 8000),
    # p5: H100
    _spec("p5", "4xlarge", 16, 256, "H100", 1, 80, 0, 3800),
    _spec("p5", "48xlarge", 192, 2048, "H100", 8, 80, 0, 30400),
    # p5e: H200
    _spec("p5e", "48xlarge", 192, 2048, "H200", 8, 141, 0, 30400),
    # p5en: H200
    _spec("p5en", "48xlarge", 192, 2048, "H200", 8, 141, 0, 30400),
    # p6-b200: B200
    _spec("p6-b200", "48xlarge", 192, 2048, "B200", 8, 179, 0, 30400),
    # p6-b300: B300
    _spec("p6-b300", "48xlarge", 192, 4096, "B300", 8, 268, 0, 30400),
    # p6e-gb200: B200 (GB200 superchip)
    _spec("p6e-gb200", "36xlarge", 144, 960, "B200 (GB200 superchip)", 4, 185, 0, 22500),
    # inf2: Inferentia2
    _spec("inf2", "xlarge", 4, 16, "Inferentia2", 1, 32, 2, 0),
    _spec("inf2", "8xlarge", 32, 128, "Inferentia2", 1, 32, 2, 0),
    _spec("inf2", "24xlarge", 96, 384, "Inferentia2", 6, 32, 12, 0),
    _spec("inf2", "48xlarge", 192, 768, "Inferentia2", 12, 32, 24, 0),
    # trn1: Trainium
    _spec("trn1", "2xlarge", 8, 32, "Trainium", 1, 32, 2, 474),
    _spec("trn1", "32xlarge", 128, 512, "Trainium", 16, 32, 32, 7600),
    # trn1n: Trainium
    _spec("trn1n", "32xlarge", 128, 512, "Trainium", 16, 32, 32, 7600),
    # trn2: Trainium2
    _spec("trn2", "48xlarge", 192, 2048, "Trainium2", 16, 96, 128, 7600),
    # m5: CPU only
    _spec("m5", "large", 2, 8, None, 0, 0, 0, 0),
    _spec("m5", "xlarge", 4, 16, None, 0, 0, 0, 0),
    _spec("m5", "2xlarge", 8, 32, None, 0, 0, 0, 0),
    _spec("m5", "4xlarge", 16, 64, None, 0, 0, 0, 0),
    _spec("m5", "12xlarge", 48, 192, None, 0, 0, 0, 0),
    _spec("m5", "24xlarge", 96, 384, None, 0, 0, 0, 0),
    # c5: CPU only
    _spec("c5", "large", 2, 4, None, 0, 0, 0, 0),
    _spec("c5", "xlarge", 4, 8, None, 0, 0, 0, 0),
    _spec("c5", "2xlarge", 8, 16, None, 0, 0, 0, 0),
    _spec("c5", "4xlarge", 16, 32, None, 0, 0, 0, 0),
    _spec("c5", "9xlarge", 36, 72, None, 0, 0, 0, 0),
    _spec("c5", "18xlarge", 72, 144, None, 0, 0, 0, 0),
]
INSTANCES: dict[str, InstanceSpec] = {spec.name: spec for spec in _CATALOG}

GPU_FAMILIES = frozenset(spec.family for spec in INSTANCES.values() if spec.gpus)
NEURON_FAMILIES = frozenset(spec.family for spec in INSTANCES.values() if spec.is_neuron)
# FP8 compute: Ada (L4, L40S), Hopper (H100, H200), Blackwell. Ampere (A10G, A100) runs FP8 weights
# only as W8A16 through vLLM's Marlin kernels; Turing (T4) not at all.
FP8_FAMILIES = frozenset({"g6", "g6e", "p5", "p5e", "p5en", "p6-b200", "p6-b300", "p6e-gb200"})
W8A16_FAMILIES = frozenset({"g5", "p4d", "p4de"})
# GPUs of the catalog below compute capability 8.0 (NVIDIA's CUDA GPU list: T4 is Turing, 7.5; every other
# catalog GPU is Ampere (A10G 8.6, A100 8.0) or newer), with their capability. vLLM refuses bfloat16 there:
# CudaPlatform.check_if_supports_dtype raises "Bfloat16 is only supported on GPUs with compute capability of at
# least 8.0" (vLLM 0.23.0 vllm/platforms/cuda.py L503-522, called by the GPU worker's init_device,
# vllm/v1/worker/gpu_worker.py L288).
PRE_AMPERE_GPUS = {"T4": "7.5"}
# Where this project places inference components: a copy reserves whole GPUs
# (NumberOfAcceleratorDevicesRequired), so the endpoint needs GPU instances. SageMaker's API enum does not
# narrow the instance type; no AWS page listing the supported types was found (docs/research/aws-api-facts.md).
INFERENCE_COMPONENT_FAMILIES = GPU_FAMILIES


# Catalog types an API does not accept (botocore 1.44.5 sagemaker enums TransformInstanceType and
# TrainingInstanceType; every catalog type is a ProductionVariantInstanceType). A unit test derives
# these from botocore, so a new botocore shows the drift.
NOT_FOR_BATCH_TRANSFORM = frozenset(
    {
        "ml.c5.large", "ml.p4d.24xlarge", "ml.p4de.24xlarge", "ml.p5.48xlarge", "ml.p5.4xlarge", "ml.p5e.48xlarge",
        "ml.p5en.48xlarge", "ml.p6-b200.48xlarge", "ml.p6-b300.48xlarge", "ml.p6e-gb200.36xlarge",
        "ml.trn1n.32xlarge", "ml.trn2.48xlarge",
    }
)  # fmt: skip
NOT_FOR_TRAINING = frozenset(
    {"ml.c5.large", "ml.inf2.24xlarge", "ml.inf2.48xlarge", "ml.inf2.8xlarge", "ml.inf2.xlarge"}
)


def instance_spec(instance_type: str) -> InstanceSpec | None:
    return INSTANCES.get(instance_type)


def family_of(instance_type: str) -> str:
    """'ml.g5.2xlarge' -> 'g5' (also for types outside the catalog)."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 else instance_type


def same_family(instance_type: str) -> list[str]:
    """Catalog types of the same family: the only sensible "did you mean" for a typo in the size."""
    family = family_of(instance_type)
    return [name for name, spec in INSTANCES.items() if spec.family == family]


def catalog_summary() -> str:
    """'ml.g5.*, ..., ml.p4d.24xlarge, ...': families with one size are named in full."""
    families: dict[str, list[str]] = {}
    for name, spec in INSTANCES.items():
        families.setdefault(spec.family, []).append(name)
    return ", ".join(names[0] if len(names) == 1 else f"ml.{family}.*" for family, names in families.items())
