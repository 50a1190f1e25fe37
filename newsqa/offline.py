"""Switches that keep the ML stack offline and quiet.

Hugging Face, Gradio, onnxruntime and Chroma all make network calls by default
(telemetry, model downloads, analytics). newsqa runs offline, so it sets these itself
before any of those libraries is imported; a user's explicit setting is left alone.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}


def switch_off_network_features() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
