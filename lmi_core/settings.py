"""The app's settings from CDK context (`-c key=value`, cdk.json), read and checked without CDK.

The CDK CLI hands context to the app in the CDK_CONTEXT_JSON environment variable (and, when it is
too large for the environment, the rest in the JSON file named by CONTEXT_OVERFLOW_LOCATION_ENV).
Reading it here lets the app reject a bad setting, or a bad model config, before jsii starts.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmi_core.facts.images import REGIONS
from lmi_core.issues import ConfigError, Issue, quoted, shortened
from lmi_core.json_object import NotAnObject, json_kind, json_object

CONTEXT_ENV = "CDK_CONTEXT_JSON"
CONTEXT_OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
WHERE = "cdk context"
# GitHub's rules: an owner (user or organization) is 1-39 letters, digits or single inner hyphens;
# a repository name is up to 100 letters, digits, '.', '-' or '_', and not '.' or '..'.
GITHUB_OWNER = re.compile(r"(?=.{1,39}\Z)[A-Za-z0-9](?:-?[A-Za-z0-9])*")
GITHUB_REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
ARN_SHOWN = 100  # an OIDC provider ARN is up to 82 characters, and tells apart only at its end
GITHUB_REPO_SHOWN = 141  # the longest owner/name, 140 characters, and one more: a name too long is shown whole


STAGE_PATTERN = re.compile(r"[a-z][a-z0-9]{0,9}")
DEFAULT_STAGES = ("dev", "prod")
DEFAULT_UNSUFFIXED_STAGE = "dev"
DEFAULT_PRODUCTION_STAGES = ("prod",)  # the stages whose rules are production's (checks/stage.py)
DEFAULT_CONFIG_DIR = "model_configs"
CDK_JSON = Path("cdk.json")  # relative to the working directory, as the CDK CLI reads it
MAX_CDK_JSON_BYTES = 1024 * 1024  # cdk.json is a few KB of feature flags and settings
CDK_JSON_SHAPE = '{"app": "...", "context": {"key": value, ...}}'
FLAG_SETTINGS = ("strict_warnings", "cfn_validate", "tree_metadata")  # text "true"/"false" (from -c), or a JSON boolean
SHOWN = 40  # characters of a value echoed in a message
# The settings given as one text; each value of another JSON type is refused with its allowed form.
TEXT_SETTINGS = {
    "strict_warnings": "true or false",
    "cfn_validate": "true or false",
    "tree_metadata": "true or false",
    "account": "12 digits, quoted",
    "region": "a region name, like us-east-1",
    "github_repo": "owner/name",
    "github_oidc_provider_arn": "an IAM OIDC provider ARN",
    "stages": "a comma-separated string, like dev,prod",
    "unsuffixed_stage": "one stage name",
    "stage": "one stage name",
    "models": "a comma-separated string of model names",
    "model_configs": "a directory, like model_configs",
}


@dataclass(frozen=True)
class StageTarget:
    """Where one stage deploys (cdk.json context `stage_targets: {prod: {account: ..., region: ...}}`)."""

    account: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Settings:
    config_dir: Path
    stage: str
    strict: bool
    account: str | None  # the selected stage's account: its stage target's, else -c account
    region: str | None  # likewise
    github_repo: str | None
    stages: tuple[str, ...]  # every stage name, in order (the OIDC stack and deploy.yml follow it)
    unsuffixed_stage: str = DEFAULT_UNSUFFIXED_STAGE  # the stage whose physical names carry no stage
    production_stages: tuple[str, ...] = DEFAULT_PRODUCTION_STAGES  # production's rules apply in these
    stage_targets: Mapping[str, StageTarget] = field(default_factory=dict)
    models: tuple[str, ...] = ()  # `-c models=a,b`: build only these (and what they depend on); () = all
    cfn_validate: bool = False  # `-c cfn_validate=true`: aws-cdk-lib's built-in template validation (README)
    tree_metadata: bool = False  # `-c tree_metadata=true`: write cdk.out/tree.json (README, "Performance")
    alarm_emails: tuple[str, ...] = ()  # subscribed to the shared alarm topic (each address confirms by email)
    allowed_buckets: tuple[str, ...] | None = None  # the buckets a model YAML may name (`name` or `prefix*`); None: any
    github_oidc_provider_arn: str | None = (
        None  # the account's own GitHub OIDC provider; None: the OIDC stack makes one
    )

    @property
    def name_stage(self) -> str | None:
        """The stage component of physical names (stacks, endpoints, shared buckets); None keeps today's names."""
        return None if self.stage == self.unsuffixed_stage else self.stage

    def name_stage_of(self, stage: str) -> str | None:
        return None if stage == self.unsuffixed_stage else stage


