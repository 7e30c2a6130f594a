"""The enqueue client for the CLI and the API: send work by document id.

With a broker, tasks are sent **by name** (:mod:`workers.names`): this module imports no
task code, no engine runtime, no torch. In embedded mode (no broker) the same calls run the
work synchronously in this process — the task modules are loaded on first use there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workers import runtime
from workers.names import INFER_TASK, RENDER_TASK


def is_embedded(app: Any) -> bool:
    """Whether ``app`` runs tasks in process (no broker)."""
    return bool(app.conf.task_always_eager)


def _send(app: Any, name: str, args: list[Any]) -> None:
    if is_embedded(app):
        import importlib

        importlib.import_module("workers.tasks")  # by name: only embedded callers load task code
        app.finalize(auto=True)
        app.tasks[name].apply_async(args=args)
    else:
        app.send_task(name, args=args)


def enqueue_document(app: Any, document_id: str) -> None:
    """Queue the whole walk of one document (render, then inference of its pages).

    Embedded: runs it now and returns when the document is processed.
    """
    _send(app, RENDER_TASK, [document_id])


def enqueue_pages(app: Any, document_id: str, numbers: Sequence[int]) -> None:
    """Queue inference of these pages (for reprocessing; the pages must exist and be unprocessed),
    in tasks of ``pages_per_task`` pages. Embedded: runs them now."""
    size = runtime.settings_of(app).pages_per_task
    ordered = sorted(set(numbers))
    for start in range(0, len(ordered), size):
        _send(app, INFER_TASK, [document_id, ordered[start : start + size]])
