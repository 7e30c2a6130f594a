"""The worker's Celery app: ``celery -A workers.worker worker -Q render,infer``.

Configuration lives in :mod:`workers.celery_app` (:func:`create_app`, re-exported here);
this module adds the worker process lifecycle.

Worker start: in the main process (``worker_init``), :func:`~workers.engines.preflight_worker_engine`
checks the configured engine cheaply (weights present, server answering) and the worker
**exits with status 3 and the message** when it cannot run — workers never fall back silently.
Each pool process (``worker_process_init``) then loads its engine once
(:func:`~workers.engines.check_worker_engine`); a failure there stops the whole worker too.
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

log = structlog.get_logger("docparse.workers")

EXIT_ENGINE_UNAVAILABLE = 3


# -- worker process lifecycle ----------------------------------------------------------------

_main_pid: int | None = None


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


def _refuse(message: str) -> None:
    print(f"docparse worker: engine unavailable: {message}", file=sys.stderr, flush=True)


def _on_worker_init(sender: Any = None, **_: Any) -> None:
    """Main worker process, before the pool forks: refuse to start without a usable engine."""
    global _main_pid
    _main_pid = os.getpid()
    _configure_structlog()
    from docparse.engines.base import EngineUnavailable
    from workers.engines import preflight_worker_engine

    try:
        preflight_worker_engine()
    except EngineUnavailable as exc:
        _refuse(str(exc))
        raise SystemExit(EXIT_ENGINE_UNAVAILABLE) from None


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


signals.worker_init.connect(_on_worker_init, weak=False)
signals.worker_process_init.connect(_on_worker_process_init, weak=False)

app = create_app()
"""The app of ``celery -A workers.worker worker``, configured from the environment."""

__all__ = ["EXIT_ENGINE_UNAVAILABLE", "app", "create_app", "load_tasks", "transport_options"]
