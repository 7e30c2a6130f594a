"""The blob store: content-addressed bytes (originals, page images, large raw outputs).

A key is the lowercase hex sha256 of the content, so writing the same bytes twice stores
them once and a key can be checked against its content. :class:`LocalBlobStore` keeps blobs
in a folder, sharded ``ab/cd/abcd…``; an S3 store can implement the same protocol later.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_SIZE = 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{64}")


def check_key(key: str) -> str:
    """Return ``key`` if it is 64 lowercase hex characters, else raise ``ValueError`` (so no key
    can name a path outside the store)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key (64 lowercase hex characters): {key!r}")
    return key


@runtime_checkable
class BlobStore(Protocol):
    """Where storage keeps bytes, by the sha256 hex digest of their content."""

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; return its key. Storing existing content again is a no-op."""
        ...

    def put_file(self, path: Path) -> str:
        """Store a file's content, streamed in chunks (never whole in memory); return its key."""
        ...

    def path(self, key: str) -> Path:
        """A local path of the blob (for libraries that need a file name)."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The blob opened for binary reading; ``FileNotFoundError`` when missing."""
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


class LocalBlobStore:
    """Blobs as files under ``root``: ``root/ab/cd/abcd…``. Writes go to a temporary file in
    ``root/tmp`` and are renamed into place atomically, so readers never see partial blobs and
    concurrent writers of the same content are harmless."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put_bytes(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if not self.exists(key):
            with self._temporary() as (tmp, handle):
                handle.write(data)
                self._commit(tmp, handle, key)
        return key

    def put_file(self, path: Path) -> str:
        digest = hashlib.sha256()
        with self._temporary() as (tmp, handle), Path(path).open("rb") as source:
            while chunk := source.read(CHUNK_SIZE):
                digest.update(chunk)
                handle.write(chunk)
            key = digest.hexdigest()
            self._commit(tmp, handle, key)
        return key

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    # -- writing ------------------------------------------------------------------------------

    def _temporary(self) -> _TempFile:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        return _TempFile(tmp_dir)

    def _commit(self, tmp: Path, handle: BinaryIO, key: str) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            return  # same content already there; the temporary file is removed on exit
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, target)


class _TempFile:
    """A temporary file that is removed on exit unless it was renamed away."""

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix=".blob-")
        self.path = Path(name)
        self.handle: BinaryIO = os.fdopen(fd, "wb")

    def __enter__(self) -> tuple[Path, BinaryIO]:
        return self.path, self.handle

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)
