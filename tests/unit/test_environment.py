"""`env:` and `secrets:` of the container (CreateModel's Environment map), and gated Hugging Face models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import botocore.session
import pytest

from lmi_core.facts import environment as facts
from lmi_core.facts.gated_models import gated_reason
from lmi_core.issues import ConfigError
from lmi_core.loader import load_configs
from tests.conftest import MINIMAL

Dir = Callable[[dict[str, str]], Path]
HUB = MINIMAL.replace('"s3://bucket/models/m1/"', "meta-llama/Llama-3.1-8B-Instruct")


def problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_configs([directory])
    return [str(issue).split(": ", 1)[1] for issue in caught.value.issues]


def test_environment_facts_match_botocore() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    environment = model.shape_for("ContainerDefinition").members["Environment"]
    assert environment.metadata["max"] == facts.MAX_ENTRIES
    assert environment.key.metadata["max"] == facts.MAX_KEY_LENGTH
    assert environment.key.metadata["pattern"] == facts.KEY_PATTERN.pattern
    assert environment.value.metadata["max"] == facts.MAX_VALUE_LENGTH


def test_env_and_secrets_are_accepted(config_dir: Dir) -> None:
    text = HUB + "env: {TOKENIZERS_PARALLELISM: false, RETRIES: 3, MODE: fast}\nsecrets:\n  HF_TOKEN: hf-token\n"
    text += "  API_KEY: {id: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:api-AbCdEf', json_key: key}\n"
    (loaded,) = load_configs([config_dir({"m.yaml": text})])
    config = loaded.config
    assert config.env == {"TOKENIZERS_PARALLELISM": "false", "RETRIES": "3", "MODE": "fast"}  # type: ignore[attr-defined]
    assert config.secrets["HF_TOKEN"].id == "hf-token"  # type: ignore[attr-defined]
    assert config.secrets["API_KEY"].json_key == "key"  # type: ignore[attr-defined]
    assert loaded.warnings == ()  # a gated model with a token: no warning


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("env: {OPTION_DTYPE: fp16}", "env.OPTION_DTYPE: 'OPTION_DTYPE' is an LMI option: set it in serving: as option.dtype (serving.properties wins over the environment)"),
        ("env: {HF_TOKEN: x}", "env.HF_TOKEN: 'HF_TOKEN' is a credential: env: is in the repo and the template (allowed: secrets: {HF_TOKEN: <secret name or ARN>})"),
        ("env: {SM_FAST_MODEL_LOADER_S3_URI: x}", "env.SM_FAST_MODEL_LOADER_S3_URI: 'SM_FAST_MODEL_LOADER_S3_URI' is set by this project (allowed: any other name)"),
        ("env: {'1BAD': x}", "env.1BAD: '1BAD' is not an environment variable name (allowed: [a-zA-Z_][a-zA-Z0-9_]*, at most 1024)"),
        ("env: {'A-B': x}", "env.A-B: 'A-B' is not an environment variable name (allowed: [a-zA-Z_][a-zA-Z0-9_]*, at most 1024)"),
        (f"env: {{LONG: {'x' * 1025}}}", "env.LONG: is 1025 characters (allowed: at most 1024)"),
        ("secrets: {OPTION_X: s}", "secrets.OPTION_X: 'OPTION_X' is an LMI option: set it in serving: as option.x (serving.properties wins over the environment)"),
        ("env: {K: v}\nsecrets: {K: s}", "secrets.K: 'K' is also in env: (allowed: one of the two)"),
        ("secrets: {HF_TOKEN: hf_abcdefghijklmnopqrstuvwxyz}", "secrets.HF_TOKEN.id: looks like a credential itself; never write one in the repo (allowed: the name or ARN of a Secrets Manager secret that holds it)"),
        ("secrets: {HF_TOKEN: 'arn:aws:s3:::b'}", "secrets.HF_TOKEN.id: is not a Secrets Manager secret ARN (allowed: arn:aws:secretsmanager:<region>:<account>:secret:<name>)"),
        ("secrets: {HF_TOKEN: 'a b'}", "secrets.HF_TOKEN.id: is not a Secrets Manager secret name (allowed: 1..512 of A-Z a-z 0-9 / _ + = . @ -)"),
        ("secrets: {HF_TOKEN: {id: s, key: k}}", "secrets.HF_TOKEN.key: unknown key"),
    ],
)  # fmt: skip
def test_bad_env_and_secrets(config_dir: Dir, block: str, expected: str) -> None:
    found = problems(config_dir({"m.yaml": HUB + block + "\n"}))
    assert any(line.startswith(expected) for line in found), found


V27 = MINIMAL.replace("0.33.0-lmi15.0.0-cu128", "0.36.0-lmi27.0.0-cu130")


@pytest.mark.parametrize(("key", "serving_key"), sorted(facts.SERVING_OVERRIDES.items()))
@pytest.mark.parametrize("block", ["env", "secrets"])
def test_sagemaker_variables_that_override_serving_are_refused_from_v17(
    config_dir: Dir, key: str, serving_key: str, block: str
) -> None:
    """SageMakerCompatibility.java (0.35.0-dlc on) sets serving keys from them after reading serving.properties;
    0.33 (V15) has no such class, so there they are inert and accepted."""
    text = f"{block}: {{{key}: '60'}}\n"
    assert problems(config_dir({"m.yaml": V27 + text})) == [
        f"{block}.{key}: '{key}': LMI V27 sets {serving_key} from it after reading serving.properties, overriding "
        f"serving: and the checks made of it (allowed: serving: {serving_key})"
    ]
    (loaded,) = load_configs([config_dir({"m.yaml": MINIMAL + text})])
    assert loaded.config.model_dump()[block][key] is not None


def test_hf_model_id_is_refused_on_every_release(config_dir: Dir) -> None:
    for base in (MINIMAL, V27):
        assert problems(config_dir({"m.yaml": base + "env: {HF_MODEL_ID: Qwen/Qwen2.5-7B-Instruct}\n"})) == [
            "env.HF_MODEL_ID: 'HF_MODEL_ID' makes LMI load a second model from the Hugging Face Hub beside "
            "model.id's, on the same accelerators (allowed: model.id: <hub id>)"
        ]


@pytest.mark.parametrize("value", ["a\0b", "a\x1b[31mred", "line\nbreak", "tab\there", "a\u2028b", "rtl\u202eb"])
def test_env_values_with_a_control_character_are_refused(config_dir: Dir, value: str) -> None:
    import json

    (found,) = problems(config_dir({"m.yaml": V27 + f"env: {{X: {json.dumps(value)}}}\n"}))
    assert found.startswith("env.X: contains a control character (")
    assert found.endswith(") (allowed: one line of printable text)")


def test_at_most_100_variables_in_all(config_dir: Dir) -> None:
    env = ", ".join(f"K{i}: v" for i in range(99))
    text = HUB + f"env: {{{env}}}\nsecrets: {{S1: a, S2: b}}\n"
    assert problems(config_dir({"m.yaml": text})) == [
        "env: the container would get 101 environment variables (0 set by this project) (allowed: at most 100 in all)"
    ]


def test_a_gated_model_without_a_token_warns_with_the_fix(config_dir: Dir) -> None:
    (loaded,) = load_configs([config_dir({"m.yaml": HUB})])
    (warning,) = loaded.warnings
    assert warning.field == "model.id"
    assert "is gated on Hugging Face (Meta Llama licence" in warning.message
    assert "fix: secrets: {HF_TOKEN: <name or ARN of a Secrets Manager secret" in warning.message


def test_an_open_model_or_s3_weights_do_not_warn(config_dir: Dir) -> None:
    open_model = MINIMAL.replace('"s3://bucket/models/m1/"', "Qwen/Qwen2.5-7B-Instruct")
    configs = load_configs([config_dir({"a.yaml": open_model, "b.yaml": MINIMAL.replace("m1", "m2")})])
    assert [c.warnings for c in configs] == [(), ()]


@pytest.mark.parametrize(
    ("model_id", "gated"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", True),
        ("mistralai/Mistral-7B-Instruct-v0.3", True),
        ("google/gemma-2-9b-it", True),
        ("Google/Gemma-3-4b-it", True),
        ("google/flan-t5-xl", False),
        ("Qwen/Qwen2.5-7B-Instruct", False),
    ],
)
def test_gated_organisations(model_id: str, gated: bool) -> None:
    assert (gated_reason(model_id) is not None) == gated


AOT_FROM_HUB = """\
name: trt
kind: realtime
model: {id: meta-llama/Llama-3.1-8B-Instruct}
container: {image: tensorrtllm, tag: 0.33.0-tensorrtllm0.21.0-cu128}
serving: {engine: Python, option.rolling_batch: trtllm, option.tensor_parallel_degree: 1}
instance: {type: ml.g5.2xlarge, count: 1}
aot: {mode: trtllm}
"""


def test_a_gated_model_compiled_by_a_training_job_takes_the_same_token(config_dir: Dir) -> None:
    """The training job downloads the hub model too; it fetches the HF_TOKEN secret itself (tests/infra/test_aot)."""
    (without,) = load_configs([config_dir({"m.yaml": AOT_FROM_HUB})])
    (warning,) = without.warnings
    assert "fix: secrets: {HF_TOKEN: <name or ARN of a Secrets Manager secret" in warning.message
    (loaded,) = load_configs([config_dir({"m.yaml": AOT_FROM_HUB + "secrets: {HF_TOKEN: hf-token}\n"})])
    assert loaded.warnings == ()


def test_at_most_60_secrets_one_dynamic_reference_each(config_dir: Dir) -> None:
    """CloudFormation resolves at most 60 dynamic references in a template; the Environment map takes 100."""

    def with_secrets(count: int) -> Path:
        lines = "".join(f"  S{i}: shared-secret-{i}\n" for i in range(count))
        return config_dir({"m.yaml": MINIMAL + "secrets:\n" + lines})

    (loaded,) = load_configs([with_secrets(60)])
    assert len(loaded.config.secrets) == 60  # type: ignore[attr-defined]
    assert problems(with_secrets(61)) == [
        "secrets: 61 secrets are 61 dynamic references in the model's stack, and CloudFormation resolves at most 60 "
        "in one template (allowed: at most 60; one JSON secret given whole, without json_key, carries several values "
        "to a handler that parses it)"
    ]
