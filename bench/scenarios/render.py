# mypy: disable-error-code="no-untyped-call"
"""1. Render: the full render step (open, size, rasterize to an RGB image at the model input size).

Baselines measured in the same run on the same pages at the same size:

* the floor — PyMuPDF rasterization alone: ``page.get_pixmap(matrix=Matrix(sx, sy), alpha=False)``
  with the scales precomputed, no sizing, no conversion to a PIL image. Target: the in-process
  PyMuPDF render within 1.3x of it.
* pdf2image (poppler's ``pdftoppm``, one subprocess per page) through the same render contract.
  Target: PyMuPDF at least 2x faster (measured on a subset of the pages: poppler is slow).
* the render step in both pixel layouts (Pillow's, for in-process engines and Pillow's encoders;
  packed RGB, which the pipeline renders for the ``png`` encoding), each against the floor;
* the HTTP path's encodings per page beside the render cost: the default ``png`` (lossless, the
  fast writer of ``docparse.image_codec``, on packed pages; target: at most the packed render's
  cost), ``png-small``
  (Pillow, zlib 6), lossless ``webp`` and ``jpeg`` q90 — the measurements behind the default.

Each timing is the best of a few rounds (floor and render interleaved; the first round also
warms MuPDF's caches), so a noisy neighbour shows up as a slower round rather than a slower figure.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image

from bench.inputs import make_mixed_pdf, sample_pdfs
from bench.report import Figure, ScenarioResult, Target
from bench.scenarios import Context
from docparse.engines.specs import DEFAULT_SPEC, get_spec
from docparse.image_codec import PACKED_FORMATS
from docparse.render import DEFAULT_LIMITS, DEFAULT_PDF_DPI, IMAGE_FORMATS, encode_image, open_document
from docparse.render.pdf import pdf_page_size

__all__ = ["run"]

Pages = list[tuple[Path, int]]
"""(file, 0-based page index) pairs."""


def _budget() -> tuple[int, int]:
    spec = get_spec(DEFAULT_SPEC)
    return spec.min_pixels, spec.max_pixels


def _all_pages(paths: Sequence[Path]) -> Pages:
    pages: Pages = []
    for path in paths:
        with pymupdf.open(path) as doc:
            pages.extend((path, i) for i in range(doc.page_count))
    return pages


def _by_file(pages: Pages) -> dict[Path, list[int]]:
    grouped: dict[Path, list[int]] = {}
    for path, index in pages:
        grouped.setdefault(path, []).append(index)
    return grouped


def _scales(pages: Pages, min_px: int, max_px: int) -> dict[tuple[Path, int], tuple[float, float]]:
    scales = {}
    for path, indices in _by_file(pages).items():
        with pymupdf.open(path) as doc:
            for i in indices:
                size = pdf_page_size(
                    doc.load_page(i),
                    dpi=DEFAULT_PDF_DPI,
                    min_pixels=min_px,
                    max_pixels=max_px,
                    factor=28,
                    limits=DEFAULT_LIMITS,
                    number=i + 1,
                )
                scales[(path, i)] = (size.scale_x, size.scale_y)
    return scales


def _floor_s(pages: Pages, scales: dict[tuple[Path, int], tuple[float, float]]) -> float:
    """Seconds for bare ``get_pixmap`` of ``pages`` (document open included)."""
    start = time.perf_counter()
    for path, indices in _by_file(pages).items():
        with pymupdf.open(path) as doc:
            for i in indices:
                sx, sy = scales[(path, i)]
                pix = doc.load_page(i).get_pixmap(matrix=pymupdf.Matrix(sx, sy), alpha=False)
                del pix
    return time.perf_counter() - start


def _render_s(pages: Pages, backend: Any, min_px: int, max_px: int, packed: bool = False) -> float:
    """Seconds for the full render step of ``pages`` with ``backend`` (document open included),
    in Pillow's layout or (``packed``) in the packed RGB the ``png`` encoding reads."""
    start = time.perf_counter()
    for path, indices in _by_file(pages).items():
        with open_document(path, backend=backend) as doc:
            doc.packed_pages = packed
            for i in indices:
                rendered = doc.render_page(i, min_pixels=min_px, max_pixels=max_px)
                del rendered
    return time.perf_counter() - start


def _subset(pages: Pages, n: int) -> Pages:
    return pages if len(pages) <= n else pages[:n]


