"""Reviewed pages out as data sets: OmniDocBench ground truth, and QwenVL HTML fine-tuning pairs.

Both take documents with their stored page images (``page number -> (bytes, media type)``) and
yield ``(relative file name, bytes)``; the caller writes them to a folder or a zip.

**OmniDocBench** (:func:`omnidocbench_files`): ``images/<name>`` for every page, then
``omnidocbench.json`` — a list of page entries in OmniDocBench's ground-truth format
(``layout_dets`` with ``category_type``, ``poly`` in pixels of the page image, ``order``,
``anno_id``, ``ignore``, ``text`` / ``latex`` / ``html``; ``page_info`` with ``image_path``,
``width``, ``height``, ``page_no``; ``extra.relation``), so ``docparse eval`` (or
OmniDocBench's own tooling) scores any engine on the user's pages. Block types map to the
categories that :mod:`docparse.eval.omnidocbench` reads back (:data:`CATEGORIES`); a figure's
caption becomes a ``figure_caption`` element on the figure's box.

**Fine-tuning pairs** (:func:`training_pairs_files`): ``images/<name>`` and ``train.jsonl``, one
line per page in the ``messages`` + ``images`` layout that Qwen2.5-VL fine-tuning tools read
(system prompt, user turn ``<image>`` + the trigger, assistant turn = the page as QwenVL HTML in
the model's coordinate convention, computed on the saved image's own pixel size).

Pages are those with geometry and a result (not ``pending``); ``reviewed_only`` keeps the pages
a person accepted or corrected. Pages without a stored image are left out of the pairs (and are
written without an image file to the ground truth, sized by their model input).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docparse.export._html import table_html
from docparse.export.base import norm_box
from docparse.export.qwenvl_html import page_html
from schemas import Block, CoordinateConvention, Document, Page, PageGeometry

Images = Mapping[int, tuple[bytes, str]]
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/tiff": "tif"}
CATEGORIES: Mapping[str, str] = {
    "heading": "title",
    "paragraph": "text_block",
    "list": "text_block",
    "author": "text_block",
    "unknown": "text_block",
    "caption": "figure_caption",
    "table": "table",
    "formula": "equation_isolated",
    "image": "figure",
    "chart": "figure",
    "music_sheet": "figure",
    "chemical_formula": "figure",
    "code": "code_txt",
    "key_value": "text_block",
    "header": "header",
    "footer": "footer",
    "page_number": "page_number",
}
"""docparse block type -> OmniDocBench ``category_type``."""


@dataclass(frozen=True)
class Prompt:
    """The conversation a model is fine-tuned on (from its model spec)."""

    user: str
    system: str | None
    convention: CoordinateConvention


def selected_pages(document: Document, reviewed_only: bool) -> list[Page]:
    """The pages to export: with geometry, processed (not ``pending``), reviewed if asked."""
    return [
        p
        for p in document.pages
        if p.geometry is not None and p.status != "pending" and (p.reviewed or not reviewed_only)
    ]


def image_name(document: Document, page: Page, media_type: str) -> str:
    """``<file stem>-<short id>_p<n>.<ext>``: unique per document page, safe as a file name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", document.filename.rsplit(".", 1)[0])[:80] or "document"
    return f"{stem}-{document.id[:8]}_p{page.number}.{_EXTENSIONS.get(media_type, 'png')}"


def _media_type(data: bytes | None) -> str:
    """The image type from its first bytes (callers' labels are not trusted)."""
    if data and data.startswith(b"\x89PNG"):
        return "image/png"
    if data and data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


def _size(data: bytes | None, geometry: PageGeometry) -> tuple[int, int]:
    if data:
        from PIL import Image  # lazily: only data-set exports need it

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    return geometry.model_width, geometry.model_height


def _det(page: Page, block: Block, index: int, width: int, height: int) -> list[dict[str, Any]]:
    box = norm_box(page, block)
    x0, y0, x1, y1 = (box.x0 * width, box.y0 * height, box.x1 * width, box.y1 * height) if box else (0, 0, 0, 0)
    det: dict[str, Any] = {
        "category_type": CATEGORIES.get(block.type, "text_block"),
        "poly": [x0, y0, x1, y0, x1, y1, x0, y1],
        "ignore": False,
        "order": index + 1,
        "anno_id": index,
    }
    if block.type == "table":
        det["html"] = str(table_html(block))
        det["text"] = block.text
    elif block.type == "formula":
        det["latex"] = f"$$\n{(block.content or block.text).strip()}\n$$"
    elif det["category_type"] != "figure":
        det["text"] = block.text
    out = [det]
    if block.type == "image" and block.caption:
        out.append({**det, "category_type": "figure_caption", "text": block.caption, "anno_id": -1})
    return out


def omnidocbench_entry(document: Document, page: Page, name: str, width: int, height: int) -> dict[str, Any]:
    """One page as an OmniDocBench ground-truth entry (coordinates in pixels of the named image)."""
    dets = [d for block in page.blocks for d in _det(page, block, block.order, width, height)]
    for anno_id, det in enumerate(dets):
        det["anno_id"] = anno_id
        det["order"] = anno_id + 1
    return {
        "layout_dets": dets,
        "page_info": {
            "page_no": page.number - 1,
            "height": height,
            "width": width,
            "image_path": name,
            "page_attribute": {"docparse_document": document.id, "reviewed": page.reviewed},
        },
        "extra": {"relation": []},
    }


def _pages(
    documents: Sequence[tuple[Document, Images]], reviewed_only: bool
) -> Iterator[tuple[Document, Page, bytes | None, str]]:
    for document, images in documents:
        for page in selected_pages(document, reviewed_only):
            data, _ = images.get(page.number, (None, ""))
            yield document, page, data, image_name(document, page, _media_type(data))


def omnidocbench_files(
    documents: Sequence[tuple[Document, Images]], *, reviewed_only: bool = False
) -> Iterator[tuple[str, bytes]]:
    """``images/*`` then ``omnidocbench.json`` (see the module docstring)."""
    entries = []
    for document, page, data, name in _pages(documents, reviewed_only):
        assert page.geometry is not None
        width, height = _size(data, page.geometry)
        if data:
            yield f"images/{name}", data
        entries.append(omnidocbench_entry(document, page, name, width, height))
    yield "omnidocbench.json", json.dumps(entries, ensure_ascii=False, indent=1).encode("utf-8")


def training_pairs_files(
    documents: Sequence[tuple[Document, Images]], prompt: Prompt, *, reviewed_only: bool = False
) -> Iterator[tuple[str, bytes]]:
    """``images/*`` then ``train.jsonl`` (see the module docstring)."""
    lines = []
    for document, page, data, name in _pages(documents, reviewed_only):
        if not data or page.geometry is None:
            continue
        width, height = _size(data, page.geometry)
        geometry = page.geometry.model_copy(update={"model_width": width, "model_height": height})
        yield f"images/{name}", data
        messages = [{"role": "system", "content": prompt.system}] if prompt.system else []
        messages += [
            {"role": "user", "content": f"<image>{prompt.user}"},
            {"role": "assistant", "content": page_html(page.blocks, geometry, prompt.convention)},
        ]
        record = {
            "messages": messages,
            "images": [f"images/{name}"],
            "document_id": document.id,
            "page": page.number,
            "reviewed": page.reviewed,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    yield "train.jsonl", ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
