"""What only the S3 store does: multipart uploads, no upload for content already stored, bucket
prefixes, verified local copies, and clear errors for a missing bucket, bad credentials or an
endpoint that does not answer (moto's real server on loopback)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import BlobStoreError, BlobStoreUnavailable, S3BlobStore
from storage.blobs import LocalCopyCache, s3, sharded_name
from tests.paths import SAMPLES_DIR
from tests.s3 import S3Server, free_port, running_s3_server
from workers.faults import is_transient

MIB = 1024 * 1024


def make_store(server: S3Server, tmp_path: Path, bucket: str, prefix: str = "") -> S3BlobStore:
    return S3BlobStore(bucket, prefix, cache=LocalCopyCache(tmp_path / "cache", 64 * MIB), client=server.client())


@pytest.fixture
def store(s3_server: S3Server, tmp_path: Path) -> S3BlobStore:
    return make_store(s3_server, tmp_path, s3_server.new_bucket(), "docparse")


def test_big_files_go_up_in_parts(store: S3BlobStore, s3_server: S3Server, tmp_path: Path) -> None:
    data = bytes(range(256)) * (11 * MIB // 256)  # 11 MiB: parts of 5, 5 and 1 MiB
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    store.part_bytes = 5 * MIB
    key = store.put_file(source)
    head = s3_server.client().head_object(Bucket=store.bucket, Key="docparse/" + sharded_name(key))
    assert head["ETag"].strip('"').endswith("-3")  # S3's mark of a three-part upload
    assert head["ContentLength"] == len(data)
    assert store.get(key) == data


def test_content_already_stored_is_not_uploaded_again(
    store: S3BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "doc.pdf"
    source.write_bytes(b"%PDF-1.7 the same bytes")
    key = store.put_file(source)
    uploads: list[str] = []
    monkeypatch.setattr(store.client, "upload_fileobj", lambda *a, **k: uploads.append("upload_fileobj"))
    monkeypatch.setattr(store.client, "put_object", lambda **k: uploads.append("put_object"))
    assert store.put_file(source) == key
    assert store.put_bytes(source.read_bytes()) == key
    assert uploads == []


def test_a_file_that_changes_while_stored_is_refused(
    store: S3BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "growing.log"
    source.write_bytes(b"first version")
    first = hashlib.sha256(b"first version").hexdigest()
    real_hash = s3._file_sha256

    def hash_then_change(path: Path) -> str:
        digest = real_hash(path)
        path.write_bytes(b"second version, longer")  # written between hashing and uploading
        return digest

    monkeypatch.setattr(s3, "_file_sha256", hash_then_change)
    with pytest.raises(BlobStoreError, match="changed while it was being stored"):
        store.put_file(source)
    assert not store.exists(first)  # nothing stored under a key its content does not match


def test_prefixes_keep_stores_apart(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket()
    tenant_a = make_store(s3_server, tmp_path / "a", bucket, "a/blobs/")
    tenant_b = make_store(s3_server, tmp_path / "b", bucket, "/b/")
    key = tenant_a.put_bytes(b"only in a")
    assert tenant_a.url == f"s3://{bucket}/a/blobs/" and tenant_b.url == f"s3://{bucket}/b/"
    assert not tenant_b.exists(key)
    assert s3_server.objects(bucket) == ["a/blobs/" + sharded_name(key)]


def test_local_copies_are_cached_and_verified(
    store: S3BlobStore, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = store.put_bytes(b"original bytes")
    with store.local_copy(key) as path:
        assert path.parent == store.cache.root and path.read_bytes() == b"original bytes"
    downloads: list[str] = []
    monkeypatch.setattr(store.client, "download_file", lambda *a, **k: downloads.append("download_file"))
    with store.local_copy(key) as again:
        assert again == path
    assert downloads == []  # served from the cache
    monkeypatch.undo()
    # An object whose content does not match its key (a corrupt or tampered store) is refused.
    forged = hashlib.sha256(b"expected").hexdigest()
    s3_server.client().put_object(Bucket=store.bucket, Key="docparse/" + sharded_name(forged), Body=b"forged")
    with pytest.raises(BlobStoreError, match="different content"), store.local_copy(forged):
        pass
    assert sorted(p.name for p in store.cache.root.iterdir()) == [key]  # nothing forged or partial kept


def test_a_missing_bucket_is_a_clear_error(s3_server: S3Server, tmp_path: Path) -> None:
    store = make_store(s3_server, tmp_path, "no-such-bucket-here")
    for use in (store.check, lambda: store.put_bytes(b"x"), lambda: store.exists("0" * 64)):
        with pytest.raises(BlobStoreError, match="the S3 bucket 'no-such-bucket-here' does not exist at http"):
            use()


@pytest.fixture(scope="module")
def authenticating_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_s3_server(tmp_path_factory.mktemp("s3auth"), authenticate=True) as server:
        yield server


def test_bad_credentials_are_a_clear_error(authenticating_server: S3Server, tmp_path: Path) -> None:
    store = S3BlobStore(
        "docparse", cache=LocalCopyCache(tmp_path, MIB), client=authenticating_server.client(access_key="AKIAWRONG")
    )
    with pytest.raises(BlobStoreError, match="AWS_ACCESS_KEY_ID") as caught:
        store.put_bytes(b"x")
    assert not is_transient(caught.value)  # not retried: fix the configuration


def test_an_endpoint_that_does_not_answer_is_transient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    store = S3BlobStore("docparse", cache=LocalCopyCache(tmp_path, MIB))
    with pytest.raises(BlobStoreUnavailable, match=f"cannot reach the S3 endpoint {endpoint}") as caught:
        store.get("0" * 64)
    assert is_transient(caught.value)  # the workers' tasks retry it


def test_docparse_ingest_on_s3_or_a_clear_error(s3_server: S3Server, tmp_path: Path) -> None:
    """The whole embedded path on S3 (intake, render, infer, page images); a missing bucket stops
    ``docparse ingest`` with the reason before any file is read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    env.update(s3_server.env(), DOCPARSE_DATA_DIR=str(tmp_path / "data"), DOCPARSE_ENGINE="pdf-text")
    ingest = [str(Path(sys.executable).with_name("docparse")), "ingest", str(SAMPLES_DIR / "invoice.pdf")]

    missing = subprocess.run(
        ingest, env={**env, "DOCPARSE_BLOB_URL": "s3://not-created/x"}, capture_output=True, text=True, check=False
    )
    assert missing.returncode == 1
    message = " ".join(missing.stderr.split())  # rich wraps lines
    assert "the S3 bucket 'not-created' does not exist" in message and "Traceback" not in message

    bucket = s3_server.new_bucket()
    done = subprocess.run(
        ingest, env={**env, "DOCPARSE_BLOB_URL": f"s3://{bucket}/p"}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    original = hashlib.sha256((SAMPLES_DIR / "invoice.pdf").read_bytes()).hexdigest()
    stored = s3_server.objects(bucket)
    assert f"p/{sharded_name(original)}" in stored and len(stored) >= 2  # the original and its page image
    assert not (tmp_path / "data" / "blobs").exists()
