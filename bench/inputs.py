# mypy: disable-error-code="no-untyped-call"
"""Bench inputs: the sample PDFs, generated mixed PDFs, the real QwenVL corpus and synthetic outputs.

The generated PDF cycles through four kinds of page so its cost resembles a real batch: dense
text, a vector chart, a page with an embedded photo-like image and a ruled table. The
synthetic QwenVL outputs (a large table, a long list) follow the format of the real outputs in
``shared/corpus/qwenvl-real`` (``<div class="table" data-bbox=...><table>...``, ``<ul data-bbox>``
with boxed ``<li>``).
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pymupdf
from PIL import Image

__all__ = [
    "CORPUS_DIR",
    "REPO_ROOT",
    "SAMPLES_DIR",
    "corpus_outputs",
    "large_table_html",
    "long_list_html",
    "make_mixed_pdf",
    "sample_pdfs",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO_ROOT / "samples"
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus" / "qwenvl-real"

_WORDS = [
    "document",
    "model",
    "page",
    "layout",
    "table",
    "figure",
    "parsing",
    "vision",
    "language",
    "token",
    "budget",
    "worker",
    "queue",
    "database",
    "block",
    "reading",
    "order",
    "caption",
    "footnote",
    "heading",
    "paragraph",
    "section",
    "result",
    "analysis",
    "method",
    "accuracy",
    "baseline",
    "measured",
    "render",
    "latency",
    "throughput",
    "memory",
    "transaction",
]


def sample_pdfs() -> list[Path]:
    """The repository's sample PDFs."""
    return sorted(SAMPLES_DIR.glob("*.pdf"))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _photo(seed: int) -> bytes:
    """A 900x600 photo-like JPEG (smooth gradients plus noise)."""
    rng = random.Random(seed)
    small = Image.new("RGB", (36, 24))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(36 * 24)])
    image = small.resize((900, 600), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((900, 600), 24).convert("RGB")
    image = Image.blend(image, noise, 0.15)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _text_page(page: pymupdf.Page, rng: random.Random, label: str) -> None:
    page.insert_text((72, 80), f"{label}: dense text", fontsize=18, fontname="helv")
    for column, x in enumerate((72, 318)):
        body = " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(28))
        rect = pymupdf.Rect(x, 100 + column * 0, x + 222, 740)
        page.insert_textbox(rect, body, fontsize=8.5, fontname="tiro" if column else "helv")


def _chart_page(page: pymupdf.Page, rng: random.Random, label: str) -> None:
    page.insert_text((72, 80), f"{label}: vector chart", fontsize=18)
    shape = page.new_shape()
    shape.draw_rect(pymupdf.Rect(90, 120, 540, 420))
    shape.finish(color=(0, 0, 0), width=1)
    for i in range(24):
        h = rng.uniform(20, 280)
        shape.draw_rect(pymupdf.Rect(100 + i * 18, 420 - h, 112 + i * 18, 420))
        shape.finish(color=None, fill=(0.2, 0.4 + (i % 3) * 0.2, 0.8), fill_opacity=0.8)
    points = [pymupdf.Point(100 + i * 9, 400 - rng.uniform(0, 260)) for i in range(48)]
    shape.draw_polyline(points)
    shape.finish(color=(0.8, 0.1, 0.1), width=1.5)
    shape.commit()
    page.insert_textbox(pymupdf.Rect(72, 450, 540, 740), _sentence(rng, 120), fontsize=10)


def _image_page(page: pymupdf.Page, rng: random.Random, label: str, photo: bytes) -> None:
    page.insert_text((72, 80), f"{label}: figure", fontsize=18)
    page.insert_image(pymupdf.Rect(72, 100, 540, 412), stream=photo)
    page.insert_textbox(pymupdf.Rect(72, 430, 540, 740), _sentence(rng, 150), fontsize=10)


def _table_page(page: pymupdf.Page, rng: random.Random, label: str) -> None:
    page.insert_text((72, 80), f"{label}: table", fontsize=18)
    shape = page.new_shape()
    rows, cols, top = 30, 6, 100
    for r in range(rows + 1):
        shape.draw_line(pymupdf.Point(72, top + r * 20), pymupdf.Point(540, top + r * 20))
    for c in range(cols + 1):
        shape.draw_line(pymupdf.Point(72 + c * 78, top), pymupdf.Point(72 + c * 78, top + rows * 20))
    shape.finish(color=(0, 0, 0), width=0.5)
    shape.commit()
    for c in range(cols):
        lines = [rng.choice(_WORDS) if c == 0 or r == 0 else f"{rng.uniform(0, 100):.2f}" for r in range(rows)]
        page.insert_text((76 + c * 78, top + 14), lines, fontsize=9, lineheight=20 / 9)


def _templates(seed: int) -> pymupdf.Document:
    """The four kinds of page, each drawn once."""
    rng = random.Random(seed)
    photo = _photo(seed)
    doc = pymupdf.open()
    _text_page(doc.new_page(width=612, height=792), rng, "Text")
    _chart_page(doc.new_page(width=612, height=792), rng, "Chart")
    _image_page(doc.new_page(width=612, height=792), rng, "Figure", photo)
    _table_page(doc.new_page(width=612, height=792), rng, "Table")
    return doc


def make_mixed_pdf(path: Path, pages: int, *, label: str = "Bench", seed: int = 0) -> Path:
    """A ``pages``-page letter PDF cycling text / chart / image / table pages.

    The four kinds are drawn once and placed on each page as a form XObject (drawing hundreds of
    text pages with PyMuPDF's text layout would take longer than rendering them); each page adds
    its own label line, so documents with different ``label`` have different bytes.
    """
    templates = _templates(seed)
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=612, height=792)
        page.show_pdf_page(page.rect, templates, n % 4)
        page.insert_text((72, 40), f"{label} page {n + 1}", fontsize=9)
    templates.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, garbage=3, deflate=True)
    doc.close()
    return path


