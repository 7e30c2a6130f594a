"""The worker's Celery app: ``celery -A workers.worker worker -Q render,infer``.

Configuration lives in :mod:`workers.celery_app` (:func:`create_app`, re-exported here);
this module adds the worker process lifecycle.

Worker start: in the main process (``worker_init``), :func:`~workers.engines.preflight_worker_engine`
checks the configured engine cheaply (weights present, server answering) and the worker
**exits with status 3 and the message** when it cannot run — workers never fall back silently.
Before that, a misconfigured blob store (a missing bucket, refused credentials) stops it with
status 4 and the reason.
Each pool process (``worker_process_init``; the worker process itself for the ``threads``
pool, at ``worker_ready``) then loads its engine once
(:func:`~workers.engines.check_worker_engine`); a failure there stops the whole worker too. Then it
tunes its garbage collector (:mod:`workers.collector`).
When the worker consumes (``worker_ready``) it starts its reconciler thread
(:mod:`workers.reconciler`); page time limits are enforced in every worker process
(:mod:`workers.leases`). ``docparse worker`` runs several such processes under
:mod:`workers.supervisor`.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

import structlog
from celery import signals

from workers import runtime
from workers.celery_app import create_app, load_tasks, transport_options
from workers.prefetch import BudgetPrefetch

log = structlog.get_logger("docparse.workers")

EXIT_ENGINE_UNAVAILABLE = 3
EXIT_BLOB_STORE_UNUSABLE = 4


# -- worker process lifecycle ----------------------------------------------------------------

_main_pid: int | None = None
_reconciler: Any = None


def _configure_structlog() -> None:
    """structlog through the stdlib loggers Celery sets up, as key=value lines."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),  # Celery's log format adds time and process
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=False,
    )


CHATTY_LOGGERS = ("celery.worker.strategy", "celery.app.trace", "httpx", "httpcore")
"""Loggers that write a line per task or per HTTP request at INFO ("Task ... received",
"... succeeded in", "HTTP Request: POST ..."): at a few hundred pages a second that is log
volume and CPU without information the ``page.saved`` lines lack. Below INFO (``--loglevel
DEBUG``) they are left as they are."""


def _quiet_chatty_loggers(loglevel: int | str | None = None, **_: Any) -> None:
    """Raise :data:`CHATTY_LOGGERS` to WARNING unless the worker logs at DEBUG."""
    level = logging.getLevelName(loglevel) if isinstance(loglevel, str) else loglevel
    if isinstance(level, int) and level <= logging.DEBUG:
        return
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _refuse(message: str) -> None:
    print(f"docparse worker: engine unavailable: {message}", file=sys.stderr, flush=True)


def _on_worker_init(sender: Any = None, **_: Any) -> None:
    """Main worker process, before the pool forks: refuse to start without a usable engine."""
    global _main_pid
    _main_pid = os.getpid()
    _configure_structlog()
    from workers.leases import enforce_time_limits

    enforce_time_limits()  # a page over the time limit ends this worker process (see workers.leases)
    _preflight_blob_store()
    load_page_modules()
    from docparse.engines.base import EngineUnavailable
    from workers.engines import preflight_worker_engine

    try:
        preflight_worker_engine()
    except EngineUnavailable as exc:
        _refuse(str(exc))
        raise SystemExit(EXIT_ENGINE_UNAVAILABLE) from None


def load_page_modules() -> None:
    """Import what the first page would import lazily (the PDF backend and PyMuPDF, about 0.3 s
    of CPU): once, before consuming (and before a prefork pool forks), not under the first
    tasks' threads, which would wait on the import lock."""
    import docparse.render.pdf  # noqa: F401


def _preflight_blob_store() -> None:
    """Refuse to start (exit 4, with the reason) on a blob store that is misconfigured — a bad
    ``DOCPARSE_BLOB_URL``, a missing bucket, refused credentials; one that does not answer yet is
    only logged (its tasks retry)."""
    from storage import BlobStoreError, BlobStoreUnavailable, StorageSettings, blob_store_for

    try:
        blob_store_for(StorageSettings()).check()
    except BlobStoreUnavailable as exc:
        log.warning("worker.blob_store_unavailable", reason=str(exc))
    except (BlobStoreError, ValueError) as exc:
        print(f"docparse worker: blob store unusable: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_BLOB_STORE_UNUSABLE) from None


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    """The worker consumes: load the engine now unless a prefork pool did it in its children,
    and start this process's reconciler (see :mod:`workers.reconciler`)."""
    global _reconciler
    from workers.reconciler import Reconciler

    worker_app = getattr(sender, "app", None) or app
    pool = getattr(getattr(sender, "pool", None), "__class__", type(None)).__module__
    if "prefork" not in pool:
        try:
            _on_worker_process_init()
        except SystemExit as exc:  # Celery's signal dispatch would swallow it: end the worker here
            os._exit(int(exc.code or 1))
    _reconciler = Reconciler(runtime.runtime_for(worker_app), worker_app).start()


def _on_worker_shutdown(**_: Any) -> None:
    if _reconciler is not None:
        _reconciler.stop()


def _on_prefork_child(**_: Any) -> None:
    """A prefork pool's child (``worker_process_init`` fires only there): one task at a time."""
    from workers.page_budget import in_prefork_child

    in_prefork_child()


def _on_worker_process_init(**_: Any) -> None:
    """Each pool process: fresh database connections, then load the engine once."""
    runtime.forget_inherited()
    from docparse.engines.base import EngineUnavailable
    from workers.engines import check_worker_engine

    try:
        choice = check_worker_engine()
    except EngineUnavailable as exc:
        _refuse(str(exc))
        if _main_pid is not None and os.getpid() != _main_pid:
            os.kill(_main_pid, signal.SIGTERM)  # stop the whole worker rather than fork a failing child forever
            os._exit(EXIT_ENGINE_UNAVAILABLE)
        raise SystemExit(EXIT_ENGINE_UNAVAILABLE) from None
    log.info("worker.engine_ready", engine=choice.engine.info.name, model=choice.engine.info.model, pid=os.getpid())
    import gc

    from workers.collector import tune_collector

    frozen = tune_collector()  # see workers.collector
    log.info("worker.collector_tuned", frozen=frozen, thresholds=list(gc.get_threshold()), pid=os.getpid())


signals.after_setup_logger.connect(_quiet_chatty_loggers, weak=False)
signals.worker_init.connect(_on_worker_init, weak=False)
signals.worker_process_init.connect(_on_prefork_child, weak=False)
signals.worker_process_init.connect(_on_worker_process_init, weak=False)
signals.worker_ready.connect(_on_worker_ready, weak=False)
signals.worker_shutdown.connect(_on_worker_shutdown, weak=False)

app = create_app()
"""The app of ``celery -A workers.worker worker``, configured from the environment."""
app.steps["consumer"].add(BudgetPrefetch)  # see workers.prefetch

__all__ = [
    "EXIT_BLOB_STORE_UNUSABLE",
    "EXIT_ENGINE_UNAVAILABLE",
    "app",
    "create_app",
    "load_tasks",
    "transport_options",
]
