"""The output contract: closed models, geometry invariants, table grids, status derivation, schema drift."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import jsonschema
import pytest
from pydantic import TypeAdapter, ValidationError

from schemas import (
    BBox,
    Block,
    Document,
    Page,
    ParagraphBlock,
    TableBlock,
    TableCell,
    TableData,
    block_id,
    derive_document_status,
)
from schemas.generate import SCHEMA_DIR, render, schemas


def test_checked_in_json_schemas_match_the_models() -> None:
    for name, schema in schemas().items():
        on_disk = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert on_disk == render(schema), f"{name} drifted: run `python -m schemas.generate`"


def test_models_are_closed() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ParagraphBlock(id="d:p1:b0", page=1, order=0, text="x", colour="red")  # type: ignore[call-arg]


def test_bbox_rejects_inverted_corners() -> None:
    with pytest.raises(ValidationError, match="ordered"):
        BBox(x0=10, y0=0, x1=5, y1=4)
    assert BBox(x0=1, y0=2, x1=4, y1=8).width == 3


def test_block_union_dispatches_on_type() -> None:
    adapter: TypeAdapter[Block] = TypeAdapter(Block)
    block = adapter.validate_python({"type": "heading", "id": "x", "page": 1, "order": 0, "level": 2, "text": "Intro"})
    assert type(block).__name__ == "HeadingBlock"
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "sparkle", "id": "x", "page": 1, "order": 0})


def test_table_grid_must_be_rectangular_and_covered_once() -> None:
    cells = [
        TableCell(row=0, col=0, colspan=2, header=True, text="Name"),
        TableCell(row=1, col=0, text="a"),
        TableCell(row=1, col=1, text="b"),
    ]
    table = TableData(n_rows=2, n_cols=2, cells=cells)
    assert table.grid() == [["Name", "Name"], ["a", "b"]]
    with pytest.raises(ValidationError, match="covered by two cells"):
        TableData(n_rows=2, n_cols=2, cells=[*cells, TableCell(row=0, col=1, text="dup")])
    with pytest.raises(ValidationError, match="exactly one cell"):
        TableData(n_rows=2, n_cols=2, cells=cells[:2])
    with pytest.raises(ValidationError, match="outside"):
        TableData(n_rows=1, n_cols=1, cells=[TableCell(row=0, col=0, rowspan=2)])


def test_one_slot_grids_are_checked_like_spanned_ones() -> None:
    """Grids of 1x1 cells only (checked without a per-slot loop) reject what the general check rejects."""
    ones = [TableCell(row=r, col=c, text=f"{r}{c}") for r in range(2) for c in range(2)]
    assert TableData(n_rows=2, n_cols=2, cells=ones).grid() == [["00", "01"], ["10", "11"]]
    assert TableData(n_rows=2, n_cols=2, cells=list(reversed(ones))).n_rows == 2
    with pytest.raises(ValidationError, match=r"grid slot \(0,0\) is covered by two cells"):
        TableData(n_rows=2, n_cols=2, cells=[ones[0], *ones[:3]])
    with pytest.raises(ValidationError, match=r"cell at \(2,0\) spans outside the 2x2 grid"):
        TableData(n_rows=2, n_cols=2, cells=[*ones[:3], TableCell(row=2, col=0)])
    with pytest.raises(ValidationError, match=r"cell at \(1,2\) spans outside"):
        TableData(n_rows=2, n_cols=2, cells=[*ones[:3], TableCell(row=1, col=2)])
    with pytest.raises(ValidationError, match="exactly one cell"):
        TableData(n_rows=2, n_cols=2, cells=ones[:3])
    with pytest.raises(ValidationError, match="exactly one cell"):
        TableData(n_rows=1, n_cols=1, cells=[])
    assert TableData(n_rows=0, n_cols=3, cells=[]).cells == []


def test_table_block_inherits_the_grid_invariant() -> None:
    with pytest.raises(ValidationError):
        TableBlock(id="t", page=1, order=0, n_rows=1, n_cols=2, cells=[TableCell(row=0, col=0)])


def _spanned() -> list[TableCell]:
    """A 2x2 grid whose first row is one cell spanning both columns (checked slot by slot)."""
    return [TableCell(row=0, col=0, colspan=2), TableCell(row=1, col=0), TableCell(row=1, col=1)]


def test_a_grid_is_checked_once_however_often_it_is_a_field_value(monkeypatch: pytest.MonkeyPatch) -> None:
    import schemas.blocks

    checks: list[int] = []
    check = schemas.blocks._check_coverage
    monkeypatch.setattr(schemas.blocks, "_check_coverage", lambda *a: checks.append(1) or check(*a))
    table = TableBlock(id="t", page=1, order=0, n_rows=2, n_cols=2, cells=_spanned())
    assert len(checks) == 1
    page = Page(number=1, blocks=[table])
    now = datetime.now(UTC)
    fields = {"sha256": "0" * 64, "filename": "a.pdf", "media_type": "application/pdf", "page_count": 1}
    Document(id="d", **fields, status="done", settings_fingerprint="f", created_at=now, updated_at=now, pages=[page])
    assert len(checks) == 1  # pydantic ran the after-validator twice more: skipped
    plain = table.plain()
    assert type(plain) is TableData and plain.cells is table.cells and plain.grid() == table.grid()
    assert TableData.model_validate(plain) is plain and len(checks) == 1
    assert plain.plain() is plain


def test_a_changed_grid_is_checked_again() -> None:
    table = TableData(n_rows=2, n_cols=2, cells=_spanned())
    with pytest.raises(ValidationError):  # a new cell list (assignment is validated)
        table.cells = _spanned()[:2]
    with pytest.raises(ValidationError):  # the same bad list again, after the first was refused
        table.cells = _spanned()[:2]
    table = TableData(n_rows=2, n_cols=2, cells=_spanned())
    with pytest.raises(ValidationError):  # a new shape
        table.n_rows = 3

    def refused_in_a_page(table: TableData) -> None:
        with pytest.raises(ValidationError, match=r"covered|outside"):
            Page(number=1, blocks=[TableBlock(id="t", page=1, order=0, **dict(table))])
        with pytest.raises(ValidationError):
            TableData.model_validate(table)

    appended = TableData(n_rows=2, n_cols=2, cells=_spanned())
    appended.cells.append(TableCell(row=1, col=1, text="dup"))  # in place: unchecked until it is a field value
    refused_in_a_page(appended)
    replaced = TableData(n_rows=2, n_cols=2, cells=_spanned())
    replaced.cells[1] = TableCell(row=0, col=0)  # same length, a cell replaced
    refused_in_a_page(replaced)
    edited = TableData(n_rows=2, n_cols=2, cells=_spanned())
    edited.cells[0].colspan = 1  # a cell edited in place: slot (0, 1) uncovered
    refused_in_a_page(edited)
    original = TableData(n_rows=2, n_cols=2, cells=_spanned())
    copy = original.model_copy(update={"cells": [*_spanned()[:2], TableCell(row=0, col=1)]})  # shares the mark
    with pytest.raises(ValidationError):
        TableData.model_validate(copy)
    assert TableData.model_validate(original) is original
    restored = pickle.loads(pickle.dumps(original))
    restored.cells[2].col = 0
    with pytest.raises(ValidationError):
        TableData.model_validate(restored)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "failed"),
        (["ok", "ok"], "done"),
        (["ok", "partial"], "partial"),
        (["ok", "failed"], "partial"),
        (["ok", "pending"], "partial"),
        (["pending"], "partial"),
        (["failed", "failed"], "failed"),
    ],
)
def test_document_status_follows_pages(statuses: list[str], expected: str) -> None:
    assert derive_document_status(statuses) == expected  # type: ignore[arg-type]


def test_document_json_validates_against_the_checked_in_schema() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    block = ParagraphBlock(
        id=block_id("abc", 1, 0),
        page=1,
        order=0,
        bbox=BBox(x0=10, y0=10, x1=100, y1=20),
        bbox_norm=BBox(x0=0.1, y0=0.1, x1=0.9, y1=0.2),
        text="hello",
    )
    doc = Document(
        id="abc",
        sha256="0" * 64,
        filename="a.pdf",
        media_type="application/pdf",
        page_count=1,
        status="done",
        settings_fingerprint="f",
        created_at=now,
        updated_at=now,
        pages=[Page(number=1, status="ok", blocks=[block])],
    )
    schema = json.loads((SCHEMA_DIR / "document.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(doc.model_dump_json()), schema)
    assert Document.model_validate_json(doc.model_dump_json()) == doc
    assert block.id == "abc:p1:b0"


def test_how_a_grid_was_checked_is_not_part_of_its_value() -> None:
    table = TableData(n_rows=2, n_cols=2, cells=_spanned())
    same = TableData.model_validate_json(table.model_dump_json())
    assert same == table and same.model_dump() == table.model_dump() == TableData(**dict(table)).model_dump()
    assert table.plain() == table and TableData.model_construct(**dict(table)) == table
