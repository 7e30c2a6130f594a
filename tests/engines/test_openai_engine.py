"""The ``openai`` engine against a real OpenAI-compatible server on loopback (no httpx mocks)."""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import importlib.abc
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops

from docparse.cancellation import Cancellation, Cancelled
from docparse.engines.base import Engine, EngineOutput, EngineUnavailable, GenerationOptions, PageInput
from docparse.engines.factory import create_engine
from docparse.engines.openai_engine import OpenAIEngine
from docparse.engines.openai_http import parse_retry_after
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import get_spec
from tests.engines.openai_server import FakeOpenAIServer, Reply
from tests.waiting import poll

SPEC = get_spec("qwen2.5-vl-3b")
KEY = "sk-test-secret-0123456789"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    fake = FakeOpenAIServer(models=[SPEC.model, "other-model"]).start()
    yield fake
    fake.stop()


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def make_engine(
    server: FakeOpenAIServer, delays: list[float], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., OpenAIEngine]]:
    engines: list[OpenAIEngine] = []

    async def record_sleep(delay: float) -> None:
        delays.append(delay)

    def make(**kwargs: Any) -> OpenAIEngine:
        kwargs.setdefault("spec", SPEC)
        kwargs.setdefault("base_url", server.base_url)
        kwargs.setdefault("sleep", record_sleep)
        kwargs.setdefault("api_key", KEY)
        engine = OpenAIEngine(**kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def page(width: int = 280, height: int = 392, color: tuple[int, int, int] = (200, 30, 40)) -> PageInput:
    image = Image.new("RGB", (width, height), color)
    image.putpixel((1, 2), (1, 2, 3))  # not a flat image: the decoded pixels must match exactly
    return PageInput(image=image, model_width=width, model_height=height)


def test_happy_path_sends_the_spec_prompt_image_and_settings(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    engine = make_engine()
    assert isinstance(engine, Engine)
    source = page(280, 392)
    [output] = engine.infer([source])

    assert output.error is None
    assert output.stop_reason == "stop"
    assert output.text == (
        '<html><body><p data-bbox="0 0 280 392">image/png 280x392 '
        f"min={SPEC.min_pixels} max={SPEC.max_pixels}</p></body></html>"
    )
    assert (output.prompt_tokens, output.completion_tokens) == (321, 17)
    assert output.latency_s > 0

    [seen] = server.chat_requests
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    body = seen.body
    assert body["model"] == SPEC.model
    system, user = body["messages"]
    assert system == {"role": "system", "content": SPEC.system_prompt}
    assert [part["type"] for part in user["content"]] == ["text", "image_url"]  # Qwen2.5: text first
    assert user["content"][0]["text"] == "QwenVL HTML"
    assert seen.image_format == "image/png"
    assert seen.image is not None
    assert seen.image.format == "PNG"
    assert seen.image.size == (280, 392)
    assert seen.image.convert("RGB").tobytes() == source.image.tobytes()  # type: ignore[union-attr]
    assert user["content"][1]["min_pixels"] == SPEC.min_pixels == 512 * 28 * 28  # DashScope keys
    assert user["content"][1]["max_pixels"] == SPEC.max_pixels == 2048 * 28 * 28
    assert body["mm_processor_kwargs"] == {"min_pixels": SPEC.min_pixels, "max_pixels": SPEC.max_pixels}  # vLLM
    assert body["stop"] == ["</html>"]
    assert body["include_stop_str_in_output"] is True
    assert body["max_tokens"] == SPEC.max_new_tokens
    assert body["temperature"] == 0.0
    assert body["repetition_penalty"] == 1.05
    assert "top_p" not in body


@pytest.mark.parametrize(("image_format", "decoded_as"), [("png-small", "PNG"), ("webp", "WEBP")])
def test_other_lossless_formats_reach_the_server_pixel_exact(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], image_format: str, decoded_as: str
) -> None:
    """The server decodes the data URL with Pillow, as vLLM and SGLang do."""
    source = page(252, 140)
    [output] = make_engine(image_format=image_format).infer([source])

    assert output.error is None
    [seen] = server.chat_requests
    assert seen.image_format == f"image/{decoded_as.lower()}"
    assert seen.image is not None
    assert seen.image.format == decoded_as
    assert seen.image.convert("RGB").tobytes() == source.image.tobytes()  # type: ignore[union-attr]


def test_the_kept_page_image_is_the_exact_image_the_server_received(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], tmp_path: Path
) -> None:
    """With page images kept, the pipeline stores the bytes the engine sent the model (the
    default lossless PNG), not a second encoding of the page."""
    import base64

    from docparse.pipeline import ParseOptions, parse_document
    from tests.ingest.files import make_pdf

    server.default = Reply(content='<html><body><p data-bbox="10 10 200 40">Hello</p></body></html>')
    pdf = make_pdf(tmp_path / "one.pdf", 1)
    outcome = parse_document(pdf, make_engine(), ParseOptions(keep_page_images=True))

    [seen] = server.chat_requests
    assert seen.image_part is not None
    url = seen.image_part["image_url"]["url"]
    sent = base64.b64decode(url.split(",", 1)[1])
    assert outcome.page_images[1] == (sent, "image/png")


