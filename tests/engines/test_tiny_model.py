"""The tiny Qwen-VL builder: real structure at toy size, loadable with from_pretrained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docparse.engines.tiny_model import QWEN_SPECIAL_TOKENS

pytest.importorskip("transformers")


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def test_tiny_qwen25_checkpoint_structure(tiny_model_dir: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    assert _dir_size(tiny_model_dir) < 20 * 1024 * 1024
    config = AutoConfig.from_pretrained(tiny_model_dir)
    assert config.model_type == "qwen2_5_vl"
    text, vision = config.text_config, config.vision_config
    head_dim = text.hidden_size // text.num_attention_heads
    assert sum(text.rope_parameters["mrope_section"]) == head_dim // 2
    assert list(vision.fullatt_block_indexes) == [1, 3]
    assert vision.window_size == 112
    assert vision.out_hidden_size == text.hidden_size
    assert (vision.patch_size, vision.spatial_merge_size, vision.temporal_patch_size) == (14, 2, 2)

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert text.vocab_size == len(tokenizer)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in QWEN_SPECIAL_TOKENS}
    assert len(set(ids.values())) == len(QWEN_SPECIAL_TOKENS)
    assert config.image_token_id == ids["<|image_pad|>"]
    assert config.video_token_id == ids["<|video_pad|>"]
    assert config.vision_start_token_id == ids["<|vision_start|>"]
    assert config.vision_end_token_id == ids["<|vision_end|>"]
    assert tokenizer.eos_token == "<|im_end|>"
    assert tokenizer.pad_token == "<|endoftext|>"
    # special tokens are single tokens; HTML and digits round-trip
    html = '<p data-bbox="12 70 812 130">Total 1,234.56</p>'
    assert tokenizer.decode(tokenizer(html)["input_ids"]) == html
    assert tokenizer("<|vision_start|><|image_pad|><|image_pad|>")["input_ids"] == [
        ids["<|vision_start|>"],
        ids["<|image_pad|>"],
        ids["<|image_pad|>"],
    ]


def test_tiny_qwen25_chat_template_is_the_qwen2_vl_template(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "QwenVL HTML"}]}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert text == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>QwenVL HTML<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_tiny_qwen25_image_processor_and_model_load(tiny_model_dir: Path) -> None:
    from transformers import Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    processor = Qwen2VLImageProcessorPil.from_pretrained(tiny_model_dir)
    assert (processor.patch_size, processor.merge_size, processor.temporal_patch_size) == (14, 2, 2)
    assert list(processor.image_mean) == pytest.approx([0.48145466, 0.4578275, 0.40821073])
    saved = json.loads((tiny_model_dir / "preprocessor_config.json").read_text())
    assert saved["image_processor_type"] == "Qwen2VLImageProcessor"
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(tiny_model_dir)
    assert sum(p.numel() for p in model.parameters()) < 2_000_000


def test_tiny_qwen3_checkpoint_structure(tiny_qwen3_model_dir: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    assert _dir_size(tiny_qwen3_model_dir) < 20 * 1024 * 1024
    config = AutoConfig.from_pretrained(tiny_qwen3_model_dir)
    assert config.model_type == "qwen3_vl"
    text = config.text_config
    assert sum(text.rope_parameters["mrope_section"]) == text.head_dim // 2
    assert config.vision_config.patch_size == 16
    assert list(config.vision_config.deepstack_visual_indexes) == [0, 1]
    tokenizer = AutoTokenizer.from_pretrained(tiny_qwen3_model_dir)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "qwenvl html"}]}]
    assert tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == (
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>qwenvl html<|im_end|>\n<|im_start|>assistant\n"
    )


def test_build_is_deterministic_per_seed(tmp_path: Path, tiny_model_dir: Path) -> None:
    from docparse.engines.tiny_model import build_tiny_model

    again = build_tiny_model(tmp_path / "again", seed=0)
    assert (again / "model.safetensors").read_bytes() == (tiny_model_dir / "model.safetensors").read_bytes()
    assert (again / "tokenizer.json").read_text() == (tiny_model_dir / "tokenizer.json").read_text()


def test_unknown_architecture_is_refused(tmp_path: Path) -> None:
    from docparse.engines.tiny_model import build_tiny_model

    with pytest.raises(ValueError, match="unknown architecture"):
        build_tiny_model(tmp_path, architecture="llava")  # type: ignore[arg-type]
