"""2b. Capacity: ``docparse worker`` (default flags) against a server that stands for vLLM.

The server is :mod:`bench.capacity_server`, a measuring instrument: ``--capacity-slots`` K
request slots (64), ``--capacity-latency`` L seconds per request (2 s), a queue beyond K,
realistic QwenVL answers (~40 blocks with a table). Its capacity is K / L pages/s (32).

Configurations, all through real Redis and PostgreSQL with the openai engine, against one
server whose latency is switched between measurements (a worker host is started once per
process count and measures what it can in turn; ``--quick`` skips the 1-process host):

* CPU-bound: the same server with no latency, and ``docparse worker`` at its defaults (one
  process per core): the fastest the HTTP path goes on this machine — render, lossless PNG,
  HTTP, parse, persist. Target: at least 12 pages/s per core (twice the 12 pages/s measured on
  2 cores before issue 9); baseline: the in-process floor's rate on every core.
* 1 and 2 worker processes (``--processes``) against the K / L server. Target: pages/s at least
  0.9 of the capacity, or of the CPU-bound rate of as many processes where that is lower (the
  baseline: one process runs on one core, so the 1-process host's own CPU-bound rate is
  measured too); at least 60 requests in flight at the server (its peak; the mean is in the note).
* One-page documents, each a task of its own (invoices, receipts, scans uploaded one by one), on
  the default host: the CPU-bound rate, then against the K / L server. Targets as above: pages/s
  at least 0.9 of the capacity or of that CPU-bound rate where lower; at least 60 requests in
  flight (a worker's page budget, :mod:`workers.page_budget`, not its task threads, bounds them).
* Worker CPU per page, whole process trees (supervisor, Celery, threads), against the in-process
  floor: ``parse_document`` with the openai engine against the instant server, page images kept,
  on 3 documents of 10 pages like the workers' (``FLOOR_DOCS``), the median of 3 runs before the
  worker hosts and 3 after them (:mod:`bench.floor`)
  (what the queue, the database and the worker machinery add). Target: at most 1.3x.
  Beside it, without a target: the same worker CPU against the embedded pipeline
  (:mod:`bench.embedded_floor`: the same tasks run eagerly in one process, SQLite and local
  blobs, no broker, no worker threads; 3 runs before the hosts and 3 after, in a subprocess),
  which tells what persisting a page costs from what the distributed machinery adds.

Pages/s is the steady-state rate: pages finished between the 10th and 90th percentile of the
pages' completion times (``pages.updated_at``), so the ramp-up (the first answers come after L)
and the tail do not count; the end-to-end rate is in the note.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

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
from bench.worker_host import WorkerHost
from docparse.engines.openai_engine import OpenAIEngine
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import DEFAULT_SPEC, get_spec
from docparse.intake import ProcessingRequest, submit, wait
from storage import Database, LocalBlobStore
from storage.tables import PageRow
from workers.capacity import plan
from workers.settings import WorkerSettings
from workers.worker import create_app

__all__ = ["run"]

PAGES_PER_DOC = 10
FLOOR_DOCS = 3
"""Documents of ``PAGES_PER_DOC`` pages in the floor (:mod:`bench.floor`): the workers' shape."""
PER_CORE_TARGET = 12.0
REQUEST = ProcessingRequest(engine="openai")  # resolved at intake: the bench process has no DOCPARSE_ENGINE


@contextmanager
def capacity_server(slots: int, latency_s: float) -> Any:
    """``python -m bench.capacity_server`` in a subprocess; yields its base URL (its latency can be
    changed between measurements: :func:`_latency`)."""
    argv = [sys.executable, "-m", "bench.capacity_server", "--slots", str(slots), "--latency", str(latency_s)]
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"capacity server did not start: {line!r}")
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _stats(url: str, reset: bool = False) -> dict[str, Any]:
    root = url.removesuffix("/v1")
    response = httpx.post(f"{root}/stats/reset") if reset else httpx.get(f"{root}/stats")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


@dataclass
class Run:
    """One configuration's measurements."""

    pages: int
    wall_s: float
    steady_rate: float
    worker_ms: float
    server: dict[str, Any]
    done: int
    docs: int


