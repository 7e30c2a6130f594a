"""Model presets as plain data: prompt, pixel budget, token limit, decoding, coordinates.

A model's quirks live here (or in its runtime module), never as ``if model == ...`` in
shared code. Users point a spec at a local directory or fine-tuned checkpoint with
:meth:`ModelSpec.with_model` (``--model PATH`` on the command line).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from schemas import CoordinateConvention

QWEN25_SYSTEM_PROMPT = (
    "You are an AI specialized in recognizing and extracting text from images. Your mission is to "
    "analyze the image document and generate the result in QwenVL Document Parser HTML format using "
    "specified tags while maintaining user privacy and data integrity."
)

# The document-parsing cookbook's budget: 512..2048 merged 28x28 patches.
COOKBOOK_MIN_PIXELS = 512 * 28 * 28
COOKBOOK_MAX_PIXELS = 2048 * 28 * 28

Architecture = Literal["qwen2_5_vl", "qwen3_vl"]


@dataclass(frozen=True)
class ModelSpec:
    """Everything docparse needs to know to prompt one model and read its boxes back."""

    name: str
    model: str
    architecture: Architecture
    convention: CoordinateConvention
    user_prompt: str
    system_prompt: str | None
    image_first: bool
    prompt_version: str
    patch_factor: int = 28
    min_pixels: int = COOKBOOK_MIN_PIXELS
    max_pixels: int = COOKBOOK_MAX_PIXELS
    max_new_tokens: int = 8192
    temperature: float = 0.0
    top_p: float | None = None
    repetition_penalty: float | None = 1.05
    stop: tuple[str, ...] = ("</html>",)
    revision: str | None = None
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def with_model(self, model: str, revision: str | None = None) -> ModelSpec:
        """The same preset pointed at another hub id, local directory or fine-tuned checkpoint."""
        return replace(self, model=model, revision=revision)

    def with_budget(self, min_pixels: int | None = None, max_pixels: int | None = None) -> ModelSpec:
        return replace(
            self,
            min_pixels=self.min_pixels if min_pixels is None else min_pixels,
            max_pixels=self.max_pixels if max_pixels is None else max_pixels,
        )


def _qwen25(size: str, max_new_tokens: int = 8192) -> ModelSpec:
    return ModelSpec(
        name=f"qwen2.5-vl-{size.lower()}",
        model=f"Qwen/Qwen2.5-VL-{size}-Instruct",
        architecture="qwen2_5_vl",
        convention="qwen2.5-absolute",
        system_prompt=QWEN25_SYSTEM_PROMPT,
        user_prompt="QwenVL HTML",
        image_first=False,
        prompt_version="qwen2.5-cookbook-docparse-v1",
        max_new_tokens=max_new_tokens,
    )


SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _qwen25("3B"),
        _qwen25("7B"),
        _qwen25("32B"),
        _qwen25("72B"),
        ModelSpec(
            name="qwen3-vl-8b",
            model="Qwen/Qwen3-VL-8B-Instruct",
            architecture="qwen3_vl",
            convention="qwen3-relative",
            system_prompt=None,
            user_prompt="qwenvl html",
            image_first=True,
            prompt_version="qwen3-cookbook-docparse-v1",
            patch_factor=32,
        ),
    )
}

DEFAULT_SPEC = "qwen2.5-vl-3b"


def get_spec(name: str) -> ModelSpec:
    """The preset called ``name``; raises ``KeyError`` listing the known names."""
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"unknown model spec {name!r}; known: {', '.join(sorted(SPECS))}") from None


PDF_TEXT_VERSION = "pdf-text-v5"
"""The pdf-text engine's output version (its "prompt"): bump it when its output changes, so
documents parsed with it get a new settings fingerprint. Kept here, beside the model specs, so
the fingerprint is computed without importing the engine (PyMuPDF)."""
