"""Model inputs without the official processor: chat template, image tokens, pixels, padding."""

from __future__ import annotations

from pathlib import Path

import pytest

from docparse.engines.base import PageInput
from docparse.engines.qwen_inputs import (
    IMAGE_PAD,
    PageInputError,
    QwenInputBuilder,
    chat_messages,
    expand_image_pad,
    load_image_processor,
    render_prompt,
)
from docparse.engines.specs import ModelSpec

from .conftest import make_page


@pytest.fixture(scope="module")
def builder(tiny_model_dir: Path, tiny_spec: ModelSpec) -> QwenInputBuilder:
    from transformers import AutoConfig, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    image_processor = load_image_processor(str(tiny_model_dir), tiny_spec)
    config = AutoConfig.from_pretrained(tiny_model_dir)
    return QwenInputBuilder(tokenizer, image_processor, tiny_spec, image_token_id=config.image_token_id)


def test_messages_follow_the_spec(tiny_spec: ModelSpec) -> None:
    messages = chat_messages(tiny_spec)
    assert messages[0] == {"role": "system", "content": [{"type": "text", "text": tiny_spec.system_prompt}]}
    assert [c["type"] for c in messages[1]["content"]] == ["text", "image"]  # Qwen2.5: text before image
    from dataclasses import replace

    messages = chat_messages(replace(tiny_spec, system_prompt=None, image_first=True))
    assert len(messages) == 1
    assert [c["type"] for c in messages[0]["content"]] == ["image", "text"]


def test_prompt_text(builder: QwenInputBuilder, tiny_spec: ModelSpec) -> None:
    assert builder.prompt == (
        f"<|im_start|>system\n{tiny_spec.system_prompt}<|im_end|>\n"
        "<|im_start|>user\nQwenVL HTML<|vision_start|><|image_pad|><|vision_end|><|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert render_prompt(builder.tokenizer, tiny_spec) == builder.prompt
    assert expand_image_pad("a<|image_pad|>b", 3) == f"a{IMAGE_PAD * 3}b"


def test_prepared_page_has_grid_and_image_tokens_of_its_size(builder: QwenInputBuilder) -> None:
    page = make_page(6, 10)  # 168 x 280 px
    prepared = builder.prepare(page)
    assert prepared.image_grid_thw == (1, 280 // 14, 168 // 14)
    num_image_tokens = (280 // 14) * (168 // 14) // 4
    assert prepared.pixel_values.shape == (20 * 12, 3 * 2 * 14 * 14)
    assert prepared.input_ids.count(builder.image_token_id) == num_image_tokens
    text_only = builder.tokenizer(builder.prompt.replace(IMAGE_PAD, ""))["input_ids"]
    assert prepared.prompt_tokens == len(text_only) + num_image_tokens


def test_pages_outside_the_spec_budget_are_not_resampled(builder: QwenInputBuilder) -> None:
    small = make_page(1, 1)  # 784 px, below the budget's min_pixels
    large = make_page(20, 20)  # above max_pixels
    assert builder.prepare(small).image_grid_thw == (1, 2, 2)
    assert builder.prepare(large).image_grid_thw == (1, 40, 40)


@pytest.mark.parametrize(
    ("page", "match"),
    [
        (PageInput(image=None, model_width=28, model_height=28), "no image"),
        (PageInput(image=make_page(2, 2).image, model_width=56, model_height=84), "model input size"),
        (PageInput(image=make_page(1, 1, factor=30).image, model_width=30, model_height=30), "multiple of 28"),
    ],
)
def test_bad_pages_raise_page_input_error(builder: QwenInputBuilder, page: PageInput, match: str) -> None:
    with pytest.raises(PageInputError, match=match):
        builder.prepare(page)


def test_collate_left_pads(builder: QwenInputBuilder) -> None:
    prepared = [builder.prepare(make_page(4, 4)), builder.prepare(make_page(8, 6))]
    batch = builder.collate(prepared)
    short, long = prepared
    width = long.prompt_tokens
    assert batch["input_ids"].shape == (2, width)
    pad = width - short.prompt_tokens
    assert batch["attention_mask"][0].tolist() == [0] * pad + [1] * short.prompt_tokens
    assert batch["input_ids"][0, :pad].tolist() == [builder.pad_token_id] * pad
    assert batch["input_ids"][0, pad:].tolist() == short.input_ids
    assert batch["mm_token_type_ids"].sum(dim=1).tolist() == [8 * 8 // 4, 12 * 16 // 4]
    assert (batch["mm_token_type_ids"] == 1).eq(batch["input_ids"] == builder.image_token_id).all()
    assert batch["image_grid_thw"].tolist() == [[1, 8, 8], [1, 12, 16]]
    assert batch["pixel_values"].shape[0] == 64 + 192


@pytest.mark.guarantee
def test_matches_the_recorded_official_processor(builder: QwenInputBuilder) -> None:
    """Our inputs equal ``Qwen2_5_VLProcessor``'s, recorded by ``make processor-fixture``
    (see :mod:`tests.engines.official_processor`): token ids, attention mask, image grid,
    multimodal token types and pixel values, for pages of three shapes, padded together."""
    import json

    import numpy as np
    import torch

    from tests.engines.official_processor import FIXTURE, PAGES

    official = np.load(FIXTURE)
    assert json.loads(str(official["meta"]))["prompt"] == builder.prompt
    ours = builder.collate([builder.prepare(make_page(cols, rows, seed=seed)) for cols, rows, seed in PAGES])
    for key in ("input_ids", "attention_mask", "image_grid_thw", "mm_token_type_ids"):
        expected = torch.from_numpy(official[key]).to(ours[key].dtype)
        assert torch.equal(ours[key], expected), key
    torch.testing.assert_close(ours["pixel_values"], torch.from_numpy(official["pixel_values"]), rtol=0, atol=1e-5)