def _steady_rate(db: Database, ids: list[str]) -> float:
    """Pages/s between the 10th and 90th percentile of the pages' completion times."""
    with db.session() as session:
        stamps = sorted(
            t.timestamp() for t in session.scalars(select(PageRow.updated_at).where(PageRow.document_id.in_(ids)))
        )
    lo, hi = stamps[len(stamps) // 10], stamps[len(stamps) * 9 // 10]
    return (len(stamps) * 8 // 10) / max(hi - lo, 1e-6)


def _host_runs(
    ctx: Context, stack: dict[str, Any], url: str, processes: int | None, plan_: list[tuple[str, float, int, int]]
) -> dict[str, Run]:
    """Start one worker host (``processes``; ``None``: the default) and measure each of ``plan_``
    — (key, server latency, pages, pages per document) — on it, one after the other."""
    env = {**stack["env"], "DOCPARSE_OPENAI_BASE_URL": url}
    expected = processes or plan(EngineSettings(engine="openai", openai_base_url=url)).processes
    tag = f"p{processes or 'default'}"
    host = WorkerHost(processes, expected, stack["queues"], env, ctx.tmp / "capacity" / f"{tag}.log")
    folder = ctx.tmp / "capacity" / tag
    warm = [
        make_mixed_pdf(folder / f"w{i}.pdf", 2, label=f"warm {tag} {i} {uuid.uuid4().hex}") for i in range(expected)
    ]
    db, blobs, app = stack["db"], stack["blobs"], stack["app"]
    runs: dict[str, Run] = {}
    try:
        host.start()
        _latency(url, 0.0)
        warmed = submit(warm, db=db, blobs=blobs, app=app, request=REQUEST)
        wait(db, [r.document_id for r in warmed if r.document_id], poll_s=0.1, timeout_s=180)
        for key, latency, pages, per_doc in plan_:
            docs = math.ceil(pages / per_doc)
            paths = [
                make_mixed_pdf(folder / f"{key}-{i}.pdf", per_doc, label=f"{key} {i} {uuid.uuid4().hex[:6]}")
                for i in range(docs)
            ]
            _latency(url, latency)
            _stats(url, reset=True)
            cpu0, t0 = host.cpu_seconds(), time.perf_counter()
            submitted = submit(paths, db=db, blobs=blobs, app=app, request=REQUEST)
            ids = [r.document_id for r in submitted if r.document_id is not None]
            records = wait(db, ids, poll_s=0.1, timeout_s=120 + pages)
            wall = time.perf_counter() - t0
            worker_ms = (host.cpu_seconds() - cpu0) * 1000 / (docs * per_doc)
            done = sum(1 for r in records.values() if r.status in ("done", "partial"))
            runs[key] = Run(docs * per_doc, wall, _steady_rate(db, ids), worker_ms, _stats(url), done, docs)
    except TimeoutError as exc:
        raise RuntimeError(f"documents not finished: {exc}; worker log:\n{host.text()[-4000:]}") from exc
    finally:
        host.stop()
    return runs


def _latency(url: str, latency_s: float) -> None:
    httpx.post(f"{url.removesuffix('/v1')}/latency", json={"latency_s": latency_s}).raise_for_status()


def _floor_runs(ctx: Context, url: str) -> list[float]:
    """CPU ms/page of the same pipeline in this process, one figure per run: openai engine,
    instant server, images kept."""
    pdfs = [
        make_mixed_pdf(ctx.tmp / "capacity" / f"floor-{i}.pdf", PAGES_PER_DOC, label=f"floor {i}")
        for i in range(1 if ctx.quick else FLOOR_DOCS)
    ]
    spec = get_spec(DEFAULT_SPEC)
    with OpenAIEngine(spec, base_url=url, served_model="capacity-server") as engine:
        return in_process_runs(pdfs, engine)


def _embedded_runs(ctx: Context, url: str) -> list[float]:
    """CPU ms/page of the embedded pipeline with the same engine (:mod:`bench.embedded_floor`)."""
    docs, rounds = (1, 1) if ctx.quick else (FLOOR_DOCS, 3)
    return embedded_runs(ctx.tmp / "capacity", ["--url", url], docs=docs, pages=PAGES_PER_DOC, rounds=rounds)


def _figures(
    result: ScenarioResult,
    runs: dict[str, Run],
    floor_ms: float,
    embedded_ms: float | None,
    slots: int,
    latency: float,
) -> None:
    cpus = os.cpu_count() or 1
    bound = runs["cpu"]
    result.add(
        Figure(
            "CPU-bound rate of the HTTP path (instant server, default processes)",
            bound.steady_rate,
            "pages/s",
            baseline=cpus * 1000 / floor_ms,
            baseline_name=f"in-process floor on {cpus} cores",
            target=Target("value", ">=", PER_CORE_TARGET * cpus),
            note=f"{bound.pages} pages, end to end {bound.pages / bound.wall_s:.1f} pages/s; "
            f"target {PER_CORE_TARGET:g}/core (2x before issue 9); {bound.done}/{bound.docs} docs finished",
        )
    )
    capacity = slots / latency
    for key in [k for k in ("1", "2") if k in runs]:  # quick mode skips the 1-process host
        run, label = runs[key], f"{key} worker process{'es' if key != '1' else ''}"
        # the CPU-bound rate of the same number of processes: one process runs on one core
        cpu = runs.get(f"cpu{key}", bound)
        _serving_figures(result, run, cpu, label, capacity, slots, latency, f"{run.done}/{run.docs} docs finished")
        result.add(
            Figure(
                f"worker CPU per page, {label}",
                run.worker_ms,
                "ms/page",
                baseline=floor_ms,
                baseline_name="same pipeline in-process (openai engine, no queue/DB)",
                target=Target("ratio", "<=", 1.3),
                note="whole worker host: supervisor, Celery, render, PNG, HTTP, parse, persist",
            )
        )
        if embedded_ms is None:
            continue
        result.add(
            Figure(
                f"worker CPU per page against the embedded pipeline, {label}",
                run.worker_ms,
                "ms/page",
                baseline=embedded_ms,
                baseline_name="embedded default (same tasks eagerly, SQLite, local blobs, no broker)",
                note="no target: the in-process pipeline with its persistence; the ratio is what the broker, "
                "PostgreSQL and the worker's threads add",
            )
        )
    _single_page_figures(result, runs, capacity, slots, latency)


def _single_page_figures(
    result: ScenarioResult, runs: dict[str, Run], capacity: float, slots: int, latency: float
) -> None:
    """One-page documents (a task each) on the default host, against the capacity or the CPU-bound
    rate of one-page documents where lower."""
    run, bound = runs["single"], runs["cpu-single"]
    note = (
        f"{run.docs} one-page documents finished {run.done}; worker CPU {run.worker_ms:.1f} ms/page "
        f"({bound.worker_ms:.1f} CPU-bound)"
    )
    _serving_figures(result, run, bound, "one-page documents, default worker", capacity, slots, latency, note)


def _serving_figures(
    result: ScenarioResult,
    run: Run,
    bound: Run,
    label: str,
    capacity: float,
    slots: int,
    latency: float,
    note: str,
) -> None:
    """Pages/s of ``run`` against min(capacity, the CPU-bound rate ``bound``), and the requests in
    flight the server saw."""
    result.add(
        Figure(
            f"pages/s, {label}, server K={slots} L={latency:g} s",
            run.steady_rate,
            "pages/s",
            baseline=min(capacity, bound.steady_rate),
            baseline_name=f"min(capacity {capacity:g}, CPU-bound {bound.steady_rate:.1f} with {label})",
            target=Target("ratio", ">=", 0.9),
            note=f"{run.pages} pages, end to end {run.pages / run.wall_s:.1f} pages/s; {note}",
        )
    )
    result.add(
        Figure(
            f"requests in flight at the server (peak), {label}",
            float(run.server["peak_in_flight"]),
            "requests",
            baseline=float(slots),
            baseline_name="server slots K",
            target=Target("value", ">=", 60),
            note=f"mean {run.server['mean_in_flight']:.1f} over {run.server['seconds']:.0f} s; "
            f"peak waiting beyond K: {run.server['peak_waiting']}",
        )
    )


def run(ctx: Context) -> ScenarioResult:
    """The CPU-bound rate, then 1 and 2 worker processes against the capacity server."""
    result = ScenarioResult("capacity", "2b. Capacity (docparse worker vs a K-slot OpenAI-compatible server)")
    slots = int(ctx.option("capacity_slots", 8 if ctx.quick else 64))
    latency = float(ctx.option("capacity_latency", 0.5 if ctx.quick else 2.0))
    seconds = float(ctx.option("capacity_seconds", 2 if ctx.quick else 25))
    pages = max(2 * PAGES_PER_DOC, round(seconds * slots / latency / PAGES_PER_DOC) * PAGES_PER_DOC)
    result.settings = {
        "server": "bench.capacity_server (measuring instrument)",
        "slots": slots,
        "latency_s": latency,
        "pages_per_config": pages,
        "worker": "docparse worker (default flags; --processes for the 1 and 2 process runs; quick: no 1-process run)",
    }
    reason = redis_unreachable() or postgres_unreachable()
    if reason is not None:
        result.status, result.reason = "skipped", reason
        return result
    tag = uuid.uuid4().hex[:8]
    queues = (f"bench-cap-render-{tag}", f"bench-cap-infer-{tag}")
    existing = redis_keys()
    data_dir = ctx.tmp / "capacity" / "data"
    try:
        with (
            temporary_database() as url,
            capacity_server(slots, latency) as server,
        ):
            db = Database(url)
            db.upgrade()
            settings = WorkerSettings.model_validate(
                {"broker_url": REDIS_URL, "render_queue": queues[0], "infer_queue": queues[1]}
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
            env.update(
                DOCPARSE_BROKER_URL=REDIS_URL,
                DOCPARSE_DATABASE_URL=url,
                DOCPARSE_DATA_DIR=str(data_dir),
                DOCPARSE_RENDER_QUEUE=queues[0],
                DOCPARSE_INFER_QUEUE=queues[1],
                DOCPARSE_ENGINE="openai",
                DOCPARSE_OPENAI_MODEL="capacity-server",
                OMP_NUM_THREADS="1",
                PYTHONUNBUFFERED="1",
            )
            stack = {
                "db": db,
                "blobs": LocalBlobStore(data_dir / "blobs"),
                "app": create_app(settings),
                "env": env,
                "queues": queues,
            }
            try:
                _latency(server, 0.0)
                floor = _floor_runs(ctx, server)  # before the hosts, and again after them
                embedded = _embedded_runs(ctx, server)
                bound_pages = max(2 * PAGES_PER_DOC, round(seconds * 20 / PAGES_PER_DOC) * PAGES_PER_DOC)
                default = plan(EngineSettings(engine="openai", openai_base_url=server)).processes
                # the default host measures the CPU-bound rate (no latency), then K / L when it has 2
                # processes; then both again with one-page documents (a task each)
                both = [("cpu", 0.0, bound_pages, PAGES_PER_DOC)] + (
                    [("2", latency, pages, PAGES_PER_DOC)] if default == 2 else []
                )
                both += [("cpu-single", 0.0, bound_pages, 1), ("single", latency, pages, 1)]
                runs = _host_runs(ctx, stack, server, None, both)
                if not ctx.quick:
                    one = [("cpu1", 0.0, bound_pages, PAGES_PER_DOC), ("1", latency, pages, PAGES_PER_DOC)]
                    runs.update(_host_runs(ctx, stack, server, 1, one))
                if default != 2:
                    runs.update(_host_runs(ctx, stack, server, 2, [("2", latency, pages, PAGES_PER_DOC)]))
                _latency(server, 0.0)
                floor += _floor_runs(ctx, server)
                embedded += _embedded_runs(ctx, server)
                median = statistics.median(embedded) if embedded else None
                _figures(result, runs, statistics.median(floor), median, slots, latency)
            finally:
                db.dispose()
    finally:
        delete_redis_keys(queues, keep=existing)
    result.status = "ok"
    return result
