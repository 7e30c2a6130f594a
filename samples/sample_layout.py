"""Layout helpers and texts of the sample generator: fonts, text flow in columns, fixed PDF metadata.

Imported by ``generate.py`` (run as a script, so this folder is on ``sys.path``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pymupdf

FIXED_DATE = "D:20240315120000Z"
LETTER = (612.0, 792.0)
FONTS = {name: pymupdf.Font(name) for name in ("helv", "hebo", "heit", "tiro", "tibo", "tiit")}
BLACK = (0, 0, 0)
BODY11 = {"font": "tiro", "size": 11.0, "leading": 14.0}

# --- Layout helpers ---


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width`` points."""
    lines = [""]
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines[-1] else word
        if lines[-1] and FONTS[font].text_length(trial, fontsize=size) > width:
            lines.append(word)
        else:
            lines[-1] = trial
    return [ln for ln in lines if ln]


class Flow:
    """Text flowing down a sequence of column rectangles on one page."""

    def __init__(self, writer: pymupdf.TextWriter, columns: Sequence[pymupdf.Rect]) -> None:
        self.tw = writer
        self.columns = list(columns)
        self.index = 0
        self.y = self.columns[0].y0

    @property
    def col(self) -> pymupdf.Rect:
        return self.columns[self.index]

    def _room(self, height: float) -> bool:
        if self.y + height <= self.col.y1:
            return True
        if self.index + 1 < len(self.columns):
            self.index += 1
            self.y = self.col.y0
            return True
        return False

    def line(self, text: str, font: str, size: float, leading: float, x_off: float = 0.0) -> None:
        if not self._room(leading):
            raise RuntimeError(f"page full at {text[:30]!r}")
        self.tw.append((self.col.x0 + x_off, self.y + size), text, font=FONTS[font], fontsize=size)
        self.y += leading

    def para(self, text: str, font: str = "tiro", size: float = 10, leading: float = 12.4, after: float = 6) -> None:
        for ln in wrap(text, font, size, self.col.width):
            self.line(ln, font, size, leading)
        self.y += after

    def heading(self, text: str, font: str, size: float, before: float = 4, after: float = 4) -> None:
        self.y += before
        self._room(size * 1.3 + 3 * 12.4)  # keep a heading with the first lines after it
        self.line(text, font, size, size * 1.3)
        self.y += after

    def items(self, items: Sequence[str], numbered: bool, size: float = 10, leading: float = 12.4) -> None:
        indent = 14.0
        for n, item in enumerate(items, 1):
            marker = f"{n}." if numbered else "•"
            for k, ln in enumerate(wrap(item, "tiro", size, self.col.width - indent)):
                if k == 0:
                    if not self._room(leading):
                        raise RuntimeError("page full")
                    self.tw.append((self.col.x0 + 3, self.y + size), marker, font=FONTS["tiro"], fontsize=size)
                self.line(ln, "tiro", size, leading, x_off=indent)
            self.y += 2
        self.y += 4


def centered(tw: pymupdf.TextWriter, y: float, text: str, font: str, size: float, width: float = LETTER[0]) -> None:
    x = (width - FONTS[font].text_length(text, fontsize=size)) / 2
    tw.append((x, y), text, font=FONTS[font], fontsize=size)


def right_aligned(tw: pymupdf.TextWriter, x1: float, y: float, text: str, font: str, size: float) -> None:
    tw.append((x1 - FONTS[font].text_length(text, fontsize=size), y), text, font=FONTS[font], fontsize=size)


def save_pdf(doc: pymupdf.Document, path: Path, title: str) -> None:
    doc.subset_fonts()
    meta = {"title": title, "author": "docparse samples", "subject": "docparse sample document"}
    meta |= {"keywords": "docparse, sample", "creator": "samples/generate.py", "producer": "docparse samples (PyMuPDF)"}
    doc.set_metadata(meta | {"creationDate": FIXED_DATE, "modDate": FIXED_DATE})
    path.write_bytes(doc.tobytes(garbage=4, deflate=True, no_new_id=True))


# --- article.pdf ---

SENTENCES = [
    "Document parsing turns page images into structured text that downstream systems can search and audit.",
    "Vision-language models read the page as an image and emit markup with a bounding box for every element.",
    "A text layer, where one exists, gives exact characters and positions without any model at all.",
    "Reading order matters as much as recognition, because a paragraph read out of order loses its meaning.",
    "Two-column layouts are a classic source of errors when lines are sorted by their vertical position alone.",
    "Tables carry most of the value in business documents, and merged header cells make them hard to recover.",
    "Every box must be mapped from the resized model input back to the coordinate space of the original page.",
    "We evaluate on born-digital pages, where the ground truth can be computed from the file itself.",
    "Scanned pages have no text layer and must wait for a model, which makes them slower but not different.",
    "Errors are recorded as data on the page, so that a partial result remains useful and explainable.",
    "The pipeline retries a failed page with a smaller pixel budget before it gives up on that page.",
    "Our measurements cover latency, token usage and the agreement of boxes with the rendered text.",
    "Footnotes, captions and running headers are kept, but they are labelled so that they can be filtered.",
    "A deterministic sample set lets every engineer reproduce a failure on the same bytes.",
]


def paragraph(rng: random.Random, n: int) -> str:
    return " ".join(rng.sample(SENTENCES, n))


# The column text of the article: ("h2"|"h3", heading), ("p", sentences), ("t", text), ("ul"|"ol", items).
PAGE1: list[tuple[str, Any]] = [
    ("h2", "1 Introduction"), ("p", 4), ("p", 3), ("h3", "1.1 Motivation"),
    ("t", "The system is designed around three observations:"),
    ("ul", ["model output is the least trustworthy input and must be validated;",
            "born-digital pages already carry their own ground truth;",
            "a bad page must never fail the whole document."]),
    ("p", 4), ("h3", "1.2 Contributions"), ("p", 3), ("h2", "2 Method"), ("p", 3), ("h3", "2.1 Pipeline"),
    ("t", "Each document goes through the following steps:"),
    ("ol", ["render every page at the model's pixel budget;",
            "infer QwenVL HTML for the page image or read the text layer;",
            "parse the markup into typed blocks with page coordinates;",
            "validate the result and record every repair as an issue."]),
    ("p", 2),
]  # fmt: skip
PAGE2: list[tuple[str, Any]] = [
    ("h3", "2.2 Coordinates"), ("p", 5), ("p", 4), ("h2", "3 Results"), ("p", 6), ("p", 5),
    ("h3", "3.1 Error analysis"), ("p", 5), ("p", 4), ("h2", "4 Conclusion"), ("p", 5), ("p", 4),
]  # fmt: skip


def play(flow: Flow, script: Sequence[tuple[str, Any]], rng: random.Random, size: float = 10) -> None:
    """Lay out a script of headings, paragraphs (``p``: that many sentences), texts and lists."""
    lead = size * 1.24
    for k, (kind, value) in enumerate(script):
        if kind in ("h1", "h2", "h3"):
            flow.heading(value, "hebo", size * {"h1": 1.6, "h2": 1.2, "h3": 1.05}[kind], before=0 if k == 0 else 4)
        elif kind in ("p", "t"):
            flow.para(
                paragraph(rng, value) if kind == "p" else value, size=size, leading=lead, after=6 if kind == "p" else 3
            )
        else:
            flow.items(value, numbered=kind == "ol", size=size, leading=lead)
