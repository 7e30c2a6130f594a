"""Engine-test fixtures: tiny random Qwen-VL checkpoints built once per session, page images, helpers.

``tiny_model_dir`` (Qwen2.5-VL) and ``tiny_qwen3_model_dir`` (Qwen3-VL) are real checkpoints
written with ``save_pretrained`` and loaded back with ``from_pretrained`` by the engine. They
skip (not fail) when torch/transformers are not installed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from docparse.engines.base import PageInput
from docparse.engines.specs import ModelSpec, get_spec

# A small pixel budget for tests: pages of 4..256 merged patches (28x28 px each for Qwen2.5-VL).
TEST_MIN_PIXELS = 4 * 28 * 28
TEST_MAX_PIXELS = 256 * 28 * 28


def _single_thread_torch() -> None:
    """Toy matrices gain nothing from threads, and on a busy 2-core box OpenMP spinning makes
    each matmul ~100x slower; one thread keeps the engine tests at a few seconds."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen2.5-VL checkpoint directory (model, tokenizer, image processor)."""
    _single_thread_torch()
    pytest.importorskip("transformers")
    from docparse.engines.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen2_5_vl"), architecture="qwen2_5_vl", seed=0)


@pytest.fixture(scope="session")
def tiny_qwen3_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-VL checkpoint directory."""
    _single_thread_torch()
    pytest.importorskip("transformers")
    from docparse.engines.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen3_vl"), architecture="qwen3_vl", seed=0)


@pytest.fixture(scope="session")
def tiny_spec(tiny_model_dir: Path) -> ModelSpec:
    """The Qwen2.5-VL 3B preset pointed at the tiny checkpoint, with a small pixel budget."""
    spec = get_spec("qwen2.5-vl-3b").with_model(str(tiny_model_dir))
    return spec.with_budget(min_pixels=TEST_MIN_PIXELS, max_pixels=TEST_MAX_PIXELS)


@pytest.fixture(scope="session")
def tiny_qwen3_spec(tiny_qwen3_model_dir: Path) -> ModelSpec:
    spec = get_spec("qwen3-vl-8b").with_model(str(tiny_qwen3_model_dir))
    return spec.with_budget(min_pixels=4 * 32 * 32, max_pixels=256 * 32 * 32)


def make_page(cols: int, rows: int, *, factor: int = 28, seed: int = 0) -> PageInput:
    """A synthetic text-like page of ``cols*factor`` x ``rows*factor`` px (a ``smart_resize`` size)."""
    width, height = cols * factor, rows * factor
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    y = 6
    while y < height - 6:
        x = 6
        while x < width - 12:
            w = rng.randint(4, 18)
            draw.rectangle([x, y, min(x + w, width - 6), y + 4], fill=(rng.randint(0, 60),) * 3)
            x += w + rng.randint(3, 8)
        y += rng.randint(9, 14)
    return PageInput(image=image, model_width=width, model_height=height)


class ForcedTokens:
    """A logits processor that makes row ``r`` emit ``sequences[r]`` (cycled when ``cycle``).

    Rows whose sequence is empty are left alone. Used to force loops, stop strings and EOS on
    a model with random weights.
    """

    def __init__(self, sequences: Sequence[Sequence[int]], *, cycle: bool = False) -> None:
        self.sequences = [list(s) for s in sequences]
        self.cycle = cycle
        self.prompt_width: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.prompt_width is None:
            self.prompt_width = input_ids.shape[1]
        step = input_ids.shape[1] - self.prompt_width
        scores = scores.clone()
        for row, seq in enumerate(self.sequences):
            if not seq or (step >= len(seq) and not self.cycle):
                continue
            token = seq[step % len(seq)]
            scores[row, :] = float("-inf")
            scores[row, token] = 0.0
        return scores


def force_tokens(monkeypatch: pytest.MonkeyPatch, engine: Any, processor: ForcedTokens) -> None:
    """Route ``processor`` into every ``generate`` call of ``engine`` (rows are batch rows)."""
    from transformers import LogitsProcessorList

    original_kwargs = engine.generation_kwargs
    original_generate = engine._generate

    def kwargs_with_processor(options: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = original_kwargs(options)
        kwargs["logits_processor"] = LogitsProcessorList([processor])
        return kwargs

    def generate(prepared: Any, kwargs: Any) -> Any:
        processor.prompt_width = None  # a new generate call: steps count from its prompt
        return original_generate(prepared, kwargs)

    monkeypatch.setattr(engine, "generation_kwargs", kwargs_with_processor)
    monkeypatch.setattr(engine, "_generate", generate)
