"""DOCPARSE_BLOB_URL picks the blob store; S3 takes its endpoint and credentials from the
standard AWS variables."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from storage import LocalBlobStore, S3BlobStore, StorageSettings, blob_store_for
from storage.blobs import sharded_name
from tests.s3 import S3Server


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DOCPARSE_BLOB_URL", "DOCPARSE_BLOB_CACHE_BYTES", "DOCPARSE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCPARSE_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_unset_is_the_local_folder_under_the_data_dir(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = blob_store_for(StorageSettings())
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "data" / "blobs"


def test_a_file_url_is_a_local_folder(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("DOCPARSE_BLOB_URL", f"file://{tmp_path}/elsewhere%20blobs")
    store = blob_store_for(StorageSettings())
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "elsewhere blobs"


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://docs", "docs", ""),
        ("s3://docs/", "docs", ""),
        ("s3://docs/a/b", "docs", "a/b/"),
        ("s3://d-1/x/", "d-1", "x/"),
    ],
)
def test_s3_urls(clean_env: pytest.MonkeyPatch, tmp_path: Path, url: str, bucket: str, prefix: str) -> None:
    clean_env.setenv("DOCPARSE_BLOB_URL", url)
    clean_env.setenv("DOCPARSE_BLOB_CACHE_BYTES", "12345")
    store = blob_store_for(StorageSettings())
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == (bucket, prefix)
    assert store.cache.root == tmp_path / "data" / "blob-cache" and store.cache.max_bytes == 12345


@pytest.mark.parametrize("url", ["gs://bucket", "s3://", "s3:///prefix", "/relative/path", "http://minio:9000/b"])
def test_other_urls_are_refused_with_what_is_accepted(clean_env: pytest.MonkeyPatch, url: str) -> None:
    clean_env.setenv("DOCPARSE_BLOB_URL", url)
    with pytest.raises(pydantic.ValidationError, match="s3://bucket/prefix"):
        StorageSettings()


def test_s3_is_configured_by_the_standard_aws_variables(
    clean_env: pytest.MonkeyPatch, s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = s3_server.new_bucket()
    for name, value in s3_server.env().items():
        clean_env.setenv(name, value)
    clean_env.setenv("DOCPARSE_BLOB_URL", f"s3://{bucket}/docparse/blobs")
    store = blob_store_for(StorageSettings())
    key = store.put_bytes(b"through the environment")
    assert s3_server.objects(bucket) == ["docparse/blobs/" + sharded_name(key)]
    assert store.get(key) == b"through the environment"
    with store.local_copy(key) as path:
        assert path.parent == tmp_path / "data" / "blob-cache"
    assert not (tmp_path / "data" / "blobs").exists()  # nothing written to the local folder
