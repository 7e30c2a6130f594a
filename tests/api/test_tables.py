"""Tables as data over real HTTP: the 3-page report sample through a real worker (which runs the
document pass when the last page lands), then its tables as JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io

import httpx
import openpyxl
import sqlalchemy as sa

from docparse.export.xlsx_export import MEDIA_TYPE as XLSX
from storage import Database
from tests.api.conftest import Deployment, assert_problem, fresh_pixels, upload, wait_terminal
from tests.document.conftest import report_layout
from tests.paths import SAMPLES_DIR
from tests.waiting import poll

REPORT = SAMPLES_DIR / "report.pdf"


def test_report_tables_as_json_csv_and_xlsx(alice: httpx.Client, bob: httpx.Client, deployment: Deployment) -> None:
    layout = report_layout()
    typed = [layout.REPORT_HEADER, *layout.REPORT_ROWS]
    response = upload(alice, REPORT, max_pixels=fresh_pixels(), engine="pdf-text")
    assert response.status_code == 202, response.text
    document_id = response.json()["documents"][0]["id"]
    assert wait_terminal(alice, document_id)["status"] == "done"

    db = Database(deployment.db_url)  # the worker runs the pass right after the last page's commit

    def stored_cells() -> int | None:
        with db.engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM table_cells WHERE document_id = :d AND table_index = 1")
            n = int(connection.execute(query, {"d": document_id}).scalar_one())
        return n or None

    try:
        cells = poll(stored_cells, timeout_s=30, what="the document pass to be stored")
    finally:
        db.dispose()
    assert cells == len(typed) * len(typed[0])

    listing = alice.get(f"/v1/documents/{document_id}/tables")
    assert listing.status_code == 200, listing.text
    (table,) = listing.json()["tables"]
    assert (table["index"], table["page"], table["pages"], table["n_rows"], table["n_cols"]) == (1, 2, [2, 3], 41, 5)
    assert table["header_rows"] == 1 and table["bbox"]["x0"] > 0 and table["logical_id"]
    assert [p["page"] for p in table["parts"]] == [2, 3]
    assert table["url"].endswith(f"/v1/documents/{document_id}/tables/1")

    detail = alice.get(table["url"])
    assert detail.status_code == 200 and detail.headers["content-type"].startswith("application/json")
    assert detail.json()["rows"] == typed
    assert [c["header"] for c in detail.json()["cells"][:5]] == [True] * 5

    as_csv = alice.get(table["url"], headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv.text))) == typed
    assert alice.get(table["url"], params={"format": "csv"}, headers={"Accept": "application/json"}).text == as_csv.text

    for xlsx in (alice.get(table["url"], params={"format": "xlsx"}), alice.get(table["url"], headers={"Accept": XLSX})):
        assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Table 1"]
        assert [list(row) for row in sheet.iter_rows(values_only=True)] == typed

    whole = alice.get(f"/v1/documents/{document_id}/export", params={"format": "xlsx"})
    assert whole.status_code == 200 and whole.headers["content-type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(whole.content))
    assert workbook.sheetnames == ["Table 1", "Blocks"]
    assert [list(row) for row in workbook["Table 1"].iter_rows(values_only=True)] == typed
    markdown = alice.get(f"/v1/documents/{document_id}/export", params={"format": "md"}).text
    assert "Page 2 of 3" not in markdown and markdown.count("| Region |") == 1
    kept = alice.get(f"/v1/documents/{document_id}/export", params={"format": "md", "furniture": "true"}).text
    assert kept.count("Page 2 of 3") == 1

    assert_problem(alice.get(f"/v1/documents/{document_id}/tables/2"), 404)
    assert_problem(alice.get(f"/v1/documents/{document_id}/tables/1", params={"format": "pdf"}), 422)
    assert_problem(bob.get(f"/v1/documents/{document_id}/tables"), 404)
    assert_problem(bob.get(table["url"]), 404)


def test_tables_are_in_the_openapi_schema(alice: httpx.Client) -> None:
    paths = alice.get("/openapi.json").json()["paths"]
    one = paths["/v1/documents/{document_id}/tables/{n}"]["get"]
    assert {"application/json", "text/csv", XLSX} <= set(one["responses"]["200"]["content"])
    assert "404" in one["responses"] and "/v1/documents/{document_id}/tables" in paths