def _measure_set(result: ScenarioResult, label: str, pages: Pages, ctx: Context, rounds: int) -> None:
    min_px, max_px = _budget()
    scales = _scales(pages, min_px, max_px)
    n = len(pages)
    floor = render = packed = float("inf")
    for _ in range(rounds):
        floor = min(floor, _floor_s(pages, scales))
        render = min(render, _render_s(pages, "pymupdf", min_px, max_px))
        packed = min(packed, _render_s(pages, "pymupdf", min_px, max_px, packed=True))
    floor_ms, render_ms, packed_ms = floor * 1000 / n, render * 1000 / n, packed * 1000 / n
    for name, value in (
        (f"PyMuPDF render, {label} ({n} pages)", render_ms),
        (f"PyMuPDF render, packed RGB for png, {label} ({n} pages)", packed_ms),
    ):
        result.add(
            Figure(
                name,
                value,
                "ms/page",
                baseline=floor_ms,
                baseline_name="bare get_pixmap, same size",
                target=Target("ratio", "<=", 1.3),
                note=f"{1000 / value:.1f} pages/s (floor {1000 / floor_ms:.1f} pages/s)",
            )
        )
    subset = _subset(pages, int(ctx.option("poppler_pages", 4 if ctx.quick else 16)))
    try:
        poppler = _render_s(subset, "pdf2image", min_px, max_px)
    except Exception as exc:  # poppler missing: say so, keep the rest
        result.reason = f"pdf2image unavailable: {exc}"
    else:
        same = min(_render_s(subset, "pymupdf", min_px, max_px) for _ in range(rounds))
        k = len(subset)
        result.add(
            Figure(
                f"pdf2image render, {label} ({k} pages)",
                poppler * 1000 / k,
                "ms/page",
                baseline=same * 1000 / k,
                baseline_name="PyMuPDF render, same pages",
                target=Target("ratio", ">=", 2.0),
                note=f"{k / poppler:.1f} pages/s; target: PyMuPDF >= 2x faster",
            )
        )
    renders = {True: packed_ms, False: render_ms}
    _encodings(result, label, _subset(pages, 8 if ctx.quick else 20), renders, min_px, max_px, rounds)


def _images(pages: Pages, min_px: int, max_px: int, packed: bool) -> list[Image.Image]:
    images: list[Image.Image] = []
    for path, indices in _by_file(pages).items():
        with open_document(path) as doc:
            doc.packed_pages = packed
            images.extend(doc.render_page(i, min_pixels=min_px, max_pixels=max_px).image for i in indices)
    return images


def _encodings(
    result: ScenarioResult,
    label: str,
    pages: Pages,
    renders: dict[bool, float],
    min_px: int,
    max_px: int,
    rounds: int,
) -> None:
    """Each encoding on pages rendered as the pipeline renders them for it (packed RGB for
    ``png``, Pillow's layout for the others), against that render."""
    rendered = {packed: _images(pages, min_px, max_px, packed) for packed in renders}
    for fmt in IMAGE_FORMATS:
        packed = fmt in PACKED_FORMATS
        images, render_ms = rendered[packed], renders[packed]
        encode_image(images[0], fmt)
        elapsed, size = float("inf"), 0
        for _ in range(rounds):  # best of the rounds, like the render it is compared with
            start = time.perf_counter()
            size = sum(len(encode_image(image, fmt)) for image in images)
            elapsed = min(elapsed, time.perf_counter() - start)
        result.add(
            Figure(
                f"HTTP encode {fmt}, {label} ({len(images)} pages)",
                elapsed * 1000 / len(images),
                "ms/page",
                baseline=render_ms,
                baseline_name=f"PyMuPDF render{', packed RGB' if packed else ''} (no encoding)",
                target=Target("ratio", "<=", 1.0) if fmt == "png" else None,
                note=f"{size / len(images) / 1024:.0f} KiB/page; added on top of the render"
                + ("; the openai engine's default" if fmt == "png" else ""),
            )
        )


def run(ctx: Context) -> ScenarioResult:
    """Render figures on the samples and on a generated mixed document."""
    result = ScenarioResult("render", "1. Render (PDF page -> RGB image at the model input size)")
    mixed_pages = int(ctx.option("render_pages", 8 if ctx.quick else 200))
    min_px, max_px = _budget()
    result.settings = {
        "pixel_budget": [min_px, max_px],
        "pdf_dpi": DEFAULT_PDF_DPI,
        "mixed_pages": mixed_pages,
        "rounds": "best of 2 (quick) or 3",
    }
    rounds = 2 if ctx.quick else 3
    _measure_set(result, "samples", _all_pages(sample_pdfs()), ctx, rounds + 1)
    mixed = make_mixed_pdf(ctx.tmp / "render" / f"mixed-{mixed_pages}.pdf", mixed_pages, label="Render")
    _measure_set(result, f"mixed-{mixed_pages}", _all_pages([mixed]), ctx, rounds)
    return result
