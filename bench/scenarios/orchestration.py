"""2. Orchestration: end-to-end pages/s through real Redis, PostgreSQL and ``docparse worker``.

The engine is ``bench-sleep``, a MEASURING INSTRUMENT (not a product engine), run *exclusive*:
every page costs a fixed latency (``DOCPARSE_BENCH_LATENCY_S``, default 0.2 s) of sleep, which
uses no CPU, and the pages of one process take turns, as on one GPU. So ``W`` worker processes
can do at most ``W / latency`` pages/s (the ideal), and everything else a worker does — render,
encode the kept page image, parse, persist, Celery and Redis — must happen while the device is
busy with another page for the ideal to be reached.

Per configuration (1 worker process, then 2): ``docparse worker --processes W`` at its default
threads and pages per task (:class:`bench.worker_host.WorkerHost`), on queues unique to this run,
waits for "ready.", then generated 10-page PDFs are submitted with ``docparse.intake`` and the
database is polled until every document is terminal. Figures: pages/s against the ideal
(efficiency, target >= 0.9); worker CPU ms/page from psutil over the worker host's process tree,
against the same pipeline's CPU per page in-process (``parse_document`` with a zero-latency
bench-sleep engine and the page image kept, on two 10-page documents like the workers', the
median of 3 runs before the workers and 3 after them: what the queue and database add; target
<= 1.3x); beside it, without a target, the same worker CPU against the embedded pipeline
(:mod:`bench.embedded_floor` with the zero-latency instrument: the same tasks run eagerly in one
process, SQLite and local blobs, no broker; runs before and after the workers, like the floor);
the ingest client's CPU per page. The database is a throwaway one, dropped afterwards, and the
run's Redis keys are deleted (nothing is flushed).
"""

from __future__ import annotations

import math
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from bench import sleep_engine
from bench.embedded_floor import embedded_runs
from bench.floor import in_process_runs
from bench.inputs import REPO_ROOT, make_mixed_pdf
from bench.report import Figure, ScenarioResult, Target
from bench.scenarios import Context
from bench.services import (
    REDIS_URL,
    delete_redis_keys,
    postgres_unreachable,
    redis_keys,
    redis_unreachable,
    temporary_database,
)
from bench.sleep_engine import BenchSleepEngine
from bench.worker_host import WorkerHost
from docparse.intake import ProcessingRequest, submit, wait
from storage import Database, LocalBlobStore
from workers.settings import WorkerSettings
from workers.worker import create_app

__all__ = ["run"]

PAGES_PER_DOC = 10


def _in_process_cpu_runs(pdfs: list[Path]) -> list[float]:
    """CPU ms/page of the same pipeline in this process, one figure per run: zero-latency
    bench-sleep, page image kept, on documents of ``PAGES_PER_DOC`` pages like the workers'."""
    return in_process_runs(pdfs, BenchSleepEngine(0.0))


def _embedded_runs(ctx: Context) -> list[float]:
    """CPU ms/page of the embedded pipeline with the zero-latency instrument (:mod:`bench.embedded_floor`)."""
    docs, rounds = (1, 1) if ctx.quick else (2, 3)
    return embedded_runs(ctx.tmp / "orchestration", ["--sleep"], docs=docs, pages=PAGES_PER_DOC, rounds=rounds)


def _warm_up(ctx: Context, stack: dict[str, Any], workers: int) -> None:
    """Two one-page documents per worker, so each pool process has imported and opened everything."""
    folder = ctx.tmp / "orchestration" / f"warm-{workers}"
    paths = [make_mixed_pdf(folder / f"warm-{i}.pdf", 1, label=f"warm {uuid.uuid4().hex}") for i in range(2 * workers)]
    submitted = submit(
        paths, db=stack["db"], blobs=stack["blobs"], app=stack["app"], request=ProcessingRequest(engine="bench-sleep")
    )
    wait(stack["db"], [r.document_id for r in submitted if r.document_id], poll_s=0.05, timeout_s=120)


def _config(result: ScenarioResult, ctx: Context, stack: dict[str, Any], workers: int, latency: float) -> None:
    ideal = workers / latency
    pages = max(PAGES_PER_DOC, round(float(ctx.option("orchestration_seconds", 3 if ctx.quick else 25)) * ideal))
    docs = math.ceil(pages / PAGES_PER_DOC)
    inbox = ctx.tmp / "orchestration" / f"inbox-{workers}"
    paths = [
        make_mixed_pdf(inbox / f"doc-{i:03d}.pdf", PAGES_PER_DOC, label=f"W{workers} doc {i} {uuid.uuid4().hex[:6]}")
        for i in range(docs)
    ]
    log = ctx.tmp / "orchestration" / f"worker-{workers}.log"
    pool = WorkerHost(workers, workers, stack["queues"], stack["env"], log)
    try:
        pool.start()
        _warm_up(ctx, stack, workers)
        cpu0 = pool.cpu_seconds()
        t0 = time.perf_counter()
        c0 = time.process_time()
        submitted = submit(
            paths,
            db=stack["db"],
            blobs=stack["blobs"],
            app=stack["app"],
            request=ProcessingRequest(engine="bench-sleep"),
        )
        client_ms = (time.process_time() - c0) * 1000 / (docs * PAGES_PER_DOC)
        ids = [r.document_id for r in submitted if r.document_id is not None]
        records = wait(stack["db"], ids, poll_s=0.05, timeout_s=60 + 10 * pages * latency / workers)
        wall = time.perf_counter() - t0
        worker_ms = (pool.cpu_seconds() - cpu0) * 1000 / (docs * PAGES_PER_DOC)
    except TimeoutError as exc:
        raise RuntimeError(f"documents not finished: {exc}; worker log:\n{pool.text()[-4000:]}") from exc
    finally:
        pool.stop()
    done = sum(1 for r in records.values() if r.status == "done")
    total = docs * PAGES_PER_DOC
    label = f"{workers} worker process{'es' if workers > 1 else ''}"
    result.add(
        Figure(
            f"throughput, {label}",
            total / wall,
            "pages/s",
            baseline=ideal,
            baseline_name=f"ideal: {workers} / {latency:g} s",
            target=Target("ratio", ">=", 0.9),
            note=f"{total} pages in {docs} docs, {wall:.1f} s; ratio = efficiency; {done}/{docs} docs done",
        )
    )
    stack["worker_ms"].append((label, worker_ms))  # a figure once the floor's second runs are in
    result.add(
        Figure(
            f"ingest client CPU (submit), {label}",
            client_ms,
            "ms/page",
            note="hash, probe, store original, insert row, enqueue",
        )
    )


