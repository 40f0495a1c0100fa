"""The container environment of `CreateModel` (botocore's sagemaker service model, 2026) and the keys this
project sets itself.

`ContainerDefinition.Environment` is an `EnvironmentMap`: at most 100 entries; each key an
`EnvironmentKey` (max 1024, pattern `[a-zA-Z_][a-zA-Z0-9_]*`), each value an `EnvironmentValue` (max 1024).
tests/unit/test_facts.py reads these numbers back from botocore.
"""

from __future__ import annotations

import re

MAX_ENTRIES = 100
MAX_KEY_LENGTH = 1024
MAX_VALUE_LENGTH = 1024
KEY_PATTERN = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

# LMI reads option.x from OPTION_X; serving.properties wins over the environment, so OPTION_* keys belong
# in `serving:` (or are set by the project, e.g. OPTION_MODEL_ID after AOT preparation).
SERVING_PREFIX = "OPTION_"
# Keys the project sets on the container itself (stacks/kinds/common.py).
PROJECT_KEYS = frozenset({"SM_FAST_MODEL_LOADER_S3_URI"})
# Credentials: never in plain `env:` (it is in the repo and the template); `secrets:` keeps them out.
CREDENTIAL_KEYS = frozenset({"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
HF_TOKEN = "HF_TOKEN"  # huggingface_hub reads it when LMI downloads a hub model (docs/research/lmi-release-facts.md)
