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
# Each secret is one `{{resolve:secretsmanager:...}}` in the model's stack; CloudFormation resolves at most 60
# dynamic references in a stack template (AWSCloudFormation/latest/UserGuide/dynamic-references.html).
MAX_DYNAMIC_REFERENCES = 60

# LMI reads option.x from OPTION_X; serving.properties wins over the environment, so OPTION_* keys belong
# in `serving:` (or are set by the project, e.g. OPTION_MODEL_ID after AOT preparation).
SERVING_PREFIX = "OPTION_"
# Keys LMI reads over serving.properties: ModelInfo.loadServingProperties ends with
# SageMakerCompatibility.applyModelCompatibility (wlm/.../util/SageMakerCompatibility.java L78-103 on
# 0.36.0-lmi27-dlc; the same file on 0.35.0-dlc, 0.35.1-dlc and 0.36.0-lmi18-dlc; absent on 0.29..0.34-dlc),
# which sets these serving keys from the environment after the file and OPTION_* were read. So the checks of
# serving: (startup against option.model_loading_timeout, batch timeouts against option.predict_timeout) would
# no longer hold. Key -> the serving key to set instead.
SERVING_OVERRIDES_FROM = 17  # LMI V17 = DJL Serving 0.35.0
SERVING_OVERRIDES = {
    "SAGEMAKER_STARTUP_TIMEOUT": "option.model_loading_timeout",
    "SAGEMAKER_MODEL_SERVER_TIMEOUT_SECONDS": "option.predict_timeout",
    "SAGEMAKER_NUM_MODEL_WORKERS": "minWorkers and maxWorkers",
}
# HF_MODEL_ID adds a second model: ModelStore.initialize loads every model of the model store
# (load_models defaults to ALL: /opt/ml/model, this project's bundle) and then, if HF_MODEL_ID is set, one more
# from the Hugging Face Hub (serving/.../util/ModelStore.java L128-131 on 0.36.0-lmi27-dlc; L135 on 0.29.0-dlc
# .. 0.34.0-dlc: every release this project knows).
SECOND_MODEL_KEY = "HF_MODEL_ID"
# Keys the project sets on the container itself (stacks/kinds/common.py).
PROJECT_KEYS = frozenset({"SM_FAST_MODEL_LOADER_S3_URI"})
# Credentials: never in plain `env:` (it is in the repo and the template); `secrets:` keeps them out.
CREDENTIAL_KEYS = frozenset({"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
HF_TOKEN = "HF_TOKEN"  # huggingface_hub reads it when LMI downloads a hub model (docs/research/lmi-release-facts.md)
