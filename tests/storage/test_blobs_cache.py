"""The local-copy cache: fetched once, verified, trimmed least recently used first, and never
evicting a copy that some process is using."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.blobs import BlobStoreError, LocalCopyCache
from tests.paths import REPO_ROOT


def blob(text: str) -> tuple[str, bytes]:
    data = text.encode() * 100
    return hashlib.sha256(data).hexdigest(), data


class Origin:
    """Where copies come from: real bytes by key, counting fetches."""

    def __init__(self, *texts: str) -> None:
        self.blobs = dict(blob(t) for t in texts)
        self.fetches: list[str] = []

    def fetcher(self, key: str) -> Callable[[Path], None]:
        def fetch(dest: Path) -> None:
            self.fetches.append(key)
            if key not in self.blobs:
                raise FileNotFoundError(key)
            dest.write_bytes(self.blobs[key])

        return fetch


def use(cache: LocalCopyCache, origin: Origin, key: str) -> bytes:
    with cache.copy(key, origin.fetcher(key)) as path:
        return path.read_bytes()


def test_a_copy_is_fetched_once(tmp_path: Path) -> None:
    origin = Origin("a")
    (key,) = origin.blobs
    cache = LocalCopyCache(tmp_path, 10_000)
    assert use(cache, origin, key) == origin.blobs[key]
    assert use(cache, origin, key) == origin.blobs[key]
    assert origin.fetches == [key]
    assert os.stat(tmp_path / key).st_mode & 0o222 == 0  # read-only: nobody edits a cached blob


def test_the_cache_is_trimmed_least_recently_used_first(tmp_path: Path) -> None:
    origin = Origin("a", "b", "c")
    a, b, c = origin.blobs
    cache = LocalCopyCache(tmp_path, 250)  # room for two copies of 100 bytes
    use(cache, origin, a)
    use(cache, origin, b)
    os.utime(tmp_path / a, (time.time() - 60, time.time() - 60))
    os.utime(tmp_path / b, (time.time() - 30, time.time() - 30))
    use(cache, origin, a)  # a becomes the most recently used
    use(cache, origin, c)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([a, c])


def test_a_copy_in_use_is_never_evicted(tmp_path: Path) -> None:
    origin = Origin("a", "b")
    a, b = origin.blobs
    cache = LocalCopyCache(tmp_path, 0)
    with cache.copy(a, origin.fetcher(a)) as held:
        assert use(cache, origin, b) == origin.blobs[b]
        assert held.read_bytes() == origin.blobs[a]  # still there while in use
        assert not (tmp_path / b).exists()  # b was not in use any more: trimmed
    assert list(tmp_path.iterdir()) == []  # cleaned up once nobody uses it


def test_another_process_using_a_copy_keeps_it(tmp_path: Path) -> None:
    origin = Origin("shared")
    (key,) = origin.blobs
    script = (
        "import sys; from pathlib import Path; from storage.blobs import LocalCopyCache\n"
        f"cache = LocalCopyCache(Path({str(tmp_path)!r}), 0)\n"
        f"with cache.copy({key!r}, lambda dest: dest.write_bytes({origin.blobs[key]!r})) as path:\n"
        "    print('HELD', path, flush=True); sys.stdin.readline()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None and child.stdin is not None
        try:
            line = next(line for line in child.stdout if line.startswith("HELD "))
            held = Path(line.removeprefix("HELD ").strip())  # the child holds the copy now
            LocalCopyCache(tmp_path, 0).trim()
            assert held.read_bytes() == origin.blobs[key]
            child.stdin.write("done\n")
            child.stdin.flush()
            assert child.wait(timeout=30) == 0
        finally:
            if child.poll() is None:
                child.kill()
    assert list(tmp_path.iterdir()) == []  # the child trimmed it on its way out


def test_threads_fetching_the_same_blob_share_one_copy(tmp_path: Path) -> None:
    origin = Origin("popular")
    (key,) = origin.blobs
    cache = LocalCopyCache(tmp_path, 10_000)
    barrier = threading.Barrier(8)
    results: list[bytes] = []

    def read() -> None:
        barrier.wait()
        results.append(use(cache, origin, key))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [origin.blobs[key]] * 8
    assert [p.name for p in tmp_path.iterdir()] == [key]  # no partial downloads left


def test_wrong_content_and_missing_blobs_leave_nothing_behind(tmp_path: Path) -> None:
    origin = Origin("a")
    (key,) = origin.blobs
    cache = LocalCopyCache(tmp_path, 10_000)
    with pytest.raises(BlobStoreError, match="different content"), cache.copy(key, lambda d: d.write_bytes(b"x")):
        pass
    with pytest.raises(FileNotFoundError), cache.copy("0" * 64, origin.fetcher("0" * 64)):
        pass
    assert list(tmp_path.iterdir()) == []


def test_partial_downloads_of_killed_processes_are_removed(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".part-stale", tmp_path / ".part-fresh"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")  # another process may be downloading it right now
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    LocalCopyCache(tmp_path, 10_000).trim()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".part-fresh"]
