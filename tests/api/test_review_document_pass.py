"""A reviewer's correction refreshes the document-level results over real HTTP: the 3-page report
sample (a 40-row table continued from page 2 to page 3, running header, footer and page numbers)
parsed in process, then corrected through the review API. After every correction or accept the
stored structure, ``document_tables`` and ``table_cells`` follow what the reviewer saved — the
tables API (JSON/CSV), SQL and the merged-table XLSX export agree — and re-running replaces them
(no duplicate rows). A failing refresh never fails the correction: it leaves the stored result
stale, and readers compute the pass themselves until it runs again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from schemas import DocumentStructure
from storage import Database
from tests.api.review_server import OWNER, ReviewDeployment, review_deployment
from tests.document.conftest import report_layout

pytestmark = pytest.mark.timeout(120)

REPORT = "report.pdf"
REVENUE = 2  # the "Revenue ($)" column


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[ReviewDeployment]:
    """A fresh deployment per test: each one corrects the report its own way."""
    with review_deployment(tmp_path / "data", (REPORT,)) as dep:
        yield dep


@pytest.fixture
def owner(deployment: ReviewDeployment) -> Iterator[httpx.Client]:
    with deployment.client(OWNER) as client:
        yield client


def typed() -> list[list[str]]:
    """The report's table as typed into the generator: header, then 40 rows."""
    layout = report_layout()
    return [list(layout.REPORT_HEADER), *(list(r) for r in layout.REPORT_ROWS)]


def review(client: httpx.Client, document_id: str, number: int) -> tuple[dict[str, Any], str]:
    response = client.get(f"/v1/documents/{document_id}/pages/{number}/review")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body, response.headers["etag"]


def correct(client: httpx.Client, document_id: str, number: int, blocks: list[dict[str, Any]], etag: str) -> None:
    response = client.put(
        f"/v1/documents/{document_id}/pages/{number}/blocks", json={"blocks": blocks}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.text


def edit_cell(client: httpx.Client, document_id: str, number: int, row: int, col: int, text: str) -> int:
    """Correct one cell of the page's table (``row`` in that page's grid); returns the page's
    table row count."""
    page, etag = review(client, document_id, number)
    table = next(b for b in page["blocks"] if b["type"] == "table")
    cell = next(c for c in table["cells"] if (c["row"], c["col"]) == (row, col))
    assert cell["text"] != text
    cell["text"] = text
    correct(client, document_id, number, page["blocks"], etag)
    return int(table["n_rows"])


def stored(db: Database, document_id: str) -> DocumentStructure | None:
    """The stored pass result while it is current (``None``: not run, or stale)."""
    with db.unit_of_work() as uow:
        return uow.structures.get(document_id)


def sql(db: Database, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with db.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(query), params).all()]


def counts(db: Database, document_id: str) -> list[int]:
    return [
        sql(db, f"SELECT count(*) FROM {table} WHERE document_id = :d", d=document_id)[0][0]
        for table in ("document_passes", "document_tables", "table_cells")
    ]


def table_csv(client: httpx.Client, document_id: str, n: int = 1) -> list[list[str]]:
    response = client.get(f"/v1/documents/{document_id}/tables/{n}", params={"format": "csv"})
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