def context_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The context the CDK CLI passed to this process (empty when run without the CLI); ConfigError when it is
    not a JSON object."""
    environ = os.environ if environ is None else environ
    context = _json_object(environ.get(CONTEXT_ENV) or "{}", WHERE, CONTEXT_ENV, "{key: value, ...}")
    overflow = environ.get(CONTEXT_OVERFLOW_ENV)
    if overflow:
        try:
            text = Path(overflow).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                [Issue(overflow, 0, "", f"cannot be read: {_reason(exc)} (allowed: the CDK CLI's context file)")]
            ) from None
        context.update(_json_object(text, overflow, "", "{key: value, ...}"))
    return context


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {exc.start})"
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _json_object(text: str, file: str, field: str, shape: str) -> dict[str, Any]:
    """`text` parsed as one JSON object; ConfigError with one line naming `file` (and `field`) otherwise."""
    parsed = json_object(text, finite=True)
    if not isinstance(parsed, NotAnObject):
        return parsed
    message, line = parsed.message, parsed.line
    if parsed.column:  # the context is no file: its line goes into the message
        message += f" (line {line}, column {parsed.column})" if file == WHERE else f" (column {parsed.column})"
        line = 0 if file == WHERE else line
    raise ConfigError([Issue(file, line, field, f"{message} (allowed: one JSON object, like {shape})")])


def _text(context: Mapping[str, Any], key: str) -> str | None:
    """A setting as text (a flag's JSON boolean as true or false); None when unset, empty, or of another JSON type
    (parse_settings reports those)."""
    value = context.get(key)
    if isinstance(value, bool) and key in FLAG_SETTINGS:
        return "true" if value else "false"
    return value if isinstance(value, str) and value else None


def _wrong_type(context: Mapping[str, Any], key: str) -> Issue | None:
    """A text setting given another JSON type: `true` would read as the text 'True', 7 as '7'."""
    value = context.get(key)
    if value is None or isinstance(value, str) or (isinstance(value, bool) and key in FLAG_SETTINGS):
        return None
    kind = json_kind(value)
    given = (
        f"a JSON {kind}"
        if isinstance(value, (list, dict))
        else f"the JSON {kind} {shortened(json.dumps(value), SHOWN)}"
    )
    return Issue(WHERE, 0, key, f"is {given} (allowed: {TEXT_SETTINGS[key]})")


def github_repo_problem(value: str) -> str | None:
    """Why `value` is not `owner/name` of one GitHub repository (a wildcard would trust every repository)."""
    owner, slash, name = value.partition("/")
    if slash and GITHUB_OWNER.fullmatch(owner) and GITHUB_REPO_NAME.fullmatch(name) and name not in (".", ".."):
        return None
    return (
        f"{quoted(value, GITHUB_REPO_SHOWN)} is not one GitHub repository (allowed: owner/name; the owner 1-39 letters, digits or inner "
        "hyphens, the name up to 100 letters, digits, '.', '-' or '_'; no wildcards)"
    )


def parse_settings(context: Mapping[str, Any]) -> tuple[Settings, list[Issue]]:
    """The settings, and one issue per bad value (`cdk context: <key>: ... (allowed: ...)`)."""
    issues: list[Issue] = []

    def bad(key: str, message: str) -> None:
        issues.append(Issue(WHERE, 0, key, message))

    issues.extend(issue for key in TEXT_SETTINGS if (issue := _wrong_type(context, key)) is not None)

    def flag(key: str) -> bool:
        text = (_text(context, key) or "false").lower()
        if text not in ("true", "false"):
            bad(key, f"{quoted(text)} is not allowed (allowed: true, false)")
        return text == "true"

    strict = flag("strict_warnings")
    cfn_validate = flag("cfn_validate")
    tree_metadata = flag("tree_metadata")
    account = _text(context, "account")
    if account is not None and not re.fullmatch("[0-9]{12}", account):
        bad("account", f"{quoted(account)} is not an AWS account id (allowed: 12 digits)")
    region = _text(context, "region")
    if region is not None and region not in REGIONS:
        bad(
            "region",
            f"{quoted(region)} has no LMI image registry (allowed: one of the {len(REGIONS)} regions in lmi_core/facts/images.py)",
        )
    github_repo = _text(context, "github_repo")
    if github_repo is not None and (problem := github_repo_problem(github_repo)):
        bad("github_repo", problem)
    provider_arn = _text(context, "github_oidc_provider_arn")
    provider_arn_valid = provider_arn is not None and GITHUB_OIDC_PROVIDER_ARN.fullmatch(provider_arn) is not None
    if provider_arn is not None and not provider_arn_valid:
        bad(
            "github_oidc_provider_arn",
            f"{quoted(provider_arn, ARN_SHOWN)} is not the ARN of a GitHub Actions OIDC provider (allowed: "
            "arn:aws:iam::<12 digits>:oidc-provider/token.actions.githubusercontent.com, in your partition)",
        )
    stages = tuple(s.strip() for s in (_text(context, "stages") or ",".join(DEFAULT_STAGES)).split(","))
    bad_stages = [s for s in stages if not STAGE_PATTERN.fullmatch(s)]
    if bad_stages:
        bad(
            "stages",
            f"{', '.join(quoted(s) for s in bad_stages)} are not stage names (allowed: [a-z][a-z0-9]*, 1..10 characters, comma-separated)",
        )
    elif len(set(stages)) != len(stages):
        bad("stages", f"{quoted(','.join(stages))} names a stage twice (allowed: each stage once)")
    default = DEFAULT_UNSUFFIXED_STAGE if DEFAULT_UNSUFFIXED_STAGE in stages else stages[0]
    unsuffixed = _text(context, "unsuffixed_stage") or default
    if unsuffixed not in stages:
        bad("unsuffixed_stage", f"{quoted(unsuffixed)} is not a stage of this app (allowed: {', '.join(stages)})")
    stage = _text(context, "stage") or (unsuffixed if unsuffixed in stages else default)
    if stage not in stages:
        bad(
            "stage",
            f"{quoted(stage)} is not a stage of this app (allowed: {', '.join(stages)}; add it to the context `stages`)",
        )
    stages_valid = not bad_stages and len(set(stages)) == len(stages)
    production = _production_stages(context.get("production_stages"), stages, bad if stages_valid else None)
    targets = _stage_targets(context.get("stage_targets"), stages, bad)
    alarm_emails = _alarm_emails(context.get("alarm_emails"), bad)
    allowed_buckets = _allowed_buckets(context.get("allowed_buckets"), bad)
    target = targets.get(stage, StageTarget())
    for key, given, targeted in (("account", account, target.account), ("region", region, target.region)):
        if given is not None and targeted is not None and given != targeted:
            bad(
                key,
                f"{quoted(given)} contradicts stage_targets.{stage}.{key} '{targeted}' (allowed: {targeted}, or leave it out)",
            )
    if provider_arn is not None and provider_arn_valid:
        _provider_in_own_account(provider_arn, target.account or account, target.region or region, stage, bad)
    settings = Settings(
        config_dir=config_dir_of(context),
        stage=stage,
        strict=strict,
        account=target.account or account,
        region=target.region or region,
        github_repo=github_repo,
        stages=stages,
        unsuffixed_stage=unsuffixed,
        production_stages=production,
        stage_targets=targets,
        models=tuple(dict.fromkeys(m.strip() for m in (_text(context, "models") or "").split(",") if m.strip())),
        cfn_validate=cfn_validate,
        tree_metadata=tree_metadata,
        alarm_emails=alarm_emails,
        allowed_buckets=allowed_buckets,
        github_oidc_provider_arn=provider_arn,
    )
    return settings, issues


def _provider_in_own_account(
    arn: str, account: str | None, region: str | None, stage: str, bad: Callable[[str, str], None]
) -> None:
    """STS trusts a web identity only through a provider of the role's own account and partition."""
    arn_partition, arn_account = arn.split(":")[1], arn.split(":")[4]
    partition = REGIONS[region].partition if region in REGIONS else None
    for what, expected, given in (("account", account, arn_account), ("partition", partition, arn_partition)):
        if expected is not None and given != expected:
            bad(
                "github_oidc_provider_arn",
                f"is in {what} {given}, but stage {stage} deploys to {what} {expected}, whose roles can trust only a "
                f"provider of their own {what} (allowed: arn:{partition or 'aws'}:iam::{account or '<account>'}:"
                "oidc-provider/token.actions.githubusercontent.com)",
            )


GITHUB_OIDC_PROVIDER_ARN = re.compile(
    r"arn:aws(-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com",
    re.ASCII,
)


def _names(value: Any) -> tuple[str, ...] | None:
    """A comma-separated string or a list of strings as names, stripped, each once, empty ones left out; None when
    the value is neither."""
    names = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if names is None or not all(isinstance(name, str) for name in names):
        return None
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


# A bucket name (S3's rules, checked again where a YAML names it), or the start of one and `*`.
BUCKET_SHOWN = 64  # a bucket name is up to 63 characters: one too long is shown whole
ALLOWED_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]|[a-z0-9][a-z0-9.-]{0,61}\*", re.ASCII)


