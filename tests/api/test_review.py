"""Review over real HTTP: corrections as human attempts, exports, history, optimistic
concurrency, accept, flags, the queue and reviewer permissions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import assert_problem
from tests.api.review_server import ADMIN, OTHER, OWNER, ReviewDeployment, review_deployment

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewDeployment]:
    with review_deployment(tmp_path_factory.mktemp("review") / "data") as dep:
        yield dep


@pytest.fixture
def owner(deployment: ReviewDeployment) -> Iterator[httpx.Client]:
    with deployment.client(OWNER) as client:
        yield client


def _review(client: httpx.Client, document_id: str, number: int = 1) -> tuple[dict[str, Any], str]:
    response = client.get(f"/v1/documents/{document_id}/pages/{number}/review")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == body["review"]["etag"]
    return body, response.headers["etag"]


def _put(
    client: httpx.Client, document_id: str, blocks: list[dict[str, Any]], etag: str | None, n: int = 1
) -> httpx.Response:
    headers = {"If-Match": etag} if etag is not None else {}
    return client.put(f"/v1/documents/{document_id}/pages/{n}/blocks", json={"blocks": blocks}, headers=headers)


def test_a_correction_is_a_human_attempt_that_every_export_uses(
    deployment: ReviewDeployment, owner: httpx.Client
) -> None:
    document_id = deployment.ids["invoice.pdf"]
    page, etag = _review(owner, document_id)
    blocks = page["blocks"]
    paragraph = next(b for b in blocks if b["type"] == "paragraph")
    table = next(b for b in blocks if b["type"] == "table")
    original_text = paragraph["text"]
    paragraph["text"] = "Corrected by Olivia"
    cell = next(c for c in table["cells"] if not c["header"])
    cell["text"] = "99 fixed"
    moved = dict(paragraph["bbox"], x0=paragraph["bbox"]["x0"] + 10, x1=paragraph["bbox"]["x1"] + 10)
    paragraph["bbox"] = moved

    response = _put(owner, document_id, blocks, etag)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["review"]["reviewed"] and saved["review"]["reviewed_by"] == OWNER and saved["status"] == "ok"
    assert response.headers["etag"] != etag
    fixed = saved["blocks"][paragraph["order"]]
    assert fixed["text"] == "Corrected by Olivia" and fixed["bbox"]["x0"] == pytest.approx(moved["x0"])
    geometry = saved["geometry"]
    assert fixed["bbox_norm"]["x0"] == pytest.approx(moved["x0"] / geometry["width"], abs=1e-6)
    assert "Corrected by Olivia" in fixed["html"] and "data-bbox" in fixed["html"]
    assert "99 fixed" in saved["blocks"][table["order"]]["text"]

    exported = owner.get(f"/v1/documents/{document_id}/export", params={"format": "json"}).json()
    export_page = exported["pages"][0]
    assert export_page["reviewed"] and export_page["blocks"][paragraph["order"]]["text"] == "Corrected by Olivia"
    human = [a for a in export_page["attempts"] if a["chosen"]]
    assert [a["kind"] for a in human] == ["human"] and human[0]["reviewer"] == OWNER
    assert "Corrected by Olivia" in human[0]["output"]  # the correction as QwenVL HTML
    markdown = owner.get(f"/v1/documents/{document_id}/export", params={"format": "md"}).text
    assert "Corrected by Olivia" in markdown and original_text not in markdown and "99 fixed" in markdown
    rows = list(csv.DictReader(io.StringIO(owner.get(f"/v1/documents/{document_id}/export?format=csv").text)))
    assert any(r["text"] == "Corrected by Olivia" for r in rows)

    history = owner.get(f"/v1/documents/{document_id}/pages/1/history").json()
    kinds = [v["attempt"]["kind"] for v in history["versions"]]
    assert kinds[-1] == "human" and set(kinds[:-1]) == {"model"} and kinds[:-1]
    model_version = history["versions"][-2]
    assert model_version["blocks"][paragraph["order"]]["text"] == original_text  # the model's result kept
    assert model_version["attempt"]["output"]  # and its raw output
    assert history["versions"][-1]["attempt"]["reviewer"] == OWNER
    assert owner.get(f"/v1/documents/{document_id}").json()["status"] == "done"


def test_two_tabs_editing_one_page_conflict_and_nothing_is_lost(
    deployment: ReviewDeployment, owner: httpx.Client
) -> None:
    document_id = deployment.ids["report.pdf"]
    page, etag = _review(owner, document_id, 2)
    first = [dict(b) for b in page["blocks"]]
    first[0]["text"] = "tab one"
    second = [dict(b) for b in page["blocks"]]
    second[0]["text"] = "tab two"
    assert _put(owner, document_id, first, etag, 2).status_code == 200
    conflict = _put(owner, document_id, second, etag, 2)
    body = assert_problem(conflict, 409)
    assert body["current"]["blocks"][0]["text"] == "tab one"
    assert body["submitted"]["blocks"][0]["text"] == "tab two"
    assert _review(owner, document_id, 2)[0]["blocks"][0]["text"] == "tab one"
    assert_problem(_put(owner, document_id, second, None, 2), 428)
    assert _put(owner, document_id, second, "*", 2).status_code == 200  # an explicit override


def test_accept_in_one_call_and_a_stale_accept_conflicts(deployment: ReviewDeployment, owner: httpx.Client) -> None:
    document_id = deployment.ids["report.pdf"]
    page, etag = _review(owner, document_id, 1)
    accepted = owner.post(f"/v1/documents/{document_id}/pages/1/accept", headers={"If-Match": etag})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["review"]["reviewed"] and accepted.json()["blocks"] == page["blocks"]
    assert_problem(owner.post(f"/v1/documents/{document_id}/pages/1/accept", headers={"If-Match": etag}), 409)


def test_invalid_corrections_are_refused(deployment: ReviewDeployment, owner: httpx.Client) -> None:
    document_id = deployment.ids["article.pdf"]
    page, etag = _review(owner, document_id)
    table = {k: v for k, v in page["blocks"][0].items() if k in ("id", "page", "order", "bbox", "bbox_norm", "text")}
    table["type"] = "table"
    bad = assert_problem(_put(owner, document_id, [dict(table, n_rows=1, n_cols=2, cells=[])], etag), 422)
    assert "every grid slot" in str(bad)
    assert_problem(_put(owner, document_id, [{"type": "nonsense"}], etag), 422)
    # One cell claiming a 10,000 x 1,000 grid: refused by its size before any slot is walked
    # (schemathesis once made the server walk a far larger grid: 23 GB, OOM-killed).
    cell = {"row": 0, "col": 0, "rowspan": 10_000, "colspan": 1_000, "text": "x"}
    huge = assert_problem(_put(owner, document_id, [dict(table, n_rows=10_000, n_cols=1_000, cells=[cell])], etag), 422)
    assert "more than 2000000 slots" in str(huge)
    too_wide = assert_problem(_put(owner, document_id, [dict(table, n_rows=1, n_cols=10**9, cells=[])], etag), 422)
    assert "n_cols" in str(too_wide)
    assert _review(owner, document_id)[1] == etag  # nothing written


def test_flagged_pages_lead_the_queue_until_reviewed(deployment: ReviewDeployment, owner: httpx.Client) -> None:
    document_id = deployment.ids["article.pdf"]
    flagged = owner.put(f"/v1/documents/{document_id}/pages/1/flag", json={"reason": "totals wrong"})
    assert flagged.status_code == 200 and flagged.json()["flag"] == "totals wrong"
    queue = owner.get("/v1/review").json()
    assert queue["pages"][0]["document_id"] == document_id and queue["pages"][0]["priority"] == 0
    assert queue["pages"][0]["reasons"][0] == "flagged: totals wrong"
    assert [p["priority"] for p in queue["pages"]] == sorted(p["priority"] for p in queue["pages"])
    assert owner.get("/v1/review", params={"document": "nope"}).json()["total"] == 0
    with httpx.Client(base_url=deployment.server.url, headers={"X-API-Key": "mallory-key-0123456789"}) as other:
        assert other.get("/v1/review").json()["total"] == 0  # not their documents
    _, etag = _review(owner, document_id)
    owner.post(f"/v1/documents/{document_id}/pages/1/accept", headers={"If-Match": etag})
    assert (document_id, 1) not in {(p["document_id"], p["page"]) for p in owner.get("/v1/review").json()["pages"]}


def test_reviewers_review_only_what_they_are_assigned_and_manage_nothing(deployment: ReviewDeployment) -> None:
    document_id = deployment.ids["report.pdf"]
    with deployment.client("rita") as rita, deployment.client(OWNER) as owner, deployment.client(OTHER) as other:
        assert_problem(rita.get(f"/v1/documents/{document_id}/pages/3/review"), 404)
        assert_problem(other.put(f"/v1/documents/{document_id}/reviewers/rita"), 404)
        assert_problem(owner.put(f"/v1/documents/{document_id}/reviewers/nobody"), 422)
        assigned = owner.put(f"/v1/documents/{document_id}/reviewers/rita")
        assert [r["reviewer"] for r in assigned.json()["reviewers"]] == ["rita"]
        page, etag = _review(rita, document_id, 3)
        page["blocks"][0]["text"] = "fixed by Rita"
        saved = _put(rita, document_id, page["blocks"], etag, 3)
        assert saved.status_code == 200 and saved.json()["review"]["reviewed_by"] == "rita"
        assert {p["document_id"] for p in rita.get("/v1/review").json()["pages"]} <= {document_id}
        assert [d["id"] for d in rita.get("/v1/documents").json()["documents"]] == [document_id]
        upload = rita.post("/v1/documents", files=[("files", ("a.pdf", b"%PDF-1.4"))])
        assert_problem(upload, 403)
        assert_problem(rita.delete(f"/v1/documents/{document_id}"), 403)
        assert_problem(rita.post(f"/v1/documents/{document_id}/cancel"), 403)
        assert_problem(rita.put(f"/v1/documents/{document_id}/reviewers/ralph"), 403)
        with deployment.client("ralph") as ralph:
            assert_problem(ralph.get(f"/v1/documents/{document_id}"), 404)
        assert owner.delete(f"/v1/documents/{document_id}/reviewers/rita").status_code == 204
        assert_problem(rita.get(f"/v1/documents/{document_id}/pages/3/review"), 404)
        assert rita.get("/v1/documents").json()["total"] == 0
    with deployment.client(ADMIN) as admin:
        assert (
            admin.get(f"/v1/documents/{document_id}/pages/3/history").json()["versions"][-1]["attempt"]["reviewer"]
            == "rita"
        )


def test_the_review_editor_is_inlined_and_inserts_text_only(deployment: ReviewDeployment) -> None:
    from docparse.api.viewer import SCRIPTS, STATIC_DIR

    html = httpx.get(f"{deployment.server.url}/v1/documents/x/view", timeout=10).text
    assert "function installEditor(viewer)" in html and html.count("<script>") == 1
    for name in SCRIPTS:
        script = (STATIC_DIR / name).read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in script, f"{name} uses {sink}: model output and user input must go in as text"


def test_data_set_exports_keep_only_reviewed_pages_when_asked(
    deployment: ReviewDeployment, owner: httpx.Client
) -> None:
    import json
    import zipfile

    document_id = deployment.ids["report.pdf"]
    reviewed = {
        p["number"]
        for p in owner.get(f"/v1/documents/{document_id}/export?format=json").json()["pages"]
        if p["reviewed"]
    }
    response = owner.get(f"/v1/documents/{document_id}/export", params={"format": "omnidocbench", "reviewed": "true"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        entries = json.loads(archive.read("omnidocbench.json"))
        images = [n for n in archive.namelist() if n.startswith("images/")]
    assert {e["page_info"]["page_no"] + 1 for e in entries} == reviewed
    assert sorted(f"images/{e['page_info']['image_path']}" for e in entries) == sorted(images)
    everything = owner.get(f"/v1/documents/{document_id}/export", params={"format": "omnidocbench"})
    with zipfile.ZipFile(io.BytesIO(everything.content)) as archive:
        assert len(json.loads(archive.read("omnidocbench.json"))) == 3

    pairs = owner.get(f"/v1/documents/{document_id}/export", params={"format": "qwenvl", "model_spec": "qwen3-vl-8b"})
    with zipfile.ZipFile(io.BytesIO(pairs.content)) as archive:
        lines = archive.read("train.jsonl").decode().splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert [m["role"] for m in first["messages"]] == ["user", "assistant"]  # Qwen3-VL: no system prompt
    assert first["messages"][0]["content"] == "<image>qwenvl html" and "data-bbox" in first["messages"][1]["content"]
    assert_problem(
        owner.get(f"/v1/documents/{document_id}/export", params={"format": "qwenvl", "model_spec": "nope"}), 422
    )
