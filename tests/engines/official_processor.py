"""The official ``Qwen2_5_VLProcessor``'s outputs for fixed pages, recorded, so CI proves that
docparse's hand-built model inputs equal them without torchvision (which has no CPU build for
the pinned torch on the package index).

Record again (after a transformers upgrade, or when the tiny model changes) with
``make processor-fixture``: it builds a throwaway virtual environment with a torch and
torchvision pair that load together, builds the same tiny model, runs the official processor
on the same pages, checks it against docparse's builder there too, and writes
:data:`FIXTURE`. The test that reads it (``test_qwen_inputs.py``) is a guarantee: it never
skips.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "data" / "official_processor.npz"
PAGES: tuple[tuple[int, int, int], ...] = ((2, 3, 1), (4, 4, 2), (6, 2, 3))
"""(cols, rows, seed) of the pages of :func:`tests.engines.synthetic.make_page`."""


def record(out: Path = FIXTURE) -> None:
    """Run the official processor (needs torchvision) and save its outputs to ``out``."""
    import numpy as np
    import torch
    from transformers import AutoConfig, AutoTokenizer, Qwen2_5_VLProcessor

    from docparse.engines.qwen_inputs import QwenInputBuilder, chat_messages, load_image_processor
    from docparse.engines.specs import get_spec
    from docparse.engines.tiny_model import build_tiny_model
    from tests.engines.synthetic import TEST_MAX_PIXELS, TEST_MIN_PIXELS, make_page

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_model(Path(tmp) / "tiny", architecture="qwen2_5_vl", seed=0)
        spec = get_spec("qwen2.5-vl-3b").with_model(str(model_dir))
        spec = spec.with_budget(min_pixels=TEST_MIN_PIXELS, max_pixels=TEST_MAX_PIXELS)
        processor: Any = Qwen2_5_VLProcessor.from_pretrained(model_dir)
        processor.tokenizer.padding_side = "left"
        pages = [make_page(cols, rows, seed=seed) for cols, rows, seed in PAGES]
        text = processor.apply_chat_template(chat_messages(spec), tokenize=False, add_generation_prompt=True)
        official = processor(
            text=[text] * len(pages),
            images=[p.image for p in pages],
            size={"shortest_edge": spec.min_pixels, "longest_edge": spec.max_pixels},
            padding=True,
            return_tensors="pt",
        )
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        builder = QwenInputBuilder(
            tokenizer,
            load_image_processor(str(model_dir), spec),
            spec,
            image_token_id=AutoConfig.from_pretrained(model_dir).image_token_id,
        )
        ours = builder.collate([builder.prepare(p) for p in pages])
        for key in ("input_ids", "attention_mask", "image_grid_thw", "mm_token_type_ids"):
            assert torch.equal(ours[key], official[key].to(ours[key].dtype)), key
        torch.testing.assert_close(ours["pixel_values"], official["pixel_values"], rtol=0, atol=1e-5)
        versions = {"torch": torch.__version__, "transformers": _version("transformers"), "prompt": text}
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            out,
            **{key: official[key].numpy() for key in ("input_ids", "attention_mask", "image_grid_thw")},
            mm_token_type_ids=official["mm_token_type_ids"].numpy(),
            pixel_values=official["pixel_values"].numpy().astype(np.float32),
            meta=np.array(json.dumps(versions)),
        )


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE)
    print(f"recorded {FIXTURE}", file=sys.stderr)
