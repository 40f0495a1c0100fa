"""Facts of ahead-of-time preparation: what SageMaker's optimization job accepts, and which LMI images
can run it or serve what it makes. Each table says where it was read; docs/research/aot-optimization.md
has the detail (file, branch, lines).
"""

from __future__ import annotations

import re

# The steps a YAML may list (aot.mode), and the v1 single values they replace.
STEPS = ("shard", "quantize-awq", "quantize-fp8", "compile", "speculative-eagle")
V1_MODES = {
    "trtllm": ("compile",),
    "partition": ("shard",),
    "quantize-awq": ("quantize-awq",),
    "quantize-fp8": ("quantize-fp8",),
}

# CreateOptimizationJob's config for each step (botocore 1.44.5, sagemaker OptimizationConfig union).
TECHNIQUE = {
    "shard": "ModelShardingConfig",
    "quantize-awq": "ModelQuantizationConfig",
    "quantize-fp8": "ModelQuantizationConfig",
    "compile": "ModelCompilationConfig",
    "speculative-eagle": "ModelSpeculativeDecodingConfig",
}

# OptimizationJobDeploymentInstanceType, botocore 1.44.5 (a unit test compares it with botocore).
DEPLOYMENT_INSTANCE_TYPES = frozenset(
    {
        "ml.g4dn.12xlarge",
        "ml.g4dn.16xlarge",
        "ml.g4dn.2xlarge",
        "ml.g4dn.4xlarge",
        "ml.g4dn.8xlarge",
        "ml.g4dn.xlarge",
        "ml.g5.12xlarge",
        "ml.g5.16xlarge",
        "ml.g5.24xlarge",
        "ml.g5.2xlarge",
        "ml.g5.48xlarge",
        "ml.g5.4xlarge",
        "ml.g5.8xlarge",
        "ml.g5.xlarge",
        "ml.g6.12xlarge",
        "ml.g6.16xlarge",
        "ml.g6.24xlarge",
        "ml.g6.2xlarge",
        "ml.g6.48xlarge",
        "ml.g6.4xlarge",
        "ml.g6.8xlarge",
        "ml.g6.xlarge",
        "ml.g6e.12xlarge",
        "ml.g6e.16xlarge",
        "ml.g6e.24xlarge",
        "ml.g6e.2xlarge",
        "ml.g6e.48xlarge",
        "ml.g6e.4xlarge",
        "ml.g6e.8xlarge",
        "ml.g6e.xlarge",
        "ml.g7.12xlarge",
        "ml.g7.24xlarge",
        "ml.g7.2xlarge",
        "ml.g7.48xlarge",
        "ml.g7.4xlarge",
        "ml.g7.8xlarge",
        "ml.g7e.12xlarge",
        "ml.g7e.24xlarge",
        "ml.g7e.2xlarge",
        "ml.g7e.48xlarge",
        "ml.g7e.4xlarge",
        "ml.g7e.8xlarge",
        "ml.inf2.24xlarge",
        "ml.inf2.48xlarge",
        "ml.inf2.8xlarge",
        "ml.inf2.xlarge",
        "ml.p4d.24xlarge",
        "ml.p4de.24xlarge",
        "ml.p5.48xlarge",
        "ml.p5e.48xlarge",
        "ml.p5en.48xlarge",
        "ml.p6-b200.48xlarge",
        "ml.trn1.2xlarge",
        "ml.trn1.32xlarge",
        "ml.trn1n.32xlarge",
    }
)
MAX_OVERRIDE_ENVIRONMENT = 25  # OverrideEnvironment entries per config (botocore: map max 25)

# Which steps each image flavour supports, after the SageMaker SDK's rule sets
# (sagemaker-python-sdk v2.257.6 serve/validations/optimization.py): vLLM (lmi) quantizes and shards but
# compiles nothing; TensorRT-LLM compiles, and quantizes only while compiling; Neuron only compiles.
FLAVOUR_STEPS = {
    "lmi": frozenset({"shard", "quantize-awq", "quantize-fp8"}),
    "tensorrtllm": frozenset({"compile", "quantize-awq", "quantize-fp8"}),
    "neuronx": frozenset({"compile"}),
}

