"""The blocks a process just wrote, reused by its document pass (``storage.recent_blocks``):
used only while the page row is unchanged since, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from docparse.document import analyse
from schemas import Page
from storage import Database
from storage.recent_blocks import RecentBlocks
from tests.document.builders import PageBuilder

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def pages() -> list[Page]:
    """Three pages: a paragraph cut by the page break and a table continued on the next page."""
    return [
        PageBuilder(1).para("The first part of a sentence that", y=(600, 740)).page(),
        PageBuilder(2).para("goes on here.", y=(60, 80)).table([["A", "B"], ["1", "2"]], header=1, y=(400, 740)).page(),
        PageBuilder(3).table([["A", "B"], ["3", "4"]], header=1, y=(50, 200)).page(),
    ]


def save(
    db: Database, document_id: str, saved: list[Page], recent: RecentBlocks | None, *, commit: bool = True
) -> None:
    with db.unit_of_work() as uow:
        uow.pages.save_results([(document_id, p) for p in saved], recent=recent)
        if commit:
            uow.commit()


def started(db: Database, queued: Callable[..., str], count: int = 3) -> str:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, count)
        uow.commit()
    return document_id


def scramble_stored_text(db: Database, document_id: str, number: int) -> None:
    """Change the stored blocks of a page behind the repository's back (``updated_at`` kept): a
    load that still shows the written text did not read them."""
    with db.engine.begin() as connection:
        rows = connection.execute(
            sa.text("SELECT id, attributes FROM blocks WHERE document_id = :d AND page_number = :n"),
            {"d": document_id, "n": number},
        ).all()
        for block_id, attributes in rows:
            stored = attributes if isinstance(attributes, str) else json.dumps(attributes)  # PostgreSQL: decoded
            connection.execute(
                sa.text("UPDATE blocks SET attributes = :a WHERE document_id = :d AND id = :i"),
                {"a": stored.replace("goes on here.", "READ FROM THE DATABASE"), "d": document_id, "i": block_id},
            )


def texts(db: Database, document_id: str, recent: RecentBlocks | None) -> list[str]:
    with db.unit_of_work() as uow:
        document = uow.documents.load_for_pass(document_id, recent)
    assert document is not None
    return [b.text for p in document.pages for b in p.blocks]


def test_a_page_written_here_is_not_read_back(db: Database, queued: Callable[..., str]) -> None:
    recent = RecentBlocks(16)
    document_id = started(db, queued)
    save(db, document_id, pages(), recent)
    assert len(recent) == 3
    scramble_stored_text(db, document_id, 2)
    held = texts(db, document_id, recent)
    assert "goes on here." in held and "READ FROM THE DATABASE" not in held
    assert len(recent) == 0  # taken by the pass, its one reader
    assert "READ FROM THE DATABASE" in texts(db, document_id, recent)  # nothing held now: read


def test_only_the_pages_not_held_are_read(db: Database, queued: Callable[..., str]) -> None:
    """Pages written elsewhere (another process) come from the database, the rest from memory,
    and the pass's result is the one it gives on the database alone."""
    recent = RecentBlocks(16)
    document_id = started(db, queued)
    written = pages()
    save(db, document_id, written[:2], None)  # another process
    save(db, document_id, written[2:], recent)
    assert len(recent) == 1
    with db.unit_of_work() as uow:
        mixed = uow.documents.load_for_pass(document_id, recent)
        alone = uow.documents.load_for_pass(document_id)
    assert mixed is not None and alone is not None
    assert len(recent) == 0  # page 3 was taken from memory
    assert mixed == alone
    assert analyse(mixed) == analyse(alone)
    assert len(analyse(mixed).logical_blocks) == 2  # the paragraph and the table, merged


def test_a_page_written_since_is_read_again(db: Database, queued: Callable[..., str]) -> None:
    """A correction (or a redelivered page in another process) after this process wrote the page."""
    recent = RecentBlocks(16)
    document_id = started(db, queued)
    save(db, document_id, pages(), recent)
    corrected = PageBuilder(2).para("corrected by a reviewer", y=(60, 80)).page()
    save(db, document_id, [corrected], None)
    assert "corrected by a reviewer" in texts(db, document_id, recent)


def test_a_write_rolled_back_is_not_used(db: Database, queued: Callable[..., str]) -> None:
    recent = RecentBlocks(16)
    document_id = started(db, queued)
    save(db, document_id, pages(), None)
    rolled_back = PageBuilder(2).para("never committed", y=(60, 80)).page()
    save(db, document_id, [rolled_back], recent, commit=False)
    assert len(recent) == 1
    assert "never committed" not in texts(db, document_id, recent)


def test_a_page_stored_with_a_nul_replaced_is_not_remembered(db: Database, queued: Callable[..., str]) -> None:
    recent = RecentBlocks(16)
    document_id = started(db, queued, 1)
    save(db, document_id, [PageBuilder(1).para("a\x00b").page()], recent)
    assert len(recent) == 0
    assert texts(db, document_id, recent) == ["a\ufffdb"]


def test_bounded_dropping_the_least_recently_written_documents() -> None:
    recent = RecentBlocks(3)
    recent.remember("a", 1, WHEN, [])
    recent.remember("b", 1, WHEN, [])
    recent.remember("a", 2, WHEN, [])  # "a" is now the most recently written to
    recent.remember("c", 1, WHEN, [])  # 4 pages: "b" goes, whole
    assert len(recent) == 3
    assert recent.take("b") == {}
    assert sorted(recent.take("a")) == [1, 2]
    recent.remember("c", 1, WHEN, [])  # written again: still one page
    assert len(recent) == 1
    recent.remember("d", 1, WHEN, [])
    recent.remember("d", 2, WHEN, [])
    recent.remember("d", 3, WHEN, [])  # "c" goes to make room
    assert recent.take("c") == {}
    recent.remember("d", 4, WHEN, [])  # "d" alone at the bound keeps what it has
    recent.remember("d", 2, WHEN, [])  # and a page it holds is still replaced
    assert len(recent) == 3 and sorted(recent.take("d")) == [1, 2, 3]


def test_capacity_zero_remembers_nothing() -> None:
    recent = RecentBlocks(0)
    recent.remember("a", 1, WHEN, [])
    assert len(recent) == 0 and recent.take("a") == {}
    with pytest.raises(ValueError, match="capacity"):
        RecentBlocks(-1)
