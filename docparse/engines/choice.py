"""Which engine and model spec settings amount to, decided without loading anything.

Shared by the engine factory (which then builds the engine) and by the settings identity
(:mod:`docparse.identity`, which fingerprints the choice where documents are taken in), so
both always agree. Imports no runtime module: no torch, no httpx, no PyMuPDF.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from docparse.engines.settings import EngineSettings
from docparse.engines.specs import ModelSpec, get_spec


def resolve_spec(settings: EngineSettings) -> ModelSpec:
    """The preset named in settings with the model path and pixel budget overrides applied."""
    spec = get_spec(settings.model_spec)
    if settings.model:
        spec = spec.with_model(settings.model, settings.model_revision)
    spec = spec.with_budget(settings.min_pixels, settings.max_pixels)
    if settings.max_new_tokens is not None:
        spec = replace(spec, max_new_tokens=settings.max_new_tokens)
    return spec


def gpu_present() -> bool:
    """Whether an NVIDIA GPU driver is visible, checked without importing torch."""
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def choose_engine(settings: EngineSettings, spec: ModelSpec) -> tuple[str, str | None]:
    if settings.openai_base_url:
        return "openai", None
    from docparse.engines.weights import weights_available

    if weights_available(spec) or gpu_present():
        return "transformers", None
    return "pdf-text", (
        f"No vision-language model available: weights for {spec.model} are not local and no GPU is present, "
        "so docparse reads the PDF text layer (pages without one stay 'pending'). To use Qwen2.5-VL: "
        "download it (`huggingface-cli download " + spec.model + "`) or pass --model PATH, "
        "or serve it with vLLM and set DOCPARSE_OPENAI_BASE_URL; then `--engine transformers|openai`."
    )