def test_a_corrected_table_cell_reaches_the_tables_api_sql_and_exports(
    deployment: ReviewDeployment, owner: httpx.Client
) -> None:
    document_id, db = deployment.ids[REPORT], deployment.db
    before = stored(db, document_id)
    assert before is not None and [p.page for p in before.tables[0].parts] == [2, 3]  # the worker's pass
    assert table_csv(owner, document_id) == typed()

    # The first data row of the continuation on page 3 (its row 0 repeats the header).
    page2_rows = edit_cell(owner, document_id, 2, 1, REVENUE, "1,111.11")
    edit_cell(owner, document_id, 3, 1, REVENUE, "9,999.99")
    merged_row = page2_rows  # page 2's rows (header + data), then page 3's data rows
    expected = typed()
    expected[1][REVENUE] = "1,111.11"
    expected[merged_row][REVENUE] = "9,999.99"

    assert table_csv(owner, document_id) == expected
    structure = stored(db, document_id)  # stored again by the correction, not computed on read
    assert structure is not None and structure.tables[0].data.grid() == expected
    assert sql(
        db,
        "SELECT row_index, text, number FROM table_cells "
        "WHERE document_id = :d AND table_index = 1 AND col_index = :c AND row_index IN (1, :r) ORDER BY row_index",
        d=document_id,
        c=REVENUE,
        r=merged_row,
    ) == [(1, "1,111.11", 1111.11), (merged_row, "9,999.99", 9999.99)]
    assert sql(db, "SELECT page, last_page, n_rows FROM document_tables WHERE document_id = :d", d=document_id) == [
        (2, 3, 41)
    ]
    export = owner.get(f"/v1/documents/{document_id}/export", params={"format": "xlsx"})
    assert export.status_code == 200, export.text
    sheet = openpyxl.load_workbook(io.BytesIO(export.content))["Table 1"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == expected


def test_deleting_a_continuation_and_a_running_footer_changes_the_structure(
    deployment: ReviewDeployment, owner: httpx.Client
) -> None:
    document_id, db = deployment.ids[REPORT], deployment.db
    before = stored(db, document_id)
    assert before is not None
    assert {label.page for label in before.labels if label.label == "footer"} == {1, 2, 3}
    assert [lb.type for lb in before.logical_blocks].count("table") == 1

    page, etag = review(owner, document_id, 3)
    footer = next(label.block_id for label in before.labels if label.page == 3 and label.label == "footer")
    kept = [b for b in page["blocks"] if b["type"] != "table" and b["id"] != footer]
    assert len(kept) == len(page["blocks"]) - 2
    correct(owner, document_id, 3, kept, etag)
    page2, _ = review(owner, document_id, 2)
    page2_rows = next(b for b in page2["blocks"] if b["type"] == "table")["n_rows"]

    after = stored(db, document_id)
    assert after is not None
    assert {label.page for label in after.labels if label.label == "footer"} == {1, 2}
    assert {label.label for label in after.labels if label.page == 3} == {"header", "page_number"}
    assert "table" not in [lb.type for lb in after.logical_blocks]  # no longer continued
    (table,) = after.tables
    assert [p.page for p in table.parts] == [2] and table.logical_id is None
    assert sql(db, "SELECT page, last_page, n_rows FROM document_tables WHERE document_id = :d", d=document_id) == [
        (2, 2, page2_rows)
    ]
    assert counts(db, document_id) == [1, 1, page2_rows * 5]
    listing = owner.get(f"/v1/documents/{document_id}/tables").json()
    assert [(t["pages"], t["n_rows"]) for t in listing["tables"]] == [([2], page2_rows)]
    assert table_csv(owner, document_id) == typed()[:page2_rows]


def test_refreshing_twice_replaces_the_rows(deployment: ReviewDeployment, owner: httpx.Client) -> None:
    document_id, db = deployment.ids[REPORT], deployment.db
    assert counts(db, document_id) == [1, 1, 41 * 5]
    edit_cell(owner, document_id, 3, 2, 0, "Isles")
    edit_cell(owner, document_id, 3, 2, 0, "Isles of the North")
    _, etag = review(owner, document_id, 1)
    accepted = owner.post(f"/v1/documents/{document_id}/pages/1/accept", headers={"If-Match": etag})
    assert accepted.status_code == 200, accepted.text
    assert stored(db, document_id) is not None  # the accept refreshed it too (a page changed)
    assert counts(db, document_id) == [1, 1, 41 * 5]
    duplicates = sql(
        db,
        "SELECT table_index, row_index, col_index FROM table_cells WHERE document_id = :d "
        "GROUP BY table_index, row_index, col_index HAVING count(*) > 1",
        d=document_id,
    )
    assert duplicates == []
    texts = sql(db, "SELECT text FROM table_cells WHERE document_id = :d AND col_index = 0", d=document_id)
    assert ("Isles of the North",) in texts and ("Isles",) not in texts


def test_a_failing_refresh_keeps_the_correction_and_marks_the_result_stale(
    deployment: ReviewDeployment, owner: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workers.document_pass

    document_id, db = deployment.ids[REPORT], deployment.db
    original = sql(
        db, "SELECT text FROM table_cells WHERE document_id = :d AND row_index = 1 AND col_index = 2", d=document_id
    )

    def broken(document: object) -> DocumentStructure:
        raise RuntimeError("the pass broke")

    monkeypatch.setattr(workers.document_pass, "analyse", broken)
    with capture_logs() as logs:
        edit_cell(owner, document_id, 2, 1, REVENUE, "7,777.77")  # 200 all the same
    failed = [e for e in logs if e["event"] == "document_pass.failed"]
    assert failed and failed[0]["document"] == document_id and failed[0]["log_level"] == "error"
    assert stored(db, document_id) is None  # stale: a page changed after the stored result
    assert sql(
        db,
        "SELECT p.computed_at < (SELECT max(g.updated_at) FROM pages AS g WHERE g.document_id = p.document_id) "
        "FROM document_passes AS p WHERE p.document_id = :d",
        d=document_id,
    ) == [(1,)]  # the marker, in SQL
    assert (
        sql(
            db, "SELECT text FROM table_cells WHERE document_id = :d AND row_index = 1 AND col_index = 2", d=document_id
        )
        == original
    )
    assert table_csv(owner, document_id)[1][REVENUE] == "7,777.77"  # readers run the pass themselves

    monkeypatch.undo()
    _, etag = review(owner, document_id, 2)
    assert owner.post(f"/v1/documents/{document_id}/pages/2/accept", headers={"If-Match": etag}).status_code == 200
    assert stored(db, document_id) is not None
    assert sql(
        db, "SELECT text FROM table_cells WHERE document_id = :d AND row_index = 1 AND col_index = 2", d=document_id
    ) == [("7,777.77",)]