@pytest.mark.parametrize(("image_format", "packed"), [("png", True), ("jpeg", False), ("webp", False)])
def test_pages_are_rendered_in_the_layout_the_encoding_reads_and_reach_the_server_as_drawn(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], tmp_path: Path, image_format: str, packed: bool
) -> None:
    """``png`` reads MuPDF's packed pixels (no copy into Pillow); the Pillow encoders get pages in
    Pillow's own layout. Either way a lossless format reaches the server as MuPDF drew the page."""
    import pymupdf

    from docparse.image_codec import PackedRGBImage
    from docparse.pipeline import ParseOptions, parse_document
    from tests.ingest.files import make_pdf

    server.default = Reply(content='<html><body><p data-bbox="10 10 200 40">Hello</p></body></html>')
    pdf = make_pdf(tmp_path / "one.pdf", 1)
    engine = make_engine(image_format=image_format)
    seen_images: list[Any] = []
    infer = engine.infer

    def spy(pages: Any, options: Any = None, **kwargs: Any) -> Any:
        seen_images.extend(p.image for p in pages)
        return infer(pages, options, **kwargs)

    engine.infer = spy  # type: ignore[method-assign]
    parse_document(pdf, engine, ParseOptions())

    [image] = seen_images
    assert isinstance(image, PackedRGBImage) is packed
    [request] = server.chat_requests
    assert request.image is not None
    if image_format != "jpeg":
        with pymupdf.open(pdf) as doc:
            page_ = doc[0]
            width, height = request.image.size
            pix = page_.get_pixmap(matrix=pymupdf.Matrix(width / page_.rect.width, height / page_.rect.height))
        drawn = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        difference = max(high for _, high in ImageChops.difference(request.image.convert("RGB"), drawn).getextrema())
        assert difference <= (0 if packed else 1)  # Pillow's layout: +-1 where blend modes meet the backdrop


def test_an_unknown_image_format_is_refused(make_engine: Callable[..., OpenAIEngine]) -> None:
    with pytest.raises(ValueError, match="png, png-small, webp, jpeg"):
        make_engine(image_format="gif")


def test_qwen3_spec_jpeg_and_generation_options(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    spec = get_spec("qwen3-vl-8b")
    server.models = ["qwen3"]
    engine = make_engine(spec=spec, served_model="qwen3", image_format="jpeg", api_key="sk-explicit")
    options = GenerationOptions(max_new_tokens=123, temperature=0.6, top_p=0.9, repetition_penalty=1.2)
    [output] = engine.infer([page(224, 112)], options)

    assert output.error is None
    [seen] = server.chat_requests
    assert seen.headers["authorization"] == "Bearer sk-explicit"
    body = seen.body
    assert body["model"] == "qwen3"
    [user] = body["messages"]  # no system prompt
    assert [part["type"] for part in user["content"]] == ["image_url", "text"]  # Qwen3: image first
    assert user["content"][1]["text"] == "qwenvl html"
    assert seen.image_format == "image/jpeg"
    assert seen.image is not None
    assert seen.image.format == "JPEG"
    assert seen.image.size == (224, 112)
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["repetition_penalty"]) == (123, 0.6, 0.9, 1.2)
    assert engine.info.model == "qwen3"
    assert engine.info.convention == "qwen3-relative"


