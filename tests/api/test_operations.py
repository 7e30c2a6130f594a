"""healthz, readyz (503 with an unreachable broker), metrics, and the import boundary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from docparse.api import create_app
from storage import StorageSettings
from tests.api.conftest import Deployment, LiveServer, api_settings, assert_problem, upload, wait_terminal
from tests.paths import REPO_ROOT, SAMPLES_DIR
from tests.waiting import poll


def test_health_and_readiness(live: LiveServer) -> None:
    with live.client(None) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "blobs": "ok"}


def test_readyz_is_503_when_the_broker_is_unreachable(deployment: Deployment) -> None:
    services = deployment.services(broker_url="redis://127.0.0.1:1/0")
    with LiveServer(create_app(services, api_settings())) as server, server.client(None) as client:
        body = assert_problem(client.get("/readyz"), 503)
        assert any("broker" in reason for reason in body["reasons"])


def test_readyz_is_503_when_the_blob_store_is_unusable(deployment: Deployment, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"")  # a blob folder under a file cannot be created
    services = deployment.services()
    services.storage = StorageSettings(
        data_dir=deployment.data_dir, database_url=deployment.db_url, blob_url=f"file://{tmp_path}/a-file/blobs"
    )
    with LiveServer(create_app(services, api_settings())) as server, server.client(None) as client:
        body = assert_problem(client.get("/readyz"), 503)
        assert body["reasons"] == ["blob store unusable: BlobStoreError"]


def _sample(text: str, name: str, labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{{{labels}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{{{labels}}} not in metrics")


def test_metrics_count_documents_and_pages(live: LiveServer, ops: httpx.Client) -> None:
    document_id = upload(ops, SAMPLES_DIR / "invoice.pdf", max_pixels="777777").json()["documents"][0]["id"]
    poll(lambda: wait_terminal(ops, document_id), what="a processed document")
    with live.client(None) as anonymous:
        text = anonymous.get("/metrics").text
    for status in ("queued", "running", "done", "partial", "failed", "cancelled"):
        total = ops.get("/v1/documents", params={"status": status, "limit": 1}).json()["total"]
        assert _sample(text, "docparse_documents", f'status="{status}"') == total
    assert _sample(text, "docparse_pages", 'status="ok"') >= 1
    assert _sample(text, "docparse_page_attempts_total", "") >= 1
    assert _sample(text, "docparse_page_retries_total", "") >= 0
    assert _sample(text, "docparse_tokens_total", 'kind="prompt"') >= 0
    assert "docparse_page_attempt_latency_seconds_bucket" in text


def test_importing_the_api_loads_no_model_runtime() -> None:
    code = (
        "import sys, docparse.api, docparse.api.app\n"
        "docparse.api.create_app\n"
        "bad = [m for m in ('torch', 'transformers', 'docparse.pipeline') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)
