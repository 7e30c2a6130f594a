"""The blob-store contract: the same tests on every store — a local folder and S3 (moto's real
server on loopback). Whatever passes here behaves the same for the code that uses blobs."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import BlobStore, LocalBlobStore, S3BlobStore
from storage.blobs import LocalCopyCache, base, sharded_name
from tests.s3 import S3Server

STORES = ["local", "s3"]
MIB = 1024 * 1024


@dataclass
class Subject:
    """A store under test, with what is physically stored in it (names relative to its root)."""

    store: BlobStore
    stored: Callable[[], list[str]]
    leftovers: Callable[[], list[str]]  # temporary files, unfinished multipart uploads


@pytest.fixture(params=STORES)
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    if request.param == "local":
        root = tmp_path / "blobs"
        local = LocalBlobStore(root)

        def files() -> list[str]:
            found = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
            return sorted(name for name in found if not name.startswith("tmp/"))

        def temporaries() -> list[str]:
            return sorted(p.name for p in (root / "tmp").glob("*")) if (root / "tmp").exists() else []

        return Subject(local, files, temporaries)
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = server.new_bucket()
    client = server.client()
    s3 = S3BlobStore(bucket, "tenant/blobs", cache=LocalCopyCache(tmp_path / "cache", 64 * MIB), client=client)

    def objects() -> list[str]:
        return [name.removeprefix("tenant/blobs/") for name in server.objects(bucket)]

    def uploads() -> list[str]:
        return [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]

    return Subject(s3, objects, uploads)


def test_is_a_blob_store_that_can_be_used(subject: Subject) -> None:
    assert isinstance(subject.store, BlobStore)
    subject.store.check()
    assert subject.store.url.startswith(("file:///", "s3://"))


def test_put_get_open_exists(subject: Subject) -> None:
    store = subject.store
    key = store.put_bytes(b"hello")
    assert key == hashlib.sha256(b"hello").hexdigest()
    assert store.exists(key)
    assert store.get(key) == b"hello"
    with store.open(key) as handle:
        assert handle.read(2) == b"he"
        assert handle.read() == b"llo"
    assert subject.stored() == [sharded_name(key)]  # the same layout on every store: ab/cd/abcd…


def test_the_same_content_is_stored_once(subject: Subject, tmp_path: Path) -> None:
    source = tmp_path / "x.bin"
    source.write_bytes(b"x" * 1000)
    keys = {subject.store.put_bytes(b"x" * 1000), subject.store.put_bytes(b"x" * 1000), subject.store.put_file(source)}
    assert len(keys) == 1
    assert subject.stored() == [sharded_name(keys.pop())]


def test_concurrent_writers_of_the_same_content(subject: Subject, tmp_path: Path) -> None:
    data = bytes(range(256)) * 400
    source = tmp_path / "same.bin"
    source.write_bytes(data)
    keys: list[str] = []
    barrier = threading.Barrier(6)

    def write(i: int) -> None:
        barrier.wait()
        keys.append(subject.store.put_file(source) if i % 2 else subject.store.put_bytes(data))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(keys) == {hashlib.sha256(data).hexdigest()} and len(keys) == 6
    assert subject.store.get(keys[0]) == data
    assert subject.stored() == [sharded_name(keys[0])]
    assert subject.leftovers() == []


def test_put_file_streams_in_bounded_reads(subject: Subject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "CHUNK_SIZE", 1000)
    data = bytes(range(256)) * 41  # 10,496 bytes
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    reads: list[Any] = []
    real_open = Path.open

    class Spy:
        def __init__(self, handle: IO[bytes]) -> None:
            self.handle = handle

        def read(self, n: Any = -1) -> bytes:
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
    key = subject.store.put_file(source)

    assert key == hashlib.sha256(data).hexdigest()
    assert subject.store.get(key) == data
    assert reads.count(1000) >= 10  # hashed in chunks
    assert all(isinstance(n, int) and 0 < n <= 8 * MIB for n in reads), reads[10:]  # never an unbounded read
    assert subject.store.put_file(source) == key  # again: idempotent
    assert subject.leftovers() == []


def test_a_big_file_round_trips(subject: Subject, tmp_path: Path) -> None:
    data = hashlib.sha256(b"seed").digest() * (12 * MIB // 32 + 7)  # 12 MiB + 224 bytes
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    key = subject.store.put_file(source)
    assert key == hashlib.sha256(data).hexdigest()
    with subject.store.local_copy(key) as path:
        assert path.stat().st_size == len(data) and path.read_bytes() == data
    assert subject.store.get(key) == data
    assert subject.leftovers() == []


def test_local_copy_is_a_file_with_the_content(subject: Subject) -> None:
    key = subject.store.put_bytes(b"%PDF-1.7 not really")
    with subject.store.local_copy(key) as path:
        assert path.is_file() and path.read_bytes() == b"%PDF-1.7 not really"
    with subject.store.local_copy(key) as again:  # reusable, same place
        assert again == path


@pytest.mark.parametrize(
    "key",
    ["", "abc", "../" + "a" * 61, "A" * 64, "g" * 64, "a" * 63, "a" * 65, "/etc/passwd", "a" * 62 + "/."],
)
def test_bad_keys_are_refused(subject: Subject, key: str) -> None:
    store = subject.store
    for method in (store.get, store.exists, store.delete, store.open):
        with pytest.raises(ValueError, match="not a blob key"):
            method(key)
    with pytest.raises(ValueError, match="not a blob key"), store.local_copy(key):
        pass


def test_a_missing_blob(subject: Subject) -> None:
    store, key = subject.store, "0" * 64
    assert not store.exists(key)
    for read in (store.get, store.open):
        with pytest.raises(FileNotFoundError, match=key):
            read(key)
    with pytest.raises(FileNotFoundError, match=key), store.local_copy(key):
        pass
    store.delete(key)  # missing is fine


def test_delete(subject: Subject) -> None:
    key = subject.store.put_bytes(b"gone")
    kept = subject.store.put_bytes(b"kept")
    subject.store.delete(key)
    assert not subject.store.exists(key)
    with pytest.raises(FileNotFoundError):
        subject.store.get(key)
    subject.store.delete(key)  # again: fine
    assert subject.stored() == [sharded_name(kept)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_any_bytes_round_trip(subject: Subject, data: bytes) -> None:
    key = subject.store.put_bytes(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert subject.store.get(key) == data
    with subject.store.local_copy(key) as path:
        assert path.read_bytes() == data


def test_a_local_store_writes_again_after_its_folders_were_removed(tmp_path: Path) -> None:
    """The local store creates each folder once, then trusts it; a folder removed since (by an
    operator, by a clean-up) is created again on the next write instead of failing it."""
    import shutil

    store = LocalBlobStore(tmp_path / "blobs")
    first = store.put_bytes(b"one")
    shutil.rmtree(store.path(first).parent)  # the blob's shard folder
    shutil.rmtree(tmp_path / "blobs" / "tmp")  # and the temporary folder
    again = store.put_bytes(b"one")
    other = store.put_bytes(b"two")
    assert (store.get(again), store.get(other)) == (b"one", b"two")