def _allowed_buckets(value: Any, bad: Callable[[str, str], None]) -> tuple[str, ...] | None:
    """The buckets model YAML may name: a comma-separated string or a list; unset: any bucket."""
    key = "allowed_buckets"
    if value is None:
        return None
    buckets = _names(value)
    if buckets is None:
        bad(key, "must be a comma-separated string or a list of bucket names (allowed: e.g. acme-models,acme-batch-*)")
        return None
    wrong = [bucket for bucket in buckets if not ALLOWED_BUCKET.fullmatch(bucket)]
    if wrong or not buckets:
        what = (
            f"{', '.join(quoted(b, BUCKET_SHOWN) for b in wrong)} is not a bucket name or prefix"
            if wrong
            else "is empty"
        )
        bad(
            key,
            f"{what} (allowed: S3 bucket names, each may end in * to allow every bucket that starts with it, like "
            "acme-ml-*; leave the key out to allow any bucket)",
        )
        return None
    return buckets


# One address: no spaces, commas or angle brackets, one @, a dotted domain (SNS checks deliverability itself).
EMAIL_SHOWN = 100
EMAIL = re.compile(r"[^@\s,<>\"]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", re.ASCII)


def _alarm_emails(value: Any, bad: Callable[[str, str], None]) -> tuple[str, ...]:
    """Addresses for the alarm topic: a comma-separated string or a list."""
    key = "alarm_emails"
    if value is None or value == "":
        return ()
    emails = _names(value)
    if emails is None:
        bad(key, "must be a comma-separated string or a list of email addresses (allowed: e.g. ml-oncall@example.com)")
        return ()
    wrong = [email for email in emails if not EMAIL.fullmatch(email)]
    if wrong:
        bad(
            key,
            f"{', '.join(quoted(e, EMAIL_SHOWN) for e in wrong)} is not an email address (allowed: name@example.com)",
        )
        return ()
    return emails


