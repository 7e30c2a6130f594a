"""The blob store: content-addressed bytes (originals, page images, large raw outputs).

Two stores keep the same promises (:class:`BlobStore`): :class:`LocalBlobStore`, a folder (the
embedded default), and :class:`S3BlobStore`, S3-compatible object storage, so worker hosts
share no disk. :func:`blob_store_for` builds the one the settings name
(``DOCPARSE_BLOB_URL``). Code that needs a file name asks for a local copy::

    with blobs.local_copy(key) as path:   # the file itself locally, a cached verified copy on S3
        with open_document(path) as opened:
            ...
"""

from storage.blobs.base import (
    CHUNK_SIZE,
    BlobStore,
    BlobStoreError,
    BlobStoreUnavailable,
    check_key,
    sharded_name,
)
from storage.blobs.cache import LocalCopyCache
from storage.blobs.factory import blob_store_for, blob_store_from_url
from storage.blobs.local import LocalBlobStore
from storage.blobs.s3 import S3BlobStore

__all__ = [
    "CHUNK_SIZE",
    "BlobStore",
    "BlobStoreError",
    "BlobStoreUnavailable",
    "LocalBlobStore",
    "LocalCopyCache",
    "S3BlobStore",
    "blob_store_for",
    "blob_store_from_url",
    "check_key",
    "sharded_name",
]
