"""The document pass on the generated multi-page samples, parsed by the pdf-text engine."""

from __future__ import annotations

from docparse.document import analyse
from schemas import Block, Document
from tests.document.conftest import report_layout


def _block(document: Document, page: int, order: int) -> Block:
    return next(b for p in document.pages if p.number == page for b in p.blocks if b.order == order)


def test_parse_attaches_the_pass(report: Document) -> None:
    assert report.structure == analyse(report)


def test_report_running_header_footer_and_page_numbers(report: Document) -> None:
    assert report.structure is not None
    got = [(lb.page, lb.label, lb.source, _block(report, lb.page, lb.order).text) for lb in report.structure.labels]
    title = "Northwind & Sons — Annual Report 2024"
    footer = "Confidential — prepared for the shareholders of Northwind & Sons"
    want = []
    for n in (1, 2, 3):
        want += [(n, "header", "repetition", title), (n, "footer", "repetition", footer)]
        want += [(n, "page_number", "repetition", f"Page {n} of 3")]
    assert sorted(got) == sorted(want)


def test_report_column_paragraph_and_page_table_are_merged(report: Document) -> None:
    assert report.structure is not None
    paragraph, table = report.structure.logical_blocks
    assert paragraph.type == "paragraph" and paragraph.breaks == ["column"]
    assert [p.page for p in paragraph.parts] == [1, 1]
    left, right = (_block(report, p.page, p.order) for p in paragraph.parts)
    assert right.text == "where the ground truth can be computed from the file itself."
    assert paragraph.text == f"{left.text} {right.text}"
    assert left.bbox is not None and right.bbox is not None and right.bbox.x0 > left.bbox.x1  # right column
    assert table.type == "table" and table.breaks == ["page"] and table.table_index == 1
    assert [(p.page, _block(report, p.page, p.order).type) for p in table.parts] == [(2, "table"), (3, "table")]
    for part in table.parts:  # each part keeps its own page and box
        assert part.bbox == _block(report, part.page, part.order).bbox


def test_report_merged_table_equals_the_typed_table(report: Document) -> None:
    layout = report_layout()
    assert report.structure is not None
    (table,) = report.structure.tables
    assert table.data.grid() == [layout.REPORT_HEADER, *layout.REPORT_ROWS]
    assert (table.page, table.repeated_header_rows, table.logical_id) == (2, 1, report.structure.logical_blocks[1].id)


def test_article_right_column_joins_the_left_columns_paragraph(article: Document) -> None:
    """The regression of issue 12: "so that they can be filtered" is the tail of the paragraph
    that ends the left column of page 1, not a paragraph of its own; the running footer is
    furniture."""
    structure = analyse(article)
    first = structure.logical_blocks[0]
    tail = _block(article, first.parts[1].page, first.parts[1].order)
    assert tail.text == "so that they can be filtered."
    assert first.text.endswith("but they are labelled so that they can be filtered.")
    assert (first.type, first.breaks, [p.page for p in first.parts]) == ("paragraph", ["column"], [1, 1])
    page2 = structure.logical_blocks[1]
    assert (page2.breaks, [p.page for p in page2.parts]) == (["column"], [2, 2])
    assert page2.text.count("reproduce a failure on the same bytes.") == 1
    assert [(lb.page, lb.label) for lb in structure.labels] == [(1, "footer"), (2, "footer")]
    assert len(structure.logical_blocks) == 2 and structure.tables == []
