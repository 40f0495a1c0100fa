"""The container's `env:` and `secrets:` (CreateModel's Environment map), and gated Hugging Face models."""

from __future__ import annotations

from collections.abc import Iterator

from lmi_core import aot
from lmi_core.checks.registry import CheckContext, check
from lmi_core.config import ModelConfig
from lmi_core.config.blocks import looks_like_token
from lmi_core.facts import environment as facts
from lmi_core.facts.gated_models import gated_reason
from lmi_core.facts.lmi_options import release_of
from lmi_core.issues import Finding, error, quoted, warning
from lmi_core.serving_properties import is_control


def _key_problem(key: str, config: ModelConfig) -> str | None:
    if not facts.KEY_PATTERN.fullmatch(key) or len(key) > facts.MAX_KEY_LENGTH:
        return f"{quoted(key)} is not an environment variable name (allowed: [a-zA-Z_][a-zA-Z0-9_]*, at most {facts.MAX_KEY_LENGTH})"
    if key.upper().startswith(facts.SERVING_PREFIX):
        option = "option." + key[len(facts.SERVING_PREFIX) :].lower()
        return f"{quoted(key)} is an LMI option: set it in serving: as {option} (serving.properties wins over the environment)"
    if key in facts.PROJECT_KEYS:
        return f"{quoted(key)} is set by this project (allowed: any other name)"
    if key == facts.SECOND_MODEL_KEY:
        return (
            f"{quoted(key)} makes LMI load a second model from the Hugging Face Hub beside model.id's, on the same "
            "accelerators (allowed: model.id: <hub id>)"
        )
    release = release_of(config.container.image_tag)
    if key in facts.SERVING_OVERRIDES and (release is None or release >= facts.SERVING_OVERRIDES_FROM):
        image = f"LMI V{release}" if release is not None else "LMI from V17 (0.35)"
        serving_key = facts.SERVING_OVERRIDES[key]
        return (
            f"{quoted(key)}: {image} sets {serving_key} from it after reading serving.properties, overriding serving: "
            f"and the checks made of it (allowed: serving: {serving_key})"
        )
    return None


def _value_problem(value: str) -> str | None:
    """The rule of serving values, tags and model.id: no control character (a process environment cannot hold
    NUL; escape sequences and line breaks would reach the container's logs and the console unseen)."""
    character = next((c for c in value if is_control(c)), None)
    if character is None:
        return None
    return f"contains a control character ({character!r}) (allowed: one line of printable text)"


@check(on=ModelConfig, fields=("env", "container.tag"))
def env_keys_and_values(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    for key, value in config.env.items():
        problem = _key_problem(key, config)
        if problem is None and key in facts.CREDENTIAL_KEYS:
            problem = f"{quoted(key)} is a credential: env: is in the repo and the template (allowed: secrets: {{{key}: <secret name or ARN>}})"
        if problem is not None:
            yield error(f"env.{key}", problem)
        elif looks_like_token(value):
            yield error(
                f"env.{key}",
                f"looks like a credential (a token or access key): env: is in the repo and the template "
                f"(allowed: secrets: {{{key}: <name or ARN of a Secrets Manager secret holding it>}})",
            )
        elif len(value) > facts.MAX_VALUE_LENGTH:
            yield error(f"env.{key}", f"is {len(value)} characters (allowed: at most {facts.MAX_VALUE_LENGTH})")
        elif (value_problem := _value_problem(value)) is not None:
            yield error(f"env.{key}", value_problem)


@check(on=ModelConfig, fields=("secrets", "env", "container.tag"))
def secret_keys(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    for key in config.secrets:
        problem = _key_problem(key, config)
        if problem is None and key in config.env:
            problem = f"{quoted(key)} is also in env: (allowed: one of the two)"
        if problem is not None:
            yield error(f"secrets.{key}", problem)


@check(on=ModelConfig, fields=("env", "secrets", "aot"))
def environment_size(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    plan = aot.plan(config)
    project = 0 if plan is None else 2 + len(plan.serving_environment)  # OPTION_MODEL_ID, fast loader, the plan's
    total = len(config.env) + len(config.secrets) + project
    if total > facts.MAX_ENTRIES:
        field = "env" if config.env else "secrets"
        yield error(
            field,
            f"the container would get {total} environment variables ({project} set by this project) "
            f"(allowed: at most {facts.MAX_ENTRIES} in all)",
        )
    if len(config.secrets) > facts.MAX_DYNAMIC_REFERENCES:
        yield error(
            "secrets",
            f"{len(config.secrets)} secrets are {len(config.secrets)} dynamic references in the model's stack, and "
            f"CloudFormation resolves at most {facts.MAX_DYNAMIC_REFERENCES} in one template (allowed: at most "
            f"{facts.MAX_DYNAMIC_REFERENCES}; one JSON secret given whole, without json_key, carries several values "
            "to a handler that parses it)",
        )


@check(on=ModelConfig, fields=("model.id", "secrets"))
def gated_model_needs_token(config: ModelConfig, context: CheckContext) -> Iterator[Finding]:
    if config.model.is_s3 or facts.HF_TOKEN in config.secrets:
        return
    reason = gated_reason(config.model.id)
    if reason is not None:
        yield warning(
            "model.id",
            f"{quoted(config.model.id)} is gated on Hugging Face ({reason}): without a token the download fails and the "
            f"endpoint fails its health check only after the startup timeout (fix: secrets: {{HF_TOKEN: <name or "
            f"ARN of a Secrets Manager secret holding a token whose account accepted the licence>}})",
        )
