"""Every error status as a problem-details body; ownership, admin keys and disabled auth."""

from __future__ import annotations

import httpx
import pytest

from docparse.api import ApiSettings, create_app
from tests.api.conftest import ADMIN_KEYS, Deployment, LiveServer, assert_problem, fresh_pixels, upload
from tests.paths import SAMPLES_DIR

INVOICE = SAMPLES_DIR / "invoice.pdf"
ARTICLE = SAMPLES_DIR / "article.pdf"


def test_missing_and_wrong_keys_are_401(live: LiveServer) -> None:
    with live.client(None) as anonymous:
        body = assert_problem(anonymous.get("/v1/documents"), 401)
        assert "X-API-Key" in body["detail"]
    with live.client("not-a-key") as wrong:
        response = wrong.get("/v1/documents")
        assert_problem(response, 401)
        assert "not-a-key" not in response.text
        assert_problem(upload(wrong, INVOICE), 401)


def test_other_owners_documents_are_404_and_admins_see_all(
    alice: httpx.Client, bob: httpx.Client, ops: httpx.Client
) -> None:
    document_id = upload(alice, INVOICE, max_pixels=fresh_pixels()).json()["documents"][0]["id"]
    for path in ("", "/pages/1", "/pages/1/image", "/export"):
        body = assert_problem(bob.get(f"/v1/documents/{document_id}{path}"), 404)
        assert body["instance"] == f"/v1/documents/{document_id}{path}"
    assert_problem(bob.post(f"/v1/documents/{document_id}/cancel"), 404)
    assert_problem(bob.delete(f"/v1/documents/{document_id}"), 404)
    assert document_id not in {d["id"] for d in bob.get("/v1/documents").json()["documents"]}
    assert ops.get(f"/v1/documents/{document_id}").status_code == 200
    listed = ops.get("/v1/documents", params={"limit": 500}).json()
    assert document_id in {d["id"] for d in listed["documents"]}
    # the same bytes and settings from another key: a document of bob's own, nothing about alice's
    same = upload(
        bob, INVOICE, max_pixels=str(alice.get(f"/v1/documents/{document_id}").json()["settings"]["max_pixels"])
    )
    assert same.status_code == 202, same.text
    bobs = same.json()["documents"][0]
    assert bobs["id"] != document_id and bobs["duplicate"] is False


def test_too_big_unsupported_and_too_many_pages(strict_live: LiveServer) -> None:
    with strict_live.client() as client:
        big = assert_problem(upload(client, ("big.pdf", b"%PDF-1.7\n" + b"0" * (70 * 1024))), 413)
        assert "limit" in big["detail"]
        assert_problem(upload(client, ("notes.txt", b"hello, not a document\n")), 415)
        pages = assert_problem(upload(client, ARTICLE, max_pixels=fresh_pixels()), 422)
        assert "2 pages" in pages["detail"]
        assert_problem(upload(client, ("empty.pdf", b"")), 422)
        assert_problem(upload(client, ("broken.pdf", b"%PDF-1.7\nnot really a pdf")), 422)
        mixed = assert_problem(upload(client, ("a.txt", b"text"), ARTICLE), 422)
        assert [entry["error"]["status"] for entry in mixed["documents"]] == [415, 422]


def test_validation_errors_are_problems(alice: httpx.Client) -> None:
    body = assert_problem(upload(alice, INVOICE, engine="warp-drive"), 422)
    assert body["errors"][0]["loc"] == ["engine"]
    assert_problem(upload(alice, INVOICE, max_pixels="-5"), 422)
    assert_problem(upload(alice, INVOICE, model_spec="no-such-spec"), 422)
    assert_problem(upload(alice, INVOICE, colour="blue"), 422)
    assert_problem(alice.post("/v1/documents", files={"engine": (None, "pdf-text")}), 422)  # no files
    assert_problem(alice.post("/v1/documents", json={"files": []}), 415)
    assert_problem(
        alice.post("/v1/documents", content=b"garbage", headers={"content-type": "multipart/form-data"}), 400
    )
    assert_problem(alice.get("/v1/documents/x/pages/0"), 422)
    assert_problem(alice.get("/v1/nowhere"), 404)
    assert_problem(alice.put("/v1/documents"), 405)


def test_auth_disabled_mode(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ApiSettings(api_auth="disabled")
    with LiveServer(create_app(deployment.services(), settings)) as server, server.client(None) as client:
        assert client.get("/v1/documents").status_code == 200
    monkeypatch.setenv("DOCPARSE_ENV", "production")
    with pytest.raises(ValueError, match="refused"):
        ApiSettings(api_auth="disabled")
    monkeypatch.delenv("DOCPARSE_ENV")
    with pytest.raises(ValueError, match="no API keys"):
        ApiSettings()


def test_key_pairs_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPARSE_API_KEYS", "alice:key1, bob:key2")
    monkeypatch.setenv("DOCPARSE_API_ADMIN_KEYS", "ops:key3")
    settings = ApiSettings()
    assert set(settings.api_keys) == {"alice", "bob"} and set(settings.api_admin_keys) == set(ADMIN_KEYS)
    assert "key1" not in repr(settings)
    monkeypatch.setenv("DOCPARSE_API_KEYS", "alice")
    with pytest.raises(ValueError, match="name:key"):
        ApiSettings()


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/v1/review?batch=%5C%00x", ["query", "batch"]),  # found by schemathesis: was a 500 from PostgreSQL
        ("/v1/review?owner=a%00b", ["query", "owner"]),
    ],
)
def test_a_nul_character_in_a_query_parameter_is_a_422_not_a_500(alice: httpx.Client, url: str, loc: list[str]) -> None:
    body = assert_problem(alice.get(url), 422)
    assert body["errors"][0]["loc"] == loc and "NUL" in body["errors"][0]["msg"]
    parameters = alice.get("/openapi.json").json()["paths"][url.split("?")[0]]["get"]["parameters"]
    assert next(p for p in parameters if p["name"] == loc[1])["schema"]["anyOf"][0]["pattern"] == "^[^\\x00]*$"


def test_a_nul_character_in_a_path_parameter_names_nothing(alice: httpx.Client) -> None:
    assert "NUL" in assert_problem(alice.get("/v1/documents/abc%00def"), 404)["detail"]
