"""The blob garbage collector: delete blobs that no row references (``docparse db gc``).

Deleting a document removes the blobs only it used, and a worker whose page save finds the
document deleted removes the page image it had just stored (unless another row uses the same
bytes), so a delete during a save leaves nothing behind. Blobs can still be orphaned — a
process killed between storing a blob and committing the row that names it, a raw output
stored before its page's transaction failed — and :func:`collect`
finds them: every stored blob older than ``older_than_s`` (default one hour, so an upload
whose row is not committed yet is never taken) that no document (original), page (image)
or attempt (raw output) references. References are checked again right before each delete,
so a blob that a new upload of the same bytes starts using meanwhile is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.database import Database
from storage.tables import AttemptRow, DocumentRow, PageRow

BATCH = 500


@dataclass
class Collected:
    """What one :func:`collect` run found and did."""

    scanned: int = 0
    orphans: list[str] = field(default_factory=list)
    deleted: int = 0


def referenced(session: Session, keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` that a document, page or attempt row names."""
    wanted = list(keys)
    found: set[str] = set()
    for column in (DocumentRow.blob_key, PageRow.image_key, AttemptRow.output_key):
        found.update(k for k in session.scalars(select(column).where(column.in_(wanted))) if k is not None)
    return found


def delete_unreferenced(db: Database, store: Any, key: str) -> bool:
    """Delete blob ``key`` unless a row names it (identical bytes are stored once and shared);
    whether it was deleted. A row committed after the check (another save of the same bytes
    racing this one) loses its blob: the window is one query, as for a deleted document's blobs."""
    with db.session() as session:
        if referenced(session, [key]):
            return False
    store.delete(key)
    return True


def stored_blobs(store: Any) -> Iterator[tuple[str, datetime]]:
    """Every blob of a local or S3 store, with when it was written."""
    root = getattr(store, "root", None)
    if isinstance(root, Path):
        for path in root.glob("??/??/*"):
            if len(path.name) == 64 and path.is_file():
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return
    bucket, prefix = getattr(store, "bucket", None), getattr(store, "prefix", "")
    if bucket is None:
        raise TypeError(f"cannot list the blobs of {store!r}")
    pages = store.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for item in page.get("Contents", []):
            name = str(item["Key"]).rsplit("/", 1)[-1]
            if len(name) == 64:
                yield name, item["LastModified"]


def collect(db: Database, store: Any, *, older_than_s: float = 3600.0, dry_run: bool = False) -> Collected:
    """Find (and unless ``dry_run`` delete) the orphaned blobs; see the module docstring."""
    horizon = datetime.now(UTC) - timedelta(seconds=older_than_s)
    result = Collected()
    batch: list[str] = []

    def flush() -> None:
        with db.session() as session:
            orphans = [k for k in batch if k not in referenced(session, batch)]
        result.orphans.extend(orphans)
        for key in orphans:
            if not dry_run and delete_unreferenced(db, store, key):  # checked again: a new upload may use it
                result.deleted += 1
        batch.clear()

    for key, written in stored_blobs(store):
        result.scanned += 1
        if written < horizon:
            batch.append(key)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return result
