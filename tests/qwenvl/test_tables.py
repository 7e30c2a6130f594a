"""Tables to rectangular grids: spans, ragged rows, headers, empty cells, nested tables."""

from __future__ import annotations

import pytest

from tests.qwenvl.helpers import codes, parse


def table(inner: str, wrapper: bool = True) -> str:
    body = f"<table>{inner}</table>"
    return (
        f'<div class="table" data-bbox="1 2 500 300">{body}</div>'
        if wrapper
        else body.replace("<table>", '<table data-bbox="1 2 500 300">')
    )


@pytest.mark.parametrize("wrapper", [True, False])
def test_spans_fill_the_grid(wrapper: bool) -> None:
    result = parse(table('<tr><td rowspan="2">A</td><td colspan="2">B</td></tr><tr><td>c</td><td>d</td></tr>', wrapper))
    block = result.blocks[0]
    assert block.type == "table"
    assert block.bbox is not None
    assert block.grid() == [["A", "B", "B"], ["A", "c", "d"]]
    assert block.text == "A\tB\n\tc\td"
    assert "table_normalized" not in codes(result)


def test_ragged_rows_are_padded_and_reported() -> None:
    result = parse(table("<tr><td>1</td><td>2</td><td>3</td></tr><tr><td>4</td></tr>"))
    assert result.blocks[0].grid() == [["1", "2", "3"], ["4", "", ""]]
    issue = next(i for i in result.issues if i.code == "table_normalized")
    assert issue.block == 0
    assert "2 empty cell" in (issue.detail or "")


def test_rowspan_past_the_last_row_is_clipped() -> None:
    result = parse(table('<tr><td rowspan="9">A</td><td>b</td></tr><tr><td>c</td></tr>'))
    block = result.blocks[0]
    assert (block.n_rows, block.n_cols) == (2, 2)
    assert block.cells[0].rowspan == 2
    assert "table_normalized" in codes(result)


def test_overlapping_spans_are_shortened() -> None:
    result = parse(table('<tr><td>a</td><td rowspan="2">b</td><td>c</td></tr><tr><td colspan="3">d</td></tr>'))
    grid = result.blocks[0].grid()
    assert grid == [["a", "b", "c"], ["d", "b", ""]]
    assert "table_normalized" in codes(result)


def test_huge_and_zero_spans() -> None:
    result = parse(
        table('<tr><td colspan="100000">wide</td></tr><tr><td rowspan="0">r</td><td>x</td></tr><tr><td>y</td></tr>')
    )
    block = result.blocks[0]
    assert block.n_cols == 100  # clipped to MAX_SPAN
    assert block.cells[1].text == "r"
    assert block.cells[1].rowspan == 2


def test_headers_from_th_and_thead_and_empty_cells() -> None:
    result = parse(
        table(
            '<thead><tr><td>h1</td><th>h2</th></tr></thead><tbody><tr><th>r</th><td class="_empty"></td></tr></tbody>'
        )
    )
    cells = result.blocks[0].cells
    assert [(c.text, c.header) for c in cells] == [("h1", True), ("h2", True), ("r", True), ("", False)]


def test_nested_table_text_stays_in_its_cell() -> None:
    result = parse(table("<tr><td>outer<table><tr><td>in1</td><td>in2</td></tr></table></td><td>z</td></tr>"))
    assert result.blocks[0].grid() == [["outer in1 in2", "z"]]


def test_caption_and_text_around_the_table() -> None:
    html = (
        '<div class="table" data-bbox="1 2 500 300"><p>Table 3: Title</p>'
        "<table><caption>Cap</caption><tr><td>1</td></tr></table></div>"
    )
    block = parse(html).blocks[0]
    assert block.caption == "Cap Table 3: Title"
    assert block.grid() == [["1"]]


def test_empty_table_with_box_is_kept_and_without_box_dropped() -> None:
    assert parse('<div class="table" data-bbox="1 2 3 4"></div>').blocks[0].n_rows == 0
    result = parse("<table></table><p>x</p>")
    assert [b.type for b in result.blocks] == ["paragraph"]
    assert "element_empty" in codes(result)


def test_a_table_past_the_schemas_grid_bound_is_cut_to_fit_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema bounds a grid (schemas.blocks.MAX_TABLE_*); the parser cuts a larger table to
    fit instead of failing the page. Small bounds here, the same code path as the real ones."""
    from docparse.qwenvl import tables

    monkeypatch.setattr(tables, "MAX_COLUMNS", 5)
    monkeypatch.setattr(tables, "MAX_TABLE_COLS", 10)
    monkeypatch.setattr(tables, "MAX_TABLE_SLOTS", 50)
    wide = "<tr>" + "".join(f"<td>{c}</td>" for c in range(15)) + "</tr>"
    rows = "".join(f"<tr><td>r{r}</td></tr>" for r in range(1, 8))
    result = parse(table(wide + rows))
    block = result.blocks[0]
    assert (block.n_rows, block.n_cols) == (5, 10)  # 50 slots: 10 columns, the first 5 of 8 rows
    assert block.grid()[0] == [str(c) for c in range(10)]
    assert [row[0] for row in block.grid()[1:]] == ["r1", "r2", "r3", "r4"]
    detail = next(i.detail or "" for i in result.issues if i.code == "table_normalized")
    assert "first 5 of 8 rows" in detail and "5 cell(s) past column 10 dropped" in detail


@pytest.mark.parametrize(
    ("widths", "limit"),
    [([3, 3, 3], 8), ([3, 1, 0, 4], 8), ([0, 0], 8), ([5, 2, 7], 4), ([], 8), ([1], 1)],
)
def test_the_span_free_fast_path_places_cells_like_the_general_one(widths: list[int], limit: int) -> None:
    """``_place_unspanned`` (tables without spans) gives the grid, cells, order and fixes of
    ``_place_spanned`` for ragged, empty and too-wide rows."""
    from docparse.qwenvl.tables import _place_spanned, _place_unspanned

    rows = [[(f"r{r}c{c}", 1, 1, c == 0) for c in range(width)] for r, width in enumerate(widths)]
    assert _place_unspanned(rows, limit, []) == _place_spanned(rows, limit, [])
