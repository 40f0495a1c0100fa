"""Hugging Face organisations whose models are gated: a download needs a token of an account that
accepted the licence. Without one, LMI's download fails (401/403) and the endpoint fails its health
check only after `startup_health_check_timeout`.

Source: each organisation's model pages on huggingface.co, checked 2026 ("You need to agree to share
your contact information to access this model" / "This repository is gated"). Gating is per repository;
an organisation is listed when its current model families are gated. A warning, never an error.
"""

from __future__ import annotations

# (prefix of the hub id, lower-case) -> what is gated
GATED_PREFIXES: dict[str, str] = {
    "meta-llama/": "Meta Llama licence (Llama 2, 3, 3.1, 3.2, 3.3, 4)",
    "mistralai/": "Mistral AI models (contact-information gate)",
    "google/gemma": "Gemma terms of use (gemma, gemma-2, gemma-3)",
    "google/codegemma": "Gemma terms of use",
    "google/paligemma": "Gemma terms of use",
    "google/recurrentgemma": "Gemma terms of use",
    "bigcode/starcoder": "BigCode OpenRAIL-M agreement (starcoder, starcoder2, starcoderbase)",
    "cohereforai/": "Cohere For AI (Command R, Aya; CC-BY-NC with contact gate)",
    "tiiuae/falcon-180b": "Falcon-180B TII licence",
}


def gated_reason(model_id: str) -> str | None:
    """Why a hub id needs a token, or None when its organisation is not known to gate its models."""
    lowered = model_id.lower()
    for prefix, reason in GATED_PREFIXES.items():
        if lowered.startswith(prefix):
            return reason
    return None
