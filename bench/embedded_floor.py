"""The embedded pipeline's CPU per page: the same tasks as a worker, without a broker, a database
server or worker threads.

``python -m bench.embedded_floor --url URL --data DIR --docs N --pages P --rounds R`` ingests
``N`` documents of ``P`` pages ``R`` times on the embedded default (no ``DOCPARSE_BROKER_URL``:
tasks run eagerly in this process; SQLite and local blobs in ``DIR``) with the openai engine
against ``URL``, and prints one line of JSON: the CPU ms per page of each round (this process's
``process_time`` around ``submit``: render task, page chains, group writes, page images, the
document pass). A warm-up document runs first. Every round ingests new documents (different
bytes), so none is deduplicated.

The capacity scenario (:mod:`bench.scenarios.capacity`) runs it in a subprocess (its settings
come from the environment) and reports a worker host's CPU per page against it beside the
in-process floor of :mod:`bench.floor`: what the broker, PostgreSQL and the worker's threads add
to the pipeline itself, persistence included.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from bench.inputs import make_mixed_pdf


def _documents(folder: Path, tag: str, docs: int, pages: int) -> list[Path]:
    unique = uuid.uuid4().hex[:8]
    return [make_mixed_pdf(folder / f"{tag}-{i}.pdf", pages, label=f"embedded {tag} {i} {unique}") for i in range(docs)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.embedded_floor", description=__doc__)
    p.add_argument("--url", required=True, help="the OpenAI-compatible server (base URL ending in /v1)")
    p.add_argument("--model", default="capacity-server")
    p.add_argument("--data", required=True, type=Path, help="the embedded data folder (created)")
    p.add_argument("--docs", type=int, default=3)
    p.add_argument("--pages", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    for name in [k for k in os.environ if k.startswith("DOCPARSE_")]:
        del os.environ[name]
    os.environ.update(
        DOCPARSE_ENGINE="openai",
        DOCPARSE_OPENAI_BASE_URL=args.url,
        DOCPARSE_OPENAI_MODEL=args.model,
        DOCPARSE_DATA_DIR=str(args.data),
    )
    from docparse.intake import ProcessingRequest, submit
    from docparse.services import Services
    from storage import Database

    services = Services.from_env()
    assert services.embedded, "the embedded floor runs without a broker"
    db: Database = services.prepare()
    request = ProcessingRequest(engine="openai")
    inputs = args.data / "inputs"

    def ingest(paths: list[Path]) -> None:
        results = submit(paths, db=db, blobs=services.blobs, app=services.app, request=request)
        ids = [r.document_id for r in results if r.document_id is not None]
        with db.unit_of_work() as uow:
            statuses = [uow.documents.get(i) for i in ids]
        unfinished = [r.status if r is not None else "missing" for r in statuses if r is None or r.status != "done"]
        if len(ids) != len(paths) or unfinished:
            raise SystemExit(f"embedded floor: documents not done: {unfinished or results}")

    ingest(_documents(inputs, "warm", 1, 2))
    runs = []
    for round_ in range(max(1, args.rounds)):
        paths = _documents(inputs, f"r{round_}", args.docs, args.pages)
        start = time.process_time()
        ingest(paths)
        runs.append((time.process_time() - start) * 1000 / (args.docs * args.pages))
    db.dispose()
    print(json.dumps({"ms_per_page": runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
