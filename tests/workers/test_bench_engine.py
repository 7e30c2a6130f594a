"""The bench-sleep measuring instrument: fixed latency, valid QwenVL HTML, registered by name."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.sleep_engine import BenchSleepEngine
from docparse.engines.factory import create_engine
from docparse.engines.settings import EngineSettings
from docparse.pipeline import parse_document
from tests.ingest.files import make_pdf


def test_it_is_registered_and_reads_its_latency_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPARSE_BENCH_LATENCY_S", "0.05")
    engine = create_engine(EngineSettings(engine="bench-sleep")).engine
    assert isinstance(engine, BenchSleepEngine)
    assert engine.info.name == "bench-sleep" and engine.latency_s == 0.05


def test_pages_take_the_latency_and_parse_into_a_heading_and_a_paragraph(tmp_path: Path) -> None:
    engine = BenchSleepEngine(0.05, min_pixels=64 * 28 * 28, max_pixels=256 * 28 * 28)
    start = time.perf_counter()
    document = parse_document(make_pdf(tmp_path / "two.pdf", 2), engine).document
    assert time.perf_counter() - start >= 2 * 0.05
    assert document.status == "done"
    for page in document.pages:
        assert [b.type for b in page.blocks] == ["heading", "paragraph"]
        assert page.attempts[0].stop_reason == "stop" and page.attempts[0].latency_s is not None
        assert page.geometry is not None
        for block in page.blocks:
            assert block.bbox is not None
            assert 0 <= block.bbox.x0 < block.bbox.x1 <= page.geometry.width
            assert 0 <= block.bbox.y0 < block.bbox.y1 <= page.geometry.height
        assert not page.issues
