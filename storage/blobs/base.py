"""What every blob store promises: content-addressed keys, the :class:`BlobStore` protocol and
its errors.

A key is the lowercase hex sha256 of the content, so writing the same bytes twice stores them
once, a key can be checked against its content, and a blob never changes once written (which
is what makes caching local copies safe). Stores lay blobs out as ``ab/cd/abcd…`` under their
root (a folder, or a bucket prefix), so a local store can be copied into a bucket as it is.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from storage.errors import StorageError

CHUNK_SIZE = 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{64}")


class BlobStoreError(StorageError):
    """The blob store is misconfigured or refuses access (a missing bucket, bad credentials, a
    blob whose content does not match its key). Retrying does not help; the message says what to
    fix."""


class BlobStoreUnavailable(BlobStoreError, ConnectionError):
    """The blob store did not answer (connection refused, timeout, a 5xx or throttling after
    the client's own retries): a transient fault, worth retrying later."""


def check_key(key: str) -> str:
    """Return ``key`` if it is 64 lowercase hex characters, else raise ``ValueError`` (so no key
    can name a path or object outside the store)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key (64 lowercase hex characters): {key!r}")
    return key


def sharded_name(key: str) -> str:
    """``ab/cd/abcd…``: where a blob lives under a store's root (the key is checked)."""
    check_key(key)
    return f"{key[:2]}/{key[2:4]}/{key}"


@runtime_checkable
class BlobStore(Protocol):
    """Where storage keeps bytes, by the sha256 hex digest of their content.

    Every implementation behaves the same (``tests/storage/test_blobs_contract.py`` runs the
    same tests on each): keys are checked (``ValueError``), a missing blob is
    ``FileNotFoundError`` for :meth:`get`, :meth:`open` and :meth:`local_copy`, :meth:`exists`
    answers ``False`` and :meth:`delete` does nothing. Configuration and access faults raise
    :class:`BlobStoreError`; an unreachable store :class:`BlobStoreUnavailable`.
    """

    @property
    def url(self) -> str:
        """Where the blobs live, for messages and logs (``file:///…``, ``s3://bucket/prefix/``)."""
        ...

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its key. Storing existing content again is a no-op."""
        ...

    def put_file(self, path: Path) -> str:
        """Store a file's content, streamed in chunks (never whole in memory); return its key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The blob opened for binary reading (a context manager); ``FileNotFoundError`` when missing."""
        ...

    def get(self, key: str) -> bytes:
        """The blob's bytes; ``FileNotFoundError`` when missing."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the blob is stored."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is fine."""
        ...

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """``with store.local_copy(key) as path:`` a local file holding the blob, for libraries
        that need a file name, valid inside the block (read-only: never write to it).
        ``FileNotFoundError`` when missing."""
        ...

    def check(self) -> None:
        """Raise :class:`BlobStoreError` (with what to fix) unless the store can be used."""
        ...
