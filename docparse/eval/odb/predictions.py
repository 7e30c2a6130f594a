"""Predictions for OmniDocBench pages: Markdown files, docparse JSON exports, saved QwenVL HTML.

A page's prediction is found in the folder by the page image's name, first match wins:

1. Markdown, as OmniDocBench looks for it: ``<stem>.md``, ``<stem without .pdf>.mmd``,
   ``<stem without .pdf>.md``, ``<image name>.md``;
2. a docparse JSON export: ``<stem>.json`` / ``<image name>.json``, or any export in the folder
   whose ``filename`` is the image name (its first page);
3. saved QwenVL HTML: ``<stem>.html`` / ``<image name>.html``, parsed by docparse's parser.

Documents become Markdown with :func:`document_markdown`: headings as ``#``, text blocks as
paragraphs, tables as HTML, formulas as ``$$`` blocks; images, charts, page headers, footers
and page numbers are left out, like the Markdown other tools write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from docparse.export._html import table_html
from docparse.qwenvl import parse_qwenvl_html
from schemas import Block, Document, PageGeometry

_SKIPPED = frozenset({"image", "chart", "header", "footer", "page_number"})


def block_markdown(block: Block) -> str:
    """One block as OmniDocBench-style Markdown (``""`` for the types left out)."""
    if block.type in _SKIPPED:
        return ""
    if block.type == "heading":
        return f"# {block.text.strip()}"
    if block.type == "table":
        return block.html if "<table" in block.html else str(table_html(block))
    if block.type == "formula":
        return f"$$\n{(block.content or block.text).strip()}\n$$"
    return block.text.strip()


def blocks_markdown(blocks: Sequence[Block]) -> str:
    """Blocks in reading order joined by blank lines."""
    parts = (block_markdown(b) for b in sorted(blocks, key=lambda b: b.order))
    return "\n\n".join(p for p in parts if p)


def document_markdown(document: Document, page: int = 1) -> str:
    """The Markdown of one page of a docparse document (``""`` when the page is absent)."""
    found = next((p for p in document.pages if p.number == page), None)
    return blocks_markdown(found.blocks) if found else ""


def qwenvl_markdown(text: str) -> str:
    """Saved QwenVL HTML parsed by docparse's parser (boxes are irrelevant here), as Markdown."""
    geometry = PageGeometry(
        unit="px", width=1000, height=1000, pixel_width=1000, pixel_height=1000, model_width=1000, model_height=1000
    )
    return blocks_markdown(parse_qwenvl_html(text, geometry, "qwen2.5-absolute").blocks)


def _stems(image: str) -> tuple[str, str]:
    stem = str(PurePosixPath(image).with_suffix("")) if "." in image else image
    return stem, stem.replace(".pdf", "")


def read_export(path: Path) -> Document | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Document.model_validate(data) if isinstance(data, dict) and "pages" in data else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError):
        return None


class PredictionFolder:
    """The predictions in one folder, looked up by page image name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._exports: dict[str, Path] | None = None
        self.used: set[Path] = set()

    def _by_filename(self) -> dict[str, Path]:
        if self._exports is None:
            self._exports = {}
            for path in sorted(self.folder.glob("*.json")):
                document = read_export(path)
                if document is not None:
                    self._exports.setdefault(document.filename, path)
        return self._exports

    def find(self, image: str) -> Path | None:
        """The prediction file for a page image, or ``None``."""
        stem, bare = _stems(image)
        names = [f"{stem}.md", f"{bare}.mmd", f"{bare}.md", f"{image}.md", f"{stem}.json", f"{image}.json"]
        for name in names:
            if (self.folder / name).is_file():
                return self.folder / name
        if image in self._by_filename():
            return self._by_filename()[image]
        for name in (f"{stem}.html", f"{image}.html"):
            if (self.folder / name).is_file():
                return self.folder / name
        return None

    def markdown(self, image: str) -> str | None:
        """The page's prediction as Markdown, or ``None`` when there is none (or it cannot be read)."""
        path = self.find(image)
        if path is None:
            return None
        self.used.add(path)
        if path.suffix == ".json":
            document = read_export(path)
            return document_markdown(document) if document is not None else None
        text = path.read_text(encoding="utf-8", errors="replace")
        return qwenvl_markdown(text) if path.suffix == ".html" else text

    def unused(self) -> list[str]:
        """Prediction files in the folder that no page used."""
        suffixes = {".md", ".mmd", ".json", ".html"}
        return sorted(p.name for p in self.folder.iterdir() if p.suffix in suffixes and p not in self.used)


_GOLD_SKIPPED = frozenset({"header", "footer", "page_number", "page_footnote", "abandon", "figure", "need_mask"})


def gold_markdown(entry: dict[str, object]) -> str:
    """An OmniDocBench ground-truth page written as Markdown (elements by ``order``; page furniture left out)."""
    dets = entry.get("layout_dets")
    parts: list[tuple[float, str]] = []
    for det in dets if isinstance(dets, list) else []:
        category = str(det.get("category_type", ""))
        order = det.get("order")
        key = float(order) if isinstance(order, int | float) else float("inf")
        if category in _GOLD_SKIPPED or category.endswith("_mask"):
            continue
        if category == "table":
            text = str(det.get("html") or "")
        elif category == "equation_isolated":
            text = f"$$\n{str(det.get('latex') or '').strip().strip('$').strip()}\n$$" if det.get("latex") else ""
        elif category == "title":
            text = f"# {str(det.get('text') or '').strip()}" if det.get("text") else ""
        else:
            text = str(det.get("text") or "").strip()
        if text:
            parts.append((key, text))
    return "\n\n".join(text for _, text in sorted(parts, key=lambda p: p[0]))
