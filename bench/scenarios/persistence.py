"""4. Persistence: blocks/s written the way the workers write finished pages.

Group commit (the target): ``uow.pages.save_results([...])`` of ``--persist-group`` pages (32)
then one ``commit`` — what a worker does with the pages that finished while the previous
transaction ran (lock the document rows in id order, upsert pages and attempts with the raw
output, replace the blocks, derive the status on the last page). Also, for comparison, one
transaction per page (``save_result`` then ``commit``). The pages are the parser's output for
the real corpus and the generated table and list pages, cycled.

Baseline, same run, same rows: a bare bulk insert of the same block rows in the same
transactions, with nothing else (``storage.sql.bulk_insert``: one ``COPY`` on PostgreSQL, one
executemany ``INSERT`` on SQLite) — the floor of writing those blocks. Target: at least
20,000 blocks/s on PostgreSQL with group commit. The client's CPU per page is reported beside
(the database server shares the machine, so wall time includes its work). PostgreSQL runs in a
throwaway database; SQLite in a temp file. The group-commit figures are the median of
:data:`ROUNDS` rounds on fresh documents, and each measurement starts after a ``CHECKPOINT``
(one full run measured half the scenario's rate alone in a half-second window, most likely
with a checkpoint of the earlier scenarios' writes in it).
"""

from __future__ import annotations

import contextlib
import hashlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import Figure, ScenarioResult, Target
from bench.scenarios import Context
from bench.scenarios.parser import geometry_for, inputs
from bench.services import postgres_unreachable, temporary_database
from docparse.qwenvl import parse_qwenvl_html
from schemas import Attempt, Page, document_key
from storage import Database, NewDocument
from storage.mapping import block_values
from storage.sql import bulk_insert
from storage.tables import BLOCKS

__all__ = ["make_pages", "run"]

ROUNDS = 3
"""Rounds of each measurement (fresh documents each); the figure is their median."""


def make_pages(count: int, document_id: str) -> list[Page]:
    """``count`` parsed pages (blocks, issues, one chosen attempt with the raw output), cycled over the inputs."""
    texts = [text for group in inputs().values() for text in group]
    pages = []
    for n in range(1, count + 1):
        text = texts[(n - 1) % len(texts)]
        geometry = geometry_for(text)
        parsed = parse_qwenvl_html(text, geometry, "qwen2.5-absolute", page=n, document_id=document_id)
        attempt = Attempt(
            index=0,
            engine="bench",
            model="bench",
            model_width=geometry.model_width,
            model_height=geometry.model_height,
            output=text,
            prompt_tokens=1200,
            completion_tokens=len(text) // 4,
            latency_s=0.2,
            chosen=True,
        )
        pages.append(
            Page(
                number=n,
                geometry=geometry,
                status="partial" if parsed.issues else "ok",
                engine="bench",
                model="bench",
                issues=parsed.issues,
                blocks=parsed.blocks,
                attempts=[attempt],
            )
        )
    return pages


def _new_document(db: Database, label: str, pages: int) -> str:
    digest = hashlib.sha256(label.encode()).hexdigest()
    new = NewDocument(
        id=document_key(digest, "bench"),
        sha256=digest,
        filename=f"{label}.pdf",
        media_type="application/pdf",
        size_bytes=1,
        settings_fingerprint="bench",
        settings={},
        blob_key=digest,
    )
    with db.unit_of_work() as uow:
        uow.documents.add(new)
        uow.documents.start(new.id, pages)
        uow.commit()
    return new.id


def _groups(pages: list[Page], size: int) -> list[list[Page]]:
    return [pages[i : i + size] for i in range(0, len(pages), size)]


def _save_results(db: Database, document_id: str, pages: list[Page], group: int) -> tuple[float, float]:
    """Wall and client CPU seconds to write ``pages`` in transactions of ``group`` pages."""
    start, cpu = time.perf_counter(), time.process_time()
    for chunk in _groups(pages, group):
        with db.unit_of_work() as uow:
            if group == 1:
                uow.pages.save_result(document_id, chunk[0])
            else:
                uow.pages.save_results([(document_id, page) for page in chunk])
            uow.commit()
    return time.perf_counter() - start, time.process_time() - cpu


def _bare_inserts(db: Database, document_id: str, pages: list[Page], group: int) -> float:
    rows = [
        [block_values(document_id, p.number, b) for p in chunk for b in p.blocks] for chunk in _groups(pages, group)
    ]
    start = time.perf_counter()
    for chunk_rows in rows:
        with db.session() as session, session.begin():
            bulk_insert(session, BLOCKS, chunk_rows)
    return time.perf_counter() - start


