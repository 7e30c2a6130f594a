"""The transformers engine end to end on a tiny random Qwen2.5-VL loaded with from_pretrained."""

from __future__ import annotations

import pytest

from docparse.cancellation import Cancellation, Cancelled
from docparse.engines.base import Engine, EngineOutput, GenerationOptions, PageInput
from docparse.engines.loop_guard import LoopGuardConfig
from docparse.engines.qwen_inputs import IMAGE_PAD
from docparse.engines.specs import ModelSpec

from .conftest import ForcedTokens, force_tokens, make_page

pytest.importorskip("torch")
pytest.importorskip("transformers")

from docparse.engines.transformers_engine import TransformersEngine

ALLOWED = {"stop", "length", "loop", "error"}


@pytest.fixture(scope="module")
def engine(tiny_spec: ModelSpec) -> TransformersEngine:
    return TransformersEngine(tiny_spec, device="cpu", batch_size=3)


@pytest.fixture(scope="module")
def pages() -> list[PageInput]:
    return [make_page(6, 8, seed=1), make_page(10, 4, seed=2), make_page(4, 4, seed=3)]


def _expected_prompt_tokens(engine: TransformersEngine, page: PageInput) -> int:
    text_only = engine.loaded.tokenizer(engine.inputs.prompt.replace(IMAGE_PAD, ""))["input_ids"]
    return len(text_only) + (page.model_width // 28) * (page.model_height // 28)


def test_engine_protocol_and_info(engine: TransformersEngine, tiny_spec: ModelSpec) -> None:
    assert isinstance(engine, Engine)
    info = engine.info
    assert info.name == "transformers"
    assert info.model == tiny_spec.model
    assert info.spec == tiny_spec.name
    assert info.prompt_version == tiny_spec.prompt_version
    assert info.convention == "qwen2.5-absolute"
    assert (info.min_pixels, info.max_pixels) == (tiny_spec.min_pixels, tiny_spec.max_pixels)
    assert info.extra["device"] == "cpu"
    assert info.extra["dtype"] == "float32"
    assert info.extra["attn_implementation"] == "sdpa"


def test_model_is_loaded_once_per_process(engine: TransformersEngine, tiny_spec: ModelSpec) -> None:
    again = TransformersEngine(tiny_spec, device="cpu")
    assert again.loaded is engine.loaded


def test_outputs_in_order_with_counts_and_latency(engine: TransformersEngine, pages: list[PageInput]) -> None:
    outputs = engine.infer(pages, GenerationOptions(max_new_tokens=12))
    assert len(outputs) == len(pages)
    for page, out in zip(pages, outputs, strict=True):
        assert out.stop_reason in ALLOWED - {"error"}
        assert out.error is None
        assert out.completion_tokens is not None
        assert 1 <= out.completion_tokens <= 12
        assert out.prompt_tokens == _expected_prompt_tokens(engine, page)
        assert out.latency_s > 0
    # different page sizes give different prompts: order is preserved
    assert len({o.prompt_tokens for o in outputs}) == 3


def test_tiny_max_new_tokens_gives_length(engine: TransformersEngine, pages: list[PageInput]) -> None:
    outputs = engine.infer(pages[:2], GenerationOptions(max_new_tokens=2))
    assert [o.stop_reason for o in outputs] == ["length", "length"]
    assert [o.completion_tokens for o in outputs] == [2, 2]


def test_batch_with_left_padding_equals_one_by_one(tiny_spec: ModelSpec, pages: list[PageInput]) -> None:
    batched = TransformersEngine(tiny_spec, device="cpu", batch_size=3).infer(
        pages, GenerationOptions(max_new_tokens=16)
    )
    single = TransformersEngine(tiny_spec, device="cpu", batch_size=1).infer(
        pages, GenerationOptions(max_new_tokens=16)
    )
    assert [o.text for o in batched] == [o.text for o in single]
    assert [o.completion_tokens for o in batched] == [o.completion_tokens for o in single]
    assert [o.prompt_tokens for o in batched] == [o.prompt_tokens for o in single]


def test_bad_page_is_an_error_output_and_others_still_run(engine: TransformersEngine, pages: list[PageInput]) -> None:
    bad = PageInput(image=make_page(3, 3).image, model_width=90, model_height=84)
    outputs = engine.infer([pages[0], bad, pages[2]], GenerationOptions(max_new_tokens=3))
    assert [o.stop_reason for o in outputs] == ["length", "error", "length"]
    assert outputs[1].error is not None
    assert "model input size" in outputs[1].error


def test_loop_guard_stops_a_looping_row_only(
    engine: TransformersEngine, tiny_spec: ModelSpec, pages: list[PageInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    tok = engine.loaded.tokenizer
    cycle = tok('<p data-bbox="1 2 3 4">again</p>')["input_ids"]
    assert len(cycle) <= 32
    # the other row walks through 40 distinct plain tokens: period 40 > max_period, never a loop
    plain = [i for i in range(300) if tok.convert_ids_to_tokens(i).isalpha()][:40]
    monkeypatch.setattr(engine, "loop_guard", LoopGuardConfig(max_period=32, min_repeats=3, min_span=32))
    force_tokens(monkeypatch, engine, ForcedTokens([cycle, plain], cycle=True))
    looped, free = engine.infer(pages[:2], GenerationOptions(max_new_tokens=100))
    assert looped.stop_reason == "loop"
    assert looped.completion_tokens == 3 * len(cycle)  # stopped as soon as the third repeat completed
    assert looped.text.startswith('<p data-bbox="1 2 3 4">again</p><p')
    assert (free.stop_reason, free.completion_tokens) == ("length", 100)


def test_stop_string_and_eos_stop(
    engine: TransformersEngine, pages: list[PageInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    tok = engine.loaded.tokenizer
    html = tok('<html><body><p data-bbox="1 2 3 4">x</p></body></html>')["input_ids"]
    with_eos = [*tok("<p>done</p>")["input_ids"], tok.convert_tokens_to_ids("<|im_end|>")]
    garbage = tok(" trailing words after the end 123")["input_ids"]
    force_tokens(monkeypatch, engine, ForcedTokens([html + garbage, with_eos + garbage]))
    by_string, by_eos = engine.infer(pages[:2], GenerationOptions(max_new_tokens=60))
    assert by_string.stop_reason == "stop"
    assert by_string.text == '<html><body><p data-bbox="1 2 3 4">x</p></body></html>'
    assert by_string.completion_tokens == len(html)
    assert by_eos.stop_reason == "stop"
    assert by_eos.text == "<p>done</p>"  # EOS is a special token: skipped in the text
    assert by_eos.completion_tokens == len(with_eos)  # counted up to and including EOS


def test_default_loop_guard_fires_long_before_max_new_tokens(
    engine: TransformersEngine, pages: list[PageInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    tok = engine.loaded.tokenizer
    line = tok('<tr><td class="_empty"></td><td>7</td></tr>')["input_ids"]
    force_tokens(monkeypatch, engine, ForcedTokens([line], cycle=True))
    (out,) = engine.infer(pages[2:], GenerationOptions(max_new_tokens=2000))
    assert out.stop_reason == "loop"
    assert out.completion_tokens is not None
    assert out.completion_tokens <= 260 + len(line)


def test_oom_halves_the_batch_then_errors_single_pages(
    engine: TransformersEngine, pages: list[PageInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    reference = engine.infer(pages, GenerationOptions(max_new_tokens=4))
    real_generate = engine._generate
    sizes: list[int] = []

    def flaky(prepared, kwargs):  # type: ignore[no-untyped-def]
        sizes.append(len(prepared))
        if len(prepared) > 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_generate(prepared, kwargs)

    freed: list[int] = []
    monkeypatch.setattr(engine, "_free_memory", lambda: freed.append(1))  # gc.collect is slow; count calls
    monkeypatch.setattr(engine, "_generate", flaky)
    outputs = engine.infer(pages, GenerationOptions(max_new_tokens=4))
    assert sizes == [3, 2, 1, 1, 1]
    assert len(freed) == 2
    assert [o.text for o in outputs] == [o.text for o in reference]

    def always_oom(prepared, kwargs):  # type: ignore[no-untyped-def]
        raise torch.OutOfMemoryError("CUDA out of memory.")

    monkeypatch.setattr(engine, "_generate", always_oom)
    outputs = engine.infer(pages, GenerationOptions(max_new_tokens=4))
    assert [o.stop_reason for o in outputs] == ["error"] * 3
    assert all(o.error and "out of memory" in o.error for o in outputs)


def test_a_failing_page_does_not_fail_its_batch(
    engine: TransformersEngine, pages: list[PageInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_generate = engine._generate
    poisoned = pages[1].model_width

    def fails_with_page_1(prepared, kwargs):  # type: ignore[no-untyped-def]
        if any(p.image_grid_thw[2] * 14 == poisoned for p in prepared):
            raise RuntimeError("shape mismatch\nlong traceback text")
        return real_generate(prepared, kwargs)

    monkeypatch.setattr(engine, "_generate", fails_with_page_1)
    outputs = engine.infer(pages, GenerationOptions(max_new_tokens=3))
    assert [o.stop_reason for o in outputs] == ["length", "error", "length"]
    assert outputs[1].error == "generation failed: RuntimeError: shape mismatch"


def test_sampling_settings_come_from_options(engine: TransformersEngine) -> None:
    greedy = engine.generation_kwargs(None)
    assert greedy["do_sample"] is False
    assert "temperature" not in greedy
    assert greedy["stop_strings"] == ["</html>"]
    sampled = engine.generation_kwargs(GenerationOptions(temperature=0.7, top_p=0.9, max_new_tokens=5))
    assert (sampled["do_sample"], sampled["temperature"], sampled["top_p"]) == (True, 0.7, 0.9)
    assert sampled["max_new_tokens"] == 5


def test_qwen3_vl_engine(tiny_qwen3_spec: ModelSpec) -> None:
    engine = TransformersEngine(tiny_qwen3_spec, device="cpu", batch_size=2)
    assert engine.inputs.factor == 32
    assert engine.info.convention == "qwen3-relative"
    assert engine.inputs.prompt.startswith("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>qwenvl")
    pages = [make_page(4, 6, factor=32, seed=1), make_page(6, 3, factor=32, seed=2)]
    assert engine.inputs.prepare(pages[0]).image_grid_thw == (1, 6 * 2, 4 * 2)
    batched = engine.infer(pages, GenerationOptions(max_new_tokens=8))
    single = TransformersEngine(tiny_qwen3_spec, device="cpu", batch_size=1).infer(
        pages, GenerationOptions(max_new_tokens=8)
    )
    assert [o.text for o in batched] == [o.text for o in single]
    for page, out in zip(pages, batched, strict=True):
        assert out.stop_reason in ALLOWED - {"error"}
        text_only = engine.loaded.tokenizer(engine.inputs.prompt.replace(IMAGE_PAD, ""))["input_ids"]
        assert out.prompt_tokens == len(text_only) + (page.model_width // 32) * (page.model_height // 32)


@pytest.mark.gpu
def test_cuda_bf16_sdpa(tiny_spec: ModelSpec, pages: list[PageInput]) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    engine = TransformersEngine(tiny_spec, device="cuda", dtype="bfloat16", attn_implementation="sdpa", batch_size=3)
    assert engine.info.extra["dtype"] == "bfloat16"
    outputs = engine.infer(pages, GenerationOptions(max_new_tokens=16))
    assert len(outputs) == 3
    for page, out in zip(pages, outputs, strict=True):
        assert out.stop_reason in ALLOWED - {"error"}, out.error
        assert out.prompt_tokens == _expected_prompt_tokens(engine, page)
        assert out.completion_tokens is not None
        assert out.completion_tokens <= 16


class _SetAfterChecks(Cancellation):
    """A token that sets itself the ``checks``-th time it is looked at (deterministic: generation
    looks once per decoding step)."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.left = checks

    def is_set(self) -> bool:
        self.left -= 1
        if self.left <= 0:
            self.set("cancelled mid-page")
        return super().is_set()


def test_a_cancel_token_ends_generation_at_the_next_token_and_raises(
    engine: TransformersEngine, pages: list[PageInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    tok = engine.loaded.tokenizer
    plain = [i for i in range(300) if tok.convert_ids_to_tokens(i).isalpha()][:40]  # never EOS, never a loop
    force_tokens(monkeypatch, engine, ForcedTokens([plain, plain], cycle=True))
    monkeypatch.setattr(engine, "loop_guard", LoopGuardConfig(enabled=False))
    generated: list[EngineOutput] = []
    inner = engine._generate

    def spy(prepared, kwargs):  # type: ignore[no-untyped-def]
        outputs = inner(prepared, kwargs)
        generated.extend(outputs)
        return outputs

    monkeypatch.setattr(engine, "_generate", spy)
    with pytest.raises(Cancelled, match="mid-page"):
        engine.infer(pages[:2], GenerationOptions(max_new_tokens=200), cancel=_SetAfterChecks(5))
    assert [o.completion_tokens for o in generated] == [5, 5], "both rows end at the step the token is set"
    untouched = engine.infer(pages[:2], GenerationOptions(max_new_tokens=8), cancel=Cancellation())
    assert [o.completion_tokens for o in untouched] == [8, 8], "a token that is not set changes nothing"
