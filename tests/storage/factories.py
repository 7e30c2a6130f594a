"""Values for storage tests: new documents, and a page holding every block type."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from schemas import (
    Attempt,
    AuthorBlock,
    BBox,
    Block,
    CaptionBlock,
    ChartBlock,
    ChemicalFormulaBlock,
    CodeBlock,
    FooterBlock,
    FormulaBlock,
    HeaderBlock,
    HeadingBlock,
    ImageBlock,
    Issue,
    ListBlock,
    ListItem,
    MusicSheetBlock,
    Page,
    PageGeometry,
    PageNumberBlock,
    PageStatus,
    ParagraphBlock,
    TableBlock,
    TableCell,
    TableData,
    UnknownBlock,
    block_id,
    document_key,
)
from storage import NewDocument

_counter = itertools.count()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_new_document(**overrides: Any) -> NewDocument:
    """A new document with unique content; ``content`` / ``fingerprint`` pick the identity."""
    n = next(_counter)
    digest = sha(str(overrides.pop("content", f"content-{n}")))
    fingerprint = str(overrides.pop("fingerprint", "f" * 16))
    values: dict[str, Any] = {
        "id": document_key(digest, fingerprint),
        "sha256": digest,
        "filename": f"file-{n}.pdf",
        "media_type": "application/pdf",
        "size_bytes": 12_345_678_901,  # > 2**31: needs a 64-bit column
        "settings_fingerprint": fingerprint,
        "settings": {"engine": "qwen", "max_pixels": 1_000_000, "nested": {"a": [1, 2.5, None, True]}},
        "blob_key": digest,
    }
    values.update(overrides)
    return NewDocument(**values)


def box(x0: float, y0: float, x1: float, y1: float) -> BBox:
    return BBox(x0=x0, y0=y0, x1=x1, y1=y1)


def every_block(document_id: str, page: int) -> list[Block]:
    """One block of each of the 16 types, with every optional field set somewhere."""
    span_table = TableData(
        n_rows=3,
        n_cols=3,
        cells=[
            TableCell(row=0, col=0, colspan=3, header=True, text="Title"),
            TableCell(row=1, col=0, rowspan=2, text="a"),
            TableCell(row=1, col=1, text="b"),
            TableCell(row=1, col=2, text="c"),
            TableCell(row=2, col=1, colspan=2, text="d"),
        ],
    )
    nested = [
        ListItem(text="one", bbox=box(1, 2, 3, 4), bbox_norm=box(0.1, 0.2, 0.3, 0.4)),
        ListItem(
            text="two",
            children=[ListItem(text="two.a", children=[ListItem(text="deep")], children_ordered=True)],
            children_ordered=True,
        ),
    ]
    chart = TableData(n_rows=1, n_cols=2, cells=[TableCell(row=0, col=0, text="x"), TableCell(row=0, col=1, text="1")])
    specs: list[tuple[type[Any], dict[str, Any]]] = [
        (HeadingBlock, {"level": 2, "text": "Heading", "html": "<h2>Heading</h2>"}),
        (ParagraphBlock, {"text": "Ünïcödé paragraph — “quotes”\nnewline", "html": "<p>…</p>"}),
        (ListBlock, {"ordered": True, "start": 3, "items": nested, "text": "one\ntwo"}),
        (TableBlock, {**span_table.model_dump(), "caption": "Table 1", "html": "<table>…</table>"}),
        (ChartBlock, {"data": chart, "image_bbox": box(5, 5, 50, 50)}),
        (FormulaBlock, {"content": r"\frac{a}{b}", "variant": "handwritten", "image_bbox": box(0, 0, 1, 1)}),
        (ImageBlock, {"caption": "Figure 1", "ocr_text": "ocr", "image_bbox": box(10, 10, 20, 20)}),
        (CaptionBlock, {"text": "A caption"}),
        (MusicSheetBlock, {"content": "X:1\nK:C\nCDEF", "image_bbox": box(1, 1, 2, 2)}),
        (ChemicalFormulaBlock, {"content": "C1=CC=CC=C1", "format": "smiles"}),
        (AuthorBlock, {"text": "A. Author"}),
        (HeaderBlock, {"text": "Running header"}),
        (FooterBlock, {"text": "Footer"}),
        (PageNumberBlock, {"text": "7"}),
        (CodeBlock, {"language": "python", "text": "def f():\n    return  1\n"}),
        (UnknownBlock, {"tag": "aside", "classes": "note x", "text": "?"}),
    ]
    out: list[Block] = []
    for order, (cls, fields) in enumerate(specs):
        bbox = box(10.0 * order, 20.25, 10.0 * order + 5.125, 40.0) if order % 4 else None
        norm = box(order / 100, 0.1, order / 100 + 0.01, 0.123456789012345) if bbox else None
        out.append(
            cls(id=block_id(document_id, page, order), page=page, order=order, bbox=bbox, bbox_norm=norm, **fields)
        )
    return out


def make_page(document_id: str, number: int, status: PageStatus = "ok", *, attempts: int = 2) -> Page:
    """A page result with every block type, issues and ``attempts`` attempts (the last chosen)."""
    return Page(
        number=number,
        geometry=PageGeometry(
            unit="pt",
            width=612,
            height=792,
            pixel_width=1275,
            pixel_height=1650,
            model_width=1260,
            model_height=1624,
            rotation=90,
            dpi=150.0,
        ),
        status=status,
        engine="transformers",
        model="Qwen/Qwen2.5-VL-3B-Instruct",
        issues=[
            Issue(code="bbox_clamped", message="clamped", block=3, detail="x1 1300 -> 1260"),
            Issue(code="retry", severity="info", message="retried"),
        ],
        blocks=every_block(document_id, number) if status != "failed" else [],
        attempts=[
            Attempt(
                index=i,
                engine="transformers",
                model="Qwen/Qwen2.5-VL-3B-Instruct",
                model_revision="abc123",
                spec="qwen2.5-vl-3b",
                prompt_version="v2",
                convention="qwen3-relative" if i else "qwen2.5-absolute",
                model_width=1260,
                model_height=1624,
                settings={"temperature": 0.0, "max_tokens": 4096, "mode": "greedy", "flag": True, "none": None},
                output=f"<html><body><p data-bbox='1 2 3 4'>attempt {i}</p></body></html>",
                stop_reason="length" if i == 0 else "stop",
                error="boom" if i == 0 else None,
                prompt_tokens=1200,
                completion_tokens=800 + i,
                latency_s=1.5 + i,
                chosen=i == attempts - 1,
            )
            for i in range(attempts)
        ],
    )
