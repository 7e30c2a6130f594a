"""Celery configuration for every process that talks to the queue: :func:`create_app`.

JSON only (no pickle: a message is ids, never objects); tasks acknowledged late and
rejected back to the queue when their worker process dies, so a ``kill -9`` loses nothing;
queues durable and messages persistent (RabbitMQ keeps them across a restart);
prefetch 1 (a GPU worker holds one task at a time); hard and soft time limits; Redis
``visibility_timeout`` above the hard limit (validated by
:class:`~workers.settings.WorkerSettings`); the render task on the ``render`` queue and the
infer task on the ``infer`` queue; no result backend — status lives in the database.
Without ``DOCPARSE_BROKER_URL`` the app is **embedded**: tasks run eagerly in the caller.

This module holds configuration only: clients (the CLI, the API) build their app here and
never import worker lifecycle code or engine runtimes; the worker process itself uses
:mod:`workers.worker`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery

from workers import runtime
from workers.names import INFER_TASK, RENDER_TASK
from workers.settings import WorkerSettings

if TYPE_CHECKING:  # pragma: no cover
    from storage import BlobStore, Database


def is_amqp(url: str | None) -> bool:
    """Whether the broker is RabbitMQ (AMQP)."""
    return (url or "").startswith(("amqp://", "amqps://", "pyamqp://"))


def transport_options(settings: WorkerSettings) -> dict[str, object]:
    """Broker transport options: Redis's redelivery settings for Redis brokers; publisher
    confirms for RabbitMQ (a sent task is on the broker's disk before ``send`` returns);
    none otherwise.

    Other transports (kombu's SQLAlchemy transport used by ``docparse serve`` on the embedded
    default) hand their options to their own clients, which refuse unknown keys.
    """
    if is_amqp(settings.broker_url):
        return {"confirm_publish": True}
    if not (settings.broker_url or "").startswith(("redis://", "rediss://", "redis+socket://")):
        return {}
    return {
        "visibility_timeout": settings.visibility_timeout_s,
        # re-queue the unacked tasks of a dead worker this often (throttle 1: every sweep scans)
        "unacked_restore_interval": settings.restore_interval_s,
        "unacked_restore_throttle": 1,
    }


def create_app(
    settings: WorkerSettings | None = None, *, db: Database | None = None, blobs: BlobStore | None = None
) -> Celery:
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
        broker_transport_options=transport_options(settings),
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
        # a lost broker connection does not abort the pages in flight: they finish and are saved
        # (idempotently); the broker redelivers their tasks, which then find nothing to claim
        worker_cancel_long_running_tasks_on_connection_loss=False,
        task_default_delivery_mode="persistent",
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
