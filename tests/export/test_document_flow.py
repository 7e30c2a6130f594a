"""Exports of the 3-page report sample through the document pass: merged forms in Markdown and
HTML, furniture out of the reading flow by default, the merged table as CSV and XLSX equal to
the table typed into the sample generator."""

from __future__ import annotations

import csv
import io
import re

import lxml.html
import openpyxl
import pytest

from docparse.engines.pdf_text import PdfTextEngine
from docparse.export import ExportOptions, get_binary_exporter, get_exporter
from docparse.pipeline import parse_document
from schemas import Document
from tests.document.conftest import report_layout
from tests.paths import SAMPLES_DIR

TITLE = "Northwind & Sons — Annual Report 2024"


@pytest.fixture(scope="module")
def report() -> Document:
    return parse_document(SAMPLES_DIR / "report.pdf", PdfTextEngine()).document


@pytest.fixture(scope="module")
def typed() -> list[list[str]]:
    layout = report_layout()
    return [layout.REPORT_HEADER, *layout.REPORT_ROWS]


def first_table(document: Document) -> tuple[int, int]:
    """Page and order of the report's first table part (the pdf-text engine decides the order)."""
    return next((b.page, b.order) for p in document.pages for b in p.blocks if b.type == "table")


def text(document: Document, fmt: str, **options: bool) -> str:
    return "".join(get_exporter(fmt).stream(document, ExportOptions(**options)))


def test_markdown_shows_one_merged_table_and_no_furniture(report: Document, typed: list[list[str]]) -> None:
    md = text(report, "md")
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    assert len(rows) == len(typed)  # one header row, 40 body rows, no repeated header
    assert rows[0] == "| Region | Quarter | Revenue (\\$) | Units | Change (%) |"
    assert rows[1:] == ["| " + " | ".join(row) + " |" for row in typed[1:]]  # numbers, periods, parentheses as typed
    assert TITLE not in md and "Page 2 of 3" not in md and "Confidential" not in md
    assert "\n\nwhere the ground truth" not in md  # the column-broken paragraph is one paragraph
    kept = text(report, "md", furniture=True)
    assert kept.count("Page 2 of 3") == 1 and kept.count(TITLE) == 3


def test_markdown_parts_where_they_are_on_request(report: Document) -> None:
    md = text(report, "md", merge_continuations=False)
    assert len([line for line in md.splitlines() if line.startswith("| Region ")]) == 2
    assert "\n\nwhere the ground truth can be computed from the file itself.\n\n" in md


def test_html_shows_the_merged_table_once(report: Document, typed: list[list[str]]) -> None:
    root = lxml.html.document_fromstring(text(report, "html"))
    (table,) = root.xpath("//main//table")
    grid = [[" ".join(c.text_content().split()) for c in tr.xpath("th|td")] for tr in table.xpath(".//tr")]
    assert grid == typed
    page, order = first_table(report)
    assert page == 2 and table.get("id") == f"page-2-block-{order}"
    assert not root.xpath("//main//*[contains(text(), 'Page 1 of 3')]")
    assert re.search(r"before it gives up on that page\. [^<]*where the ground truth", text(report, "html"))


def test_csv_of_the_merged_table_equals_the_typed_table(report: Document, typed: list[list[str]]) -> None:
    files = {name: "".join(chunks) for name, chunks in get_exporter("csv").files(report, ExportOptions())}
    name = "tables/{}-{}.csv".format(*first_table(report))
    assert sorted(files) == ["blocks.csv", name]
    assert list(csv.reader(io.StringIO(files[name]))) == typed
    blocks = list(csv.DictReader(io.StringIO(files["blocks.csv"])))
    parts = [b for b in blocks if b["type"] == "table"]
    assert [(b["page"], b["table_file"]) for b in parts] == [("2", name), ("3", name)]
    assert len({b["logical_id"] for b in parts}) == 1 and parts[0]["logical_id"]
    assert sorted(b["label"] for b in blocks if b["label"]) == ["footer"] * 3 + ["header"] * 3 + ["page_number"] * 3


def test_xlsx_of_the_merged_table_equals_the_typed_table(report: Document, typed: list[list[str]]) -> None:
    data = get_binary_exporter("xlsx").render(report, ExportOptions())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Table 1", "Blocks"]
    assert [list(row) for row in wb["Table 1"].iter_rows(values_only=True)] == typed
    assert wb["Table 1"].freeze_panes == "A2"
