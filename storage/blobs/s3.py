"""The blob store on S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, GCS's S3 API).

boto3 does the signing, retries and multipart transfers; its standard variables configure it
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``,
profiles, instance roles). boto3 is imported on first use, never by ``import storage``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from storage.blobs import base
from storage.blobs.base import BlobStoreError, sharded_name
from storage.blobs.cache import LocalCopyCache
from storage.blobs.s3_errors import translated

if TYPE_CHECKING:  # pragma: no cover
    from mypy_boto3_s3 import S3Client

MIB = 1024 * 1024
DEFAULT_PART_BYTES = 8 * MIB


def make_client() -> S3Client:
    """An S3 client configured from the standard AWS variables and files. With a custom endpoint
    (MinIO, R2, GCS) requests use path-style addressing; request checksums are sent only where S3
    requires them (several S3-compatible servers reject the newer default ones), unless
    ``AWS_REQUEST_CHECKSUM_CALCULATION`` says otherwise; retries use botocore's ``standard`` mode
    unless ``AWS_RETRY_MODE`` is set."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise BlobStoreError("an s3:// blob store needs boto3: pip install 'docparse[s3]'") from exc

    options: dict[str, Any] = {"max_pool_connections": 32, "connect_timeout": 10, "read_timeout": 120}
    if os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"):
        options["s3"] = {"addressing_style": "path"}
    if "AWS_REQUEST_CHECKSUM_CALCULATION" not in os.environ:
        options["request_checksum_calculation"] = "when_required"
    if "AWS_RESPONSE_CHECKSUM_VALIDATION" not in os.environ:
        options["response_checksum_validation"] = "when_required"
    if "AWS_RETRY_MODE" not in os.environ:
        options["retries"] = {"mode": "standard"}
    return boto3.session.Session().client("s3", config=Config(**options))


class S3BlobStore:
    """Blobs as objects ``<prefix>ab/cd/abcd…`` in ``bucket`` (the local store's layout, so a blob
    folder can be synced into a bucket as it is).

    Files are hashed first and uploaded only when the key is absent (re-ingesting a folder uploads
    nothing), in parts of ``part_bytes`` above that size, and re-hashed while uploading: a file
    that changed in between is removed again and refused. :meth:`local_copy` serves a verified
    copy from ``cache``. The client is made per process (a forked worker makes its own) and the
    bucket is checked once, on first use, so a missing bucket or bad credentials fail with a clear
    :class:`BlobStoreError` before any work.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        cache: LocalCopyCache | None = None,
        client: S3Client | None = None,
        part_bytes: int = DEFAULT_PART_BYTES,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.cache = cache or LocalCopyCache(Path(tempfile.gettempdir()) / "docparse-blob-cache", 1024 * MIB)
        self.part_bytes = max(5 * MIB, part_bytes)  # S3's smallest part
        self._given = client
        self._client: S3Client | None = None
        self._pid = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def __repr__(self) -> str:
        return f"S3BlobStore({self.url!r})"

    @property
    def client(self) -> S3Client:
        """This process's client (made, and the bucket checked, on first use)."""
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                client = self._given if self._given is not None and self._pid == 0 else make_client()
                with translated(self.url, client.meta.endpoint_url):
                    client.head_bucket(Bucket=self.bucket)
                self._client, self._pid = client, os.getpid()
            return self._client

    def put_bytes(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if not self.exists(key):
            with self._errors(key):
                self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)
        return key

    def put_file(self, path: Path) -> str:
        key = _file_sha256(Path(path))
        if self.exists(key):
            return key
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=self.part_bytes, multipart_chunksize=self.part_bytes, max_concurrency=4
        )
        with Path(path).open("rb") as source, self._errors(key):
            reader = _HashingReader(source, self.part_bytes)
            self.client.upload_fileobj(cast(BinaryIO, reader), self.bucket, self._name(key), Config=config)
        if reader.hexdigest() != key:  # the file changed between hashing and uploading
            self.delete(key)
            raise BlobStoreError(f"{path} changed while it was being stored; store it again")
        return key

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        with self._errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
        return cast(BinaryIO, body)

    def get(self, key: str) -> bytes:
        with self.open(key) as handle, self._errors(key):
            return handle.read()

    def exists(self, key: str) -> bool:
        name = self._name(key)
        from botocore.exceptions import ClientError

        with self._errors(key):
            try:
                self.client.head_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}:
                    return False
                raise
        return True

    def delete(self, key: str) -> None:
        name = self._name(key)
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=name)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        name = self._name(key)

        def fetch(dest: Path) -> None:
            with self._errors(key):
                self.client.download_file(self.bucket, name, str(dest))

        with self.cache.copy(key, fetch) as path:
            yield path

    def check(self) -> None:
        client = self.client
        with translated(self.url, client.meta.endpoint_url):
            client.head_bucket(Bucket=self.bucket)

    def _name(self, key: str) -> str:
        return self.prefix + sharded_name(key)

    @contextmanager
    def _errors(self, key: str | None) -> Iterator[None]:
        with translated(self.url, self.client.meta.endpoint_url, key):
            yield


class _HashingReader:
    """A read-only, non-seekable view of a file that hashes what is read (what was uploaded).
    Reads are bounded: "the rest" is at most ``limit`` bytes (s3transfer asks for the rest of a
    file smaller than one part; a file that grew meanwhile fails the hash check)."""

    def __init__(self, source: BinaryIO, limit: int) -> None:
        self._source = source
        self._limit = limit
        self._digest = hashlib.sha256()

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._source.read(self._limit if size is None or size < 0 else size)
        self._digest.update(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(base.CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()
