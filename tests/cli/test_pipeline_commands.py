"""The pipeline commands on the embedded default (SQLite + in-process tasks), as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from schemas import Document
from schemas.generate import SCHEMA_DIR
from tests.cli.conftest import Run
from tests.paths import REPO_ROOT, SAMPLES_DIR


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SAMPLES_DIR / "invoice.pdf", folder / "invoice.pdf")
    shutil.copy(SAMPLES_DIR / "scan.png", folder / "sub" / "scan.png")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << >>\n" + b"\x00junk" * 50)
    (folder / "notes.txt").write_text("not a document\n", encoding="utf-8")
    return folder


def _env(tmp_path: Path) -> dict[str, str]:
    return {"DOCPARSE_DATA_DIR": str(tmp_path / "data"), "DOCPARSE_ENGINE": "pdf-text"}


def _ids(listing: str) -> dict[str, str]:
    """file name -> document id from `docparse status` output."""
    found = {}
    for line in listing.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) >= 2 and "-" in cells[0] and cells[1]:
            found[cells[1]] = cells[0]
    return found


def test_ingest_status_export_and_idempotent_reingest(docparse: Run, inbox: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = docparse("ingest", str(inbox), "--recursive", env=env)
    assert first.returncode == 1, "a failed file makes ingest exit non-zero"
    assert "broken.pdf" in first.stdout and "failed" in first.stdout
    assert "notes.txt" in first.stdout and "skipped" in first.stdout
    assert "Traceback" not in first.stderr

    listing = docparse("status", env=env)
    assert listing.returncode == 0, listing.stderr
    ids = _ids(listing.stdout)
    assert set(ids) == {"invoice.pdf", "scan.png", "broken.pdf"}, listing.stdout

    detail = docparse("status", ids["scan.png"], env=env)
    assert detail.returncode == 0 and "pending" in detail.stdout and "needs_vlm" in detail.stdout

    exported = docparse("export", ids["invoice.pdf"], "--format", "json", env=env)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    jsonschema.validate(data, json.loads((SCHEMA_DIR / "document.schema.json").read_text(encoding="utf-8")))
    invoice = Document.model_validate(data)
    assert invoice.status == "done" and any(b.type == "table" for p in invoice.pages for b in p.blocks)

    out_dir = tmp_path / "exports"
    overlay = docparse("export", "--all", "--format", "html", "--overlay", "-o", str(out_dir), env=env)
    assert overlay.returncode == 0, overlay.stderr
    html = (out_dir / "invoice.pdf.html").read_text(encoding="utf-8")
    assert "data:image/jpeg;base64," in html, "the stored page image is drawn under the boxes"

    again = docparse("ingest", str(inbox), "--recursive", env=env)
    assert again.stdout.count("duplicate") == 3, again.stdout
    assert "queued" not in again.stdout


def test_reprocess_cancel_and_unknown_ids(docparse: Run, inbox: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    docparse("ingest", str(inbox / "invoice.pdf"), env=env)
    ids = _ids(docparse("status", env=env).stdout)
    redo = docparse("reprocess", ids["invoice.pdf"], env=env)
    assert redo.returncode == 0, redo.stderr
    assert ids["invoice.pdf"] in redo.stdout
    exported = Document.model_validate_json(docparse("export", ids["invoice.pdf"], env=env).stdout)
    assert exported.status == "done"
    assert [len(p.attempts) for p in exported.pages] == [2], "the earlier attempt is kept as history"
    assert docparse("reprocess", env=env).returncode == 2
    assert docparse("status", "no-such-id", env=env).returncode == 1
    assert docparse("cancel", "no-such-id", env=env).returncode == 1
    assert docparse("export", "no-such-id", env=env).returncode == 1


def test_worker_needs_a_broker_and_db_upgrade_is_idempotent(docparse: Run, tmp_path: Path) -> None:
    env = _env(tmp_path)
    worker = docparse("worker", env=env)
    assert worker.returncode == 2 and "DOCPARSE_BROKER_URL" in worker.stderr
    for _ in range(2):
        upgraded = docparse("db", "upgrade", env=env)
        assert upgraded.returncode == 0 and "up to date" in upgraded.stdout
    assert (tmp_path / "data" / "docparse.db").exists()


def test_reprocess_pending_pages_with_a_model_engine(docparse: Run, inbox: Path, tmp_path: Path) -> None:
    """The text layer leaves a scan pending; `reprocess --pending --engine ...` runs it with the
    named engine (here the tests' bench-sleep plugin, standing for a vision-language model)."""
    env = {**_env(tmp_path), "DOCPARSE_BENCH_LATENCY_S": "0", "PYTHONPATH": str(REPO_ROOT)}
    env["DOCPARSE_ENGINE_PLUGINS"] = "bench.sleep_engine"
    docparse("ingest", str(inbox / "sub" / "scan.png"), env=env)
    scan_id = _ids(docparse("status", env=env).stdout)["scan.png"]
    redo = docparse("reprocess", "--pending", "--engine", "bench-sleep", env=env)
    assert redo.returncode == 0, redo.stderr
    scan = Document.model_validate_json(docparse("export", scan_id, env=env).stdout)
    assert scan.id == scan_id and scan.status == "done"
    assert [a.engine for a in scan.pages[0].attempts] == ["pdf-text", "bench-sleep"]


def test_a_database_behind_the_code_is_refused_with_the_fix(docparse: Run, tmp_path: Path) -> None:
    """Only the embedded default migrates itself; another database must be upgraded explicitly."""
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    env = {**_env(tmp_path), "DOCPARSE_DATABASE_URL": url}
    refused = docparse("status", env=env)
    assert refused.returncode == 2 and "docparse db upgrade" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert docparse("db", "upgrade", env=env).returncode == 0
    assert docparse("status", env=env).returncode == 0
