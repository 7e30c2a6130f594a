"""The local, content-addressed blob store."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO, Any

import pytest

from storage import BlobStore, LocalBlobStore
from storage import blobs as blobs_module


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_is_a_blob_store(store: LocalBlobStore) -> None:
    assert isinstance(store, BlobStore)


def test_put_and_get_bytes(store: LocalBlobStore, tmp_path: Path) -> None:
    key = store.put_bytes(b"hello")
    assert key == hashlib.sha256(b"hello").hexdigest()
    assert store.get(key) == b"hello"
    assert store.exists(key)
    assert store.path(key) == tmp_path / "blobs" / key[:2] / key[2:4] / key
    with store.open(key) as handle:
        assert handle.read() == b"hello"


def test_putting_the_same_content_twice_stores_it_once(store: LocalBlobStore) -> None:
    assert store.put_bytes(b"x") == store.put_bytes(b"x")
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert files == [store.path(hashlib.sha256(b"x").hexdigest())]


def test_put_file_streams_in_chunks(store: LocalBlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blobs_module, "CHUNK_SIZE", 1000)
    data = bytes(range(256)) * 41  # 10,496 bytes: 11 chunks
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    reads: list[int] = []
    real_open = Path.open

    class Spy:
        def __init__(self, handle: IO[bytes]) -> None:
            self.handle = handle

        def read(self, n: int = -1) -> bytes:
            reads.append(n)
            return self.handle.read(n)

        def __enter__(self) -> Spy:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

    def spying_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, mode, *args, **kwargs)
        return Spy(handle) if self == source else handle

    monkeypatch.setattr(Path, "open", spying_open)
    key = store.put_file(source)

    assert key == hashlib.sha256(data).hexdigest()
    assert store.get(key) == data
    assert reads and all(n == 1000 for n in reads)  # never read whole
    assert store.put_file(source) == key  # again: idempotent
    assert list((store.root / "tmp").iterdir()) == []  # no temporary files left behind


@pytest.mark.parametrize(
    "key",
    ["", "abc", "../" + "a" * 61, "A" * 64, "g" * 64, "a" * 63, "a" * 65, "/etc/passwd", "a" * 62 + "/."],
)
def test_bad_keys_are_refused(store: LocalBlobStore, key: str) -> None:
    for method in (store.path, store.get, store.exists, store.delete, store.open):
        with pytest.raises(ValueError, match="not a blob key"):
            method(key)


def test_delete(store: LocalBlobStore) -> None:
    key = store.put_bytes(b"gone")
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)
    store.delete(key)  # missing is fine
    store.delete("0" * 64)
