"""6. Model: pages/s, output tokens/s and latency percentiles of whatever model is configured.

Only with ``--engine transformers --model DIR`` (``--model tiny`` builds the tiny random
Qwen2.5-VL of ``docparse.engines.tiny_model`` in a temp folder: it runs on a CPU and measures
the machinery, not a real model) or ``--engine openai --openai-url URL`` (a vLLM/SGLang server);
without ``--engine`` the scenario is reported as skipped. Pages are the sample PDFs' pages,
cycled, rendered at the engine's pixel budget. One warm-up page, then one ``infer`` call over all
pages (the engine batches or sends them concurrently as configured). Baseline, same run: the
preprocessing alone — rendering the same pages to the model input size.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.inputs import sample_pdfs
from bench.report import Figure, ScenarioResult
from bench.scenarios import Context
from docparse.engines.base import PageInput
from docparse.render import open_document

__all__ = ["run"]

TINY_BUDGET = (4 * 28 * 28, 256 * 28 * 28)
TINY_MAX_NEW_TOKENS = 128


def _settings(ctx: Context, engine: str) -> tuple[Any, dict[str, Any]]:
    from docparse.engines.settings import EngineSettings

    values: dict[str, Any] = {"engine": engine}
    model = ctx.option("model")
    if engine == "transformers":
        if not model:
            raise ValueError("--engine transformers needs --model DIR (or --model tiny)")
        if model == "tiny":
            from docparse.engines.tiny_model import build_tiny_model

            model = str(build_tiny_model(ctx.tmp / "tiny-model"))
            values.update(min_pixels=TINY_BUDGET[0], max_pixels=TINY_BUDGET[1], max_new_tokens=TINY_MAX_NEW_TOKENS)
        values["model"] = model
        values["device"] = ctx.option("device", "auto")
    else:
        url = ctx.option("openai_url")
        if not url:
            raise ValueError("--engine openai needs --openai-url URL (e.g. http://localhost:8000/v1)")
        values.update(openai_base_url=url, openai_model=ctx.option("openai_model"))
        if model:
            values["model"] = model
    for name in ("model_spec", "min_pixels", "max_pixels", "max_new_tokens", "batch_size"):
        if ctx.option(name) is not None:
            values[name] = ctx.option(name)
    return EngineSettings(**values), values


def _pages(count: int, min_px: int, max_px: int, factor: int) -> tuple[list[PageInput], float]:
    """``count`` sample pages at the model input size, and the render seconds per page."""
    pages: list[PageInput] = []
    start = time.perf_counter()
    while len(pages) < count:
        for path in sample_pdfs():
            with open_document(path) as doc:
                for rendered in doc.iter_pages(min_pixels=min_px, max_pixels=max_px, factor=factor):
                    g = rendered.geometry
                    pages.append(
                        PageInput(rendered.image, g.model_width, g.model_height, path, rendered.pdf_page_index)
                    )
                    if len(pages) == count:
                        break
            if len(pages) == count:
                break
    return pages, (time.perf_counter() - start) / count


def _percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(ctx: Context) -> ScenarioResult:
    """Model throughput and latency, or skipped without ``--engine``."""
    result = ScenarioResult("model", "6. Model (configured engine and model)")
    engine_name = ctx.option("engine")
    if engine_name is None:
        result.status = "skipped"
        result.reason = (
            "no --engine given; measure a model with `--engine transformers --model DIR|tiny` "
            "or `--engine openai --openai-url URL`"
        )
        return result
    from docparse.engines.factory import create_engine

    settings, values = _settings(ctx, engine_name)
    count = int(ctx.option("model_pages", 2 if ctx.quick else 8))
    engine = create_engine(settings).engine
    info = engine.info
    result.settings = {
        **{k: v for k, v in values.items() if k != "openai_base_url"},
        "server": values.get("openai_base_url"),
        "engine_model": info.model,
        "pixel_budget": [info.min_pixels, info.max_pixels],
        "pages": count,
    }
    pages, render_s = _pages(count, info.min_pixels, info.max_pixels, info.patch_factor)
    engine.infer(pages[:1])  # warm up: weights on device, kernels compiled, connection open
    start = time.perf_counter()
    outputs = engine.infer(pages)
    wall = time.perf_counter() - start
    errors = [o.error for o in outputs if o.error]
    tokens = sum(o.completion_tokens or 0 for o in outputs)
    latencies = [o.latency_s * 1000 for o in outputs]
    result.add(
        Figure(
            "pages/s",
            count / wall,
            "pages/s",
            baseline=1 / render_s,
            baseline_name="rendering alone (preprocessing)",
            note=f"{count} pages in {wall:.1f} s; {len(errors)} errors" + (f": {errors[0][:60]}" if errors else ""),
        )
    )
    result.add(Figure("output tokens/s", tokens / wall, "tokens/s", note=f"{tokens / count:.0f} tokens/page"))
    for q in (50, 90, 99):
        result.add(
            Figure(
                f"latency p{q}",
                _percentile(latencies, q),
                "ms",
                baseline=render_s * 1000,
                baseline_name="render of one page",
            )
        )
    return result
