"""Build a tiny, randomly initialised Qwen2.5-VL (or Qwen3-VL) checkpoint for tests and demos.

The checkpoint has the real structure of the released models at a toy size: a vision tower with
window attention (``window_size``, ``fullatt_block_indexes``) or, for Qwen3-VL, deepstack layers;
a language model with multimodal RoPE (``mrope_section`` summing to ``head_dim / 2``); a
byte-level BPE tokenizer trained here on a small built-in corpus, carrying the Qwen special
tokens and the real chat template; the real image-processor settings. Everything is written
with ``save_pretrained`` so ``from_pretrained(out_dir)`` works for the model, the tokenizer, the
image processor and (where torchvision is installed) the official processor.

The weights are random: the model emits gibberish, which is all the engine tests need.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

TinyArchitecture = Literal["qwen2_5_vl", "qwen3_vl"]

# The standard Qwen2-VL / Qwen2.5-VL chat template (default system message, vision markers).
QWEN25_VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# The message-rendering core of the Qwen3-VL Instruct template: no default system message, images
# as vision markers. (The released template also renders tools and reasoning, unused here.)
QWEN3_VL_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# The Qwen2.5-VL special tokens, in the released order (ids follow the BPE vocabulary).
QWEN_SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
QWEN_EXTRA_TOKENS = (
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
)

_BPE_VOCAB_SIZE = 600

_CORPUS_LINES = (
    "You are a helpful assistant.",
    "You are an AI specialized in recognizing and extracting text from images.",
    "Your mission is to analyze the image document and generate the result in QwenVL Document Parser HTML",
    "format using specified tags while maintaining user privacy and data integrity.",
    "QwenVL HTML qwenvl html qwenvl markdown",
    '<html><body><h1 data-bbox="12 20 400 58">Annual report 2024</h1>',
    '<p data-bbox="12 70 812 130">The quick brown fox jumps over the lazy dog. 0123456789</p>',
    '<div class="table" data-bbox="10 140 820 400" style="text-align: center"><table><tbody>',
    '<tr><td colspan="2">Revenue</td><td class="_empty"></td><td rowspan="3">1,234.56</td></tr>',
    "<thead><th>Year</th><th>Total</th></thead></tbody></table></div>",
    '<div class="image caption" data-bbox="30 410 600 700"><img data-bbox="30 410 600 650"/>',
    '<p>Figure 1: results</p></div><ul data-bbox="5 6 7 8"><li data-bbox="1 2 3 4">item</li></ul>',
    '<div class="formula" data-bbox="1 2 3 4"><div>\\begin{aligned} &amp; x^{2} &gt; 0</div></div>',
    '<address class="author" data-bbox="9 8 7 6">A. Author</address><a>link</a>',
    '<div class="text" data-bbox="100 200 300 400">Qwen3 text block</div></body></html>',
    "Numbers 1 2 3 4 5 6 7 8 9 10 11 12 100 250 512 1000 1024 2048 28 14 336 448 896 1540 1008",
    "Page 1 of 12. Section 3.2: Methods, results and discussion; see Table 4 (p < 0.05).",
)


def _train_tokenizer() -> Any:
    """A byte-level BPE trained on the built-in corpus, with the Qwen2 pre-tokenization pipeline."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    tok = Tokenizer(models.BPE(unk_token=None, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_BPE_VOCAB_SIZE,
        min_frequency=1,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    tok.train_from_iterator(list(_CORPUS_LINES) * 4, trainer=trainer)
    return tok


def _build_tokenizer(architecture: TinyArchitecture) -> Any:
    from tokenizers import AddedToken
    from transformers.models.qwen2.tokenization_qwen2 import Qwen2Tokenizer

    raw = _train_tokenizer()
    raw.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in QWEN_SPECIAL_TOKENS])
    raw.add_tokens([AddedToken(t, special=False, normalized=False) for t in QWEN_EXTRA_TOKENS])
    template = QWEN25_VL_CHAT_TEMPLATE if architecture == "qwen2_5_vl" else QWEN3_VL_CHAT_TEMPLATE
    return Qwen2Tokenizer(
        tokenizer_object=raw,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,  # type: ignore[arg-type]  # Qwen tokenizers have no unk token
        bos_token=None,
        errors="replace",
        model_max_length=32768,
        split_special_tokens=False,
        chat_template=template,
    )


def _token_ids(tokenizer: Any) -> dict[str, int]:
    ids = {t: int(tokenizer.convert_tokens_to_ids(t)) for t in QWEN_SPECIAL_TOKENS}
    return ids


