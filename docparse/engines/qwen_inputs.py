"""Qwen-VL model inputs without ``Qwen2_5_VLProcessor`` (which needs torchvision).

Reproduces what the official processor does for one image per prompt:

1. the prompt text comes from the tokenizer's chat template: the spec's system prompt (or the
   template's default when it has none) and one user message holding the image and the user
   prompt, image first or last per ``spec.image_first``, ``add_generation_prompt=True``;
2. pixel values and ``image_grid_thw`` come from the PIL image processor
   (``Qwen2VLImageProcessorPil``, the same numbers as the torchvision one);
3. the single ``<|image_pad|>`` is expanded to ``t*h*w / merge_size**2`` copies, the text is
   tokenized, rows are LEFT padded, and ``mm_token_type_ids`` marks image tokens (1) so the
   model computes its multimodal RoPE positions.

Pages arrive already at their ``smart_resize`` size, so the processor must not resample them:
the pixel budget it is given always contains the page's own size, and the resulting grid is
checked against ``model_height / patch x model_width / patch``. Heavy imports stay inside
functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docparse.engines.base import PageInput
from docparse.engines.specs import ModelSpec

IMAGE_PAD = "<|image_pad|>"


class PageInputError(ValueError):
    """A page cannot be turned into model inputs (wrong size, missing image). Per page, never per batch."""


def chat_messages(spec: ModelSpec) -> list[dict[str, Any]]:
    """The conversation for one page: optional system message, then the image and the user prompt."""
    image = {"type": "image"}
    text = {"type": "text", "text": spec.user_prompt}
    messages: list[dict[str, Any]] = []
    if spec.system_prompt is not None:
        messages.append({"role": "system", "content": [{"type": "text", "text": spec.system_prompt}]})
    messages.append({"role": "user", "content": [image, text] if spec.image_first else [text, image]})
    return messages


def render_prompt(tokenizer: Any, spec: ModelSpec) -> str:
    """The chat-template text with exactly one ``<|image_pad|>`` placeholder."""
    prompt = tokenizer.apply_chat_template(chat_messages(spec), tokenize=False, add_generation_prompt=True)
    if not isinstance(prompt, str) or prompt.count(IMAGE_PAD) != 1:
        raise ValueError(f"the chat template of {spec.model!r} must render exactly one {IMAGE_PAD} placeholder")
    return prompt


def expand_image_pad(prompt: str, num_image_tokens: int) -> str:
    """Replace the single placeholder by ``num_image_tokens`` copies, as the official processor does."""
    return prompt.replace(IMAGE_PAD, IMAGE_PAD * num_image_tokens, 1)


def load_image_processor(source: str, spec: ModelSpec, **hub_kwargs: Any) -> Any:
    """The PIL Qwen2-VL image processor from a checkpoint, with the spec's pixel budget."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    return Qwen2VLImageProcessorPil.from_pretrained(
        source, min_pixels=spec.min_pixels, max_pixels=spec.max_pixels, **hub_kwargs
    )


@dataclass
class PreparedPage:
    """One page's model inputs before batching."""

    input_ids: list[int]
    pixel_values: Any  # numpy array (patches, channels * temporal * patch * patch)
    image_grid_thw: tuple[int, int, int]

    @property
    def prompt_tokens(self) -> int:
        return len(self.input_ids)


class QwenInputBuilder:
    """Turns :class:`PageInput` values into the tensors ``Qwen*VLForConditionalGeneration.generate`` takes."""

    def __init__(self, tokenizer: Any, image_processor: Any, spec: ModelSpec, image_token_id: int) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.spec = spec
        self.image_token_id = image_token_id
        self.prompt = render_prompt(tokenizer, spec)
        self.patch_size = int(image_processor.patch_size)
        self.merge_size = int(image_processor.merge_size)
        pad_id = tokenizer.pad_token_id
        self.pad_token_id = int(pad_id if pad_id is not None else tokenizer.eos_token_id)

    @property
    def factor(self) -> int:
        """Page sides must be multiples of this (28 for Qwen2.5-VL, 32 for Qwen3-VL)."""
        return self.patch_size * self.merge_size

    def _check_page(self, page: PageInput) -> Any:
        image = page.image
        if image is None:
            raise PageInputError("the page has no image; the transformers engine needs the rendered page")
        if image.size != (page.model_width, page.model_height):
            raise PageInputError(
                f"page image is {image.size[0]}x{image.size[1]} but its model input size is "
                f"{page.model_width}x{page.model_height}; render it at the smart_resize size"
            )
        if page.model_width % self.factor or page.model_height % self.factor:
            raise PageInputError(
                f"model input size {page.model_width}x{page.model_height} is not a multiple of {self.factor} "
                f"(smart_resize with factor {self.factor} for {self.spec.model!r})"
            )
        return image if image.mode == "RGB" else image.convert("RGB")

    def prepare(self, page: PageInput) -> PreparedPage:
        """Pixel values, grid and token ids for one page; raises :class:`PageInputError`."""
        image = self._check_page(page)
        area = page.model_width * page.model_height
        # A budget that contains the page's own (already smart-resized) size: no resampling.
        size = {"shortest_edge": min(self.spec.min_pixels, area), "longest_edge": max(self.spec.max_pixels, area)}
        try:
            features = self.image_processor(images=[image], size=size, return_tensors="np")
        except ValueError as exc:  # e.g. aspect ratio over 200
            raise PageInputError(f"image processor refused the page: {exc}") from exc
        t, h, w = (int(v) for v in features["image_grid_thw"][0])
        expected = (1, page.model_height // self.patch_size, page.model_width // self.patch_size)
        if (t, h, w) != expected:
            raise PageInputError(
                f"image processor produced grid {(t, h, w)} for a {page.model_width}x{page.model_height} page, "
                f"expected {expected}: the page would have been resampled"
            )
        num_tokens = t * h * w // self.merge_size**2
        text = expand_image_pad(self.prompt, num_tokens)
        input_ids = self.tokenizer(text)["input_ids"]
        if sum(1 for i in input_ids if i == self.image_token_id) != num_tokens:
            raise PageInputError("tokenized prompt does not hold one image token per merged patch")
        return PreparedPage(input_ids=list(input_ids), pixel_values=features["pixel_values"], image_grid_thw=(t, h, w))

    def collate(self, pages: Sequence[PreparedPage], device: Any = None) -> dict[str, Any]:
        """LEFT-padded ``input_ids``/``attention_mask``/``mm_token_type_ids``, stacked pixels and grids."""
        import numpy as np
        import torch

        width = max(p.prompt_tokens for p in pages)
        ids = torch.full((len(pages), width), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(pages), width), dtype=torch.long)
        for row, page in enumerate(pages):
            ids[row, width - page.prompt_tokens :] = torch.tensor(page.input_ids, dtype=torch.long)
            mask[row, width - page.prompt_tokens :] = 1
        mm_types = (ids == self.image_token_id).long() * mask
        batch = {
            "input_ids": ids,
            "attention_mask": mask,
            "mm_token_type_ids": mm_types,
            "pixel_values": torch.from_numpy(np.concatenate([p.pixel_values for p in pages], axis=0)),
            "image_grid_thw": torch.tensor([p.image_grid_thw for p in pages], dtype=torch.long),
        }
        if device is not None:
            batch = {k: v.to(device) for k, v in batch.items()}
        return batch
