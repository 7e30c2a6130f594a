"""The 3-page report sample: running header and footer, two columns, a table continued across pages.

Imported by ``generate.py``; :data:`REPORT_HEADER` and :data:`REPORT_ROWS` are the table as
typed (tests compare the document pass's merged table with them).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pymupdf
from sample_layout import BLACK, FONTS, LETTER, Flow, centered, play, right_aligned, save_pdf

REPORT_HEADER = ["Region", "Quarter", "Revenue ($)", "Units", "Change (%)"]
REGIONS = ["North", "South", "East", "West", "Central", "Coast", "Highlands", "Islands", "Lakes", "Valley"]


def _rows() -> list[list[str]]:
    rng = random.Random(20241231)
    rows = []
    for region in REGIONS:
        for quarter in ("Q1", "Q2", "Q3", "Q4"):
            revenue = rng.randint(40_000, 260_000) / 100
            change = rng.randint(-90, 140) / 10
            change_text = f"({abs(change):.1f})" if change < 0 else f"{change:.1f}"
            rows.append([region, f"{quarter} 2024", f"{revenue:,.2f}", str(rng.randint(90, 900)), change_text])
    return rows


REPORT_ROWS = _rows()
"""40 rows: 10 regions x 4 quarters; revenue with thousands separators, negative changes in parentheses."""

TITLE = "Northwind & Sons — Annual Report 2024"
LONG = (
    "Our stores kept their doors open through a difficult spring, and the teams in every region adapted "
    "opening hours, delivery rounds and stock levels to what customers asked for week by week, "
    "which is why the second half of the year was the strongest in the history of the company and why "
    "we expect the new distribution centre to carry that growth into the next year without new debt."
)
PAGE1: list[tuple[str, Any]] = [
    ("h2", "1 Overview"), ("p", 4), ("p", 3), ("h3", "1.1 Highlights"),
    ("ul", ["revenue grew in eight of ten regions;",
            "the new distribution centre opened in March;",
            "online orders passed one third of all sales."]),
    ("p", 4), ("h2", "2 The year in review"), ("p", 3), ("t", LONG), ("p", 3), ("p", 4),
    ("h3", "2.1 Stores and online"), ("p", 4), ("p", 3),
]  # fmt: skip
PAGE3: list[tuple[str, Any]] = [
    ("h2", "4 Outlook"), ("p", 3),
    ("ol", ["open two stores in the Lakes region;", "move all deliveries to electric vans;",
            "publish quarterly figures online."]),
    ("p", 3), ("h2", "5 Governance"), ("p", 4), ("p", 4), ("h3", "5.1 The board"), ("p", 4), ("p", 3),
]  # fmt: skip


def running(tw: pymupdf.TextWriter, n: int, of: int) -> None:
    """The running header and footer, and the page number."""
    centered(tw, 44, TITLE, "helv", 9)
    centered(tw, 752, "Confidential — prepared for the shareholders of Northwind & Sons", "heit", 8)
    centered(tw, 774, f"Page {n} of {of}", "helv", 8)


def table_rows(page: pymupdf.Page, tw: pymupdf.TextWriter, y0: float, rows: list[list[str]]) -> float:
    """A ruled table of the header plus ``rows`` from ``y0``; returns its bottom."""
    left, widths, row_h = 72.0, [120.0, 90.0, 100.0, 60.0, 98.0], 18.0
    xs = [left + sum(widths[:k]) for k in range(len(widths) + 1)]
    ys = [y0 + row_h * k for k in range(len(rows) + 2)]
    page.draw_rect(pymupdf.Rect(xs[0], ys[0], xs[-1], ys[1]), color=None, fill=(0.88, 0.88, 0.88), width=0)
    for y in ys:
        page.draw_line((xs[0], y), (xs[-1], y), color=BLACK, width=0.8)
    for x in xs:
        page.draw_line((x, ys[0]), (x, ys[-1]), color=BLACK, width=0.8)
    for r, cells in enumerate([REPORT_HEADER, *rows]):
        font = "hebo" if r == 0 else "helv"
        for c, text in enumerate(cells):
            if c < 2:
                tw.append((xs[c] + 5, ys[r] + 13), text, font=FONTS[font], fontsize=9)
            else:
                right_aligned(tw, xs[c + 1] - 5, ys[r] + 13, text, font, 9)
    return ys[-1]


def report(path: Path) -> None:
    rng = random.Random(20241231)
    doc = pymupdf.open()
    margin, gutter, bottom = 54.0, 18.0, 738.0
    colw = (LETTER[0] - 2 * margin - gutter) / 2

    def columns(y0: float) -> list[pymupdf.Rect]:
        x1 = LETTER[0] - margin
        return [pymupdf.Rect(margin, y0, margin + colw, bottom), pymupdf.Rect(x1 - colw, y0, x1, bottom)]

    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    centered(tw, 100, "Annual Report 2024", "hebo", 20)
    centered(tw, 120, "Northwind & Sons Office Supply", "helv", 11)
    play(Flow(tw, columns(140)), PAGE1, rng)
    running(tw, 1, 3)
    tw.write_text(page)

    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    flow = Flow(tw, [pymupdf.Rect(72, 72, LETTER[0] - 72, bottom)])
    flow.heading("3 Sales by region", "hebo", 12, before=0)
    flow.para(
        "Table 1 lists revenue, units sold and the change against the year before for every region and quarter. "
        "Negative changes are shown in parentheses.",
        size=10,
    )
    table_rows(page, tw, flow.y + 6, REPORT_ROWS[:30])
    running(tw, 2, 3)
    tw.write_text(page)

    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    tw = pymupdf.TextWriter(page.rect)
    end = table_rows(page, tw, 72, REPORT_ROWS[30:])
    play(Flow(tw, columns(end + 24)), PAGE3, rng)
    running(tw, 3, 3)
    tw.write_text(page)
    save_pdf(doc, path, "Annual Report 2024")
