"""The layers hold: the pure core imports no CDK, and constructs never read the YAML config."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def imports(package: str) -> dict[str, set[str]]:
    """Module file -> every module it imports (absolute names)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize("package", ["lmi_core"])
def test_core_imports_no_cdk(package: str) -> None:
    offenders = {
        file: sorted(n for n in names if n.split(".")[0] in {"aws_cdk", "constructs", "jsii", "cdk_nag"})
        for file, names in imports(package).items()
    }
    assert {file: names for file, names in offenders.items() if names} == {}


def test_constructs_import_no_config() -> None:
    offenders = {
        file: sorted(
            n
            for n in names
            if n.startswith(
                ("lmi_core.config", "lmi_core.kinds", "lmi_core.loader", "lmi_core.checks", "stacks", "lmi_cli")
            )
        )
        for file, names in imports("lmi_constructs").items()
    }
    assert {file: names for file, names in offenders.items() if names} == {}


def test_the_import_check_can_fail(tmp_path: Path) -> None:
    """The scan sees a forbidden import when one is there."""
    (tmp_path / "bad.py").write_text("from aws_cdk import App\n")
    tree = ast.parse((tmp_path / "bad.py").read_text())
    assert any(isinstance(n, ast.ImportFrom) and n.module == "aws_cdk" for n in ast.walk(tree))


def test_validation_starts_no_cdk() -> None:
    code = (
        "import sys; from lmi_core.loader import load_configs; from pathlib import Path; "
        "load_configs([Path('examples')]); print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'aws_cdk', 'jsii', 'constructs', 'cdk_nag'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_realtime_app_imports_no_vpc_lambda_or_step_functions_module() -> None:
    """aws_ec2, aws_lambda (with aws_logs, aws_ecr_assets) and aws_stepfunctions take ~150 ms to import:
    only VPC, AOT and batch models load them (stacks/kinds/aot.py, common._subnets, batch_transform)."""
    code = (
        "import sys; import stacks.model_stack, stacks.shared_stack, stacks.kinds.realtime, lmi_constructs.nag; "
        "print(sorted(m for m in sys.modules if m in "
        "{'aws_cdk.aws_ec2', 'aws_cdk.aws_lambda', 'aws_cdk.aws_stepfunctions', 'aws_cdk.custom_resources'}))"
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
