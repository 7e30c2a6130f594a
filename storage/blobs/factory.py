"""The blob store named by a URL (``DOCPARSE_BLOB_URL``)."""

from __future__ import annotations

from pathlib import Path

from storage.blobs.base import BlobStore
from storage.blobs.cache import LocalCopyCache
from storage.blobs.local import LocalBlobStore
from storage.blobs.s3 import S3BlobStore
from storage.settings import StorageSettings, parse_blob_url


def blob_store_from_url(url: str, *, local_root: Path, cache_dir: Path, cache_bytes: int) -> BlobStore:
    """``""`` -> a :class:`LocalBlobStore` at ``local_root``; ``file:///path`` -> one at that path;
    ``s3://bucket/prefix`` -> an :class:`S3BlobStore` (endpoint and credentials from the standard
    AWS variables) whose local copies are cached in ``cache_dir`` (at most ``cache_bytes``).
    ``ValueError`` for any other URL."""
    location = parse_blob_url(url)
    if location.scheme == "s3":
        return S3BlobStore(location.bucket, location.prefix, cache=LocalCopyCache(cache_dir, cache_bytes))
    return LocalBlobStore(Path(location.path) if location.path else local_root)


def blob_store_for(settings: StorageSettings) -> BlobStore:
    """The blob store ``settings`` configure (see :class:`storage.StorageSettings`)."""
    return blob_store_from_url(
        settings.blob_url,
        local_root=settings.blob_dir,
        cache_dir=settings.blob_cache_dir,
        cache_bytes=settings.blob_cache_bytes,
    )
