"""Hostile input over real HTTP (issue 13): the API, PostgreSQL, Redis and a pdf-text worker.

Every resource is bounded by the operator: pixel options are checked against the operator's
cap and against each other (422 naming the limit, nothing queued); an upload request may spool
at most ``max_request_bytes``; every file is answered (a file that cannot be opened at all is a
422 entry beside the other files' ids); CSV exports neutralize formulas unless asked not to;
served HTML carries its CSP as a header; 400s are documented problems; a 405 names every method
of its resource in ``Allow``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pymupdf
import pytest

from docparse.render.settings import RenderSettings
from tests.api.conftest import (
    KEYS,
    Deployment,
    LiveServer,
    api_settings,
    assert_problem,
    fresh_pixels,
    upload,
    wait_terminal,
)
from tests.paths import SAMPLES_DIR
from tests.render.helpers import lying_page_count_pdf, tiny_png

INVOICE = SAMPLES_DIR / "invoice.pdf"
CAP = 4_000_000
ALLOWED_MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"
ATTACKS = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", '+HYPERLINK("http://evil.example","x")']


@pytest.fixture(scope="module")
def capped(deployment: Deployment) -> Iterator[LiveServer]:
    """The deployment behind an API with small operator limits: 4 MP of model input, 64 KiB per
    file, 160 KiB of files per request."""
    from docparse.api import create_app

    settings = api_settings(
        max_upload_bytes=64 * 1024,
        max_request_bytes=160 * 1024,
        render=RenderSettings(max_model_pixels=CAP),
        api_allowed_models=[ALLOWED_MODEL],
    )
    with LiveServer(create_app(deployment.services(), settings)) as server:
        yield server


@pytest.fixture
def carol(capped: LiveServer) -> Iterator[httpx.Client]:
    with capped.client(KEYS["alice"]) as client:
        yield client


def _listed(client: httpx.Client) -> int:
    return int(client.get("/v1/documents", params={"limit": 1}).json()["total"])


def test_an_upscaling_pixel_budget_is_refused_naming_the_operator_limit(carol: httpx.Client) -> None:
    before = _listed(carol)
    png = tiny_png()
    assert len(png) < 300
    response = upload(carol, ("dot.png", png), min_pixels="400000000", max_pixels="400000000")
    body = assert_problem(response, 422)
    assert body["limit"] == "max_model_pixels" and body["maximum"] == CAP
    assert "DOCPARSE_MAX_MODEL_PIXELS" in body["detail"] and str(CAP) in body["detail"]
    assert body["errors"][0]["loc"] == ["min_pixels"]
    assert _listed(carol) == before  # nothing stored, nothing queued


@pytest.mark.parametrize("model", ["0", "/etc", "someone/a-400-gb-model"])
def test_an_uploader_cannot_make_a_worker_load_a_model_the_operator_did_not_allow(
    carol: httpx.Client, model: str
) -> None:
    before = _listed(carol)
    body = assert_problem(upload(carol, INVOICE, model=model), 422)
    assert body["limit"] == "allowed_models" and body["errors"][0]["loc"] == ["model"]
    assert "DOCPARSE_API_ALLOWED_MODELS" in body["detail"] and repr(model) in body["detail"]
    assert _listed(carol) == before  # nothing stored, nothing queued


def test_a_model_the_operator_allowed_is_accepted(carol: httpx.Client) -> None:
    response = upload(carol, INVOICE, model=ALLOWED_MODEL, engine="pdf-text")
    assert response.status_code == 202, response.text


def test_min_pixels_over_max_pixels_is_refused(carol: httpx.Client) -> None:
    response = upload(carol, INVOICE, min_pixels="2000000", max_pixels="1000000")
    body = assert_problem(response, 422)
    assert body["limit"] == "min_pixels <= max_pixels" and "min_pixels=2000000" in body["detail"]
    # Only min_pixels given, over the configured max_pixels: the budget in force is what counts.
    body = assert_problem(upload(carol, INVOICE, min_pixels="3000000"), 422)
    assert body["limit"] == "min_pixels <= max_pixels"


def test_an_empty_pixel_option_is_refused(carol: httpx.Client) -> None:
    body = assert_problem(upload(carol, INVOICE, max_pixels=""), 422)
    assert body["errors"] == [
        {"loc": ["max_pixels"], "msg": "must not be empty: leave it out for the default", "type": "empty"}
    ]


def test_the_openapi_document_states_the_operator_cap(capped: LiveServer) -> None:
    schema = httpx.get(f"{capped.url}/openapi.json", timeout=60).json()
    body = schema["paths"]["/v1/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["max_pixels"]["maximum"] == CAP and body["additionalProperties"] is False
    responses = schema["paths"]["/v1/documents"]["post"]["responses"]
    for status in ("400", "413", "415", "422", "503"):
        assert "application/problem+json" in responses[status]["content"], status


def test_a_file_that_cannot_be_opened_is_a_422_entry_beside_the_others(alice: httpx.Client) -> None:
    pixels = fresh_pixels()
    response = upload(alice, ("lying.pdf", lying_page_count_pdf()), INVOICE, max_pixels=pixels)
    assert response.status_code == 202, response.text
    lying, good = response.json()["documents"]
    assert lying["filename"] == "lying.pdf" and "id" not in lying
    assert lying["error"]["status"] == 422 and "claims 1000000000 pages" in lying["error"]["detail"]
    assert good["filename"] == "invoice.pdf" and good["id"]
    assert wait_terminal(alice, good["id"])["status"] == "done"
    # Alone, the same file is a 422 problem (not a 500).
    assert_problem(upload(alice, ("lying.pdf", lying_page_count_pdf()), max_pixels=pixels), 422)


def test_a_request_over_the_request_limit_is_cut_off(carol: httpx.Client) -> None:
    blob = b"%PDF-1.7\n" + b"0" * (60 * 1024)  # each file under the 64 KiB file limit
    response = upload(carol, *[(f"f{i}.pdf", blob) for i in range(8)])  # 480 KiB > 160 KiB + field allowance
    body = assert_problem(response, 413)
    assert "request body is over" in body["detail"]


def test_a_malformed_multipart_body_is_a_documented_400(alice: httpx.Client) -> None:
    response = alice.post(
        "/v1/documents", content=b"--x\r\nno headers here", headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert_problem(response, 400)


def test_a_405_names_every_method_of_the_resource(alice: httpx.Client) -> None:
    response = alice.request("OPTIONS", "/v1/documents/some-id")
    assert_problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"DELETE", "GET", "HEAD"}
    response = alice.request("PUT", "/v1/documents")
    assert_problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}


def _formula_pdf() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    for i, text in enumerate(ATTACKS):
        page.insert_text((72, 100 + 200 * i), text, fontsize=14)
    data: bytes = doc.tobytes()
    doc.close()
    return data


def test_csv_exports_neutralize_formulas_unless_asked_not_to(alice: httpx.Client) -> None:
    response = upload(alice, ("formulas.pdf", _formula_pdf()), max_pixels=fresh_pixels(), engine="pdf-text")
    document_id = response.json()["documents"][0]["id"]
    assert wait_terminal(alice, document_id)["status"] == "done"

    def texts(**params: str) -> list[str]:
        answer = alice.get(f"/v1/documents/{document_id}/export", params={"format": "csv", **params})
        assert answer.status_code == 200, answer.text
        rows = list(csv.DictReader(io.StringIO(answer.text, newline="")))
        return [row["text"] for row in rows]

    safe = texts()
    assert sorted(t for t in safe if t.startswith("'")) == sorted("'" + a for a in ATTACKS)
    assert not any(t.startswith(("=", "+", "@")) for t in safe)
    assert sorted(t for t in texts(neutralize_formulas="false") if t[:1] in "=+@") == sorted(ATTACKS)


def test_served_html_carries_its_csp_as_a_header(alice: httpx.Client) -> None:
    document_id = upload(alice, INVOICE, max_pixels=fresh_pixels()).json()["documents"][0]["id"]
    wait_terminal(alice, document_id)
    response = alice.get(f"/v1/documents/{document_id}/export", params={"format": "html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert 'http-equiv="Content-Security-Policy"' in response.text  # and the page's own <meta>
    assert response.headers["x-content-type-options"] == "nosniff"
