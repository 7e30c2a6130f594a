"""2. Orchestration: end-to-end pages/s through real Redis, PostgreSQL and ``celery worker`` processes.

The engine is ``bench-sleep``, a MEASURING INSTRUMENT (not a product engine): every page costs a
fixed latency (``DOCPARSE_BENCH_LATENCY_S``, default 0.2 s) of sleep, which uses no CPU, and
returns valid QwenVL HTML. So with ``W`` workers of concurrency ``c`` the ideal throughput is
``W * c / latency`` pages/s, and all CPU the worker processes spend is overhead outside the
engine: rendering, JPEG of the kept page image, parsing, persistence, Celery and Redis.

Per configuration (1 worker, then 2): start the workers on queues unique to this run (Redis
database 11), wait for "ready.", submit generated 10-page PDFs with ``docparse.intake.files``,
poll the database until every document is terminal. Figures: pages/s against the ideal
(efficiency, target >= 0.9); worker CPU ms/page from psutil over the worker process trees
(target < 20 ms), against the same pipeline's CPU per page in-process (``parse_document`` with a
zero-latency bench-sleep engine and the page image kept: what the queue and database add);
the ingest client's CPU per page. The database is a throwaway one, dropped afterwards, and the
run's Redis keys are deleted (nothing is flushed).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bench import sleep_engine
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
from bench.worker_host import cpu_seconds
from docparse.intake import ProcessingRequest, submit, wait
from docparse.pipeline import ParseOptions, parse_document
from storage import Database, LocalBlobStore
from workers.settings import WorkerSettings
from workers.worker import create_app

__all__ = ["run"]

PAGES_PER_DOC = 10


class Workers:
    """``celery -A workers.worker worker`` subprocesses of one configuration (own process groups)."""

    def __init__(self, tmp: Path, env: dict[str, str], queues: tuple[str, str], concurrency: int) -> None:
        self.tmp, self.env, self.queues, self.concurrency = tmp, env, queues, concurrency
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, count: int, timeout_s: float = 120.0) -> None:
        for n in range(count):
            with (self.tmp / f"worker-{n}.log").open("wb") as log:
                cmd = [
                    *(sys.executable, "-m", "celery", "-A", "workers.worker", "worker", "-Q", ",".join(self.queues)),
                    *("-c", str(self.concurrency), "--pool", "prefork"),
                    *("--without-mingle", "--without-gossip", "--without-heartbeat"),
                    *("-l", "INFO", "-n", f"bench{n}-{uuid.uuid4().hex[:6]}@%h"),
                ]
                self.procs.append(
                    subprocess.Popen(
                        cmd, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                    )
                )
        deadline = time.monotonic() + timeout_s
        while not all("ready." in self._log(n) for n in range(count)):
            if any(p.poll() is not None for p in self.procs) or time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start; log:\n{self.logs()}")
            time.sleep(0.1)

    def _log(self, n: int) -> str:
        path = self.tmp / f"worker-{n}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(self._log(n)[-3000:] for n in range(len(self.procs)))

    def processes(self) -> list[psutil.Process]:
        return [psutil.Process(p.pid) for p in self.procs]

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs = []


def _in_process_cpu_ms(pdf: Path) -> float:
    """CPU ms/page of the same pipeline in this process: zero-latency bench-sleep, page image kept."""
    engine = BenchSleepEngine(0.0)
    parse_document(pdf, engine, ParseOptions(keep_page_images=True, pages=[1]))  # warm up
    start = time.process_time()
    outcome = parse_document(pdf, engine, ParseOptions(keep_page_images=True))
    return (time.process_time() - start) * 1000 / max(1, len(outcome.document.pages))


def _warm_up(ctx: Context, stack: dict[str, Any], workers: int) -> None:
    """Two one-page documents per worker, so each pool process has imported and opened everything."""
    folder = ctx.tmp / "orchestration" / f"warm-{workers}"
    paths = [make_mixed_pdf(folder / f"warm-{i}.pdf", 1, label=f"warm {uuid.uuid4().hex}") for i in range(2 * workers)]
    submitted = submit(
        paths, db=stack["db"], blobs=stack["blobs"], app=stack["app"], request=ProcessingRequest(engine="bench-sleep")
    )
    wait(stack["db"], [r.document_id for r in submitted if r.document_id], poll_s=0.05, timeout_s=120)


def _config(
    result: ScenarioResult, ctx: Context, stack: dict[str, Any], workers: int, concurrency: int, latency: float
) -> None:
    ideal = workers * concurrency / latency
    pages = max(PAGES_PER_DOC, round(float(ctx.option("orchestration_seconds", 3 if ctx.quick else 25)) * ideal))
    docs = math.ceil(pages / PAGES_PER_DOC)
    inbox = ctx.tmp / "orchestration" / f"inbox-{workers}"
    paths = [
        make_mixed_pdf(inbox / f"doc-{i:03d}.pdf", PAGES_PER_DOC, label=f"W{workers} doc {i} {uuid.uuid4().hex[:6]}")
        for i in range(docs)
    ]
    pool = Workers(ctx.tmp / "orchestration", stack["env"], stack["queues"], concurrency)
    try:
        pool.start(workers)
        _warm_up(ctx, stack, workers)
        procs = pool.processes()
        cpu0 = cpu_seconds(procs)
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
        worker_ms = (cpu_seconds(procs) - cpu0) * 1000 / (docs * PAGES_PER_DOC)
    except TimeoutError as exc:
        raise RuntimeError(f"documents not finished: {exc}; worker log:\n{pool.logs()}") from exc
    finally:
        pool.stop()
    done = sum(1 for r in records.values() if r.status == "done")
    total = docs * PAGES_PER_DOC
    label = f"{workers} worker{'s' if workers > 1 else ''} x concurrency {concurrency}"
    result.add(
        Figure(
            f"throughput, {label}",
            total / wall,
            "pages/s",
            baseline=ideal,
            baseline_name=f"ideal: {workers}x{concurrency} / {latency:g} s",
            target=Target("ratio", ">=", 0.9),
            note=f"{total} pages in {docs} docs, {wall:.1f} s; ratio = efficiency; {done}/{docs} docs done",
        )
    )
    result.add(
        Figure(
            f"worker CPU outside the engine, {label}",
            worker_ms,
            "ms/page",
            baseline=stack["in_process_ms"],
            baseline_name="same pipeline in-process (no queue/DB)",
            target=Target("value", "<=", 20),
            note="render + JPEG of kept image + parse + persist + Celery/Redis",
        )
    )
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
    concurrency = int(ctx.option("concurrency", 1))
    configs = [1, 2]
    result.settings = {
        "engine": "bench-sleep (measuring instrument: sleeps a fixed latency per page)",
        "latency_s": latency,
        "worker_concurrency": concurrency,
        "workers": configs,
        "pages_per_doc": PAGES_PER_DOC,
        "pool": "prefork",
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
                DOCPARSE_BENCH_LATENCY_S=str(latency),
                OMP_NUM_THREADS="1",
                PYTHONUNBUFFERED="1",
            )
            baseline_pdf = make_mixed_pdf(ctx.tmp / "orchestration" / "baseline.pdf", 8 if ctx.quick else 20)
            stack = {
                "db": db,
                "blobs": LocalBlobStore(data_dir / "blobs"),
                "app": create_app(settings),
                "env": env,
                "queues": queues,
                "in_process_ms": _in_process_cpu_ms(baseline_pdf),
            }
            result.settings["pages_per_task"] = settings.pages_per_task
            try:
                for workers in configs:
                    _config(result, ctx, stack, workers, concurrency, latency)
            finally:
                db.dispose()
    finally:
        delete_redis_keys(queues, keep=existing)
    return result
