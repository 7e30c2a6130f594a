"""The blob garbage collector (``docparse db gc``): blobs nothing references and older than the
grace period go; referenced blobs and recent uploads stay. Real SQLite and a real blob folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from docparse.intake import ProcessingRequest, intake_file
from storage import Database, LocalBlobStore
from storage.blob_gc import collect
from tests.ingest.files import make_pdf
from tests.paths import REPO_ROOT


def _age(store: LocalBlobStore, key: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(store.path(key), (then, then))


def test_orphans_older_than_the_grace_period_are_deleted_and_nothing_else(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/docparse.db")
    db.upgrade()
    store = LocalBlobStore(tmp_path / "blobs")
    result = intake_file(make_pdf(tmp_path / "a.pdf", 1), db=db, blobs=store, request=ProcessingRequest())
    assert result.document_id is not None
    with db.unit_of_work() as uow:
        record = uow.documents.get(result.document_id)
    assert record is not None
    old_orphan, new_orphan = store.put_bytes(b"left by a crash"), store.put_bytes(b"an upload in progress")
    for key in (record.blob_key, old_orphan):
        _age(store, key, 7200)

    listed = collect(db, store, older_than_s=3600, dry_run=True)
    assert (listed.scanned, listed.orphans, listed.deleted) == (3, [old_orphan], 0)
    assert store.exists(old_orphan)
    done = collect(db, store, older_than_s=3600)
    assert (done.orphans, done.deleted) == ([old_orphan], 1)
    assert not store.exists(old_orphan)
    assert store.exists(record.blob_key) and store.exists(new_orphan)
    db.dispose()


def test_the_command_reports_what_it_did(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    _age(store, store.put_bytes(b"orphan"), 7200)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    env.update(DOCPARSE_DATA_DIR=str(tmp_path), PYTHONPATH=str(REPO_ROOT))
    run = subprocess.run(
        [str(Path(sys.executable).parent / "docparse"), "db", "gc"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "1 blob(s) scanned, 1 orphaned, deleted 1" in " ".join(run.stdout.split())