def _commit_floor_ms(db: Database, n: int = 100) -> float:
    """Milliseconds per durable one-row transaction on this database (the per-page commit floor)."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_commit_floor (x INTEGER)")
    try:
        with db.engine.connect() as conn:
            start = time.perf_counter()
            for _ in range(n):
                conn.exec_driver_sql("INSERT INTO bench_commit_floor (x) VALUES (1)")
                conn.commit()
            return (time.perf_counter() - start) * 1000 / n
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE bench_commit_floor")


def _measure_one(
    result: ScenarioResult, name: str, db: Database, count: int, group: int, target: Target | None
) -> float:
    """One figure: ``count`` pages in transactions of ``group``; returns the seconds per page."""
    runs = []
    for round_ in range(ROUNDS if group > 1 else 1):  # the median: a checkpoint moves one short window by half
        doc_id = _new_document(db, f"{name}-pages-{group}-{round_}", count)
        pages = make_pages(count, doc_id)
        bare_id = _new_document(db, f"{name}-bare-{group}-{round_}", count)
        bare_pages = make_pages(count, bare_id)
        _checkpoint(db)  # what was written before is not flushed during this window
        seconds, cpu = _save_results(db, doc_id, pages, group)
        runs.append((seconds, cpu, _bare_inserts(db, bare_id, bare_pages, group)))
    blocks = sum(len(p.blocks) for p in pages)
    seconds = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    bare = statistics.median(r[2] for r in runs)
    with db.unit_of_work() as uow:
        record = uow.documents.get(doc_id)
    status = record.status if record else "missing"
    how = "one transaction per page (save_result)" if group == 1 else f"{group} pages per transaction (save_results)"
    result.add(
        Figure(
            f"{name}: {how}",
            blocks / seconds,
            "blocks/s",
            baseline=blocks / bare,
            baseline_name="bare bulk insert of the same rows, same transactions",
            target=target,
            note=f"{count} pages, {blocks / count:.0f} blocks/page; {seconds * 1000 / count:.2f} ms/page, "
            f"client CPU {cpu * 1000 / count:.2f} ms/page; document {status}",
        )
    )
    return seconds / count


def _checkpoint(db: Database) -> None:
    """``CHECKPOINT`` on PostgreSQL where the role may (else nothing): the measured window starts
    with no dirty buffers of earlier work."""
    if db.engine.dialect.name != "postgresql":
        return
    with contextlib.suppress(Exception), db.engine.connect() as conn:
        conn.exec_driver_sql("CHECKPOINT")


def _measure(result: ScenarioResult, name: str, db: Database, count: int, group: int, target: Target | None) -> None:
    db.upgrade()
    warm = _new_document(db, f"{name}-warm", 4)
    _save_results(db, warm, make_pages(4, warm), 2)
    _measure_one(result, name, db, count, group, target)
    seconds = _measure_one(result, name, db, count, 1, None)
    commit_ms = _commit_floor_ms(db)
    blocks = sum(len(p.blocks) for p in make_pages(count, "x"))
    result.add(
        Figure(
            f"{name}: durable commit of a one-row transaction",
            commit_ms,
            "ms/txn",
            baseline=seconds * 1000,
            baseline_name="save_result transaction",
            note=f"caps one-transaction-per-page writing at {blocks / count * 1000 / commit_ms:,.0f} blocks/s "
            f"with {blocks / count:.0f} blocks/page",
        )
    )


def _with_db(url: str, work: Callable[[Database], None]) -> None:
    db = Database(url)
    try:
        work(db)
    finally:
        db.dispose()


def run(ctx: Context) -> ScenarioResult:
    """Blocks/s on PostgreSQL (target) and SQLite."""
    result = ScenarioResult("persistence", "4. Persistence (page results: group commit, and one per page)")
    count = int(ctx.option("persist_pages", 40 if ctx.quick else 320))
    group = int(ctx.option("persist_group", 32))
    result.settings = {"pages": count, "pages_per_transaction": group}
    reason = postgres_unreachable()
    if reason is None:
        with temporary_database() as url:
            _with_db(url, lambda db: _measure(result, "PostgreSQL", db, count, group, Target("value", ">=", 20_000)))
    else:
        result.status = "skipped" if not result.figures else "ok"
        result.reason = f"PostgreSQL part skipped: {reason}"
    sqlite_path = Path(ctx.tmp) / "persistence" / "bench.db"
    _with_db(f"sqlite:///{sqlite_path}", lambda db: _measure(result, "SQLite", db, count, group, None))
    if result.figures:
        result.status = "ok"
    return result
