"""The capacity server (a measuring instrument of ``make bench``): K slots, a queue beyond them,
realistic answers, and the counts it reports — against the real process on loopback."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from bench.inputs import REPO_ROOT
from docparse.engines.base import PageInput
from docparse.engines.openai_engine import OpenAIEngine
from docparse.engines.specs import get_spec
from docparse.qwenvl import parse_qwenvl_html
from schemas import PageGeometry

SLOTS = 2
WIDTH, HEIGHT = 812, 1064


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    argv = [sys.executable, "-m", "bench.capacity_server", "--slots", str(SLOTS), "--latency", "1.0"]
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _body(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    content = [{"type": "text", "text": "QwenVL HTML"}, {"type": "image_url", "image_url": {"url": url}}]
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": content}]}).encode()


def test_requests_beyond_the_slots_wait_in_a_queue_and_are_counted(server_url: str) -> None:
    root = server_url.removesuffix("/v1")
    httpx.post(f"{root}/stats/reset").raise_for_status()
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: client.post(f"{server_url}/chat/completions", content=_body()), range(6)))

    assert [a.status_code for a in answers] == [200] * 6
    stats = httpx.get(f"{root}/stats").json()
    assert stats["completed"] == 6
    assert stats["peak_serving"] == SLOTS  # never more than K at once
    assert stats["peak_in_flight"] > SLOTS  # the rest were in flight, waiting
    assert stats["peak_waiting"] == stats["peak_in_flight"] - SLOTS
    assert stats["in_flight"] == 0
    assert 0 < stats["mean_in_flight"] <= stats["peak_in_flight"]


def test_the_latency_can_be_changed_between_measurements(server_url: str) -> None:
    root = server_url.removesuffix("/v1")
    assert httpx.post(f"{root}/latency", json={"latency_s": -1}).status_code == 400
    try:
        assert httpx.post(f"{root}/latency", json={"latency_s": 0.0}).json() == {"latency_s": 0.0}
        httpx.post(f"{root}/stats/reset").raise_for_status()
        with httpx.Client(timeout=60) as client, ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda _: client.post(f"{server_url}/chat/completions", content=_body()), range(6)))
        stats = httpx.get(f"{root}/stats").json()
        assert (stats["completed"], stats["latency_s"], stats["slots"]) == (6, 0.0, SLOTS)
    finally:
        httpx.post(f"{root}/latency", json={"latency_s": 1.0}).raise_for_status()


def test_answers_are_realistic_qwenvl_pages_inside_the_image(server_url: str) -> None:
    """Through the product's openai engine and parser: ~40 blocks with a table, boxes in the image."""
    engine = OpenAIEngine(get_spec("qwen2.5-vl-3b"), base_url=server_url, served_model="capacity-server")
    try:
        assert engine.check() == ["capacity-server"]
        image = Image.new("RGB", (WIDTH, HEIGHT), "white")
        outputs = engine.infer([PageInput(image=image, model_width=WIDTH, model_height=HEIGHT)] * 3)
    finally:
        engine.close()
    geometry = PageGeometry(
        unit="pt", width=612, height=792, pixel_width=WIDTH, pixel_height=HEIGHT, model_width=WIDTH, model_height=HEIGHT
    )
    counts = []
    for output in outputs:
        assert output.stop_reason == "stop" and output.error is None
        parsed = parse_qwenvl_html(output.text, geometry, "qwen2.5-absolute", page=1, document_id="d" * 64)
        assert "table" in {b.type for b in parsed.blocks}
        assert not [i for i in parsed.issues if i.code.startswith("bbox")]  # every box inside the image
        counts.append(len(parsed.blocks))
    assert 30 <= sum(counts) / len(counts) <= 50
