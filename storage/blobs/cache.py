"""Local copies of remote blobs, for libraries that need a file name (PyMuPDF, poppler).

:class:`LocalCopyCache` keeps one file per key (``root/<key>``), downloaded once, checked against
its key (a blob never changes, so a copy that matches is valid forever) and trimmed to
``max_bytes``, least recently used first, after each use. Several processes of one host may share
the folder: a copy in use holds a shared ``flock`` and is never evicted; eviction takes an
exclusive lock without waiting and skips what it cannot get.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.blobs import base
from storage.blobs.base import BlobStoreError, check_key

log = logging.getLogger("docparse.storage")  # stdlib: storage alone never configures or prints logs

_PARTIAL = ".part-"
_STALE_PARTIAL_S = 3600.0  # a download left by a killed process
_ATTEMPTS = 5


class LocalCopyCache:
    """Cached local copies under ``root``, at most ``max_bytes`` of them outside their use."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max(0, int(max_bytes))

    def __repr__(self) -> str:
        return f"LocalCopyCache({str(self.root)!r}, max_bytes={self.max_bytes})"

    @contextmanager
    def copy(self, key: str, fetch: Callable[[Path], object]) -> Iterator[Path]:
        """The local copy of blob ``key``, fetched first when absent: ``fetch(dest)`` writes the
        blob's content into the new file ``dest`` (or raises ``FileNotFoundError``). The copy
        stays in place while the block runs; the cache is trimmed after it."""
        check_key(key)
        path = self.root / key
        fd = self._acquire(path, key, fetch)
        try:
            yield path
        finally:
            os.close(fd)  # releases the shared lock
            self.trim()

    def trim(self) -> None:
        """Evict least recently used copies not in use until the cache holds at most ``max_bytes``;
        remove partial downloads left behind by killed processes."""
        entries: list[tuple[float, int, str]] = []
        now = time.time()
        with contextlib.suppress(FileNotFoundError), os.scandir(self.root) as listing:
            for entry in listing:
                try:
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if entry.name.startswith(_PARTIAL):
                    if now - stat.st_mtime > _STALE_PARTIAL_S:
                        Path(entry.path).unlink(missing_ok=True)
                    continue
                entries.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, name in sorted(entries):
            if total <= self.max_bytes:
                break
            if _evict(Path(name)):
                total -= size

    def _acquire(self, path: Path, key: str, fetch: Callable[[Path], object]) -> int:
        """An open descriptor of the copy holding a shared lock (fetching the copy when absent)."""
        for _ in range(_ATTEMPTS):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                self._download(path, key, fetch)
                continue
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                current = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False  # evicted between open and lock
            if current:
                os.utime(path)  # most recently used: evicted last
                return fd
            os.close(fd)
        raise BlobStoreError(f"could not keep a local copy of blob {key} in {self.root}: evicted {_ATTEMPTS} times")

    def _download(self, path: Path, key: str, fetch: Callable[[Path], object]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=_PARTIAL)
        os.close(fd)
        tmp = Path(name)
        try:
            started = time.perf_counter()
            fetch(tmp)
            digest = _sha256(tmp)
            if digest != key:
                raise BlobStoreError(
                    f"blob {key} came back with different content (sha256 {digest}): the store is corrupt"
                )
            os.chmod(tmp, 0o444)
            with contextlib.suppress(FileExistsError):  # another process fetched it first: keep that copy
                os.link(tmp, path)
            seconds = time.perf_counter() - started
            log.debug("blob.cached key=%s bytes=%d seconds=%.3f", key, tmp.stat().st_size, seconds)
        finally:
            tmp.unlink(missing_ok=True)


def _evict(path: Path) -> bool:
    """Remove ``path`` unless a reader holds it; whether its bytes are gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # in use
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                path.unlink()
        return True
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(base.CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()
