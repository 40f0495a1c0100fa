"""Every topic module in lmi_core/checks/ is imported by the package, so its checks are registered and run."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

# In a fresh process: in this one, another test may have imported a topic module that the package forgets.
REGISTERED = (
    "import json, lmi_core.checks as c;"
    "print(json.dumps(sorted({k.topic for k in c.CHECKS if k.run.__module__.startswith('lmi_core.checks.')})))"
)


def test_every_topic_module_registers_its_checks() -> None:
    modules = {path.stem for path in (REPO / "lmi_core" / "checks").glob("*.py")} - {"__init__", "registry"}
    output = subprocess.run([sys.executable, "-c", REGISTERED], cwd=REPO, capture_output=True, text=True, check=True)
    registered = set(json.loads(output.stdout))
    assert modules, "no topic modules found"
    assert modules == registered, f"topic modules whose checks never run: {sorted(modules - registered)}"
