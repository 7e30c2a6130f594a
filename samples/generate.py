"""Regenerate the sample set in this folder, byte for byte.

Run ``python samples/generate.py`` (optionally with an output folder). Every input is fixed:
texts are literals or drawn with seeded generators, PDF metadata and dates are constants, the
PDF trailer id is not regenerated, and raster noise comes from ``numpy.random.RandomState``
(whose streams NumPy keeps stable across versions). Only the fonts PyMuPDF ships are used.
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf
from PIL import Image

HERE = Path(__file__).resolve().parent

from report_layout import report  # noqa: E402
from sample_layout import (  # noqa: E402
    BLACK,
    BODY11,
    FONTS,
    LETTER,
    PAGE1,
    PAGE2,
    Flow,
    centered,
    paragraph,
    play,
    right_aligned,
    save_pdf,
)


def article(path: Path) -> None:
    rng = random.Random(20240315)
    doc = pymupdf.open()
    margin, gutter, top, bottom = 54.0, 18.0, 72.0, 738.0
    colw = (LETTER[0] - 2 * margin - gutter) / 2

    def columns(y0: float) -> list[pymupdf.Rect]:
        return [
            pymupdf.Rect(margin, y0, margin + colw, bottom),
            pymupdf.Rect(LETTER[0] - margin - colw, y0, 558, bottom),
        ]

    def footer(tw: pymupdf.TextWriter, n: int) -> None:
        centered(tw, 765, f"Proceedings of the Workshop on Document Intelligence — page {n} of 2", "helv", 8)

    # Page 1: title block, abstract, then two columns.
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    centered(tw, top + 18, "Reading Pages Twice: Text Layers and", "hebo", 18)
    centered(tw, top + 40, "Vision-Language Models for Document Parsing", "hebo", 18)
    centered(tw, top + 66, "Ada Lovelace, Alan Turing and Grace Hopper", "helv", 11)
    centered(tw, top + 80, "Institute for Reproducible Documents, Example City", "heit", 9)
    flow = Flow(tw, [pymupdf.Rect(margin + 36, top + 96, LETTER[0] - margin - 36, bottom)])
    flow.heading("Abstract", "hebo", 10.5, before=0, after=2)
    flow.para(paragraph(rng, 4), font="tiit", size=9.5, leading=11.6, after=10)
    play(Flow(tw, columns(flow.y)), PAGE1, rng)
    footer(tw, 1)
    tw.write_text(page)

    # Page 2: two columns from the top.
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    play(Flow(tw, columns(top)), PAGE2, rng)
    footer(tw, 2)
    tw.write_text(page)
    save_pdf(doc, path, "Reading Pages Twice")


# --- invoice.pdf ---

INVOICE_ITEMS = [
    ("Ergonomic office chair, mesh back", 4, 189.00),
    ("Standing desk frame & oak top", 2, 459.50),
    ("USB-C docking station <dual HDMI>", 6, 129.99),
    ("Recycled printer paper, A4, 500 sheets", 40, 4.75),
    ("Whiteboard markers (set of 12)", 10, 8.40),
    ("On-site installation, per hour", 5, 65.00),
]


INVOICE_META = [
    (84, "INVOICE", "hebo", 22), (104, "Invoice No: INV-2024-0042", "helv", 10),
    (117, "Date: 2024-03-15", "helv", 10), (130, "Due: 2024-04-14", "helv", 10),
]  # fmt: skip


def money(v: float) -> str:
    return f"${v:,.2f}"


def invoice(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    left, right = 54.0, LETTER[0] - 54.0
    tw.append((left, 84), "Northwind & Sons Office Supply", font=FONTS["hebo"], fontsize=18)
    for k, ln in enumerate(["1200 Harbour Road, Suite 4", "Example City, EX 10001", "billing@northwind.example"]):
        tw.append((left, 104 + 13 * k), ln, font=FONTS["helv"], fontsize=10)
    for y, text, font, size in INVOICE_META:
        right_aligned(tw, right, y, text, font, size)
    tw.append((left, 176), "Bill to", font=FONTS["hebo"], fontsize=11)
    for k, ln in enumerate(["Contoso Research Ltd.", "Attn: Accounts Payable", "77 Quay Street, Port Town"]):
        tw.append((left, 192 + 13 * k), ln, font=FONTS["helv"], fontsize=10)

    # The line-items table: ruled grid, bold header row on a grey band.
    widths = [264.0, 60.0, 90.0, 90.0]
    xs = [left + sum(widths[:k]) for k in range(len(widths) + 1)]
    row_h, y0 = 22.0, 250.0
    nrows = 1 + len(INVOICE_ITEMS)
    ys = [y0 + row_h * k for k in range(nrows + 1)]
    page.draw_rect(pymupdf.Rect(xs[0], ys[0], xs[-1], ys[1]), color=None, fill=(0.88, 0.88, 0.88), width=0)
    for y in ys:
        page.draw_line((xs[0], y), (xs[-1], y), color=BLACK, width=0.8)
    for x in xs:
        page.draw_line((x, ys[0]), (x, ys[-1]), color=BLACK, width=0.8)
    header = ["Description", "Qty", "Unit price", "Amount"]
    rows = [[desc, str(qty), money(unit), money(qty * unit)] for desc, qty, unit in INVOICE_ITEMS]
    subtotal = sum(qty * unit for _, qty, unit in INVOICE_ITEMS)
    for r, cells in enumerate([header, *rows]):
        base = ys[r] + 15
        font = "hebo" if r == 0 else "helv"
        for c, text in enumerate(cells):
            if c == 0:
                tw.append((xs[0] + 6, base), text, font=FONTS[font], fontsize=10)
            else:
                right_aligned(tw, xs[c + 1] - 6, base, text, font, 10)
    tax = round(subtotal * 0.08, 2)
    y = ys[-1] + 24
    right_aligned(tw, xs[-1] - 6, y, f"Subtotal: {money(subtotal)}", "helv", 10)
    right_aligned(tw, xs[-1] - 6, y + 15, f"Tax (8%): {money(tax)}", "helv", 10)
    right_aligned(tw, xs[-1] - 6, y + 32, f"Total: {money(subtotal + tax)}", "hebo", 12)
    flow = Flow(tw, [pymupdf.Rect(left, 640, right, 740)])
    terms = "Payment terms: net 30 days. Please quote the invoice number with your payment. Questions? Write to "
    flow.para(terms + '"billing@northwind.example" and we will answer within two business days.', "helv", 9, 11)
    centered(tw, 765, "Northwind & Sons Office Supply — VAT EX123456789 — page 1 of 1", "helv", 8)
    tw.write_text(page)
    save_pdf(doc, path, "Invoice INV-2024-0042")


# --- formula-chart.pdf ---


FORMULA_GLYPHS = [
    ((10, 26), "∫", "tiro", 22), ((22, 12), "∞", "tiro", 9), ((20, 35), "0", "tiro", 9),
    ((34, 26), "e", "tiit", 16), ((41, 18), "−x²", "tiit", 10), ((62, 26), "dx = √π / 2", "tiit", 16),
]  # fmt: skip
FC_TEXT = [
    "This page mixes running text with two display formulas and a bar chart drawn with vector graphics. The first "
    "formula below is typeset as text; the second exists only as an embedded image, so a text-layer reader cannot "
    "see its content.",
    "The chart in Figure 1 counts the documents processed per month. Its bars, axes and tick marks are vector paths; "
    "only the labels are text.",
    "Formulas (1) and (2) can be read from the text layer, while formula (3) and the shape of the chart need a "
    "vision-language model. The text-layer engine reports what it can see and leaves the rest to the model.",
]


def formula_png() -> bytes:
    """A display formula rendered to a PNG (a formula that exists only as an image)."""
    tmp = pymupdf.open()
    page = tmp.new_page(width=220, height=40)
    tw = pymupdf.TextWriter(page.rect)
    for pos, text, font, size in FORMULA_GLYPHS:
        tw.append(pos, text, font=FONTS[font], fontsize=size)
    tw.write_text(page)
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    return pix.tobytes("png")


def formula_chart(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    left, right = 72.0, LETTER[0] - 72.0
    flow = Flow(tw, [pymupdf.Rect(left, 72, right, 740)])
    flow.heading("Energy, Growth and a Small Chart", "hebo", 16, before=0, after=6)
    flow.para(FC_TEXT[0], **BODY11)
    # Display formula 1: text with symbols, a superscript and an equation number.
    y = flow.y + 20
    tw.append((250, y), "E = mc", font=FONTS["tiit"], fontsize=16)
    tw.append((250 + FONTS["tiit"].text_length("E = mc", fontsize=16) + 1, y - 7), "2", font=FONTS["tiit"], fontsize=10)
    right_aligned(tw, right, y, "(1)", "tiro", 11)
    y += 30
    tw.append((232, y), "σ² = ∑ (xᵢ − μ)² / N,  μ ≤ max xᵢ", font=FONTS["tiit"], fontsize=13)
    right_aligned(tw, right, y, "(2)", "tiro", 11)
    # Display formula 2: an image.
    y += 16
    page.insert_image(pymupdf.Rect(226, y, 226 + 176, y + 32), stream=formula_png())
    right_aligned(tw, right, y + 21, "(3)", "tiro", 11)
    flow.y = y + 48
    flow.para(FC_TEXT[1], **BODY11)
    # Bar chart.
    cx0, cy0, cx1, cy1 = 130.0, flow.y + 16, 480.0, flow.y + 236
    page.draw_line((cx0, cy0), (cx0, cy1), color=BLACK, width=1)
    page.draw_line((cx0, cy1), (cx1, cy1), color=BLACK, width=1)
    values = [("Jan", 42), ("Feb", 58), ("Mar", 73), ("Apr", 51), ("May", 88)]
    vmax = 100
    for t in range(0, vmax + 1, 25):
        ty = cy1 - (cy1 - cy0) * t / vmax
        page.draw_line((cx0 - 4, ty), (cx0, ty), color=BLACK, width=0.8)
        right_aligned(tw, cx0 - 6, ty + 3, str(t), "helv", 8)
    slot = (cx1 - cx0) / len(values)
    colors = [(0.20, 0.40, 0.70), (0.85, 0.45, 0.15), (0.25, 0.60, 0.30), (0.70, 0.20, 0.25), (0.50, 0.35, 0.65)]
    for k, (label, v) in enumerate(values):
        bx0 = cx0 + slot * k + slot * 0.2
        bx1 = bx0 + slot * 0.6
        by0 = cy1 - (cy1 - cy0) * v / vmax
        page.draw_rect(pymupdf.Rect(bx0, by0, bx1, cy1), color=None, fill=colors[k], width=0)
        lw = FONTS["helv"].text_length(label, fontsize=9)
        tw.append(((bx0 + bx1 - lw) / 2, cy1 + 12), label, font=FONTS["helv"], fontsize=9)
        vw = FONTS["helv"].text_length(str(v), fontsize=8)
        tw.append(((bx0 + bx1 - vw) / 2, by0 - 3), str(v), font=FONTS["helv"], fontsize=8)
    flow.y = cy1 + 30
    flow.para("Figure 1: Documents processed per month, in thousands (vector bar chart).", "tiit", 10, 12, after=10)
    flow.para(FC_TEXT[2], **BODY11)
    centered(tw, 765, "docparse samples — formula and chart — page 1 of 1", "helv", 8)
    tw.write_text(page)
    save_pdf(doc, path, "Formula and chart")


# --- Raster samples: scan.png and multipage.tiff ---


MEMO: list[tuple[str, Any]] = [
    ("h1", "Memorandum: Archive Digitisation"), ("t", "To: Records team. From: Operations. Date: 15 March 2024."),
    ("p", 4), ("p", 4), ("p", 4), ("p", 4), ("p", 4), ("h2", "Next steps"),
    ("ul", ["scan the remaining boxes;", "check a sample of pages by hand;", "archive the originals."]),
]  # fmt: skip


def memo_doc() -> pymupdf.Document:
    """A one-column text page (in memory only) that becomes the 'scanned' page."""
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    play(Flow(tw, [pymupdf.Rect(72, 72, LETTER[0] - 72, 740)]), MEMO, random.Random(7), size=11)
    tw.write_text(page)
    return doc


def scan_png(path: Path) -> None:
    doc = memo_doc()
    pix = doc[0].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    img = Image.frombytes("L", (pix.w, pix.h), pix.samples)
    img = img.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    arr = np.asarray(img, dtype=np.int16)
    rs = np.random.RandomState(1234)
    # Paper tone, sparse speckles and slightly lighter ink: a cheap office scan.
    arr = np.minimum(arr, 244) + 6
    speck = rs.random_sample(arr.shape)
    arr[speck < 0.004] = 40
    arr[speck > 0.9985] = 160
    noise = rs.randint(-6, 7, size=arr.shape).astype(np.int16) // 4 * 4
    arr = np.clip(arr + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(arr).save(out, format="PNG", compress_level=9, dpi=(150, 150))
    path.write_bytes(out.getvalue())


def multipage_tiff(path: Path, sources: Sequence[Path]) -> None:
    frames: list[Image.Image] = []
    for src in sources:
        with pymupdf.open(src) as doc:
            for page in doc:
                pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
                gray = Image.frombytes("L", (pix.w, pix.h), pix.samples)
                frames.append(gray.point(lambda v: 255 if v > 160 else 0).convert("1", dither=Image.Dither.NONE))
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:], compression="group4", dpi=(150, 150))
    path.write_bytes(out.getvalue())


def main(argv: Sequence[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    article(out / "article.pdf")
    invoice(out / "invoice.pdf")
    formula_chart(out / "formula-chart.pdf")
    report(out / "report.pdf")
    scan_png(out / "scan.png")
    multipage_tiff(out / "multipage.tiff", [out / "article.pdf", out / "invoice.pdf"])
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.suffix in (".pdf", ".png", ".tiff")}
    for name, size in [*sizes.items(), ("total", sum(sizes.values()))]:
        print(f"{name:20s} {size:>9,d} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
