"""Print the model config directory cdk.json names (context `model_configs`, default model_configs/), for
the Makefile, the pre-commit hook and pr.yml: every tool reads the directory synth reads.

python -m lmi_cli.config_dir
"""

from __future__ import annotations

import sys

from lmi_core.settings import project_config_dir


def main() -> int:
    print(project_config_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main())
