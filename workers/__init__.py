"""Document workers: the Celery app, thin tasks over plain job functions, per-process engine
loading and the enqueue client.

- :mod:`workers.settings` — :class:`WorkerSettings` (``DOCPARSE_BROKER_URL``; unset: embedded).
- :mod:`workers.worker` — :func:`create_app` and the ``app`` of ``celery -A workers.worker worker``.
- :mod:`workers.tasks` — ``docparse.render_document`` and ``docparse.infer_pages`` (ids in).
- :mod:`workers.jobs` — the work itself, as plain functions.
- :mod:`workers.engines` — the per-process engine cache; workers never fall back silently.
- :mod:`workers.client` — :func:`enqueue_document` / :func:`enqueue_pages` for CLI and API.

This package never imports the entrypoints (``docparse.cli``, ``docparse.api``); an
import-linter contract enforces it. Importing it loads nothing heavy.
"""
