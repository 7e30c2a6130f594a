"""The document pass's stored results on SQLite and PostgreSQL: idempotent saves, the
structure back on load, and table cells queryable in SQL (the README's example query)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import workers.document_pass
from docparse.document import analyse
from schemas import Attempt, Document, DocumentStructure
from storage import Database
from storage.cell_numbers import cell_number
from storage.sql import bulk_insert_values
from storage.tables import BLOCKS
from tests.document.builders import PageBuilder
from workers.document_pass import run_document_pass

# The README's example: every invoice total over 1,000 (the cell right of a "Total" label).
TOTALS_OVER_1000 = """
SELECT d.filename, t.page, v.text, v.number
FROM table_cells AS k
JOIN table_cells AS v
  ON v.document_id = k.document_id AND v.table_index = k.table_index
 AND v.row_index = k.row_index AND v.col_index = k.col_index + 1
JOIN document_tables AS t ON t.document_id = k.document_id AND t.table_index = k.table_index
JOIN documents AS d ON d.id = k.document_id
WHERE lower(k.text) = 'total' AND v.number > 1000
ORDER BY v.number
"""

HEAD = ["Item", "Amount"]


def invoice_pages(total: str) -> list[PageBuilder]:
    """Two pages: a line-items table continued on page 2 (header repeated), ending in a total."""
    one = PageBuilder(1).para("Invoice", y=(60, 80)).table([HEAD, ["Chairs", "756.00"]], header=1, y=(400, 740))
    two = PageBuilder(2).table([HEAD, ["Desks", "919.00"], ["Total", total]], header=1, y=(50, 200))
    return [one, two]


def store(db: Database, queued: Callable[..., str], pages: list[PageBuilder]) -> tuple[str, Document]:
    """A document with these pages saved (so it is terminal) and loaded back."""
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, len(pages))
        assert uow.pages.save_results([(document_id, p.page()) for p in pages])[document_id] == "done"
        uow.commit()
    with db.unit_of_work() as uow:
        document = uow.documents.load(document_id)
    assert document is not None and document.structure is None  # the pass has not run yet
    return document_id, document


def count(db: Database, table: str, document_id: str) -> int:
    with db.engine.connect() as connection:
        query = sa.text(f"SELECT count(*) FROM {table} WHERE document_id = :d")
        return int(connection.execute(query, {"d": document_id}).scalar_one())


def test_the_pass_is_stored_loaded_and_idempotent(db: Database, queued: Callable[..., str]) -> None:
    document_id, document = store(db, queued, invoice_pages("$1,877.04"))
    structure = run_document_pass(db, document_id)
    assert structure is not None and structure == analyse(document)
    with db.unit_of_work() as uow:
        loaded = uow.documents.load(document_id)
        assert uow.structures.version(document_id) == structure.pass_version
    assert loaded is not None and loaded.structure == structure
    counts = [count(db, t, document_id) for t in ("document_passes", "document_tables", "table_cells")]
    assert counts == [1, 1, 8]  # one merged table: header + 3 rows, 2 columns
    assert run_document_pass(db, document_id) == structure
    assert [count(db, t, document_id) for t in ("document_passes", "document_tables", "table_cells")] == counts


def test_table_cells_answer_the_readme_query(db: Database, queued: Callable[..., str]) -> None:
    small, _ = store(db, queued, invoice_pages("$980.00"))
    big, _ = store(db, queued, invoice_pages("$1,877.04"))
    bigger, _ = store(db, queued, invoice_pages("12,000.50"))
    for document_id in (small, big, bigger):
        run_document_pass(db, document_id)
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text(TOTALS_OVER_1000)).all()
    assert [(page, text, number) for _, page, text, number in rows] == [
        (1, "$1,877.04", 1877.04),
        (1, "12,000.50", 12000.5),
    ]
    with db.engine.connect() as connection:
        cells = connection.execute(
            sa.text(
                "SELECT row_index, col_index, rowspan, colspan, header, text FROM table_cells "
                "WHERE document_id = :d ORDER BY row_index, col_index"
            ),
            {"d": big},
        ).all()
    assert [tuple(c) for c in cells][:4] == [
        (0, 0, 1, 1, True, "Item"),
        (0, 1, 1, 1, True, "Amount"),
        (1, 0, 1, 1, False, "Chairs"),
        (1, 1, 1, 1, False, "756.00"),
    ]
    with db.engine.connect() as connection:
        (table,) = connection.execute(
            sa.text("SELECT page, last_page, n_rows, n_cols, header_rows FROM document_tables WHERE document_id = :d"),
            {"d": big},
        ).all()
    assert tuple(table) == (1, 2, 4, 2, 1)


def test_a_reset_document_shows_no_stale_structure_and_delete_cascades(
    db: Database, queued: Callable[..., str]
) -> None:
    document_id, _ = store(db, queued, invoice_pages("1,000.01"))
    run_document_pass(db, document_id)
    with db.unit_of_work() as uow:
        uow.pages.reset(document_id)
        uow.commit()
    with db.unit_of_work() as uow:
        reset = uow.documents.load(document_id)
    assert reset is not None and reset.status == "queued" and reset.structure is None
    assert run_document_pass(db, document_id) is None  # not terminal: nothing is run or stored
    with db.unit_of_work() as uow:
        uow.documents.delete(document_id)
        uow.commit()
    assert [count(db, t, document_id) for t in ("document_passes", "document_tables", "table_cells")] == [0, 0, 0]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("13.1", 13.1),
        ("1,204.50", 1204.5),
        ("$1,204.50", 1204.5),
        ("-$5", -5.0),
        ("(3.4)", -3.4),
        ("12%", 12.0),
        ("−7", -7.0),
        ("12 €", 12.0),
        (".5", 0.5),
        ("1\u202f000", 1000.0),
        ("", None),
        ("Q1 2024", None),
        ("1.234,56", None),
        ("12,34", None),
        ("2024-03-15", None),
        ("total", None),
        ("+5", 5.0),
        ("€12", 12.0),
        ("12$", 12.0),
        (" 0.0086 ", 0.0086),
        ("12.", None),
        ("-", None),
        ("12)", None),
        ("SimCLR [6]", None),
        ("\u0661\u0662\u0663", 123.0),  # Arabic-Indic digits
        ("\uff11\uff12", 12.0),  # full-width digits
        ("$", None),  # a currency column's sign alone
        ("-$", None),
        ("(-)", None),
    ],
)
def test_cell_numbers(text: str, number: float | None) -> None:
    assert cell_number(text) == number


@settings(deadline=None, max_examples=300)
@given(
    value=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    grouped=st.booleans(),
    sign=st.sampled_from(["", "+", "-", "\u2212", "()"]),
    currency=st.sampled_from(["", "$", "€", "£", "¥", "₹"]),
    currency_after=st.booleans(),
    percent=st.booleans(),
    zero=st.sampled_from(["0", "\u0660", "\uff10"]),  # ASCII, Arabic-Indic and full-width digits
)
def test_every_accepted_number_format_reads_as_its_value(
    value: Decimal, grouped: bool, sign: str, currency: str, currency_after: bool, percent: bool, zero: str
) -> None:
    """However a number is dressed (sign or accounting parentheses, a currency symbol before or
    after, a percent sign, thousands grouped), the cell reads as its value: the quick rejection of
    texts that cannot be numbers never rejects one."""
    digits = f"{value:,.2f}" if grouped else f"{value:.2f}"
    digits = digits.translate({ord("0") + d: ord(zero) + d for d in range(10)})
    body = f"{digits}{currency}" if currency_after else f"{currency}{digits}"
    body += "%" if percent else ""
    text = f"({body})" if sign == "()" else f"{sign}{body}"
    negative = sign in ("-", "\u2212", "()") and value != 0
    assert cell_number(text) == pytest.approx(-float(value) if negative else float(value))


def test_a_page_changed_after_the_pass_makes_the_stored_result_stale(db: Database, queued: Callable[..., str]) -> None:
    document_id, _ = store(db, queued, invoice_pages("1,500.00"))
    assert run_document_pass(db, document_id) is not None
    with db.unit_of_work() as uow:
        assert uow.structures.get(document_id) is not None
        uow.pages.set_image(document_id, 2, "f" * 64)  # a page row written after the pass ran
        uow.commit()
    with db.unit_of_work() as uow:
        document = uow.documents.load(document_id)
        assert uow.structures.get(document_id) is None
    assert document is not None and document.status == "done" and document.structure is None
    fresh = run_document_pass(db, document_id)
    with db.unit_of_work() as uow:
        assert fresh is not None and uow.structures.get(document_id) == fresh


def test_a_correction_committed_while_the_pass_runs_is_never_lost(
    db: Database, queued: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer corrects page 2 (then runs the pass, as the review API does) while an earlier
    run is between loading the document and saving its result: the earlier run holds the
    document lock from load to save, so the correction waits for it, and the result stored last
    is the corrected one. (Loading and saving in two transactions lost the correction: the
    earlier run saved its older result last, newer than the page, so it looked current.)"""
    document_id, _ = store(db, queued, invoice_pages("1,500.00"))
    with db.unit_of_work() as uow:
        page, state = uow.reviews.page(document_id, 2)
    fixed = [
        b.model_copy(
            update={
                "cells": [c.model_copy(update={"text": "2,000.00"}) if c.text == "1,500.00" else c for c in b.cells]
            }
        )
        if b.type == "table"
        else b
        for b in page.blocks
    ]
    attempt = Attempt(index=0, engine="human", model_width=1232, model_height=1596, output="<table></table>")

    def correct_then_pass() -> None:
        with db.unit_of_work() as uow:
            uow.reviews.correct(document_id, 2, blocks=fixed, attempt=attempt, reviewer="rita", expected=state.token)
            uow.commit()
        assert run_document_pass(db, document_id) is not None

    reviewer = threading.Thread(target=correct_then_pass)
    calls: list[str] = []

    def analyse_while_a_reviewer_saves(document: Document) -> DocumentStructure:
        calls.append(document.id)
        if len(calls) == 1:  # the earlier run, its document loaded: the reviewer saves now
            reviewer.start()
            reviewer.join(timeout=0.5)  # without the lock held, the reviewer is done by now
        return analyse(document)

    monkeypatch.setattr(workers.document_pass, "analyse", analyse_while_a_reviewer_saves)
    assert run_document_pass(db, document_id) is not None
    reviewer.join(timeout=30)
    assert not reviewer.is_alive() and len(calls) == 2
    with db.unit_of_work() as uow:
        structure = uow.structures.get(document_id)
    assert structure is not None  # current: stored after the correction
    assert ["Total", "2,000.00"] in structure.tables[0].data.grid()
    with db.engine.connect() as connection:
        query = sa.text("SELECT text FROM table_cells WHERE document_id = :d AND number >= 1000")
        assert connection.execute(query, {"d": document_id}).scalars().all() == ["2,000.00"]


def test_values_bulk_insert_refuses_json_columns(db: Database) -> None:
    """Tuples go to ``COPY`` as they are, so a JSON column (which needs its text dumped) is refused."""
    with db.session() as session, pytest.raises(ValueError, match="JSON"):
        bulk_insert_values(session, BLOCKS, ["document_id", "attributes"], [("d", {"a": 1})])