def corpus_outputs() -> dict[str, str]:
    """The real Qwen2.5-VL outputs of the shared corpus, by file name (empty when it is absent)."""
    if not CORPUS_DIR.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.html"))}


def large_table_html(rows: int = 60, cols: int = 8, *, seed: int = 0) -> str:
    """A page of QwenVL HTML holding one large table (with a caption and a header row)."""
    rng = random.Random(seed)
    cells = []
    header = "".join(f'<td style="text-align: center">{rng.choice(_WORDS).title()} {c}</td>' for c in range(cols))
    cells.append(f"<tr>{header}</tr>")
    for r in range(rows):
        row = f'<td style="text-align: left">{rng.choice(_WORDS)} {r}</td>'
        row += "".join(f'<td style="text-align: center">{rng.uniform(0, 100):.2f}</td>' for _ in range(cols - 1))
        cells.append(f"<tr>{row}</tr>")
    return (
        "```html\n<html><body>\n"
        '<p data-bbox="82 60 1010 100">TABLE I: Results of every method on every benchmark split.</p> \n'
        f' <div class="table" data-bbox="82 110 1010 1380" style="text-align: center"><table><tbody>'
        f"{''.join(cells)}</tbody></table></div> \n"
        "</body></html>\n```"
    )


def long_list_html(items: int = 120, *, seed: int = 0) -> str:
    """A page of QwenVL HTML holding a heading and one long bulleted list with a box per item."""
    rng = random.Random(seed)
    step = max(1, 1300 // max(items, 1))
    entries = "".join(
        f'<li data-bbox="96 {100 + i * step} 1000 {100 + (i + 1) * step}">{_sentence(rng, rng.randint(6, 16))}</li>'
        for i in range(items)
    )
    return (
        "<html><body>\n"
        '<h2 data-bbox="82 40 1010 90">Checklist</h2> \n'
        f' <ul data-bbox="82 100 1010 {100 + items * step}">{entries}</ul> \n'
        "</body></html>"
    )
