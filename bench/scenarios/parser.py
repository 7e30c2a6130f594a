"""3. Parser: pages/s of ``parse_qwenvl_html`` on realistic outputs, on one core.

Inputs: the real Qwen2.5-VL outputs of ``shared/corpus/qwenvl-real`` (dense text pages, some
with tables), a generated large table (60 x 8) and a generated long list (120 boxed items), in
the same QwenVL HTML format. Baseline, same text, same run: ``lxml.html.fromstring`` alone —
the floor of parsing, which the parser builds on (it adds fence stripping, truncation and loop
repair, box mapping, table grids and block validation). Target: at least 500 pages/s per core
(the loop runs in this one thread).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import lxml.html  # type: ignore[import-untyped]

from bench.inputs import corpus_outputs, large_table_html, long_list_html
from bench.report import Figure, ScenarioResult, Target
from bench.scenarios import Context
from docparse.qwenvl import parse_qwenvl_html
from schemas import PageGeometry

__all__ = ["geometry_for", "inputs", "run"]

_BOX = re.compile(r'data-bbox="\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)')


def geometry_for(text: str) -> PageGeometry:
    """A letter page whose model input (multiples of 28) holds every box of ``text``."""
    xs = [int(m.group(3)) for m in _BOX.finditer(text)] or [1000]
    ys = [int(m.group(4)) for m in _BOX.finditer(text)] or [1400]
    width = (max(xs) // 28 + 1) * 28
    height = (max(ys) // 28 + 1) * 28
    return PageGeometry(
        unit="pt",
        width=612,
        height=792,
        pixel_width=width,
        pixel_height=height,
        model_width=width,
        model_height=height,
        dpi=72 * width / 612,
    )


def inputs() -> dict[str, list[str]]:
    """Named groups of outputs: real dense pages, a large table, a long list."""
    groups: dict[str, list[str]] = {}
    corpus = list(corpus_outputs().values())
    if corpus:
        groups[f"dense text pages (real corpus, {len(corpus)} outputs)"] = corpus
    groups["large table (60 x 8, generated)"] = [large_table_html()]
    groups["long list (120 items, generated)"] = [long_list_html()]
    return groups


def _rate(work: Callable[[str], object], texts: Sequence[str], budget_s: float) -> float:
    """Pages per second of ``work`` over ``texts``, looping for about ``budget_s``."""
    for text in texts:  # warm up
        work(text)
    pages = 0
    start = time.perf_counter()
    while True:
        for text in texts:
            work(text)
        pages += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= budget_s:
            return pages / elapsed


def run(ctx: Context) -> ScenarioResult:
    """Parser pages/s per group against bare lxml parsing of the same text."""
    result = ScenarioResult("parser", "3. Parser (QwenVL HTML -> validated blocks, one core)")
    budget = float(ctx.option("parser_seconds", 0.3 if ctx.quick else 2.0))
    result.settings = {"seconds_per_figure": budget, "convention": "qwen2.5-absolute"}
    if not corpus_outputs():
        result.reason = "the real corpus (../shared/corpus/qwenvl-real) is absent: generated inputs only"
    for name, texts in inputs().items():
        geometries = {text: geometry_for(text) for text in texts}
        blocks = sum(len(parse_qwenvl_html(t, geometries[t], "qwen2.5-absolute").blocks) for t in texts) / len(texts)

        def parse(text: str, geometries: dict[str, PageGeometry] = geometries) -> object:
            return parse_qwenvl_html(text, geometries[text], "qwen2.5-absolute", page=1, document_id="bench")

        parser_rate = _rate(parse, texts, budget)
        floor_rate = _rate(lxml.html.fromstring, texts, budget / 2)
        chars = sum(len(t) for t in texts) / len(texts)
        result.add(
            Figure(
                name,
                parser_rate,
                "pages/s",
                baseline=floor_rate,
                baseline_name="lxml.html.fromstring alone",
                target=Target("value", ">=", 500),
                note=f"{blocks:.0f} blocks/page, {chars / 1000:.1f} kB/page; {1000 / parser_rate:.2f} ms/page",
            )
        )
    return result