def run(ctx: Context) -> ScenarioResult:
    """1 then 2 worker processes against the ideal throughput of the measuring engine."""
    result = ScenarioResult("orchestration", "2. Orchestration (Redis + PostgreSQL + worker processes)")
    latency = float(ctx.option("latency", 0.2))
    configs = [1, 2]
    result.settings = {
        "engine": "bench-sleep (measuring instrument: sleeps a fixed latency per page, one page at a time per process)",
        "latency_s": latency,
        "worker_processes": configs,
        "worker": "docparse worker --processes W (default threads and pages per task)",
        "pages_per_doc": PAGES_PER_DOC,
        "broker": REDIS_URL,
    }
    reason = redis_unreachable() or postgres_unreachable()
    if reason is not None:
        result.status, result.reason = "skipped", reason
        return result
    tag = uuid.uuid4().hex[:8]
    queues = (f"bench-render-{tag}", f"bench-infer-{tag}")
    existing = redis_keys()
    data_dir = ctx.tmp / "orchestration" / "data"
    try:
        with temporary_database() as url:
            settings = WorkerSettings.model_validate(
                {"broker_url": REDIS_URL, "render_queue": queues[0], "infer_queue": queues[1]}
            )
            db = Database(url)
            db.upgrade()
            env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
            env.update(
                DOCPARSE_BROKER_URL=REDIS_URL,
                DOCPARSE_DATABASE_URL=url,
                DOCPARSE_DATA_DIR=str(data_dir),
                DOCPARSE_RENDER_QUEUE=queues[0],
                DOCPARSE_INFER_QUEUE=queues[1],
                DOCPARSE_ENGINE="bench-sleep",
                DOCPARSE_ENGINE_PLUGINS=sleep_engine.PLUGIN,
                # the instrument lives in bench/, which is not installed: the workers import it from the checkout
                PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
                DOCPARSE_BENCH_LATENCY_S=str(latency),
                DOCPARSE_BENCH_EXCLUSIVE="1",
                OMP_NUM_THREADS="1",
                PYTHONUNBUFFERED="1",
            )
            baseline_pdfs = [
                make_mixed_pdf(ctx.tmp / "orchestration" / f"baseline-{i}.pdf", PAGES_PER_DOC, label=f"baseline {i}")
                for i in range(1 if ctx.quick else 2)
            ]
            stack = {
                "db": db,
                "blobs": LocalBlobStore(data_dir / "blobs"),
                "app": create_app(settings),
                "env": env,
                "queues": queues,
                "floor_runs": _in_process_cpu_runs(baseline_pdfs),  # before the workers, and again after them
                "embedded_runs": _embedded_runs(ctx),
                "worker_ms": [],
            }
            result.settings["pages_per_task"] = settings.pages_per_task
            try:
                for workers in configs:
                    _config(result, ctx, stack, workers, latency)
                floor = statistics.median(stack["floor_runs"] + _in_process_cpu_runs(baseline_pdfs))
                embedded_runs = stack["embedded_runs"] + _embedded_runs(ctx)
                embedded = statistics.median(embedded_runs) if embedded_runs else None
                for label, worker_ms in stack["worker_ms"]:
                    result.add(
                        Figure(
                            f"worker CPU outside the engine, {label}",
                            worker_ms,
                            "ms/page",
                            baseline=floor,
                            baseline_name="same pipeline in-process (no queue/DB)",
                            target=Target("ratio", "<=", 1.3),
                            note="render + encode the kept image + parse + persist + Celery/Redis",
                        )
                    )
                    if embedded is None:
                        continue
                    result.add(
                        Figure(
                            f"worker CPU outside the engine against the embedded pipeline, {label}",
                            worker_ms,
                            "ms/page",
                            baseline=embedded,
                            baseline_name="embedded default (same tasks eagerly, SQLite, local blobs, no broker)",
                            note="no target: the in-process pipeline with its persistence; the ratio is what the "
                            "broker, PostgreSQL and the worker's threads add",
                        )
                    )
            finally:
                db.dispose()
    finally:
        delete_redis_keys(queues, keep=existing)
    return result