def test_outputs_keep_input_order_when_answers_come_back_reversed(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    server.gate = 8
    server.answer_order = lambda seen: seen.image_size[0] if seen.image_size else 0  # widest answered first
    pages = [page(28 * (i + 1), 56) for i in range(8)]
    outputs = make_engine(max_retries=0).infer(pages)

    assert not server.gate_timed_out
    answered = [seen.image_size[0] for seen in server.wait_completed(8) if seen.image_size]
    assert answered == [28 * (i + 1) for i in reversed(range(8))]
    assert [f"0 0 {28 * (i + 1)} 56" in output.text for i, output in enumerate(outputs)] == [True] * 8


def test_at_least_32_requests_in_flight_at_once(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    server.gate = 32  # each request is held until 32 are in flight (bounded wait, then a 500)
    outputs = make_engine(max_retries=0).infer([page(56, 56) for _ in range(40)])

    assert not server.gate_timed_out
    assert server.max_in_flight >= 32
    assert all(output.error is None for output in outputs)


class _ImportSearches(importlib.abc.MetaPathFinder):
    """A finder first on ``sys.meta_path``: records every module Python searches for (a module
    already imported is never searched)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        self.names.append(fullname)


def test_a_request_searches_for_no_module(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once warm, requests import nothing: an import that fails is retried (a walk of sys.path under
    the import lock) every time. httpcore imports sniffio for every lock of every request, so it is
    a dependency."""
    engine = make_engine()
    assert all(output.error is None for output in engine.infer([page(56, 56) for _ in range(4)]))  # warm
    searches = _ImportSearches()
    monkeypatch.setattr(sys, "meta_path", [searches, *sys.meta_path])
    outputs = engine.infer([page(56, 56) for _ in range(8)])

    assert all(output.error is None for output in outputs)
    assert searches.names == []


def test_max_in_flight_caps_concurrency(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    server.gate = 4
    outputs = make_engine(max_in_flight=4, max_retries=0).infer([page(56, 56) for _ in range(12)])

    assert not server.gate_timed_out
    assert server.max_in_flight == 4
    assert len(outputs) == 12
    assert all(output.error is None for output in outputs)


def test_requests_spread_over_small_connection_pools(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    """``max_in_flight`` 20 gives 3 clients of at most 7 connections each; 20 requests in flight
    at once need all three at once (a gate holds each request until 20 are in)."""
    from docparse.engines.openai_engine import POOL_SHARD_CONNECTIONS

    assert POOL_SHARD_CONNECTIONS == 8
    server.gate = 20
    engine = make_engine(max_in_flight=20, max_retries=0)
    outputs = engine.infer([page(56, 56) for _ in range(40)])

    assert not server.gate_timed_out
    assert server.max_in_flight == 20
    assert all(output.error is None for output in outputs)
    session = engine._box.state
    assert session is not None and len(session.clients) == 3 and session.loads == [0, 0, 0]


@pytest.mark.timeout(60)
def test_pages_are_encoded_ahead_of_a_free_request_slot_and_bounded(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    """While every request slot is taken, the next pages are encoded already (a freed slot is
    refilled at once), but no more than ``max_in_flight`` of them."""
    server.default = Reply(hang=True)
    engine = make_engine(timeout_s=600, max_retries=0, max_in_flight=2)
    encoded: list[int] = []
    encode = engine._encode_body

    def counting(image: Image.Image, options: GenerationOptions | None) -> Any:
        encoded.append(1)
        return encode(image, options)

    engine._encode_body = counting  # type: ignore[method-assign]
    token = Cancellation()
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.infer, [page(56, 56) for _ in range(8)], None, cancel=token)
        poll(lambda: server.in_flight == 2 and len(encoded) >= 4, timeout_s=30, what="2 requests and 2 bodies ahead")
        assert server.in_flight == 2
        assert len(encoded) == 4, "bodies encoded ahead are bounded by max_in_flight"
        token.set()
        with pytest.raises(Cancelled):
            call.result(timeout=30)
    assert len(encoded) == 4


def test_the_request_body_is_the_json_of_the_request_with_the_image_joined_in() -> None:
    from docparse.engines import openai_chat

    image = bytes(range(256)) * 40
    options = GenerationOptions(temperature=0.3, top_p=0.9, max_new_tokens=77)
    for spec, fmt, extra in [
        (SPEC, "png", None),
        (get_spec("qwen3-vl-8b"), "jpeg", {"priority": 3, "top_k": None}),
        (dataclasses.replace(SPEC, user_prompt=f'quote {openai_chat._IMAGE_MARK} "ü"\n'), "webp", None),
    ]:
        body = openai_chat.request_body(
            spec, model="m", image=image, image_format=fmt, options=options, extra_body=extra
        )
        expected = openai_chat.build_chat_request(
            spec, model="m", image_url=openai_chat.data_url(image, fmt), options=options, extra_body=extra
        )
        assert json.loads(body) == expected


def test_retries_500_503_429_then_succeeds_honouring_retry_after(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], delays: list[float]
) -> None:
    server.push(
        Reply(status=500, json_body={"message": "boom"}),
        Reply(status=503, json_body={"message": "overloaded"}),
        Reply(status=429, json_body={"error": {"message": "slow down"}}, headers={"Retry-After": "7"}),
    )
    [output] = make_engine(backoff_base_s=0.5, backoff_max_s=30).infer([page()])

    assert output.error is None
    assert output.stop_reason == "stop"
    assert len(server.chat_requests) == 4
    assert len(delays) == 3
    assert 0 <= delays[0] <= 0.5
    assert 0 <= delays[1] <= 1.0
    assert delays[2] == 7.0


def test_retry_after_http_date_is_capped(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], delays: list[float]
) -> None:
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    server.push(Reply(status=429, headers={"Retry-After": later}), Reply(status=408))
    [output] = make_engine(backoff_max_s=12).infer([page()])

    assert output.error is None
    assert delays[0] == 12.0
    now = datetime(2025, 1, 1, tzinfo=UTC)
    date = email.utils.format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(httpx.Headers({"Retry-After": date}), now=now) == 90.0
    assert parse_retry_after(httpx.Headers({"Retry-After": "soon"})) is None
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250"})) == 0.25


def test_dropped_connection_is_retried(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    server.push(Reply(drop=True))
    [output] = make_engine().infer([page()])

    assert output.error is None
    assert len(server.chat_requests) == 2


def test_slow_server_times_out_into_an_error_after_retries(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine], delays: list[float]
) -> None:
    server.default = Reply(hang=True)
    [output] = make_engine(timeout_s=0.2, max_retries=1).infer([page()])

    assert output.stop_reason == "error"
    assert output.text == ""
    assert output.error is not None
    assert "timed out" in output.error
    assert "2 attempt" in output.error
    assert len(server.chat_requests) == 2
    assert len(delays) == 1
    assert output.latency_s >= 0.4


def test_garbage_json_is_retried_twice_then_an_error(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    server.default = Reply(raw_body=b"<html>502 Bad Gateway</html>")
    [output] = make_engine().infer([page()])

    assert output.stop_reason == "error"
    assert output.error is not None
    assert "malformed response: not JSON" in output.error
    assert len(server.chat_requests) == 3


def test_garbage_then_good_answer_succeeds(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    server.push(Reply(json_body={"object": "chat.completion", "choices": []}))
    [output] = make_engine().infer([page()])

    assert output.error is None
    assert len(server.chat_requests) == 2


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"error": {"message": "max_tokens is too large", "type": "BadRequestError"}}, "max_tokens is too large"),
        (401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}, "Incorrect API key provided: ***"),
        (404, {"detail": "model not found"}, "model not found"),
    ],
)
def test_client_errors_are_not_retried_and_never_leak_the_key(
    server: FakeOpenAIServer,
    make_engine: Callable[..., OpenAIEngine],
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: dict[str, Any],
    expected: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="docparse.engines.openai")
    server.default = Reply(status=status, json_body=body)
    [output] = make_engine().infer([page()])

    assert output.stop_reason == "error"
    assert output.error is not None
    assert f"HTTP {status}: {expected}" in output.error
    assert len(server.chat_requests) == 1
    assert KEY not in output.error
    assert KEY not in caplog.text


