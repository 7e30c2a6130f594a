"""5. Memory: peak RSS of ingesting a 500-page PDF against a 5-page one, on the embedded default.

Each ingest runs in a fresh Python process (``python -m bench.scenarios.memory PDF``) configured
like a first-time user's: no broker (tasks run in process), a SQLite database and blob store in
a temp data folder, the ``pdf-text`` engine (what ``auto`` picks without a GPU or local
weights; named explicitly so a GPU machine does not load a model here). The child ingests the
file with ``docparse.intake.files`` and reports its own peak RSS (``ru_maxrss``). Target: the
500-page peak exceeds the 5-page peak by at most 200 MB (memory must not grow with pages).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.inputs import REPO_ROOT, make_mixed_pdf
from bench.report import Figure, ScenarioResult, Target
from bench.scenarios import Context

__all__ = ["run"]


def _child(pdf: Path) -> None:
    """Ingest ``pdf`` with the embedded default services and print a JSON line of figures."""
    from docparse.intake import ProcessingRequest, submit
    from docparse.logs import configure_logging
    from docparse.services import Services

    configure_logging("WARNING")
    services = Services.from_env()
    db = services.prepare()  # the embedded database is created and migrated here, as the CLI does
    start = time.perf_counter()
    results = submit([pdf], db=db, blobs=services.blobs, app=services.app, request=ProcessingRequest())
    elapsed = time.perf_counter() - start
    with db.unit_of_work() as uow:
        record = uow.documents.get(results[0].document_id) if results[0].document_id else None
    print(
        json.dumps(
            {
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "status": record.status if record else results[0].outcome,
                "pages": record.page_count if record else None,
                "seconds": elapsed,
            }
        )
    )


def _ingest(pdf: Path, data_dir: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    env.update(DOCPARSE_DATA_DIR=str(data_dir), DOCPARSE_ENGINE="pdf-text", OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scenarios.memory", str(pdf)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ingest of {pdf.name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    data: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def run(ctx: Context) -> ScenarioResult:
    """Peak RSS, big document against small document."""
    result = ScenarioResult("memory", "5. Memory (peak RSS of one ingest, embedded default)")
    small_n = 5
    big_n = int(ctx.option("memory_pages", 20 if ctx.quick else 500))
    result.settings = {"engine": "pdf-text", "database": "SQLite", "broker": "none (embedded)"}
    result.settings["pages"] = [small_n, big_n]
    folder = ctx.tmp / "memory"
    small = _ingest(make_mixed_pdf(folder / "small.pdf", small_n, label="Small"), folder / "data-small")
    big = _ingest(make_mixed_pdf(folder / "big.pdf", big_n, label="Big"), folder / "data-big")
    small_mb, big_mb = float(str(small["peak_rss_mb"])), float(str(big["peak_rss_mb"]))
    note = (
        f"{big['pages']} pages {big['status']} in {float(str(big['seconds'])):.1f} s; "
        f"{small['pages']} pages {small['status']}"
    )
    result.add(
        Figure(
            f"peak RSS, {big_n}-page PDF",
            big_mb,
            "MB",
            baseline=small_mb,
            baseline_name=f"{small_n}-page PDF",
            note=note,
        )
    )
    result.add(
        Figure(
            f"RSS growth, {big_n} vs {small_n} pages",
            big_mb - small_mb,
            "MB",
            target=Target("value", "<=", 200),
            note=f"{(big_mb - small_mb) * 1024 / max(1, big_n - small_n):.0f} KB per extra page",
        )
    )
    return result


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
