"""Paragraphs, lists and tables continued across column and page breaks."""

from __future__ import annotations

import pytest

from docparse.document import analyse
from docparse.document.continuations import paragraph_continues
from schemas import DocumentStructure
from tests.document.builders import LEFT, RIGHT, PageBuilder, document

HEAD = ["Item", "Price"]


def run(*pages: PageBuilder) -> DocumentStructure:
    return analyse(document(*pages))


def parts(structure: DocumentStructure) -> list[list[tuple[int, int]]]:
    return [[(p.page, p.order) for p in lb.parts] for lb in structure.logical_blocks]


def test_paragraph_across_a_column_break() -> None:
    page = (
        PageBuilder(1)
        .para("It starts in the left", x=LEFT, y=(600, 730))
        .para("column and ends.", x=RIGHT, y=(80, 120))
    )
    structure = run(page)
    assert parts(structure) == [[(1, 0), (1, 1)]]
    assert structure.logical_blocks[0].text == "It starts in the left column and ends."
    assert structure.logical_blocks[0].breaks == ["column"]


def test_paragraph_across_a_page_break_skips_furniture_and_joins_hyphenated_words() -> None:
    one = PageBuilder(1).header("Head").para("The values were fil-", y=(600, 730)).footer("Foot")
    two = PageBuilder(2).header("Head").para("tered twice.", y=(60, 90)).footer("Foot")
    structure = run(one, two)
    assert parts(structure) == [[(1, 1), (2, 1)]]
    assert structure.logical_blocks[0].text == "The values were filtered twice."
    assert structure.logical_blocks[0].breaks == ["page"]


@pytest.mark.parametrize(
    ("a", "b", "joined"),
    [
        ("ends a sentence.", "next one", False),
        ("asks a question?", "maybe", False),
        ("introduces a list:", "then", False),
        ('quotes a sentence."', "next", False),
        ("stops mid", "sentence here.", True),
        ("stops mid", "New sentence.", False),
        ("lists a, b,", "And c.", True),
        ("counts up to", "42 items.", True),
        ("", "text", False),
    ],
)
def test_paragraph_rule(a: str, b: str, joined: bool) -> None:
    assert paragraph_continues(a, b) is joined


def test_paragraphs_in_the_same_column_are_not_merged() -> None:
    page = PageBuilder(1).para("first without a stop", y=(100, 200)).para("second in lower case", y=(210, 300))
    assert run(page).logical_blocks == []


def test_pages_must_be_consecutive() -> None:
    assert run(PageBuilder(1).para("cut off"), PageBuilder(3).para("more words")).logical_blocks == []


def test_ordered_list_continued_on_the_next_page() -> None:
    one = PageBuilder(1).lst(["one", "two"], ordered=True, y=(600, 730))
    two = PageBuilder(2).lst(["three"], ordered=True, start=3, y=(60, 90))
    structure = run(one, two)
    (merged,) = structure.logical_blocks
    assert merged.type == "list" and merged.ordered is True and merged.start is None
    assert [i.text for i in merged.items or []] == ["one", "two", "three"]
    restart = PageBuilder(2).lst(["again"], ordered=True, start=1, y=(60, 90))
    assert run(PageBuilder(1).lst(["one", "two"], ordered=True, y=(600, 730)), restart).logical_blocks == []
    bullets = PageBuilder(2).lst(["bullet"], ordered=False, y=(60, 90))
    assert run(PageBuilder(1).lst(["one"], ordered=True, y=(600, 730)), bullets).logical_blocks == []


def test_table_over_three_pages_with_repeated_and_absent_headers() -> None:
    one = PageBuilder(1).para("Prices.", y=(80, 100)).table([HEAD, ["a", "1"], ["b", "2"]], header=1, y=(400, 740))
    two = PageBuilder(2).table([HEAD, ["c", "3"]], header=1, y=(50, 740))
    three = PageBuilder(3).table([["d", "4"]], y=(50, 100)).para("After the table.", y=(120, 140))
    structure = run(one, two, three)
    (merged,) = structure.logical_blocks
    assert parts(structure) == [[(1, 1), (2, 0), (3, 0)]] and merged.breaks == ["page", "page"]
    (table,) = structure.tables
    assert table.data.grid() == [HEAD, ["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"]]
    assert (table.index, table.header_rows, table.repeated_header_rows, table.page) == (1, 1, 1, 1)
    assert [c.header for c in table.data.cells if c.row == 0] == [True, True]
    assert merged.text.splitlines()[3] == "c\t3"


def test_table_with_a_different_header_or_shape_is_a_new_table() -> None:
    one = PageBuilder(1).table([HEAD, ["a", "1"]], header=1, y=(400, 740))
    other_header = PageBuilder(2).table([["Name", "Age"], ["x", "9"]], header=1, y=(50, 200))
    assert len(run(one, other_header).tables) == 2
    three_cols = PageBuilder(2).table([["x", "9", "z"]], y=(50, 200))
    assert run(PageBuilder(1).table([HEAD, ["a", "1"]], header=1, y=(400, 740)), three_cols).logical_blocks == []
    captioned = PageBuilder(2).table([["c", "3"]], y=(50, 200), caption="Table 2: other data")
    assert run(PageBuilder(1).table([HEAD], header=1, y=(400, 740)), captioned).logical_blocks == []
    continued = PageBuilder(2).table([["c", "3"]], y=(50, 200), caption="Table 1 (continued)")
    assert len(run(PageBuilder(1).table([HEAD], header=1, y=(400, 740)), continued).logical_blocks) == 1


def test_unmerged_tables_are_numbered_in_reading_order() -> None:
    one = PageBuilder(1).table([["a"]], y=(100, 200)).para("Between.", y=(210, 220)).table([["b"]], y=(300, 400))
    structure = run(one, PageBuilder(2).table([["c"]], y=(100, 200)))
    assert [(t.index, t.page, t.data.grid()) for t in structure.tables] == [
        (1, 1, [["a"]]),
        (2, 1, [["b"]]),
        (3, 2, [["c"]]),
    ]
    assert all(t.logical_id is None and len(t.parts) == 1 for t in structure.tables)
