"""TEDS and TEDS-struct against trees whose edit distance is known by hand."""

from __future__ import annotations

import pytest

from docparse.eval.teds import table_tree, teds, teds_struct, tree_edit_distance
from schemas import TableCell, TableData
from tests.eval.builders import grid

ABCD = [["ab", "cd"], ["ef", "gh"]]


def merged_top() -> TableData:
    """Row 0 is one cell spanning both columns; row 1 has two cells."""
    cells = [
        TableCell(row=0, col=0, colspan=2, text="ab"),
        TableCell(row=1, col=0, text="ef"),
        TableCell(row=1, col=1, text="gh"),
    ]
    return TableData(n_rows=2, n_cols=2, cells=cells)


def test_tree_shape() -> None:
    tree = table_tree(grid(ABCD))
    assert tree.tag == "table"
    assert [row.tag for row in tree.children] == ["tr", "tr"]
    assert [cell.content for cell in tree.children[1].children] == ["ef", "gh"]
    assert tree.size() == 7  # table + 2 tr + 4 td


def test_identical_tables_score_one() -> None:
    assert teds(grid(ABCD), grid(ABCD)) == 1.0
    assert teds_struct(merged_top(), merged_top()) == 1.0


def test_empty_tables_score_one() -> None:
    assert teds(TableData(), TableData()) == 1.0


def test_one_cell_text_changed() -> None:
    # Trees have 7 nodes each (table, 2 tr, 4 td); only td "gh" -> "gx" differs.
    # Its rename cost is NED("gh", "gx") = 1/2, so TED = 0.5 and TEDS = 1 - 0.5 / 7 = 13/14.
    pred = grid([["ab", "cd"], ["ef", "gx"]])
    assert tree_edit_distance(table_tree(grid(ABCD)), table_tree(pred)) == pytest.approx(0.5)
    assert teds(grid(ABCD), pred) == pytest.approx(13 / 14)
    assert teds_struct(grid(ABCD), pred) == 1.0  # same structure


def test_merged_cell_against_split() -> None:
    # Gold: table, tr[td colspan=2], tr[td, td] = 6 nodes; pred: 2x2 without spans = 7 nodes.
    # Cheapest edit: rename td(colspan=2) -> td (1, spans differ) + insert one td (1) = 2.
    # TEDS-struct = 1 - 2 / max(6, 7) = 5/7.
    split = grid(ABCD)
    assert teds_struct(merged_top(), split) == pytest.approx(5 / 7)
    # With text the rename of the spanning cell still costs 1 and the inserted "cd" cell 1: same 5/7.
    assert teds(merged_top(), split) == pytest.approx(5 / 7)


def test_symmetric_normalizer() -> None:
    assert teds(merged_top(), grid(ABCD)) == pytest.approx(teds(grid(ABCD), merged_top()))


def test_text_only_table_difference_with_whitespace() -> None:
    # cell text is whitespace-normalized before comparison
    assert teds(grid([["a  b"]]), grid([[" a b "]])) == 1.0
