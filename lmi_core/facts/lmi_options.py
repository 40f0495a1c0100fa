"""Catalog of LMI (DJL Serving) serving.properties keys and values, LMI 0.29 .. 0.35 (+ master).

Pure data, stdlib only. Read from the djl-serving sources (github.com/deepjavalibrary/djl-serving):

* master  d21927c4a692335fba62a87cc430a5fc00c5f790 (2026-06-24)  -- the main source
* v0.29.0 c343d60b35f0d42f96f678570a553953f055ab32 (2024-08-07)  -- oldest supported release
* afece25dd0cab637d771d061c284747bdb0f736c (parent of 1132e3ab, 2025-11-03, the commit that removed
  Neuron support) -- last state of the Transformers-NeuronX options (neuronx images, LMI <= 0.32)
* v0.27.0 / v0.28.0 tags -- to date the DeepSpeed / s3url removals

Key naming: a pydantic field ``foo`` of a djl_python.properties_manager config is set as
``option.foo`` in serving.properties (or ``OPTION_FOO`` in the environment); keys without the
``option.`` prefix are model-server (Java, wlm/) settings. Keys are case-sensitive:
``option.entryPoint`` (camelCase), ``minWorkers``, ``gpu.maxWorkers``.

vLLM and TensorRT-LLM configs use ``extra='allow'``: any vLLM EngineArgs field / TRT-LLM argument is
passed through, so this list cannot be exhaustive for them. It holds the keys named in the sources
and docs; anything else belongs in the model YAML's ``serving_passthrough``.

Detailed record of what was read: docs/research/lmi-sources.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lmi_core import serving_properties

DJL_SERVING_COMMIT = "d21927c4a692335fba62a87cc430a5fc00c5f790"

# ---------------------------------------------------------------------------------------------
# Model-server (non-option) keys.
# serving/docs/configurations_model.md ("Main properties"); wlm/.../ModelInfo.java
# (configPerModelSettings, getWorkersMinMaxProperty, checkAvailableMemory, retry_threshold,
# log_request_metric/metrics_aggregation); engines/python/.../PyModel.java (gpu.minWorkers/maxWorkers);
# plugins/secure-mode/.../SecureModeAllowList.java (max_dynamic_batch_size).
# ---------------------------------------------------------------------------------------------
_SERVER_KEYS = frozenset(
    {
        "engine",
        "job_queue_size",
        "batch_size",
        "max_dynamic_batch_size",  # alias of batch_size (ModelInfo.configPerModelSettings)
        "max_batch_delay",
        "max_idle_time",
        "minWorkers",
        "maxWorkers",
        "gpu.minWorkers",
        "gpu.maxWorkers",
        "cpu.minWorkers",
        "cpu.maxWorkers",
        "load_on_devices",
        "required_memory_mb",
        "gpu.required_memory_mb",
        "reserved_memory_mb",
        "gpu.reserved_memory_mb",
        "log_request_metric",
        "metrics_aggregation",
        "retry_threshold",
        "translatorFactory",
    }
)

# ---------------------------------------------------------------------------------------------
# Options read by the Java side.
# engines/python/.../PyModel.java (switch over options), wlm/.../ModelInfo.java, LmiUtils.java,
# LmiConfigRecommender.java, util/SageMakerCompatibility.java, serving/.../AdapterManagementRequestHandler.
# ---------------------------------------------------------------------------------------------
_JAVA_OPTIONS = frozenset(
    {
        "option.model_id",
        "option.entryPoint",
        "option.modelName",
        "option.pythonExecutable",
        "option.env",
        "option.handler",
        "option.predict_timeout",
        "option.model_loading_timeout",
        "option.parallel_loading",
        "option.tensor_parallel_degree",
        "option.pipeline_parallel_degree",
        "option.enable_venv",
        "option.mpi_mode",
        "option.async_mode",
        "option.rolling_batch",
        "option.max_rolling_batch_size",
        "option.max_num_tokens",
        "option.enable_lora",
        "option.enable_stateful_sessions",
        "option.lmcache_auto_config",
        "option.speculative_draft_model",
        "option.optimization",
        "option.backend",
        "option.default_accept",
        "option.is_peft_model",
        "option.task",
        "option.revision",
        "option.trust_remote_code",
    }
)

# ---------------------------------------------------------------------------------------------
# Common python-side options: engines/python/setup/djl_python/properties_manager/properties.py
# (class Properties) and hf_properties.py (HuggingFaceProperties, the djl_python.huggingface handler).
# ---------------------------------------------------------------------------------------------
_COMMON_OPTIONS = frozenset(
    {
        "option.cluster_size",
        "option.enable_streaming",
        "option.batch_size",
        "option.dtype",
        "option.output_formatter",
        "option.waiting_steps",
        "option.tgi_compat",
        "option.bedrock_compat",
        "option.draft_model_id",
        "option.spec_length",
        # hf_properties.py
        "option.device_id",
        "option.device_map",
        "option.load_in_4bit",  # deprecated: see DEPRECATED_KEYS
        "option.load_in_8bit",  # deprecated for HF; a live TNX option
        "option.quantize",
        "option.low_cpu_mem_usage",
        "option.disable_flash_attn",
    }
)

# ---------------------------------------------------------------------------------------------
# vLLM: properties_manager/vllm_rb_properties.py (VllmRbProperties fields and aliases; master and
# v0.29.0), serving/docs/lmi/user_guides/vllm_user_guide.md (LMI table + documented pass-through
# examples), serving/docs/adapters.md (LoRA), user_guides/tool_calling.md,
# user_guides/vision_language_models.md, user_guides/lmcache_user_guide.md,
# user_guides/embedding-user-guide.md, serving/docs/stateful_sessions.md, SecureModeAllowList.java.
# ---------------------------------------------------------------------------------------------
_VLLM_OPTIONS = frozenset(
    {
        "option.max_rolling_batch_prefill_tokens",
        "option.max_num_batched_tokens",  # alias of max_rolling_batch_prefill_tokens
        "option.quantization",  # alias of quantize
        "option.cpu_offload_gb_per_gpu",
        "option.cpu_offload_gb",  # alias of cpu_offload_gb_per_gpu
        "option.max_model_len",
        "option.gpu_memory_utilization",
        "option.enforce_eager",
        "option.load_format",
        "option.enable_chunked_prefill",
        "option.enable_prefix_caching",
        "option.disable_sliding_window",
        "option.max_logprobs",  # v0.29.0 field
        "option.device",
        "option.override_neuron_config",  # vLLM-on-Neuron (afece25), neuronx images only
        "option.max_loras",
        "option.max_lora_rank",
        "option.max_cpu_loras",
        "option.lora_extra_vocab_size",
        "option.lora_dtype",
        "option.fully_sharded_loras",
        "option.long_lora_scaling_factors",
        "option.enable_auto_tool_choice",
        "option.tool_call_parser",
        "option.enable_reasoning",
        "option.reasoning_parser",
        "option.chat_template",
        "option.chat_template_content_format",
        "option.normalize",  # embeddings
        "option.tokenizer_mode",
        "option.speculative_config",
        "option.limit_mm_per_prompt",
        "option.enable_expert_parallel",
        "option.kv_transfer_config",
        "option.lmcache_config_file",
        "option.sessions_path",
        "option.sessions_expiration",
        "option.sessions_s3url",
        # lmi-dist / vLLM speculative decoding (v0.29.0 lmi_dist_rb_properties.py, SecureModeAllowList)
        "option.speculative_length",
        "option.draft_model_tp_size",
        "option.record_acceptance_rate",
    }
)

# ---------------------------------------------------------------------------------------------
# TensorRT-LLM runtime: properties_manager/trt_properties.py (TensorRtLlmProperties fields, the
# KvCacheConfig / PyTorchConfig extras read from __pydantic_extra__).
# ---------------------------------------------------------------------------------------------
_TRTLLM_RUNTIME_OPTIONS = frozenset(
    {
        "option.tokenizer",
        "option.tokenizer_revision",
        "option.skip_tokenizer_init",
        "option.pipeline_parallel_size",
        "option.context_parallel_size",
        "option.moe_tensor_parallel_size",
        "option.moe_expert_parallel_size",
        "option.enable_attention_dp",
        "option.auto_parallel",
        "option.auto_parallel_world_size",
        "option.guided_decoding_backend",
        "option.iter_stats_max_iterations",
        "option.request_stats_max_iterations",
        "option.embedding_parallel_mode",
        "option.fast_build",
        "option.enable_build_cache",
        "option.batching_type",
        "option.normalize_log_probs",
        "option.gather_generation_logits",
        "option.extended_runtime_perf_knob_config",
        "option.max_batch_size",
        "option.max_input_len",
        "option.max_seq_len",
        "option.max_beam_width",
        # KvCacheConfig extras
        "option.enable_block_reuse",
        "option.max_tokens",
        "option.max_attention_window",
        "option.sink_token_length",
        "option.free_gpu_memory_fraction",
        "option.host_cache_size",
        "option.onboard_blocks",
        "option.cross_kv_cache_fraction",
        "option.secondary_offload_min_priority",
        "option.event_buffer_max_size",
        # PyTorchConfig extras (option.backend=pytorch)
        "option.enable_overlap_scheduler",
        "option.kv_cache_dtype",
        "option.attn_backend",
        "option.use_cuda_graph",
        "option.moe_backend",
    }
)

# ---------------------------------------------------------------------------------------------
# TensorRT-LLM build / JIT compile: serving/docker/partition/trt_llm_partition.py
# (parse_quant_config, parse_calib_config, args.* of tensorrt_llm's build parser) and the
# "Advanced TensorRT-LLM Configurations" table of user_guides/trt_llm_user_guide.md (master and
# v0.29.0, the tensorrt_llm_toolkit era).
# ---------------------------------------------------------------------------------------------
_TRTLLM_BUILD_OPTIONS = frozenset(
    {
        "option.max_output_len",
        "option.tokens_per_block",
        "option.batch_scheduler_policy",
        "option.kv_cache_free_gpu_mem_fraction",
        "option.max_num_sequences",
        "option.enable_trt_overlap",
        "option.enable_kv_cache_reuse",
        "option.baichuan_model_version",
        "option.chatglm_model_version",
        "option.gpt_model_version",
        "option.use_fused_mlp",
        "option.rotary_base",
        "option.rotary_dim",
        "option.rotary_scaling_type",
        "option.rotary_scaling_factor",
        "option.logits_dtype",
        "option.trtllm_checkpoint_path",
        "option.num_checkpoint_workers",
        "option.num_engine_workers",
        "option.load_by_shard",
        "option.smoothquant_alpha",
        "option.smoothquant_per_token",
        "option.smoothquant_per_channel",
        "option.multi_query_mode",
        "option.q_format",
        "option.calib_size",
        "option.calib_batch_size",
        "option.awq_block_size",
        "option.use_fp8_context_fmha",
        "option.use_custom_all_reduce",  # v0.29.0 guide, SecureModeAllowList
        "option.multi_block_mode",  # v0.29.0 guide, SecureModeAllowList
        # trt_llm_partition.py parse_quant_config / parse_calib_config
        "option.quant_algo",
        "option.kv_cache_quant_algo",
        "option.group_size",
        "option.smoothquant_val",
        "option.clamp_val",
        "option.use_meta_recipe",
        "option.has_zero_point",
        "option.pre_quant_scales",
        "option.exclude_modules",
        "option.calib_dataset",
        "option.calib_batches",
        "option.calib_max_seq_length",
        "option.random_seed",
        "option.tokenizer_max_seq_length",
        # trt_llm_partition.py parse_build_config (tensorrt_llm build args read as args.<name>)
        "option.opt_num_tokens",
        "option.max_prompt_embedding_table_size",
        "option.gather_context_logits",
        "option.gather_all_token_logits",
        "option.max_draft_len",
        "option.multiple_profiles",
        "option.weight_sparsity",
        "option.profiling_verbosity",
        "option.kv_cache_type",
        "option.max_encoder_input_len",
        "option.weight_streaming",
    }
)

# ---------------------------------------------------------------------------------------------
# Transformers-NeuronX (neuronx images, LMI <= 0.32; code removed from master in 1132e3ab):
# properties_manager/tnx_properties.py at afece25 and v0.29.0, user_guides/tnx_user_guide.md.
# ---------------------------------------------------------------------------------------------
_NEURON_OPTIONS = frozenset(
    {
        "option.n_positions",
        "option.unroll",
        "option.neuron_optimize_level",
        "option.context_length_estimate",
        "option.load_split_model",
        "option.compiled_graph_path",
        "option.group_query_attention",
        "option.enable_mixed_precision_accumulation",
        "option.enable_saturate_infinity",
        "option.amp",
        "option.draft_model_compiled_path",
        "option.model_loader",
        "option.rolling_batch_strategy",
        "option.fuse_qkv",
        "option.fuse_mlp",
        "option.fused_rmsnorm_qkv",
        "option.qkv_tiling",
        "option.weight_tiling",
        "option.mlp_out_weight_transpose",
        "option.attention_layout",
        "option.collectives_layout",
        "option.cache_layout",
        "option.partition_schema",
        "option.all_reduce_dtype",
        "option.cast_logits_dtype",
        "option.sequence_parallel_norm_threshold",
        "option.on_device_embedding",
        "option.on_device_embedding_config",
        "option.on_device_generation",
        "option.shard_over_sequence",
        "option.compilation_worker_count",
        "option.sequence_parallel",
        "option.multi_node",
        "option.neuron_cc_pipeline_factor",
        "option.neuron_quant",
    }
)

# ---------------------------------------------------------------------------------------------
# AOT (training-job) only: serving/docker/partition/partition.py (autoawq_quantize, fp8_quantize)
# and partition/properties_manager.py.
# ---------------------------------------------------------------------------------------------
_AOT_OPTIONS = frozenset(
    {
        "option.save_mp_checkpoint_path",
        "option.awq_zero_point",
        "option.awq_weight_bit_width",
        "option.awq_mm_version",
        "option.awq_ignore_layers",
        "option.fp8_scheme",
        "option.fp8_ignore",
    }
)

# ---------------------------------------------------------------------------------------------
# CPU image handlers (djl_python/sklearn_handler.py, xgboost_handler.py; docs mention them).
# ---------------------------------------------------------------------------------------------
_CPU_HANDLER_OPTIONS = frozenset(
    {
        "option.model_format",
        "option.trust_insecure_model_files",
        "option.skops_trusted_types",
    }
)

KNOWN_KEYS: frozenset[str] = frozenset().union(
    _SERVER_KEYS,
    _JAVA_OPTIONS,
    _COMMON_OPTIONS,
    _VLLM_OPTIONS,
    _TRTLLM_RUNTIME_OPTIONS,
    _TRTLLM_BUILD_OPTIONS,
    _NEURON_OPTIONS,
    _AOT_OPTIONS,
    _CPU_HANDLER_OPTIONS,
)

# ---------------------------------------------------------------------------------------------
# Removed keys (error). Evidence: 5ba6bd02 "[lmi][deprecated] remove option.s3url" (first in
# v0.27.0); 588f60e2 "[DeepSpeed] batch 2 removal of deepspeed" (v0.28.0; ds_properties.py fields at
# v0.27.0); 8cac3cd8 removed lmi-dist paged_attention (v0.26.0); trt_llm_user_guide.md marks
# awq_format / awq_calib_size "== 0.26.0" (replaced by q_format / calib_size from 0.27.0);
# 99e42afd removed the seq-scheduler (scheduler_rb_properties.py fields; LMI 0.33 per
# announcements/breaking_changes.md).
# ---------------------------------------------------------------------------------------------
REMOVED_KEYS: dict[str, str] = {
    "option.s3url": "removed in LMI 0.27: put the S3 prefix in model.id (rendered as option.model_id)",
    "option.paged_attention": "removed in LMI 0.26 (paged attention is always on in vLLM): delete the key",
    "option.awq_format": "only read by LMI 0.26: use option.q_format (TensorRT-LLM AWQ)",
    "option.awq_calib_size": "only read by LMI 0.26: use option.calib_size (TensorRT-LLM AWQ)",
    "option.deepspeed_config_path": "DeepSpeed-only, removed in LMI 0.28: use engine=Python with option.rolling_batch=vllm",
    "option.checkpoint": "DeepSpeed-only, removed in LMI 0.28: point model.id at the checkpoint prefix",
    "option.enable_cuda_graph": "DeepSpeed-only, removed in LMI 0.28: vLLM uses CUDA graphs unless option.enforce_eager=true",
    "option.triangular_masking": "DeepSpeed-only, removed in LMI 0.28: delete the key",
    "option.return_tuple": "DeepSpeed-only, removed in LMI 0.28: delete the key",
    "option.training_mp_size": "DeepSpeed-only, removed in LMI 0.28: delete the key",
    "option.decoding_strategy": "seq-scheduler option, removed in LMI 0.33: use option.rolling_batch=vllm",
    "option.max_sparsity": "seq-scheduler option, removed in LMI 0.33: use option.rolling_batch=vllm",
    "option.max_splits": "seq-scheduler option, removed in LMI 0.33: use option.rolling_batch=vllm",
    "option.multi_gpu": "seq-scheduler option, removed in LMI 0.33: use option.rolling_batch=vllm",
}

# ---------------------------------------------------------------------------------------------
# Removed values (error), keyed by (key, value.lower()). The caller prints "'<value>' <message>".
# engine=DeepSpeed / djl_python.deepspeed / rolling_batch=deepspeed / stable-diffusion handler:
#   deleted by 588f60e2 (first tag v0.28.0), deepspeed_user_guide.md "removed starting with LMI
#   container release 0.28.0", announcements/deepspeed-deprecation.md (296b5488).
# engine=FasterTransformer: 0995b655 "remove fastertransformer build and release" (first tag v0.25.0).
# rolling_batch=lmi-dist|scheduler: announcements/breaking_changes.md, "LMI Container v15 (0.33.0)".
# ---------------------------------------------------------------------------------------------
_VLLM = "use engine=Python with option.rolling_batch=vllm"
REMOVED_VALUES: dict[tuple[str, str], str] = {
    ("engine", "deepspeed"): f"was removed in LMI 0.28: {_VLLM}",
    ("engine", "fastertransformer"): f"was removed in LMI 0.25: {_VLLM} (or the tensorrtllm image)",
    ("option.rolling_batch", "deepspeed"): "was removed in LMI 0.28: use option.rolling_batch=vllm",
    ("option.rolling_batch", "lmi-dist"): f"was removed in LMI 0.33: {_VLLM} and option.mpi_mode=false",
    ("option.rolling_batch", "scheduler"): "was removed in LMI 0.33: use option.rolling_batch=vllm",
    ("option.entryPoint", "djl_python.deepspeed"): f"was removed in LMI 0.28: drop option.entryPoint, {_VLLM}",
    ("option.entryPoint", "djl_python.fastertransformer"): f"was removed in LMI 0.25: drop option.entryPoint, {_VLLM}",
    ("option.entryPoint", "djl_python.stable-diffusion"): "was removed in LMI 0.28: ship a custom model.py handler",
    ("option.quantize", "dynamic_int8"): "was DeepSpeed-only, removed in LMI 0.28: use fp8 or awq (vLLM)",
}


# ---------------------------------------------------------------------------------------------
# Which release an option belongs to (docs/research/lmi-sources.md, "LMI currency"). Releases are
# LMI's V-numbers: DJL Serving 0.X is V(X-18) up to 0.35 (V17); 0.36.0 carries V18..V27 in its tag
# (0.36.0-lmi27.0.0-cu130). Removals are errors only on images that no longer have the option.
# ---------------------------------------------------------------------------------------------
def release_of(tag: str | None) -> int | None:
    """The LMI release (V-number) of an image tag, or None when the tag does not say."""
    if tag is None:
        return None
    explicit = re.search(r"-lmi([0-9]+)\.", tag)
    if explicit:
        return int(explicit.group(1))
    djl = re.match(r"^0\.([0-9]+)\.", tag)
    return int(djl.group(1)) - 18 if djl else None


# First release without the key or value (DJL 0.27 = V9, 0.28 = V10, 0.33 = V15).
REMOVED_KEY_RELEASE: dict[str, int] = {
    "option.s3url": 9, "option.paged_attention": 8, "option.awq_format": 9, "option.awq_calib_size": 9,
    "option.deepspeed_config_path": 10, "option.checkpoint": 10, "option.enable_cuda_graph": 10,
    "option.triangular_masking": 10, "option.return_tuple": 10, "option.training_mp_size": 10,
    "option.decoding_strategy": 15, "option.max_sparsity": 15, "option.max_splits": 15, "option.multi_gpu": 15,
}  # fmt: skip
REMOVED_VALUE_RELEASE: dict[tuple[str, str], int] = {
    ("engine", "deepspeed"): 10, ("engine", "fastertransformer"): 7, ("option.rolling_batch", "deepspeed"): 10,
    ("option.rolling_batch", "lmi-dist"): 15, ("option.rolling_batch", "scheduler"): 15,
    ("option.entryPoint", "djl_python.deepspeed"): 10, ("option.entryPoint", "djl_python.fastertransformer"): 7,
    ("option.entryPoint", "djl_python.stable-diffusion"): 10, ("option.quantize", "dynamic_int8"): 10,
}  # fmt: skip
# Keys a later release removed (vllm_rb_properties.py / properties.py field diffs between -dlc branches).
REMOVED_LATER: dict[str, tuple[int, str]] = {
    "option.use_v2_block_manager": (16, "was removed in LMI V16 (0.34): vLLM V1 has one block manager; delete the key"),
    "option.preloaded_model": (17, "was removed in LMI V17 (0.35): delete the key"),
    "option.override_neuron_config": (17, "was removed in LMI V17 (0.35) with vLLM-on-Neuron: delete the key"),
    # Not a VllmRbProperties field: LMI passes it on only while EngineArgs has it (vllm_rb_properties.py
    # get_additional_vllm_engine_args); vLLM 0.11.2's arg_utils.py has it, 0.12.0's (LMI V18) does not.
    "option.lora_extra_vocab_size": (
        18,
        "is dropped from LMI V18 (0.36.0-lmi18): vLLM 0.12 removed it, and LMI passes on only keys vLLM's "
        "EngineArgs has; delete the key",
    ),
}
# Keys the vLLM handler silently drops from V15 (0.33): their only readers (lmi-dist, transformers-neuronx)
# are gone from the GPU images, and vLLM V1 reads option.speculative_config instead.
IGNORED_FROM: dict[str, tuple[int, str]] = {
    **{
        key: (15, 'is ignored by LMI\'s vLLM handler from V15 (0.33) (allowed: option.speculative_config, e.g. '
                  '{"model": "<draft model>", "num_speculative_tokens": 5})')
        for key in ("option.speculative_draft_model", "option.speculative_length", "option.draft_model_tp_size")
    },
    # lmi_dist_rb_properties.py was its only reader (0.32 .. 0.34 branches; none from 0.35.0-dlc).
    "option.record_acceptance_rate": (15, "is read only by lmi-dist, which the images lost in V15 (0.33): no "
                                          "handler reads it (allowed: delete the key)"),
}  # fmt: skip
# Keys that first appear in a later release; an older image ignores them.
# option.normalize (embeddings): VllmRbProperties.normalize from 0.36.0-lmi25-dlc; no reader on 0.29 .. lmi24.
ADDED_IN: dict[str, int] = {"option.kv_transfer_config": 17, "option.lmcache_auto_config": 19, "option.normalize": 25}
# Keys an older release reads are known, whatever the image: the release rules above judge them.
KNOWN_KEYS = KNOWN_KEYS | REMOVED_LATER.keys() | ADDED_IN.keys()


# ---------------------------------------------------------------------------------------------
# Deprecated but still accepted (warn). Not used by the error rules; for reports/warnings.
# ---------------------------------------------------------------------------------------------
DEPRECATED_KEYS: dict[str, str] = {
    # properties.py validate_enable_streaming logs "streaming is deprecated"
    "option.enable_streaming": "deprecated: rolling batch streams by default; clients pass stream=true",
    # hf_properties.py validators
    "option.load_in_4bit": "deprecated (HuggingFace handler): use option.quantize=bitsandbytes4 there, "
    "option.quantize=bitsandbytes on vLLM",
    "option.load_in_8bit": "deprecated (HuggingFace handler): use option.quantize=bitsandbytes8 there, "
    "option.quantize=bitsandbytes on vLLM",
    # trt_llm_user_guide.md: "Now maps to max_seq_len in TRTLLM"
    "option.max_output_len": "kept for compatibility: TensorRT-LLM reads it as max_seq_len",
}

# vLLM names that LMI accepts but where the LMI name is preferred (vllm_rb_properties.py
# handle_lmi_vllm_config_conflicts: both set with different values -> ValueError). Not in
# KNOWN_KEYS, so the project's checks (e.g. TP divides the GPU count) see the LMI name.
PREFER_LMI_NAME: dict[str, str] = {
    "option.tensor_parallel_size": "option.tensor_parallel_degree",
    "option.pipeline_parallel_size": "option.pipeline_parallel_degree",
    "option.max_num_seqs": "option.max_rolling_batch_size",
}

# ---------------------------------------------------------------------------------------------
# Enumerated values (compared case-insensitively by the caller).
# ---------------------------------------------------------------------------------------------
ALLOWED_VALUES: dict[str, frozenset[str]] = {
    # deployment_guide/configurations.md (Python, MPI for LLMs); embedding-user-guide.md
    # (Rust, OnnxRuntime, PyTorch for text embedding); MpiEngineProvider.java ("MPI").
    "engine": frozenset({"Python", "MPI", "Rust", "OnnxRuntime", "PyTorch"}),
    # properties.py RollingBatchEnum (master): vllm, auto, disable, trtllm;
    # tnx: v0.29.0..afece25 RollingBatchEnum, neuronx images only (ROLLING_BATCH_IMAGE below).
    "option.rolling_batch": frozenset({"auto", "vllm", "trtllm", "disable", "tnx"}),
    # vllm_rb_properties.py DTYPE_MAPPER; hf_properties.py get_torch_dtype_from_str (adds int8);
    # tnx_properties.py Dtype (fp32, fp16, bf16). No fp8 dtype in any of them (fp8 is a quantize value).
    # The union of the three: VLLM_DTYPES / NEURON_DTYPES below hold what each engine takes.
    "option.dtype": frozenset({"auto", "fp32", "fp16", "bf16", "float32", "float16", "bfloat16", "int8"}),
    # properties.py StreamingEnum
    "option.enable_streaming": frozenset({"true", "false", "huggingface"}),
    # output_formatter.py get_output_formatter (other strings only log a warning)
    "option.output_formatter": frozenset(
        {"json", "jsonlines", "sse", "json_chat", "jsonlines_chat", "sse_chat", "3p", "3p_stream", "none"}
    ),
    # vllm_rb_properties.py Literal
    "option.chat_template_content_format": frozenset({"auto", "string", "openai"}),
    # tnx_properties.py enums (afece25)
    "option.neuron_optimize_level": frozenset({"1", "2", "3"}),
    "option.group_query_attention": frozenset(
        {"shard-over-heads", "shard-over-batch", "replicated-heads", "all-gather-heads"}
    ),
    "option.model_loader": frozenset({"tnx", "optimum", "vllm", "nxdi"}),
    "option.partition_schema": frozenset({"legacy", "optimum", "safetensors", "compile_only"}),
    "option.rolling_batch_strategy": frozenset({"continuous_batching", "naive_rolling_batch"}),
    "option.attention_layout": frozenset({"BSH", "HSB", "SBH"}),
    "option.collectives_layout": frozenset({"BSH", "HSB", "SBH"}),
    "option.cache_layout": frozenset({"BSH", "HSB", "SBH"}),
    "option.all_reduce_dtype": frozenset({"float32", "float16", "bfloat16"}),
    "option.cast_logits_dtype": frozenset({"float32", "float16", "bfloat16"}),
}

# option.quantize is deliberately NOT in ALLOWED_VALUES: on master VllmRbProperties.quantize is a
# free str handed to vLLM (any vLLM quantization method), and sm_neo_quantize.py itself writes
# "compressed-tensors". What each engine takes: VLLM_QUANTIZATION, NOT_VLLM_QUANTIZE, NEURON_QUANTIZE below.
# These are the values the sources name, for hints only:
QUANTIZE_VALUES: frozenset[str] = frozenset(
    {
        # v0.29.0 vllm_rb_properties.py VllmQuantizeMethods / hf_properties.py HFQuantizeMethods
        "awq",
        "deepspeedfp",
        "fp8",
        "fbgemm_fp8",
        "gptq",
        "gptq_marlin",
        "gptq_marlin_24",
        "awq_marlin",
        "marlin",
        "squeezellm",
        "bitsandbytes",
        "bitsandbytes4",
        "bitsandbytes8",
        # vllm_user_guide.md runtime quantization; sm_neo_quantize.py output for fp8
        "compressed-tensors",
        # trt_llm_user_guide.md (TensorRT-LLM JIT)
        "smoothquant",
        # tnx_properties.py TnXQuantizeMethods
        "static_int8",
    }
)
# partition.py run_quantization: the AOT training job only accepts these.
AOT_QUANTIZE_VALUES: frozenset[str] = frozenset({"awq", "fp8"})

# ---------------------------------------------------------------------------------------------
# Which engine reads serving.properties, per image flavour, and the values that engine takes.
# Read from the -dlc release branches (heads: 0.36.0-lmi27-dlc 7e13b081, 0.33.0-dlc 8b3b685b,
# 0.32.0-dlc 3d6ad832, 0.29.0-dlc 58eb48b6) and from the vLLM 0.23.0 wheel on PyPI.
# ---------------------------------------------------------------------------------------------
# The lmi image's vLLM handler: from V15 (0.33) option.rolling_batch=auto (the default) starts vLLM
# (LmiConfigRecommender.java setRollingBatch, 0.36.0-lmi27-dlc L56-78: auto -> async_mode=true ->
# PyModel.java L188-193 djl_python.lmi_vllm.vllm_async_service, which builds VllmRbProperties from every
# key, vllm_async_service.py L89-90); rolling_batch=vllm does so on every release read here (V14 0.32 on:
# huggingface.py get_rolling_batch_class_from_str L78-82 -> VLLMRollingBatch -> VllmRbProperties).
# rolling_batch=disable without async_mode=true is the HuggingFace accelerate handler instead.
VLLM_BY_DEFAULT_FROM = 15
# Python async mode awaits the entry file's handle(): PythonAsyncEngine.invoke_handler awaits
# ModelService.invoke_handler_async, `return await getattr(self.module, function_name)(inputs)`
# (0.36.0-lmi27-dlc python_async_engine.py L61-62, service_loader.py L33-35; the same on 0.33.0-dlc .. 0.36.0-lmi18),
# so a plain `def handle` fails every request ("object ... can't be used in 'await' expression"). Async mode is on
# when option.async_mode=true (PyModel.java reads it from 0.33.0-dlc, L153 on 0.36.0-lmi27) and, from V17 (0.35.0-dlc),
# by default on the vllm and trtllm images: LmiConfigRecommender.setRollingBatch (0.36.0-lmi27-dlc L50-78) turns
# option.rolling_batch=auto (the default) of a text-generation architecture (*ForCausalLM, *LMHeadModel,
# *ForConditionalGeneration) into rolling_batch=disable + async_mode=true, unless batch_size > 1. On V15/V16 auto
# meant rolling_batch=vllm/trtllm instead (0.34.0-dlc L66-84). Docs: serving/docs/modes.md L36-40 ("async def
# handle"), lmi/user_guides/vllm_user_guide.md L186-190.
ASYNC_MODE_BY_DEFAULT_FROM = 17
ASYNC_MODE_FROM = 15  # option.async_mode read by PyModel.java
ASYNC_MODE_FLAVOURS = frozenset(
    {"lmi", "tensorrtllm"}
)  # SERVING_FEATURES=vllm / trtllm (isVllmEnabled, isTrtLlmEnabled)
VLLM_CHECKED_FROM = 14  # vllm_rb_properties.py DTYPE_MAPPER and the EngineArgs filter are the same V14..V27
VLLM_ENTRY_POINT = "djl_python.lmi_vllm.vllm_async_service"
HF_ENTRY_POINT = "djl_python.huggingface"
NEURON_ENTRY_POINT = "djl_python.transformers_neuronx"

# vllm_rb_properties.py DTYPE_MAPPER + validate_dtype, compared as written (case-sensitive): 0.32.0-dlc
# L23-31 / L108-114, 0.36.0-lmi27-dlc L22-30 / L136-142 ("Invalid dtype=... provided"). No int8: that is
# hf_properties.py get_torch_dtype_from_str (L13-26), the HuggingFace accelerate handler only.
VLLM_DTYPES: frozenset[str] = frozenset({"auto", "fp32", "fp16", "bf16", "float32", "float16", "bfloat16"})
VLLM_BF16_DTYPES: frozenset[str] = frozenset({"bf16", "bfloat16"})  # DTYPE_MAPPER -> torch.bfloat16 for vLLM
# tnx_properties.py Dtype, a pydantic str enum (0.29.0-dlc L32-35, field L90; same on 0.30..0.34-dlc), read by
# djl_python.transformers_neuronx for every neuronx rolling batch (transformers_neuronx.py L97).
NEURON_DTYPES: frozenset[str] = frozenset({"fp32", "fp16", "bf16"})
# tnx_properties.py TnXQuantizeMethods (0.29.0-dlc L44-45, field L98; same on 0.30..0.34-dlc).
NEURON_QUANTIZE: frozenset[str] = frozenset({"static_int8"})


# option.quantize (alias option.quantization) goes to vLLM unmapped from V13 (0.31: VllmRbProperties.quantize
# is a str; 0.36.0-lmi27-dlc vllm_rb_properties.py L62-63, L226), and vLLM rejects a name it does not know
# (vllm/config/model.py _verify_quantization: "Unknown quantization method", lower-cased first).
# V27 pins vllm-0.23.1.dev4+gcd87ce883 (lmi-container-requirements.txt L12, 0.23.0 plus 4 commits):
# QuantizationMethods of the vLLM 0.23.0 wheel, vllm/model_executor/layers/quantization/__init__.py L12-45.
@dataclass(frozen=True)
class VllmQuantization:
    vllm: str  # the vLLM version the release pins
    methods: frozenset[str]  # QuantizationMethods
    deprecated: frozenset[str]  # DEPRECATED_QUANTIZATION_METHODS: refused unless allow_deprecated_quantization


_VLLM_0_23_QUANTIZATION = frozenset(
    {
        "awq", "fp8", "fbgemm_fp8", "fp_quant", "modelopt", "modelopt_fp4", "modelopt_mxfp8", "modelopt_mixed", "gguf",
        "auto_gptq", "gptq", "gptq_marlin", "awq_marlin", "humming", "compressed-tensors", "bitsandbytes",
        "experts_int8", "quark", "moe_wna16", "torchao", "inc", "mxfp4", "gpt_oss_mxfp4", "deepseek_v4_fp8", "online",
        "fp8_per_tensor", "fp8_per_block", "int8_per_channel_weight_only", "mxfp8",
    }
)  # fmt: skip
VLLM_QUANTIZATION: dict[int, VllmQuantization] = {
    # deprecated: __init__.py L48-51; vllm/config/model.py L1083-1096 raises unless allow_deprecated_quantization.
    27: VllmQuantization("0.23", _VLLM_0_23_QUANTIZATION, frozenset({"fbgemm_fp8", "fp_quant"})),
}
# Names that are not vLLM's on any release checked (V14..V27): LMI's names for other handlers, with what vLLM
# takes instead.
NOT_VLLM_QUANTIZE: dict[str, tuple[str, str]] = {
    # hf_properties.py L59-71 (0.36.0-lmi27-dlc): the HuggingFace handler's names; it maps bitsandbytes8 ->
    # bitsandbytes only in its own copy of the properties, never in VllmRbProperties.
    "bitsandbytes8": ("is the HuggingFace accelerate handler's name", "bitsandbytes, vLLM's name"),
    "bitsandbytes4": ("is the HuggingFace accelerate handler's name", "bitsandbytes, vLLM's name"),
    # tnx_properties.py TnXQuantizeMethods; trt_llm_user_guide.md (TensorRT-LLM JIT)
    "static_int8": ("is Transformers-NeuronX quantization (neuronx image)", "a vLLM method, e.g. fp8 or awq"),
    "smoothquant": ("is TensorRT-LLM quantization (tensorrtllm image)", "a vLLM method, e.g. fp8 or awq"),
}
# The 0.33 tensorrtllm image (TensorRT-LLM 0.21, the last one published): no LMI code reads option.quantize.
# trt_llm_partition.py parse_quant_config (0.33.0-dlc L190-219) builds the QuantConfig from option.quant_algo /
# option.kv_cache_quant_algo; trt_properties.py and lmi_trtllm/ never read quantize. (The same branch's
# trt_llm_user_guide.md L69/L108/L114 still documents option.quantize=awq|fp8|smoothquant: stale.)
TRTLLM_QUANTIZE_IGNORED_FROM = 15

# Keys of one engine that another image's handlers never read: pydantic drops them (extra='ignore') or
# filters them (vLLM: only EngineArgs fields pass, vllm_rb_properties.py L263-268 on 0.36.0-lmi27-dlc,
# L243-248 on 0.32.0-dlc). Keys that are also vLLM EngineArgs fields (vLLM 0.23.0 arg_utils.py EngineArgs:
# tokenizer, tokenizer_revision, skip_tokenizer_init, pipeline_parallel_size, kv_cache_dtype, moe_backend;
# guided_decoding_backend on older vLLM) are read by both and left out.
_SHARED_WITH_VLLM = frozenset(
    {
        "option.tokenizer",
        "option.tokenizer_revision",
        "option.skip_tokenizer_init",
        "option.pipeline_parallel_size",
        "option.kv_cache_dtype",
        "option.moe_backend",
        "option.guided_decoding_backend",
    }
)
TRTLLM_ONLY_KEYS: frozenset[str] = (_TRTLLM_RUNTIME_OPTIONS | _TRTLLM_BUILD_OPTIONS) - _SHARED_WITH_VLLM
NEURON_ONLY_KEYS: frozenset[str] = _NEURON_OPTIONS
# vLLM keys that the 0.33 tensorrtllm image ignores: not TensorRtLlmProperties fields nor the KvCacheConfig /
# PyTorchConfig extras (trt_properties.py 0.33.0-dlc), nor read by trt_llm_partition.py. Only the plainly
# vLLM ones: every property also goes through tensorrt_llm's build parser (parse_known_args, L73-80).
VLLM_ONLY_KEYS: frozenset[str] = frozenset(
    {
        "option.gpu_memory_utilization",
        "option.enforce_eager",
        "option.max_model_len",
        "option.enable_prefix_caching",
        "option.max_rolling_batch_prefill_tokens",
        "option.max_num_batched_tokens",
        "option.cpu_offload_gb_per_gpu",
        "option.cpu_offload_gb",
        "option.disable_sliding_window",
        "option.speculative_config",
        "option.enable_auto_tool_choice",
        "option.tool_call_parser",
        "option.enable_reasoning",
        "option.reasoning_parser",
        "option.limit_mm_per_prompt",
        "option.enable_expert_parallel",
        "option.lmcache_config_file",
    }
)
# Which keys each image's serving handlers ignore, and the engine they belong to (for the message and its hint).
# An AOT job may still read some (optimization.JOB_OPTIONS; partition.py reads option.awq_block_size and
# option.calib_size on the lmi image).
IGNORED_ENGINE_KEYS: dict[str, tuple[tuple[frozenset[str], str, str], ...]] = {
    "lmi": (
        (TRTLLM_ONLY_KEYS, "TensorRT-LLM", "tensorrtllm"),
        (NEURON_ONLY_KEYS, "Transformers-NeuronX", "neuronx"),
    ),
    "tensorrtllm": (
        (VLLM_ONLY_KEYS, "vLLM", "lmi"),
        (NEURON_ONLY_KEYS, "Transformers-NeuronX", "neuronx"),
    ),
    "neuronx": ((TRTLLM_ONLY_KEYS, "TensorRT-LLM", "tensorrtllm"),),
}
# The name this image reads for the same setting (vllm_rb_properties.py / trt_properties.py fields).
COUNTERPART_KEYS: dict[tuple[str, str], str] = {
    ("lmi", "option.max_seq_len"): "option.max_model_len",
    ("lmi", "option.n_positions"): "option.max_model_len",
    ("lmi", "option.max_batch_size"): "option.max_rolling_batch_size",
    ("lmi", "option.enable_block_reuse"): "option.enable_prefix_caching",
    ("tensorrtllm", "option.max_model_len"): "option.max_seq_len",
    ("tensorrtllm", "option.enable_prefix_caching"): "option.enable_block_reuse",
}
# properties.py RollingBatchEnum: 0.36.0-lmi27-dlc L20-24 has no tnx (a pydantic error at load); 0.33.0-dlc
# L20-26 still lists it, but neither GPU image has a tnx handler (huggingface.py L78-82: "Invalid rolling batch
# type"; the tensorrtllm image's trtllm_async_service never reads rolling_batch). tnx_properties.py
# TNX_SUPPORTED_ROLLING_BATCH_TYPES (0.29.0-dlc L79-82) is the neuronx image's list.
ROLLING_BATCH_IMAGE: dict[str, str] = {"tnx": "neuronx"}
ROLLING_BATCH_BY_IMAGE: dict[str, tuple[str, ...]] = {
    "lmi": ("auto", "vllm", "disable"),
    "tensorrtllm": ("auto", "trtllm", "disable"),
    "neuronx": ("auto", "vllm", "tnx", "disable"),
    "cpu": ("auto", "disable"),
}

# ---------------------------------------------------------------------------------------------
# Typed keys. Integers per Java intValue()/Integer.parseInt or pydantic int fields;
# option.tensor_parallel_degree also takes "max" (PyModel.java, ModelInfo.getLoadOnDevices).
# ---------------------------------------------------------------------------------------------
# Integers that count something and so are at least 1 (a degree, a size, a length, a timeout).
# Java reads every integer option with Integer.parseInt: nothing above 2^31 - 1.
POSITIVE_INT_KEYS: frozenset[str] = frozenset(
    {
        # ModelInfo.java / PyModel.java
        "job_queue_size",
        "batch_size",
        "max_dynamic_batch_size",
        "option.tensor_parallel_degree",  # or "max"
        "option.pipeline_parallel_degree",
        "option.predict_timeout",
        "option.model_loading_timeout",
        # properties.py / hf_properties.py
        "option.max_rolling_batch_size",
        "option.cluster_size",
        "option.batch_size",
        "option.spec_length",
        # vllm_rb_properties.py (+ v0.29.0)
        "option.max_rolling_batch_prefill_tokens",
        "option.max_num_batched_tokens",
        "option.max_model_len",
        "option.max_loras",
        "option.max_lora_rank",
        "option.max_cpu_loras",
        "option.speculative_length",
        "option.draft_model_tp_size",
        # trt_properties.py / trt_llm_partition.py
        "option.max_batch_size",
        "option.max_input_len",
        "option.max_output_len",
        "option.max_seq_len",
        "option.max_beam_width",
        "option.max_num_tokens",
        "option.pipeline_parallel_size",
        "option.context_parallel_size",
        "option.max_tokens",
        "option.calib_size",
        "option.calib_batch_size",
        "option.calib_batches",
        "option.calib_max_seq_length",
        "option.group_size",
        "option.awq_block_size",
        "option.awq_weight_bit_width",
        # tnx_properties.py
        "option.n_positions",
        "option.compilation_worker_count",
    }
)
# Every integer key: the counts above and these (delays, worker counts, memory sizes, flags, levels).
INT_KEYS: frozenset[str] = POSITIVE_INT_KEYS | frozenset(
    {
        # ModelInfo.java / PyModel.java
        "max_batch_delay",
        "max_idle_time",
        "minWorkers",
        "maxWorkers",
        "gpu.minWorkers",
        "gpu.maxWorkers",
        "cpu.minWorkers",
        "cpu.maxWorkers",
        "required_memory_mb",
        "gpu.required_memory_mb",
        "reserved_memory_mb",
        "gpu.reserved_memory_mb",
        "metrics_aggregation",
        "retry_threshold",
        # properties.py / hf_properties.py
        "option.waiting_steps",
        "option.device_id",
        # vllm_rb_properties.py (+ v0.29.0)
        "option.lora_extra_vocab_size",
        "option.max_logprobs",
        # trt_properties.py / trt_llm_partition.py
        "option.sink_token_length",
        "option.host_cache_size",
        # tnx_properties.py
        "option.neuron_optimize_level",
        "option.sequence_parallel_norm_threshold",
        "option.neuron_cc_pipeline_factor",
    }
)

BOOL_KEYS: frozenset[str] = frozenset(
    {
        "log_request_metric",
        # PyModel.java Boolean.parseBoolean
        "option.parallel_loading",
        "option.enable_venv",
        "option.mpi_mode",
        "option.async_mode",
        # properties.py / hf_properties.py
        "option.trust_remote_code",
        "option.tgi_compat",
        "option.bedrock_compat",
        "option.enable_lora",
        "option.lmcache_auto_config",
        "option.load_in_4bit",
        "option.load_in_8bit",
        "option.low_cpu_mem_usage",
        "option.disable_flash_attn",
        "option.is_peft_model",
        "option.enable_stateful_sessions",
        # vllm_rb_properties.py (+ v0.29.0) and vllm_user_guide.md examples
        "option.enforce_eager",
        "option.enable_chunked_prefill",
        "option.enable_prefix_caching",
        "option.disable_sliding_window",
        "option.enable_auto_tool_choice",
        "option.enable_reasoning",
        "option.normalize",
        "option.enable_expert_parallel",
        "option.fully_sharded_loras",
        "option.record_acceptance_rate",
        # trt_properties.py and trt_llm_user_guide.md (`true`, `false`)
        "option.skip_tokenizer_init",
        "option.enable_attention_dp",
        "option.fast_build",
        "option.enable_build_cache",
        "option.normalize_log_probs",
        "option.gather_generation_logits",
        "option.enable_block_reuse",
        "option.onboard_blocks",
        "option.enable_overlap_scheduler",
        "option.use_cuda_graph",
        "option.load_by_shard",
        "option.smoothquant_per_token",
        "option.smoothquant_per_channel",
        "option.multi_query_mode",
        "option.use_fp8_context_fmha",
        "option.use_meta_recipe",
        "option.has_zero_point",
        "option.pre_quant_scales",
        # tnx_properties.py Optional[bool]
        "option.enable_mixed_precision_accumulation",
        "option.enable_saturate_infinity",
        "option.load_split_model",
        "option.fuse_qkv",
        "option.fuse_mlp",
        "option.fused_rmsnorm_qkv",
        "option.qkv_tiling",
        "option.weight_tiling",
        "option.mlp_out_weight_transpose",
        "option.on_device_embedding",
        "option.shard_over_sequence",
        "option.sequence_parallel",
        "option.multi_node",
        "option.neuron_quant",
        # partition.py
        "option.awq_zero_point",
        # xgboost_handler.py
        "option.trust_insecure_model_files",
    }
)

JAVA_INT_MAX = serving_properties.JAVA_INT_MAX

# Fractions of GPU memory: 0 < x <= 1 (vLLM's gpu_memory_utilization, TensorRT-LLM's KV cache fractions).
FRACTION_KEYS: frozenset[str] = frozenset(
    {
        "option.gpu_memory_utilization",
        "option.free_gpu_memory_fraction",
        "option.kv_cache_free_gpu_mem_fraction",
        "option.cross_kv_cache_fraction",
    }
)

# Self-consistency (cheap; runs at import).
assert not (KNOWN_KEYS & REMOVED_KEYS.keys()), "a key cannot be both known and removed"
assert (INT_KEYS | BOOL_KEYS | ALLOWED_VALUES.keys()) <= KNOWN_KEYS, "typed keys must be known"
assert not (INT_KEYS & BOOL_KEYS), "a key cannot be both int and bool"
assert FRACTION_KEYS <= KNOWN_KEYS and not (FRACTION_KEYS & (INT_KEYS | BOOL_KEYS)), "fractions are known decimals"
