"""Print the model config directory cdk.json names (context `model_configs`, default model_configs/), for
the Makefile, the pre-commit hook and pr.yml: every tool reads the directory synth reads.

python -m lmi_cli.config_dir
"""

from __future__ import annotations

import sys

from lmi_core.issues import ConfigError
from lmi_core.settings import project_config_dir


def main() -> int:
    try:
        print(project_config_dir())
    except ConfigError as exc:  # cdk.json is malformed
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