def test_length_finish_reason_and_usage(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    server.default = Reply(
        content='<html><body><p data-bbox="1 2 3 4">cut', finish_reason="length", usage={"prompt_tokens": 900}
    )
    [output] = make_engine().infer([page()])

    assert output == EngineOutput(
        text='<html><body><p data-bbox="1 2 3 4">cut',
        stop_reason="length",
        prompt_tokens=900,
        completion_tokens=None,
        latency_s=output.latency_s,
    )


@pytest.mark.parametrize(
    ("finish_reason", "stop_reason", "error"),
    [("content_filter", "error", "finish_reason='content_filter'"), ("tool_calls", "stop", None), (None, "stop", None)],
)
def test_other_finish_reasons(
    server: FakeOpenAIServer,
    make_engine: Callable[..., OpenAIEngine],
    finish_reason: str | None,
    stop_reason: str,
    error: str | None,
) -> None:
    server.default = Reply(content="<html><body>text", finish_reason=finish_reason)
    [output] = make_engine().infer([page()])

    assert output.text == "<html><body>text"  # raw text kept, stop string never appended
    assert output.stop_reason == stop_reason
    assert output.error == error or (error is not None and output.error is not None and error in output.error)


def test_one_bad_page_never_fails_the_batch(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    server.push(Reply(), Reply(status=400, json_body={"message": "image too large"}))
    wrong_size = PageInput(image=Image.new("RGB", (50, 50)), model_width=56, model_height=56)
    pages = [page(), page(), PageInput(image=None, model_width=56, model_height=56), wrong_size, page()]
    outputs = make_engine(max_in_flight=1).infer(pages)

    assert [output.stop_reason for output in outputs] == ["stop", "error", "error", "error", "stop"]
    assert outputs[1].error is not None
    assert "image too large" in outputs[1].error
    assert outputs[2].error is not None
    assert "needs a page image" in outputs[2].error
    assert outputs[3].error is not None
    assert "50x50, expected the model size 56x56" in outputs[3].error


def test_infer_from_a_worker_thread_and_from_a_running_loop(make_engine: Callable[..., OpenAIEngine]) -> None:
    engine = make_engine()
    results: list[list[EngineOutput]] = []
    worker = threading.Thread(target=lambda: results.append(engine.infer([page()])))
    worker.start()
    worker.join(10)

    async def inside_a_loop() -> list[EngineOutput]:
        return engine.infer([page(), page()])

    results.append(asyncio.run(inside_a_loop()))
    assert [len(outputs) for outputs in results] == [1, 2]
    assert all(output.error is None for outputs in results for output in outputs)


def test_sync_transport_seam_and_no_key(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    engine = make_engine(
        transport=httpx.HTTPTransport(), extra_body={"mm_processor_kwargs": None, "seed": 7}, api_key=None
    )
    outputs = engine.infer([page(), page()])

    assert all(output.error is None for output in outputs)
    body = server.chat_requests[0].body
    assert "mm_processor_kwargs" not in body
    assert body["seed"] == 7
    assert "authorization" not in server.chat_requests[0].headers


def test_info(make_engine: Callable[..., OpenAIEngine], server: FakeOpenAIServer) -> None:
    engine = make_engine(base_url=server.base_url + "/")
    info = engine.info
    assert (info.name, info.model, info.spec, info.prompt_version) == (
        "openai",
        SPEC.model,
        SPEC.name,
        SPEC.prompt_version,
    )
    assert (info.convention, info.min_pixels, info.max_pixels) == ("qwen2.5-absolute", SPEC.min_pixels, SPEC.max_pixels)
    assert info.extra == {"base_url": server.base_url}
    assert KEY not in repr(engine)


def test_check_lists_served_models(server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]) -> None:
    assert make_engine().check() == [SPEC.model, "other-model"]
    assert server.requests[-1].path == "/v1/models"


@pytest.mark.timeout(60)
def test_a_health_check_does_not_wait_behind_busy_requests(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    """Every request connection is taken by a request the server holds; the health check (what a
    worker asks after a failed page) still answers at once, on connections of its own."""
    server.default = Reply(hang=True)
    engine = make_engine(timeout_s=600, max_retries=0, max_in_flight=2)
    token = Cancellation()
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.infer, [page(56, 56), page(56, 56)], None, cancel=token)
        poll(lambda: server.in_flight == 2, timeout_s=30, what="both requests at the server")
        with ThreadPoolExecutor(1) as checker:
            assert checker.submit(engine.check).result(timeout=30) == [SPEC.model, "other-model"]
        token.set()
        with pytest.raises(Cancelled):
            call.result(timeout=30)


def test_check_names_the_missing_model_and_what_is_served(make_engine: Callable[..., OpenAIEngine]) -> None:
    with pytest.raises(
        EngineUnavailable, match=r"'nope' is not served at .*; served: Qwen/Qwen2.5-VL-3B-Instruct, other"
    ):
        make_engine(served_model="nope").check()


def test_check_refused_key_is_clear_and_redacted(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    server.models_reply = Reply(status=401, json_body={"error": {"message": f"bad key {KEY}"}})
    with pytest.raises(EngineUnavailable, match=r"refused the API key \(HTTP 401: bad key \*\*\*\)") as raised:
        make_engine().check()
    assert KEY not in str(raised.value)


def test_check_unreachable_server(make_engine: Callable[..., OpenAIEngine]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(EngineUnavailable, match=rf"server unreachable at {url} \(ConnectError"):
        make_engine(base_url=url).check()


def test_the_api_key_is_a_secret_setting_read_from_a_dotenv_file(
    server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCPARSE_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"DOCPARSE_OPENAI_API_KEY={KEY}\n")
    settings = EngineSettings(engine="openai", openai_base_url=server.base_url)
    assert KEY not in repr(settings)  # a SecretStr: never printed
    engine = create_engine(settings).engine
    try:
        assert all(output.error is None for output in engine.infer([page()]))
    finally:
        engine.close()  # type: ignore[attr-defined]
    assert server.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.timeout(60)
def test_cancel_abandons_a_request_the_server_never_answers(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    server.default = Reply(hang=True)  # the answer never comes; only the token can end the wait
    engine = make_engine(timeout_s=600, max_retries=0, max_in_flight=1)
    token = Cancellation()
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.infer, [page()], None, cancel=token)
        poll(lambda: server.in_flight == 1, timeout_s=30, what="the request to reach the server")
        token.set("the document was cancelled")
        with pytest.raises(Cancelled, match="cancelled"):
            call.result(timeout=30)
    server.default = Reply()
    [output] = engine.infer([page()])  # the only slot was given back: the engine still works
    assert output.error is None and output.stop_reason == "stop"


@pytest.mark.timeout(60)
def test_cancel_ends_a_backoff_wait_without_another_attempt(
    server: FakeOpenAIServer, make_engine: Callable[..., OpenAIEngine]
) -> None:
    server.push(Reply(status=503, json_body={"message": "overloaded"}, headers={"Retry-After": "600"}))
    engine = make_engine(sleep=asyncio.sleep, backoff_max_s=600)  # a real ten-minute backoff
    token = Cancellation()
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.infer, [page()], None, cancel=token)
        server.wait_completed(1)  # the first attempt answered 503
        token.set()
        with pytest.raises(Cancelled):
            call.result(timeout=30)
    assert len(server.chat_requests) == 1, "no attempt after the cancel"


def test_retry_settings_reach_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPARSE_OPENAI_MAX_RETRIES", "2")
    monkeypatch.setenv("DOCPARSE_OPENAI_BACKOFF_MAX_S", "1.5")
    engine = create_engine(EngineSettings(engine="openai", openai_base_url="http://127.0.0.1:9/v1")).engine
    try:
        assert isinstance(engine, OpenAIEngine)
        assert (engine.retry_policy.max_retries, engine.retry_policy.backoff_max_s) == (2, 1.5)
    finally:
        engine.close()
