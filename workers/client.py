"""The enqueue client for the CLI and the API: send work by document id.

With a broker, tasks are sent **by name** (:mod:`workers.names`): this module imports no
task code, no engine runtime, no torch. In embedded mode (no broker) the same calls run the
work synchronously in this process — the task modules are loaded on first use there.
"""

from __future__ import annotations

from collections.abc import Sequence

from workers.dispatch import send_render, start_chains
from workers.names import TaskApp


def is_embedded(app: TaskApp) -> bool:
    """Whether ``app`` runs tasks in process (no broker)."""
    return bool(app.conf.task_always_eager)


def enqueue_document(app: TaskApp, document_id: str) -> None:
    """Queue the whole walk of one document (render, then its page chains).

    Embedded: runs it now and returns when the document is processed.
    """
    send_render(app, document_id)


def enqueue_pages(app: TaskApp, document_id: str, numbers: Sequence[int]) -> None:
    """Queue the document's unprocessed pages (after a reset: ``numbers`` are the pages reset)
    as a few page chains (:mod:`workers.dispatch`), never one task per page. Embedded: runs them now."""
    start_chains(app, document_id, len(set(numbers)))