def _production_stages(value: Any, stages: tuple[str, ...], bad: Callable[[str, str], None] | None) -> tuple[str, ...]:
    """The stages production's rules apply to: a comma-separated string or a list; empty for none. Unset: prod,
    and an app whose stages have no prod must name them (else no production rule would ever apply)."""
    key = "production_stages"
    if value is None:
        if bad is not None and not set(DEFAULT_PRODUCTION_STAGES) & set(stages):
            bad(
                key,
                f"is unset and no stage is named {', '.join(DEFAULT_PRODUCTION_STAGES)}, so no production rule would "
                f"apply (allowed: the stages that serve production, of {', '.join(stages)}, comma-separated; "
                "an empty string for none)",
            )
        return tuple(s for s in DEFAULT_PRODUCTION_STAGES if s in stages)
    production = _names(value)
    if production is None:
        if bad is not None:
            bad(key, "must be a comma-separated string or a list of stage names (allowed: e.g. prod or [prod])")
        return ()
    unknown = [name for name in production if name not in stages]
    if unknown and bad is not None:
        bad(
            key,
            f"{', '.join(quoted(name) for name in unknown)} {'is not a stage' if len(unknown) == 1 else 'are not stages'} "
            f"of this app (allowed: {', '.join(stages)})",
        )
    return tuple(name for name in production if name in stages)


