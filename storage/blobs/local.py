"""The embedded blob store: blobs as files in a local folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from storage.blobs import base
from storage.blobs.base import BlobStoreError, sharded_name


class LocalBlobStore:
    """Blobs as files under ``root``: ``root/ab/cd/abcd…``. Writes go to a temporary file in
    ``root/tmp`` and are renamed into place atomically, so readers never see partial blobs and
    concurrent writers of the same content are harmless. :meth:`local_copy` is the stored file
    itself (no copy)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._made: set[Path] = set()  # folders this store created or found (one mkdir each, not one per write)

    @property
    def url(self) -> str:
        return self.root.absolute().as_uri()

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

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
            while chunk := source.read(base.CHUNK_SIZE):
                digest.update(chunk)
                handle.write(chunk)
            key = digest.hexdigest()
            self._commit(tmp, handle, key)
        return key

    def path(self, key: str) -> Path:
        """Where the blob's file is (whether or not it exists). Local stores only: code that
        must also work on object storage uses :meth:`local_copy`."""
        return self.root / sharded_name(key)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"blob {key} is not in {self.url}")
        yield path

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BlobStoreError(f"cannot create the blob folder {self.root}: {exc.strerror or exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise BlobStoreError(f"the blob folder {self.root} is not writable (set DOCPARSE_DATA_DIR)")

    # -- writing ------------------------------------------------------------------------------

    def _folder(self, path: Path, *, again: bool = False) -> Path:
        """``path``, created if needed: once per folder and store, or ``again`` when a write
        found it gone (someone removed it since)."""
        if again or path not in self._made:
            path.mkdir(parents=True, exist_ok=True)
            self._made.add(path)
        return path

    def _temporary(self) -> _TempFile:
        tmp_dir = self.root / "tmp"
        try:
            return _TempFile(self._folder(tmp_dir))
        except FileNotFoundError:
            return _TempFile(self._folder(tmp_dir, again=True))

    def _commit(self, tmp: Path, handle: BinaryIO, key: str) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        target = self.path(key)
        self._folder(target.parent)
        if target.exists():
            return  # same content already there; the temporary file is removed on exit
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        try:
            os.replace(tmp, target)
        except FileNotFoundError:  # the shard folder was removed since this store made it
            self._folder(target.parent, again=True)
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
