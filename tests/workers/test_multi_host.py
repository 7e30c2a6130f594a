"""Workers on several hosts with no shared disk: two worker "hosts" (separate data folders) and an
ingest client in a third process share only Redis, PostgreSQL and an S3 server (moto's, on
loopback). Host A only renders (opens originals), host B only infers (renders pages, stores page
images), so both must read the originals through S3 for the batch to complete."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.ingest.files import make_pdf, sample_folder
from tests.paths import REPO_ROOT
from tests.s3 import S3Server, running_s3_server
from tests.waiting import poll
from tests.workers.conftest import Stack
from workers.worker import EXIT_BLOB_STORE_UNUSABLE

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(300)]
DOCPARSE = str(Path(sys.executable).with_name("docparse"))


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_s3_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


def host_env(stack: Stack, s3: S3Server, data_dir: Path, blob_url: str) -> dict[str, str]:
    return {"DOCPARSE_DATA_DIR": str(data_dir), "DOCPARSE_BLOB_URL": blob_url, **s3.env()}


def test_two_hosts_and_a_client_share_only_broker_database_and_s3(
    stack: Stack, s3_server: S3Server, tmp_path: Path
) -> None:
    stack.configure(pages_per_task=1)
    bucket = s3_server.new_bucket()
    blob_url = f"s3://{bucket}/docparse"
    hosts = {name: tmp_path / f"host-{name}" for name in ("a", "b", "client")}
    stack.start_worker("pdf-text", queues=(stack.queues[0],), **host_env(stack, s3_server, hosts["a"], blob_url))
    stack.start_worker("pdf-text", queues=(stack.queues[1],), **host_env(stack, s3_server, hosts["b"], blob_url))
    inbox = tmp_path / "inbox"
    for path in sample_folder(inbox).glob("*.png"):
        path.unlink()  # PDFs only: every page gets a result from the pdf-text engine
    make_pdf(inbox / "five.pdf", 5, label="Five")

    client = subprocess.run(
        [DOCPARSE, "ingest", str(inbox), "--wait", "--timeout", "180"],
        cwd=REPO_ROOT,
        env=stack.env(PYTHONPATH=str(REPO_ROOT), **host_env(stack, s3_server, hosts["client"], blob_url)),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert client.returncode == 0, f"{client.stdout}\n{client.stderr}\n{stack.logs()}"

    with stack.db.unit_of_work() as uow:
        records = uow.documents.list(limit=100)
    assert len(records) == len(list(inbox.glob("*.pdf")))
    assert all(r.status in ("done", "partial") and r.pages_processed == r.page_count for r in records), records
    with stack.db.session() as session:
        pages = session.execute(text("SELECT document_id, number, image_key, deliveries FROM pages")).all()
        attempts = session.execute(
            text("SELECT document_id, page_number, count(*), max(output_key) FROM attempts GROUP BY 1, 2")
        ).all()
    assert len(pages) == sum(r.page_count for r in records) >= 10
    assert sorted((a[0], a[1]) for a in attempts) == sorted((p[0], p[1]) for p in pages)
    assert {a[2] for a in attempts} == {1}  # every page inferred and stored exactly once
    assert all(p.image_key for p in pages)  # host B stored every page image, in S3

    # The bucket holds exactly the originals, the page images and any large raw outputs, once each.
    expected = {r.blob_key for r in records} | {p.image_key for p in pages} | {a[3] for a in attempts if a[3]}
    stored = s3_server.objects(bucket, "docparse/")
    assert sorted(name.rsplit("/", 1)[1] for name in stored) == sorted(expected)
    # No host has a blob folder; both worker hosts read the originals through their own cache.
    for data_dir in hosts.values():
        assert not (data_dir / "blobs").exists(), data_dir
    originals = {r.blob_key for r in records}
    for name in ("a", "b"):
        cached = {p.name for p in (hosts[name] / "blob-cache").iterdir()}
        assert cached == originals, name


def test_a_worker_refuses_to_start_on_a_missing_bucket(stack: Stack, s3_server: S3Server, tmp_path: Path) -> None:
    stack.configure()
    worker = stack.start_worker("pdf-text", **host_env(stack, s3_server, tmp_path / "host", "s3://no-such-bucket/x"))
    try:
        code = poll(lambda: worker.poll() is not None and (worker.returncode,), timeout_s=120, what="its exit")
    except AssertionError:
        pytest.fail(f"the worker did not exit:\n{stack.logs()}")
    assert code == (EXIT_BLOB_STORE_UNUSABLE,)
    log = " ".join(stack.logs().split())  # the console wraps lines
    assert "unusable: the S3 bucket 'no-such-bucket' does not exist" in log
    assert "Traceback" not in log
