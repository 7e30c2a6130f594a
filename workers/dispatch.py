"""Sending a document's work: a few page chains per document, never its whole page list.

A document's pages are run by *chains*: each ``docparse.infer_pages(document_id, None)`` task
claims the next ``pages_per_task`` unclaimed pages, runs them and — when unclaimed pages
remain — sends the next step of its chain to the back of the queue. A document therefore
has at most :attr:`~workers.settings.WorkerSettings.chains_per_document` tasks queued or
running (``document_window_pages`` pages), whatever its size, and the queue interleaves
documents: a one-page upload waits behind a window of a 2,000-page document, not behind all
of it (fair share). Duplicate or extra chain tasks are harmless: a step that finds nothing to
claim ends its chain.
"""

from __future__ import annotations

from typing import Any

from workers import runtime
from workers.names import INFER_TASK, RENDER_TASK, TaskApp


def chains_for(app: TaskApp, pages: int) -> int:
    """How many chains to start for ``pages`` unprocessed pages."""
    settings = runtime.settings_of(app)
    return max(0, min(settings.chains_per_document, -(-pages // settings.pages_per_task)))


def send(app: TaskApp, name: str, args: list[Any]) -> None:
    """Send a task by name; in embedded mode run it now, in this process."""
    if bool(app.conf.task_always_eager):
        import importlib

        importlib.import_module("workers.tasks")  # by name: only embedded callers load task code
        app.finalize(auto=True)
        app.tasks[name].apply_async(args=args)
    else:
        app.send_task(name, args=args)


def start_chains(app: TaskApp, document_id: str, pages: int, *, running: int = 0) -> int:
    """Start the chains for ``pages`` unprocessed pages of the document, but for the ``running``
    ones the caller runs itself (the render step running the first: :func:`workers.tasks`);
    returns how many were sent."""
    count = max(0, chains_for(app, pages) - running)
    for _ in range(count):
        send(app, INFER_TASK, [document_id, None])
    return count


def send_render(app: TaskApp, document_id: str) -> None:
    """Queue the render step of the document (which then starts its chains)."""
    send(app, RENDER_TASK, [document_id])
