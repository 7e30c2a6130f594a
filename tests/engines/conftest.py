"""Engine-test fixtures: tiny random Qwen-VL checkpoints built once per session, page images, helpers.

``tiny_model_dir`` (Qwen2.5-VL) and ``tiny_qwen3_model_dir`` (Qwen3-VL) are real checkpoints
written with ``save_pretrained`` and loaded back with ``from_pretrained`` by the engine. They
skip (not fail) when torch/transformers are not installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from docparse.engines.specs import ModelSpec, get_spec
from tests.engines.synthetic import TEST_MAX_PIXELS, TEST_MIN_PIXELS, make_page

__all__ = ["TEST_MAX_PIXELS", "TEST_MIN_PIXELS", "make_page"]


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
