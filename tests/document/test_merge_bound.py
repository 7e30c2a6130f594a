"""A table continued over many pages is merged only as far as the schema's bound on one grid."""

from __future__ import annotations

import pytest

from docparse.document import merge
from schemas import TableCell, TableData


def _part(rows: int, label: str) -> TableData:
    cells = [TableCell(row=r, col=c, text=f"{label}{r}.{c}") for r in range(rows) for c in range(2)]
    return TableData(n_rows=rows, n_cols=2, cells=cells)


def test_parts_past_the_bound_stay_out_of_the_merged_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(merge, "MAX_TABLE_SLOTS", 20)  # 10 rows of 2 columns
    merged = merge.merge_tables([_part(4, "a"), _part(5, "b"), _part(4, "c")], [0, 1, 1])
    # a: 4 rows, b: 4 after its repeated header (8); c's 3 would make 11, past the 10 rows that fit
    assert (merged.n_rows, merged.n_cols) == (8, 2)
    assert [row[0] for row in merged.grid()] == ["a0.0", "a1.0", "a2.0", "a3.0", "b1.0", "b2.0", "b3.0", "b4.0"]


def test_within_the_bound_every_part_is_merged() -> None:
    merged = merge.merge_tables([_part(4, "a"), _part(5, "b"), _part(4, "c")], [0, 1, 1])
    assert merged.n_rows == 4 + 4 + 3