def _qwen25_config(vocab_size: int, ids: dict[str, int]) -> Any:
    from transformers import Qwen2_5_VLConfig

    text = {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,  # head_dim 16 -> mrope_section sums to 8
        "num_key_value_heads": 2,
        "max_position_embeddings": 8192,
        "max_window_layers": 2,
        "rms_norm_eps": 1e-6,
        "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [2, 3, 3]},
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "tie_word_embeddings": False,
    }
    vision = {
        "depth": 4,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "window_size": 112,  # 8 patches: 4x4 merged windows, as in the released models
        "fullatt_block_indexes": [1, 3],
        "out_hidden_size": 64,
        "tokens_per_second": 2,
        "hidden_act": "silu",
    }
    return Qwen2_5_VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )


def _qwen3_config(vocab_size: int, ids: dict[str, int]) -> Any:
    from transformers import Qwen3VLConfig

    text = {
        "vocab_size": vocab_size,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-6,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 5000000.0,
            "mrope_section": [2, 3, 3],
            "mrope_interleaved": True,
        },
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
    }
    vision = {
        "depth": 3,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "patch_size": 16,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": 64,
        "num_position_embeddings": 64,
        "deepstack_visual_indexes": [0, 1],
        "hidden_act": "gelu_pytorch_tanh",
    }
    return Qwen3VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )


def _image_processor_config(architecture: TinyArchitecture) -> dict[str, Any]:
    """The released preprocessor settings (what ``preprocessor_config.json`` holds on the hub)."""
    if architecture == "qwen2_5_vl":
        return {
            "image_processor_type": "Qwen2VLImageProcessor",
            "processor_class": "Qwen2_5_VLProcessor",
            "do_resize": True,
            "do_rescale": True,
            "do_normalize": True,
            "do_convert_rgb": True,
            "resample": 3,
            "rescale_factor": 1 / 255,
            "image_mean": [0.48145466, 0.4578275, 0.40821073],
            "image_std": [0.26862954, 0.26130258, 0.27577711],
            "patch_size": 14,
            "merge_size": 2,
            "temporal_patch_size": 2,
            "min_pixels": 56 * 56,
            "max_pixels": 28 * 28 * 16384,
        }
    return {
        "image_processor_type": "Qwen2VLImageProcessorFast",
        "processor_class": "Qwen3VLProcessor",
        "do_resize": True,
        "do_rescale": True,
        "do_normalize": True,
        "do_convert_rgb": True,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
        "patch_size": 16,
        "merge_size": 2,
        "temporal_patch_size": 2,
        "size": {"shortest_edge": 65536, "longest_edge": 16777216},
    }


def _generation_config(ids: dict[str, int]) -> Any:
    """Like the released ``generation_config.json`` (sampling defaults the engine must override)."""
    from transformers import GenerationConfig

    return GenerationConfig(
        bos_token_id=ids["<|endoftext|>"],
        pad_token_id=ids["<|endoftext|>"],
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]],
        do_sample=True,
        repetition_penalty=1.05,
        temperature=0.1,
        top_p=0.001,
        top_k=1,
    )


def build_tiny_model(out_dir: Path, *, architecture: TinyArchitecture = "qwen2_5_vl", seed: int = 0) -> Path:
    """Write a tiny random Qwen-VL checkpoint (model, tokenizer, image processor) to ``out_dir``.

    Deterministic for a given ``seed``. Takes a few seconds on a laptop CPU and well under
    20 MB on disk. Returns ``out_dir``. Needs torch and transformers (the ``model`` extra).
    """
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration, Qwen3VLForConditionalGeneration

    if architecture not in ("qwen2_5_vl", "qwen3_vl"):
        raise ValueError(f"unknown architecture {architecture!r}; expected 'qwen2_5_vl' or 'qwen3_vl'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    tokenizer = _build_tokenizer(architecture)
    ids = _token_ids(tokenizer)
    vocab_size = len(tokenizer)
    if architecture == "qwen2_5_vl":
        config = _qwen25_config(vocab_size, ids)
        model_cls: Any = Qwen2_5_VLForConditionalGeneration
    else:
        config = _qwen3_config(vocab_size, ids)
        model_cls = Qwen3VLForConditionalGeneration

    torch.manual_seed(seed)
    model = model_cls(config).to(torch.float32).eval()
    model.generation_config = _generation_config(ids)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)

    processor_cfg = _image_processor_config(architecture)
    (out_dir / "preprocessor_config.json").write_text(json.dumps(processor_cfg, indent=2) + "\n")
    video_cfg = dict(processor_cfg, video_processor_type="Qwen2VLVideoProcessor")
    video_cfg.pop("image_processor_type")
    if architecture == "qwen3_vl":
        video_cfg["video_processor_type"] = "Qwen3VLVideoProcessor"
    (out_dir / "video_preprocessor_config.json").write_text(json.dumps(video_cfg, indent=2) + "\n")
    return out_dir
