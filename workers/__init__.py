"""Document workers: the Celery app, thin tasks over plain job functions, per-process engine
loading, recovery and the enqueue client.

- :mod:`workers.settings` — :class:`WorkerSettings` (``DOCPARSE_BROKER_URL``; unset: embedded).
- :mod:`workers.celery_app` — the Celery configuration (Redis or RabbitMQ); :mod:`workers.worker`
  — the worker process lifecycle (``celery -A workers.worker worker``).
- :mod:`workers.supervisor` and :mod:`workers.capacity` — ``docparse worker``: several worker
  processes per host, restarted when they die, with pages in flight sized for the engine.
- :mod:`workers.tasks` — ``docparse.render_document`` and ``docparse.infer_pages`` (ids in).
- :mod:`workers.dispatch` — a document's work as a few page chains (fair share between documents).
- :mod:`workers.render_job`, :mod:`workers.page_job`, :mod:`workers.faults` — the work itself, as
  plain functions (re-exported by :mod:`workers.jobs`): claim, run and save pages; fail with reasons.
- :mod:`workers.leases` and :mod:`workers.gate` — the pages a process holds: heartbeat, page time
  limit, poison-page isolation; :mod:`workers.reconciler` — re-enqueue work whose task was lost.
- :mod:`workers.batcher` — pages of several documents in one batch of an in-process model.
- :mod:`workers.engines` — the per-process engine cache; workers never fall back silently.
- :mod:`workers.client` — :func:`enqueue_document` / :func:`enqueue_pages` for CLI and API.

This package never imports the entrypoints (``docparse.cli``, ``docparse.api``); an
import-linter contract enforces it. Importing it loads nothing heavy.
"""