# LMI images whose optimization-job path ("Neo", serving/docker/partition/sm_neo_dispatcher.py) works,
# by source reading of djl-serving's -dlc branches: in lmi 0.33+ the dispatcher matches no
# SERVING_FEATURES=vllm and 0.35+ calls a removed venv; the 0.33 TensorRT-LLM image lacks
# tensorrt_llm_toolkit. Versions as (major, minor) ranges, inclusive.
# Neuron: sm_neo_neuron_partition.py first ships in 0.27, and from 0.28 it moves the compiled model into
# optimized_model/ (NEO_OPTIMIZED_MODEL_DIR, copy_input_files_to_output), the layout served below.
OPTIMIZATION_IMAGES = {"lmi": ((0, 31), (0, 32)), "tensorrtllm": ((0, 27), (0, 32)), "neuronx": ((0, 28), (0, 30))}
# Where in the job's output the prepared model is, per flavour of a compile step (empty: the output itself).
# Neuron (0.28..0.30-dlc sm_neo_neuron_partition.py L32, L266-312): the compiled model (config.json with a
# `neuron` key, checkpoint/, compiled/, tokenizer) is in optimized_model/; the output root holds the input's
# non-weight files and a serving.properties saying option.model_id=./optimized_model, which a Model whose
# own serving.properties comes from the bundle never reads.
COMPILED_MODEL_SUBDIRECTORY = {"neuronx": "optimized_model/"}
# The job image used when the serving tag cannot run the job itself (the newest that can; SDK image tables).
DEFAULT_JOB_TAGS = {"lmi": "0.32.0-lmi14.0.0-cu126", "tensorrtllm": "0.32.0-tensorrtllm0.12.0-cu125"}
# Images that load SageMaker Fast Model Loader shards (option.load_format=sagemaker_fast_model_loader:
# lmi-dist only, LMI V13/V14; absent from V15 on).
SHARDED_SERVING_IMAGES = {"lmi": ((0, 31), (0, 32))}
# Where only a training job can compile: the 0.33 TensorRT-LLM image's own trt_llm_partition.py
# (0.33.0-dlc) works, its optimization path does not.
TRAINING_JOB_COMPILE = {"tensorrtllm": ((0, 33), (0, 33))}

# serving: options each technique's job reads, passed as OverrideEnvironment (option.x -> OPTION_X).
JOB_OPTIONS = {
    "shard": ("option.tensor_parallel_degree", "option.pipeline_parallel_degree"),
    "quantize-awq": ("option.tensor_parallel_degree", "option.awq_block_size", "option.awq_zero_point"),
    "quantize-fp8": ("option.tensor_parallel_degree", "option.max_model_len", "option.calib_size"),
    "compile": (
        "option.tensor_parallel_degree", "option.dtype", "option.max_rolling_batch_size", "option.max_input_len",
        "option.max_output_len", "option.max_seq_len", "option.max_num_tokens", "option.n_positions",
        "option.rolling_batch", "option.neuron_optimize_level",
    ),
}  # fmt: skip

_VERSION = re.compile(r"^([0-9]+)\.([0-9]+)\.")


def version(tag: str) -> tuple[int, int] | None:
    """'0.32.0-lmi14.0.0-cu126' -> (0, 32)."""
    match = _VERSION.match(tag)
    return (int(match.group(1)), int(match.group(2))) if match else None


def within(tag: str, ranges: dict[str, tuple[tuple[int, int], tuple[int, int]]], flavour: str) -> bool:
    bounds = ranges.get(flavour)
    found = version(tag)
    return bounds is not None and found is not None and bounds[0] <= found <= bounds[1]


def option_env(key: str) -> str:
    """'option.tensor_parallel_degree' -> 'OPTION_TENSOR_PARALLEL_DEGREE' (as LMI reads the environment)."""
    return "OPTION_" + key.removeprefix("option.").upper()
