"""The Celery app: ``celery -A workers.app worker -Q render,infer``.

Configuration (:func:`create_app`): JSON only (no pickle: a message is ids, never objects);
tasks acknowledged late and rejected back to the queue when their worker process dies, so a
``kill -9`` loses nothing; prefetch 1 (a GPU worker holds one task at a time); hard and soft
time limits; Redis ``visibility_timeout`` above the hard limit (validated by
:class:`~workers.settings.WorkerSettings`); the render task on the ``render`` queue and the
infer task on the ``infer`` queue; no result backend — status lives in the database.
Without ``DOCPARSE_BROKER_URL`` the app is **embedded**: tasks run eagerly in the caller.

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
from celery import Celery, signals

from workers import runtime
from workers.names import INFER_TASK, RENDER_TASK
from workers.settings import WorkerSettings

log = structlog.get_logger("docparse.workers")

EXIT_ENGINE_UNAVAILABLE = 3


def create_app(settings: WorkerSettings | None = None, *, db: Any = None, blobs: Any = None) -> Celery:
    """A configured Celery app. ``db``/``blobs`` (a :class:`storage.Database` and blob store),
    when given, are what this app's tasks use in this process — embedded mode runs tasks
    against the caller's database; otherwise they are built from the environment per process."""
    settings = settings or WorkerSettings()
    app = Celery(
        "docparse", broker=settings.broker_url or "memory://localhost/", include=["workers.tasks"], set_as_current=False
    )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        event_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit_s,
        task_soft_time_limit=settings.task_soft_time_limit_s,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_s,
            # Redis: re-queue the unacked tasks of a dead worker this often (throttle 1: every sweep scans)
            "unacked_restore_interval": settings.restore_interval_s,
            "unacked_restore_throttle": 1,
        },
        task_routes={
            RENDER_TASK: {"queue": settings.render_queue},
            INFER_TASK: {"queue": settings.infer_queue},
        },
        task_default_queue=settings.render_queue,
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        task_always_eager=settings.embedded,
        task_eager_propagates=settings.embedded,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=True,
        worker_send_task_events=False,
        enable_utc=True,
    )
    runtime.register(app, settings)
    if db is not None or blobs is not None:
        if db is None or blobs is None:
            raise ValueError("pass both db and blobs, or neither")
        runtime.bind(app, db, blobs)
    return app


def load_tasks(app: Celery) -> None:
    """Register the tasks on ``app`` in this process (a worker does this itself at start)."""
    app.loader.import_default_modules()
    app.finalize(auto=True)


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
"""The app of ``celery -A workers.app worker``, configured from the environment."""