def _stage_targets(value: Any, stages: tuple[str, ...], bad: Callable[[str, str], None]) -> dict[str, StageTarget]:
    """`{stage: {account: 12 digits, region: an LMI region}}`; a JSON string (from `-c stage_targets=...`) too."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = json_object(value)  # a NotAnObject is refused below like any other non-mapping
    if not isinstance(value, dict):
        bad("stage_targets", "must be a mapping (allowed: {stage: {account: '123456789012', region: eu-west-1}})")
        return {}
    targets: dict[str, StageTarget] = {}
    for stage, target in value.items():
        where = f"stage_targets.{stage}"
        if stage not in stages:
            bad(where, f"{quoted(stage)} is not a stage of this app (allowed: {', '.join(stages)})")
            continue
        if not isinstance(target, dict) or set(target) - {"account", "region"}:
            bad(where, "must be a mapping of account and region (allowed keys: account, region)")
            continue
        account, region = target.get("account"), target.get("region")
        as_text = isinstance(account, (str, int)) and not isinstance(account, bool)  # a JSON string or number
        if account is not None and not (as_text and re.fullmatch("[0-9]{12}", str(account))):
            shown = quoted(str(account)) if as_text else f"a JSON {json_kind(account)}"
            bad(f"{where}.account", f"{shown} is not an AWS account id (allowed: 12 digits)")
            continue
        if region is not None and not isinstance(region, str):
            bad(
                f"{where}.region",
                f"is a JSON {json_kind(region)} (allowed: one region name, like us-east-1: one of the {len(REGIONS)} "
                "regions in lmi_core/facts/images.py)",
            )
            continue
        if region is not None and region not in REGIONS:
            bad(
                f"{where}.region",
                f"{quoted(region)} has no LMI image registry (allowed: one of the {len(REGIONS)} regions in lmi_core/facts/images.py)",
            )
            continue
        targets[stage] = StageTarget(None if account is None else str(account), region)
    return targets


def config_dir_of(context: Mapping[str, Any]) -> Path:
    """The model config directory a context names (`model_configs`, default model_configs/)."""
    return Path(_text(context, "model_configs") or DEFAULT_CONFIG_DIR)


def project_config_dir() -> Path:
    """cdk.json's model config directory: the one directory synth, validate, report, invoke, the tests over
    the team's models, the pre-commit hook and pr.yml read (`python -m lmi_cli.config_dir` prints it).
    ConfigError when cdk.json is malformed or its `model_configs` is not a text."""
    context = project_context()
    if (issue := _wrong_type(context, "model_configs")) is not None:
        raise ConfigError([issue])
    return config_dir_of(context)


def project_settings(stage: str | None = None) -> tuple[Settings, list[Issue]]:
    """The settings tools outside `cdk` (validate, report, stack_name) share with synth: cdk.json's context,
    with `stage` selected when given."""
    return parse_settings({**project_context(), **({} if stage is None else {"stage": stage})})


def project_context(cdk_json: Path | None = None) -> dict[str, Any]:
    """cdk.json's context (empty without the file): what tools outside `cdk` (validate) share with synth.
    ConfigError, one line naming cdk.json, when the file is not one JSON object or its context not an object."""
    cdk_json = CDK_JSON if cdk_json is None else cdk_json
    if not cdk_json.is_file():
        return {}
    file = str(cdk_json)
    try:
        size = cdk_json.stat().st_size
        if size > MAX_CDK_JSON_BYTES:
            raise ConfigError([Issue(file, 0, "", f"is {size:,} bytes (allowed: at most {MAX_CDK_JSON_BYTES:,})")])
        text = cdk_json.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Issue(file, 0, "", f"cannot be read: {_reason(exc)} (allowed: UTF-8 JSON text)")]) from None
    context = _json_object(text, file, "", CDK_JSON_SHAPE).get("context", {})
    if not isinstance(context, dict):
        raise ConfigError(
            [
                Issue(
                    file,
                    0,
                    "context",
                    f'is a JSON {json_kind(context)}, not an object (allowed: {{"key": value, ...}})',
                )
            ]
        )
    return context
