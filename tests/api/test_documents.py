"""The walk of one upload over real HTTP: upload -> status -> page -> exports -> image ->
reprocess -> cancel -> delete; duplicates and multi-file uploads."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile

import httpx
import jsonschema

from storage import Database
from tests.api.conftest import Deployment, assert_problem, fresh_pixels, upload, wait_terminal
from tests.paths import REPO_ROOT, SAMPLES_DIR
from tests.waiting import poll

INVOICE = SAMPLES_DIR / "invoice.pdf"
ARTICLE = SAMPLES_DIR / "article.pdf"
DOCUMENT_SCHEMA = json.loads((REPO_ROOT / "schemas" / "jsonschema" / "document.schema.json").read_text())


def test_upload_process_export_and_delete(alice: httpx.Client, deployment: Deployment) -> None:
    # bytes no other test uploads (a trailing PDF comment), so deleting frees the original's blob
    unique = INVOICE.read_bytes() + f"\n% {uuid.uuid4().hex}\n".encode()
    response = upload(alice, ("invoice.pdf", unique), max_pixels=fresh_pixels(), engine="pdf-text")
    assert response.status_code == 202, response.text
    [entry] = response.json()["documents"]
    assert entry["filename"] == "invoice.pdf" and entry["duplicate"] is False
    assert entry["status_url"].endswith(f"/v1/documents/{entry['id']}")
    document_id = entry["id"]

    status = wait_terminal(alice, document_id)
    assert status["status"] == "done", status
    assert status["page_counts"] == {"ok": 1} and status["pages"][0]["status"] == "ok"
    assert status["timings"]["attempts"] >= 1 and status["timings"]["mean_latency_s"] is not None

    page = alice.get(f"/v1/documents/{document_id}/pages/1").json()
    assert page["attempts"] is None and page["geometry"]["width"] > 0
    tables = [b for b in page["blocks"] if b["type"] == "table"]
    assert tables, [b["type"] for b in page["blocks"]]
    raw = alice.get(f"/v1/documents/{document_id}/pages/1", params={"raw": "true"}).json()
    assert raw["attempts"] and "output" in raw["attempts"][0]
    assert_problem(alice.get(f"/v1/documents/{document_id}/pages/9"), 404)

    exported = alice.get(f"/v1/documents/{document_id}/export", params={"format": "json"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/json")
    jsonschema.validate(exported.json(), DOCUMENT_SCHEMA)
    rows = list(csv.DictReader(io.StringIO(alice.get(f"/v1/documents/{document_id}/export?format=csv").text)))
    assert rows and any(r.get("type") == "table" for r in rows)
    html = alice.get(f"/v1/documents/{document_id}/export", params={"format": "html", "overlay": "true"}).text
    assert "<script" not in html.lower() and "<table" in html.lower()
    markdown = alice.get(f"/v1/documents/{document_id}/export?format=md").text
    assert "| --- |" in markdown or "|---|" in markdown.replace(" ", "")
    bundle = alice.get(f"/v1/documents/{document_id}/export", params={"format": "csv", "bundle": "zip"})
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = archive.namelist()
        assert "blocks.csv" in names and any(n.startswith("tables/") for n in names)
    assert_problem(alice.get(f"/v1/documents/{document_id}/export?format=xml"), 422)

    image = alice.get(f"/v1/documents/{document_id}/pages/1/image")
    assert image.status_code == 200 and image.headers["content-type"] in ("image/jpeg", "image/png")
    assert image.content[:2] in (b"\xff\xd8", b"\x89P")
    assert page["image_url"] is None or page["image_url"].endswith("/pages/1/image")

    redo = alice.post(f"/v1/documents/{document_id}/reprocess", params={"pages": "all"})
    assert redo.status_code == 202 and redo.json()["pages"] == [1] and redo.json()["queued"] is True
    assert wait_terminal(alice, document_id)["status"] == "done"
    assert alice.post(f"/v1/documents/{document_id}/reprocess?pages=failed").json()["queued"] is False
    cancelled = alice.post(f"/v1/documents/{document_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "done"  # finished: unchanged

    db = Database(deployment.db_url)
    with db.unit_of_work() as uow:
        blob_key = uow.documents.get(document_id).blob_key  # type: ignore[union-attr]
        image_key = uow.pages.image_key(document_id, 1)
    blobs = deployment.services().blobs
    assert blobs.exists(blob_key)
    assert alice.delete(f"/v1/documents/{document_id}").status_code == 204
    with db.unit_of_work() as uow:
        assert uow.documents.get(document_id) is None and uow.pages.states(document_id) == []
    db.dispose()
    assert not blobs.exists(blob_key) and (image_key is None or not blobs.exists(image_key))
    assert_problem(alice.get(f"/v1/documents/{document_id}"), 404)
    assert_problem(alice.delete(f"/v1/documents/{document_id}"), 404)


def test_cancel_a_queued_document(alice: httpx.Client) -> None:
    document_id = upload(alice, ARTICLE, max_pixels=fresh_pixels()).json()["documents"][0]["id"]
    response = alice.post(f"/v1/documents/{document_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] in ("cancelled", "done")  # the worker may be faster than us
    assert wait_terminal(alice, document_id)["status"] in ("cancelled", "done")


def test_duplicate_upload_answers_200_with_the_same_id(alice: httpx.Client) -> None:
    pixels = fresh_pixels()
    first = upload(alice, INVOICE, max_pixels=pixels)
    second = upload(alice, INVOICE, max_pixels=pixels)
    assert first.status_code == 202 and second.status_code == 200
    [a], [b] = first.json()["documents"], second.json()["documents"]
    assert a["id"] == b["id"] and b["duplicate"] is True


def test_multi_file_upload_answers_per_file(alice: httpx.Client) -> None:
    pixels = fresh_pixels()
    known = upload(alice, INVOICE, max_pixels=pixels).json()["documents"][0]["id"]
    response = upload(alice, ARTICLE, INVOICE, ("notes.txt", b"just some text\n"), max_pixels=pixels)
    assert response.status_code == 202, response.text
    new, duplicate, bad = response.json()["documents"]
    assert new["filename"] == "article.pdf" and new["duplicate"] is False
    assert duplicate["id"] == known and duplicate["duplicate"] is True
    assert bad["filename"] == "notes.txt" and bad["error"]["status"] == 415
    assert {"type", "title", "status", "detail", "instance"} <= set(bad["error"])
    assert "id" not in bad
    poll(lambda: wait_terminal(alice, new["id"]), what="the new document")


def test_listing_is_paginated_and_filtered(alice: httpx.Client) -> None:
    for _ in range(2):
        upload(alice, INVOICE, max_pixels=fresh_pixels())
    page = alice.get("/v1/documents", params={"limit": 1}).json()
    assert page["total"] >= 2 and len(page["documents"]) == 1 and page["limit"] == 1
    second = alice.get("/v1/documents", params={"limit": 1, "offset": 1}).json()
    assert second["documents"][0]["id"] != page["documents"][0]["id"]
    failed = alice.get("/v1/documents", params={"status": "failed"}).json()
    assert all(d["status"] == "failed" for d in failed["documents"])
    assert_problem(alice.get("/v1/documents", params={"status": "bogus"}), 422)
    assert_problem(alice.get("/v1/documents", params={"limit": 0}), 422)
