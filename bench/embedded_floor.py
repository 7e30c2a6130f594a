"""The embedded pipeline's CPU per page: the same tasks as a worker, without a broker, a database
server or worker threads.

``python -m bench.embedded_floor (--url URL | --sleep) --data DIR --docs N --pages P --rounds R``
ingests ``N`` documents of ``P`` pages ``R`` times on the embedded default (no
``DOCPARSE_BROKER_URL``: tasks run eagerly in this process; SQLite and local blobs in ``DIR``)
with the openai engine against ``URL``, or with the ``bench-sleep`` instrument at no latency
(``--sleep``), and prints one line of JSON: the CPU ms per page of each round (this process's
``process_time`` around ``submit``: render task, page chains, group writes, page images, the
document pass). A warm-up document runs first. Every round ingests new documents (different
bytes), so none is deduplicated.

The capacity and orchestration scenarios run it in a subprocess (its settings come from the
environment) and report a worker host's CPU per page against it beside the in-process floor of
:mod:`bench.floor`: what the broker, PostgreSQL and the worker's threads add to the pipeline
itself, persistence included.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from bench.inputs import REPO_ROOT, make_mixed_pdf


def _documents(folder: Path, tag: str, docs: int, pages: int) -> list[Path]:
    unique = uuid.uuid4().hex[:8]
    return [make_mixed_pdf(folder / f"{tag}-{i}.pdf", pages, label=f"embedded {tag} {i} {unique}") for i in range(docs)]


def embedded_runs(folder: Path, engine: Sequence[str], *, docs: int, pages: int, rounds: int) -> list[float]:
    """CPU ms/page of the embedded pipeline, one figure per round: this module run in a
    subprocess (a fresh data folder under ``folder``; ``engine``: ``["--url", URL]`` or
    ``["--sleep"]``), with no ``DOCPARSE_`` setting of the caller's environment. ``[]``, with
    the reason on standard error, when it fails: the figure it feeds has no target, and the
    scenario's other figures are kept."""
    data = folder / f"embedded-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "bench.embedded_floor", *engine, "--data", str(data)]
    argv += ["--docs", str(docs), "--pages", str(pages), "--rounds", str(rounds)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    try:
        done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        print("bench.embedded_floor: no answer within 600 s", file=sys.stderr)
        return []
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f"bench.embedded_floor failed ({done.returncode}): {done.stderr[-2000:]}", file=sys.stderr)
        return []
    runs: list[float] = json.loads(lines[-1])["ms_per_page"]
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.embedded_floor", description=__doc__)
    engine = p.add_mutually_exclusive_group(required=True)
    engine.add_argument("--url", help="the openai engine against this server (base URL ending in /v1)")
    engine.add_argument("--sleep", action="store_true", help="the bench-sleep instrument, no latency")
    p.add_argument("--model", default="capacity-server", help="the served model name (with --url)")
    p.add_argument("--data", required=True, type=Path, help="the embedded data folder (created)")
    p.add_argument("--docs", type=int, default=3)
    p.add_argument("--pages", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    for name in [k for k in os.environ if k.startswith("DOCPARSE_")]:
        del os.environ[name]
    os.environ["DOCPARSE_DATA_DIR"] = str(args.data)
    if args.sleep:
        from bench.sleep_engine import ENGINE_NAME, PLUGIN

        name = ENGINE_NAME
        os.environ.update(DOCPARSE_ENGINE=name, DOCPARSE_ENGINE_PLUGINS=PLUGIN, DOCPARSE_BENCH_LATENCY_S="0")
    else:
        name = "openai"
        os.environ.update(DOCPARSE_ENGINE=name, DOCPARSE_OPENAI_BASE_URL=args.url, DOCPARSE_OPENAI_MODEL=args.model)
    from docparse.intake import IntakeResult, ProcessingRequest, submit
    from docparse.services import Services
    from storage import Database

    services = Services.from_env()
    assert services.embedded, "the embedded floor runs without a broker"
    db: Database = services.prepare()
    request = ProcessingRequest(engine=name)
    inputs = args.data / "inputs"

    def ingest(paths: list[Path]) -> list[IntakeResult]:
        return submit(paths, db=db, blobs=services.blobs, app=services.app, request=request)

    def check(paths: list[Path], results: list[IntakeResult]) -> None:
        """Every document done (outside the timed part: reading them back is not the pipeline's)."""
        ids = [r.document_id for r in results if r.document_id is not None]
        with db.unit_of_work() as uow:
            statuses = [uow.documents.get(i) for i in ids]
        unfinished = [r.status if r is not None else "missing" for r in statuses if r is None or r.status != "done"]
        if len(ids) != len(paths) or unfinished:
            raise SystemExit(f"embedded floor: documents not done: {unfinished or results}")

    warm = _documents(inputs, "warm", 1, 2)
    check(warm, ingest(warm))
    runs = []
    for round_ in range(max(1, args.rounds)):
        paths = _documents(inputs, f"r{round_}", args.docs, args.pages)
        start = time.process_time()
        results = ingest(paths)
        runs.append((time.process_time() - start) * 1000 / (args.docs * args.pages))
        check(paths, results)
    db.dispose()
    print(json.dumps({"ms_per_page": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
